"""The tunnel's status: kept, told to listeners, published, and logged.

Qt-free; called on the event loop only. The supervisor decides what happens;
the board records it: every change becomes a new ``TunnelStatus`` for the
listeners (the GUI) and for ``tunnel.json`` (``hookflo tunnel status``), and
the log says what the user needs to know, each thing once.
"""

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from hookflo.core.config import Source
from hookflo.core.tunnel import download, notices, runtimefile
from hookflo.core.tunnel.errors import TunnelError
from hookflo.core.tunnel.status import TunnelState, TunnelStatus, WebhookUrl

logger = logging.getLogger(__name__)

Listener = Callable[[TunnelStatus], None]


class StatusBoard:
    """Holds the latest ``TunnelStatus`` and tells everyone who listens.

    Args:
        data_dir: where ``tunnel.json`` and the URL history live.
        sources: the webhook sources, for their public URLs.
        domain: the reserved domain, if any.

    Attributes:
        listeners: called with each new status, on the event loop.
    """

    def __init__(
        self, *, data_dir: Path, sources: Sequence[Source], domain: str | None
    ) -> None:
        self._data_dir = data_dir
        self._sources = tuple(sources)
        self._domain = domain
        self._said: set[str] = set()
        self.status = TunnelStatus(TunnelState.STOPPED, time.time())
        self.listeners: list[Listener] = []

    def starting(self) -> None:
        """A start (or a start the user asked for) begins."""
        self._publish(TunnelStatus(TunnelState.STARTING, time.time()))

    def downloading(self, progress: download.Progress) -> None:
        """The agent's download has come this far."""
        if self.status.state is not TunnelState.STARTING:
            return  # a late report from a download that was given up
        self._publish(
            dataclasses.replace(
                self.status,
                download_done=progress.done,
                download_total=progress.total,
            )
        )

    def agent_started(self, pid: int | None) -> None:
        """Note the new agent's pid (any download is over)."""
        self._publish(
            dataclasses.replace(
                self.status, agent_pid=pid, download_done=None, download_total=None
            )
        )

    def checked(self) -> None:
        """A request through the public URL reached the receiver just now."""
        self._publish(dataclasses.replace(self.status, checked_at=time.time()))

    def up(self, public_url: str, agent_pid: int | None) -> None:
        """The public URL reaches the receiver."""
        self._said.clear()
        previous = self.status.public_url or runtimefile.last_public_url(self._data_dir)
        changed = previous is not None and previous != public_url
        base = public_url.rstrip("/")
        self._publish(
            TunnelStatus(
                TunnelState.UP,
                time.time(),
                public_url=public_url,
                webhook_urls=tuple(
                    WebhookUrl(s.name, s.environment.value, base + s.path)
                    for s in self._sources
                ),
                previous_url=previous if changed else None,
                reserved_domain=self._domain is not None,
                checked_at=time.time(),
                agent_pid=agent_pid,
            )
        )
        notices.tunnel_up(self.status)
        if public_url != previous:
            runtimefile.remember_public_url(self._data_dir, public_url)
            if self._domain is None:
                notices.new_url(public_url, previous if changed else None)

    def down(self, err: TunnelError, *, quiet: bool = False) -> None:
        """The tunnel fails (again); the outage keeps its start time."""
        was_down = self.status.state is TunnelState.DOWN
        if was_down and self.status.summary == err.summary:
            return
        self._publish(
            dataclasses.replace(
                self.status,
                state=TunnelState.DOWN,
                since=self.status.since if was_down else time.time(),
                problem=err.problem,
                summary=err.summary,
                advice=err.advice,
            )
        )
        # An outage may alternate between reasons: each is said once.
        said = quiet or err.summary in self._said
        self._said.add(err.summary)
        logger.log(
            logging.DEBUG if said else logging.WARNING,
            "%s",
            self.status.describe(),
            extra={"event": "tunnel_down", "reason": err.problem},
        )

    def unavailable(self, err: TunnelError) -> None:
        """The tunnel waits for the user to fix something."""
        self._publish(
            TunnelStatus(
                TunnelState.UNAVAILABLE,
                time.time(),
                problem=err.problem,
                summary=err.summary,
                advice=err.advice,
            )
        )
        logger.error(
            "Tunnel: %s",
            err,
            extra={"event": "tunnel_unavailable", "reason": err.problem},
        )

    def stopped(self) -> None:
        """The tunnel is closed; ``tunnel.json`` is withdrawn."""
        if self.status.state is not TunnelState.STOPPED:
            self._publish(TunnelStatus(TunnelState.STOPPED, time.time()), keep=False)
            logger.info("Tunnel stopped", extra={"event": "tunnel_stopped"})
        runtimefile.remove(self._data_dir)

    def _publish(self, status: TunnelStatus, *, keep: bool = True) -> None:
        self.status = status
        if keep:
            runtimefile.write(self._data_dir, status)
        for listener in list(self.listeners):
            try:
                listener(status)
            except Exception:
                logger.exception("A tunnel status listener failed")
