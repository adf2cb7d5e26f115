"""The tunnel's state as front ends show it.

Qt-free. A ``TunnelStatus`` is an immutable snapshot: the tray and
``hookflo tunnel status`` (through ``runtimefile``) show the same facts.
"""

import dataclasses
import enum
import time
from typing import Any

from hookflo.core.tunnel.errors import Problem


class TunnelState(enum.StrEnum):
    """Where the tunnel stands."""

    STARTING = "starting"
    UP = "up"
    DOWN = "down"  # failing; HookFlo keeps trying
    UNAVAILABLE = "unavailable"  # failing; waits for the user (see ``advice``)
    STOPPED = "stopped"


@dataclasses.dataclass(frozen=True, slots=True)
class WebhookUrl:
    """The public URL of one source, to paste into Clerk's endpoint."""

    source: str
    environment: str
    url: str


@dataclasses.dataclass(frozen=True, slots=True)
class TunnelStatus:
    """One snapshot of the tunnel, sent to every listener on each change.

    Attributes:
        state: where it stands.
        since: when it entered this state (Unix time); for DOWN, when the
            outage began.
        public_url: the public URL while up (the last one while down).
        webhook_urls: the public URL of each source.
        problem: why it is down or unavailable.
        summary: a short phrase for the problem.
        advice: what the user can do about it.
        previous_url: the last run's public URL, when this run's differs
            (no reserved domain): Clerk's endpoint still points there.
        reserved_domain: whether the URL is a reserved, stable domain.
        checked_at: when a request through the public URL last reached us.
        agent_pid: the ngrok agent's process id, while one runs.
        download_done: while starting, how many bytes of the agent's download
            arrived (None: no download under way).
        download_total: the download's size, if the server said.
    """

    state: TunnelState
    since: float
    public_url: str | None = None
    webhook_urls: tuple[WebhookUrl, ...] = ()
    problem: Problem | None = None
    summary: str | None = None
    advice: str | None = None
    previous_url: str | None = None
    reserved_domain: bool = False
    checked_at: float | None = None
    agent_pid: int | None = None
    download_done: int | None = None
    download_total: int | None = None

    def describe(self) -> str:
        """Return one line for a status bar or a tooltip."""
        if self.state is TunnelState.STARTING and self.download_done is not None:
            return self.download_progress()
        if self.state is TunnelState.UP:
            return f"tunnel up: {self.public_url}"
        if self.state is TunnelState.DOWN:
            when = time.strftime("%H:%M:%S", time.localtime(self.since))
            return f"tunnel down since {when}: {self.summary}; reconnecting"
        if self.state is TunnelState.UNAVAILABLE:
            return f"tunnel: {self.summary}"
        return f"tunnel {self.state.value}"

    def download_progress(self) -> str:
        """Return e.g. "Downloading ngrok agent: 43 %" ("" if none runs)."""
        if self.download_done is None:
            return ""
        return progress_line(self.download_done, self.download_total)

    def to_json(self) -> dict[str, Any]:
        """Return the snapshot as plain JSON values."""
        data = dataclasses.asdict(self)
        data["webhook_urls"] = [dataclasses.asdict(w) for w in self.webhook_urls]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TunnelStatus":
        """Rebuild a snapshot written by ``to_json``.

        Raises:
            KeyError, TypeError, ValueError: the data is not such a snapshot.
        """
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["state"] = TunnelState(values["state"])
        if values.get("problem") is not None:
            values["problem"] = Problem(values["problem"])
        values["webhook_urls"] = tuple(
            WebhookUrl(**w) for w in values.get("webhook_urls", ())
        )
        return cls(**values)


def progress_line(done: int, total: int | None, *, sizes: bool = False) -> str:
    """Return e.g. "Downloading ngrok agent: 43 %" (``sizes``: "(4.3 of 10.0 MB)")."""
    done_mb = done / 1_000_000
    if not total:
        return f"Downloading ngrok agent: {done_mb:.1f} MB"
    line = f"Downloading ngrok agent: {min(100, done * 100 // total)} %"
    if sizes:
        line += f" ({done_mb:.1f} of {total / 1_000_000:.1f} MB)"
    return line
