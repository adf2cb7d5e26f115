"""What the tray icon says at a glance: healthy, new events, or a problem.

``Status`` turns the facts the app gathers (unseen events, blocked or failing
channels, refused requests, keyring and tunnel trouble, a pause) into the
icon's state, the status line and the tooltip; it is plain data so tests can
check the wording without a screen. ``StatusTracker`` holds the current
``Status`` and tells the tray and the window when it changes.
"""

import dataclasses
import enum
import logging
import time
from typing import Any

from PySide6.QtCore import QObject, Signal

from hookflo.core.refusal import Reason
from hookflo.core.tunnel.status import TunnelState, TunnelStatus
from hookflo.gui.records import ChannelTrouble

logger = logging.getLogger(__name__)

# Refusals of requests that carried Svix headers: Clerk's deliveries failing.
# Requests for unknown paths or without the headers are noise from the
# internet (scanners find every tunnel) and only show in the Refused view.
CLERK_REFUSALS = frozenset(
    {
        Reason.MISSING_SIGNATURE,
        Reason.BAD_TIMESTAMP,
        Reason.TIMESTAMP_TOO_OLD,
        Reason.TIMESTAMP_TOO_NEW,
        Reason.SIGNATURE_MISMATCH,
        Reason.SECRET_MALFORMED,
        Reason.NO_SECRET,
        Reason.KEYRING_UNAVAILABLE,
        Reason.STORE_FAILED,
    }
)
# Loggers whose ALERT-or-worse lines mean the keyring failed us.
KEYRING_LOGGERS = ("hookflo.core.credentials", "hookflo.core.secretcache")


class TrayState(enum.StrEnum):
    """The three looks of the tray icon."""

    HEALTHY = "healthy"
    NEW = "new"
    PROBLEM = "problem"


@dataclasses.dataclass
class Status:
    """The facts behind the tray icon.

    Attributes:
        listening: the receiver's local URL, "" until it listens.
        unseen: events stored since the user last looked at the window.
        blocked: channel → why it stopped sending.
        retrying: channel → the last error of its deliveries waiting to retry.
        refused: Clerk requests refused since the user last looked.
        last_refusal: why the latest of those was refused.
        keyring: the latest keyring problem, "" when there is none.
        tunnel: why the tunnel is down, "" when it is up or not used.
        paused_until: alerts are paused until then (Unix time), or None.
        quiet: "Quiet until 07:00" during quiet hours, else "".
        health: the endpoint health per source (last verified event,
            refusals of the last hour) and the latest catch-up.
        health_warnings: what needs doing so that Clerk reaches HookFlo
            (its retries ran out, the endpoint may be disabled, offline
            without a Clerk secret key), each with its steps.
    """

    listening: str = ""
    unseen: int = 0
    blocked: dict[str, str] = dataclasses.field(default_factory=dict)
    retrying: dict[str, str] = dataclasses.field(default_factory=dict)
    refused: int = 0
    last_refusal: str = ""
    keyring: str = ""
    tunnel: str = ""
    paused_until: float | None = None
    quiet: str = ""
    health: tuple[str, ...] = ()
    health_warnings: tuple[str, ...] = ()

    @property
    def problems(self) -> list[str]:
        """Return one sentence per problem, the most serious first."""
        # Clerk not reaching HookFlo loses events: that comes first.
        found = list(self.health_warnings)
        found.extend(
            f"{channel.capitalize()} alerts stopped: {reason}"
            for channel, reason in sorted(self.blocked.items())
        )
        found.extend(
            f"{channel.capitalize()} alerts are failing and being retried: {error}"
            for channel, error in sorted(self.retrying.items())
            if channel not in self.blocked
        )
        if self.keyring:
            found.append(f"Keyring problem: {self.keyring}")
        if self.tunnel:
            found.append(f"The tunnel is down: {self.tunnel}")
        if self.refused:
            found.append(
                f"{_count(self.refused, 'request', 'requests')} from Clerk refused "
                f"since you last looked: {self.last_refusal}"
            )
        return found

    @property
    def state(self) -> TrayState:
        """Return which icon to show."""
        if self.problems:
            return TrayState.PROBLEM
        if self.unseen:
            return TrayState.NEW
        return TrayState.HEALTHY

    def headline(self) -> str:
        """Return the status line: the worst news in a few words."""
        problems = self.problems
        if problems:
            more = len(problems) - 1
            others = f" (and {_count(more, 'more problem', 'more problems')})"
            return problems[0] + (others if more else "")
        if not self.listening:
            return "Starting…"
        if self.unseen:
            news = _count(self.unseen, "new event", "new events")
            return f"{news} since you last looked"
        return "Listening; all is well"

    def pause_line(self, now: float | None = None) -> str:
        """Return "Alerts paused until …", or "" when they are not paused."""
        moment = time.time() if now is None else now
        if self.paused_until is None or self.paused_until <= moment:
            return ""
        return f"Alerts paused until {_clock(self.paused_until, moment)}"

    def tooltip(self, now: float | None = None) -> str:
        """Return the tooltip: the state, then every problem on its own line."""
        lines = ["HookFlo: " + self.headline()]
        lines.extend(self.problems[1:])
        pause = self.pause_line(now)
        if pause:
            lines.append(pause)
        if self.quiet:
            lines.append(self.quiet)
        if self.listening and not self.problems:
            lines.append(f"Receiving on {self.listening}")
        lines.extend(self.health)
        return "\n".join(lines)


class StatusTracker(QObject):
    """Keeps the current ``Status`` and announces every change.

    Signals:
        changed: the status changed; read ``status``.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.status = Status()

    def set_listening(self, url: str) -> None:
        """Record where the receiver listens."""
        self._update(listening=url)

    def count_new(self, count: int) -> None:
        """Add ``count`` stored events to those not seen yet."""
        # A verified event also proves the signing secrets could be read.
        self._update(unseen=self.status.unseen + count, keyring="")

    def mark_seen(self) -> None:
        """The user looked at the event list."""
        self._update(unseen=0)

    def add_refusals(self, reasons: list[str]) -> None:
        """Count refused requests; those of Clerk's deliveries are problems."""
        clerk = [r for r in reasons if r in CLERK_REFUSALS]
        if not clerk:
            return
        latest = Reason(clerk[-1])
        changes: dict[str, Any] = {
            "refused": self.status.refused + len(clerk),
            "last_refusal": _REFUSAL_WORDS.get(latest, latest.value),
        }
        if latest is Reason.KEYRING_UNAVAILABLE:
            changes["keyring"] = "the signing secrets cannot be read"
        self._update(**changes)

    def mark_refusals_seen(self) -> None:
        """The user looked at the refused requests."""
        self._update(refused=0, last_refusal="")

    def set_trouble(self, trouble: ChannelTrouble) -> None:
        """Record which channels are blocked or retrying."""
        self._update(blocked=dict(trouble.blocked), retrying=dict(trouble.retrying))

    def note_alert(self, logger_name: str, message: str) -> None:
        """Take in a log line meant for the user (ALERT or worse)."""
        if logger_name.startswith(KEYRING_LOGGERS):
            self._update(keyring=message)

    def set_tunnel_problem(self, problem: str) -> None:
        """Record why the tunnel is down ("" when it is up)."""
        self._update(tunnel=problem)

    def set_paused(self, until: float | None) -> None:
        """Record until when alerts are paused (None: not paused)."""
        self._update(paused_until=until)

    def set_health(self, lines: list[str], warnings: list[str]) -> None:
        """Record the endpoint health and what needs doing about it."""
        self._update(health=tuple(lines), health_warnings=tuple(warnings))

    def set_quiet(self, line: str) -> None:
        """Record the quiet hours line ("Quiet until 07:00"; "" outside them)."""
        self._update(quiet=line)

    def _update(self, **changes: Any) -> None:
        updated = dataclasses.replace(self.status, **changes)
        if updated != self.status:
            self.status = updated
            self.changed.emit()


_REFUSAL_WORDS = {
    Reason.MISSING_SIGNATURE: "the request had no signature",
    Reason.BAD_TIMESTAMP: "the signature's timestamp was unreadable",
    Reason.TIMESTAMP_TOO_OLD: "the signature was too old (is the clock right?)",
    Reason.TIMESTAMP_TOO_NEW: "the signature was from the future (is the clock right?)",
    Reason.SIGNATURE_MISMATCH: "the signature did not match the signing secret",
    Reason.SECRET_MALFORMED: "the stored signing secret is malformed",
    Reason.NO_SECRET: "no signing secret is set",
    Reason.KEYRING_UNAVAILABLE: "the keyring could not be read",
    Reason.STORE_FAILED: "the event store could not save it",
}


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def _clock(moment: float, now: float) -> str:
    then = time.localtime(moment)
    if time.localtime(now)[:3] == then[:3]:
        return time.strftime("%H:%M", then)
    return time.strftime("%a %H:%M", then)


def tunnel_problem(status: TunnelStatus) -> str:
    """Return why the tunnel is not up, for the tray; "" when it is fine."""
    if status.state is TunnelState.DOWN:
        return f"{status.summary}; reconnecting"
    if status.state is TunnelState.UNAVAILABLE:
        advice = f". {status.advice}" if status.advice else ""
        return f"{status.summary}{advice}"
    return ""
