"""The HookFlo menu: the tray's context menu, also the window's menu bar.

One set of actions serves both places, so a desktop without a tray offers
the same menu in the window. The menu only reports intent through signals;
the app decides what happens.
"""

import dataclasses
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu

from hookflo.core.config import Source
from hookflo.core.tunnel.supervisor import Tunnel
from hookflo.gui import testsend
from hookflo.gui.records import EventRow
from hookflo.gui.status import Status

logger = logging.getLogger(__name__)

RECENT_COUNT = 5
RECENT_WIDTH = 64  # characters of an event's headline shown
MORNING_HOUR = 8
_ONE_HOUR_S = 3600.0
DOWNLOAD_AGENT = "Download ngrok agent…"


@dataclasses.dataclass(frozen=True, slots=True)
class Endpoint:
    """The URL Clerk posts to for one source, and why it is local if it is."""

    source: Source
    url: str
    note: str = ""  # why it is not public ("" when Clerk can reach it)


class AppMenu(QObject):
    """The actions of the HookFlo menu.

    Args:
        sources: the configured sources ("Send test event" to each).
        parent: the owning QObject.

    Signals:
        open_requested: "Open HookFlo" was chosen.
        event_requested: (int) a recent event was chosen; its id.
        send_test_requested: (str) "Send test event"; the source's name.
        pause_requested: (float) pause alerts until then (Unix time).
        resume_requested: "Resume alerts" was chosen.
        settings_requested: "Settings…" was chosen.
        download_agent_requested: "Download ngrok agent…" was chosen.
        guide_requested: "Set-up guide…" was chosen.
        quit_requested: "Quit" was chosen.
    """

    open_requested = Signal()
    event_requested = Signal(int)
    send_test_requested = Signal(str)
    pause_requested = Signal(float)
    resume_requested = Signal()
    settings_requested = Signal()
    download_agent_requested = Signal()
    guide_requested = Signal()
    quit_requested = Signal()

    def __init__(self, sources: Sequence[Source], parent: QObject | None = None):
        super().__init__(parent)
        self._endpoints: list[Endpoint] = []
        self.status = self._action("status", "Starting…", enabled=False)
        self.pause_status = self._action("pause-status", "", enabled=False)
        self.pause_status.setVisible(False)
        self.endpoint = self._action("endpoint", "Endpoint: (not listening)")
        self.endpoint.setEnabled(False)
        self.copy_endpoint = self._action("copy-endpoint", "Copy endpoint URL")
        self.copy_endpoint.triggered.connect(self._copy_endpoint)
        # Offered only while the tunnel waits for an agent (and while it loads).
        self.download_agent = self._action("download-agent", DOWNLOAD_AGENT)
        self.download_agent.setVisible(False)
        self.download_agent.triggered.connect(self.download_agent_requested.emit)
        self.recent_header = self._action("recent", "Recent events", enabled=False)
        self.recent = [self._action(f"recent-{n}", "") for n in range(RECENT_COUNT)]
        self._recent_ids = [0] * RECENT_COUNT
        for index, action in enumerate(self.recent):
            action.setVisible(False)
            action.triggered.connect(lambda _=False, i=index: self._open_recent(i))
        self.send_test: list[QAction] = []
        self._send_test_slot = self._action("send-test-slot", "")
        self._send_test_slot.setVisible(False)
        self.pause_hour = self._action("pause-hour", "For 1 hour")
        self.pause_hour.triggered.connect(self._pause_hour)
        self.pause_tomorrow = self._action(
            "pause-tomorrow", f"Until tomorrow, {MORNING_HOUR:02d}:00"
        )
        self.pause_tomorrow.triggered.connect(self._pause_tomorrow)
        self.resume = self._action("resume", "Resume alerts", enabled=False)
        self.resume.triggered.connect(self.resume_requested.emit)
        self.open = self._action("open", "Open HookFlo")
        self.open.triggered.connect(self.open_requested.emit)
        self.settings = self._action("settings", "Settings…")
        self.settings.triggered.connect(self.settings_requested.emit)
        self.guide = self._action("guide", "Set-up guide…")
        self.guide.triggered.connect(self.guide_requested.emit)
        self.quit = self._action("quit", "Quit HookFlo")
        self.quit.triggered.connect(self.quit_requested.emit)
        self._menus: list[QMenu] = []
        self.set_sources(sources)

    def fill(self, menu: QMenu) -> None:
        """Put the actions into ``menu``, in the order the user reads them."""
        menu.addAction(self.status)
        menu.addAction(self.pause_status)
        menu.addSeparator()
        menu.addAction(self.endpoint)
        menu.addAction(self.copy_endpoint)
        menu.addAction(self.download_agent)
        menu.addSeparator()
        menu.addAction(self.recent_header)
        for action in self.recent:
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self._send_test_slot)  # "Send test event" go before it
        for action in self.send_test:
            menu.insertAction(self._send_test_slot, action)
        pause = menu.addMenu("Pause alerts")
        pause.setObjectName("menu-pause")
        pause.addAction(self.pause_hour)
        pause.addAction(self.pause_tomorrow)
        pause.addSeparator()
        pause.addAction(self.resume)
        menu.addSeparator()
        menu.addAction(self.open)
        menu.addAction(self.settings)
        menu.addAction(self.guide)
        menu.addSeparator()
        menu.addAction(self.quit)
        self._menus.append(menu)

    def set_sources(self, sources: Sequence[Source]) -> None:
        """Offer "Send test event" for each of ``sources``."""
        for action in self.send_test:
            for menu in self._menus:
                menu.removeAction(action)
            action.deleteLater()
        self.send_test = [self._send_test_action(s, len(sources)) for s in sources]
        for menu in self._menus:
            for action in self.send_test:
                menu.insertAction(self._send_test_slot, action)

    def show_status(self, status: Status) -> None:
        """Show the status line and the pause state."""
        self.status.setText(status.headline())
        pause = status.pause_line()
        held = pause or status.quiet
        self.pause_status.setText(held)
        self.pause_status.setVisible(bool(held))
        self.resume.setEnabled(bool(pause))

    def show_endpoints(self, endpoints: Sequence[Endpoint]) -> None:
        """Show the first source's endpoint; "Copy" copies it."""
        self._endpoints = list(endpoints)
        if not endpoints:
            self.endpoint.setText("Endpoint: (not listening)")
            self.copy_endpoint.setEnabled(False)
            return
        first = endpoints[0]
        self.endpoint.setText(
            f"{first.url} ({first.note})" if first.note else first.url
        )
        self.copy_endpoint.setEnabled(True)

    def show_agent_download(self, progress: str, *, offered: bool) -> None:
        """Offer the agent's download, or show its ``progress`` ("" if none)."""
        self.download_agent.setText(progress or DOWNLOAD_AGENT)
        self.download_agent.setEnabled(offered and not progress)
        self.download_agent.setVisible(offered or bool(progress))

    def show_recent(self, rows: Sequence[EventRow]) -> None:
        """List the newest events, newest first."""
        shown = list(rows)[:RECENT_COUNT]
        self.recent_header.setText("Recent events" if shown else "No events yet")
        for index, action in enumerate(self.recent):
            if index < len(shown):
                row = shown[index]
                self._recent_ids[index] = row.id
                action.setText(_recent_text(row))
                action.setVisible(True)
            else:
                self._recent_ids[index] = 0
                action.setVisible(False)

    @property
    def endpoint_url(self) -> str:
        """The URL "Copy endpoint URL" copies, "" when there is none."""
        return self._endpoints[0].url if self._endpoints else ""

    def _action(self, name: str, text: str, *, enabled: bool = True) -> QAction:
        action = QAction(text, self)
        action.setObjectName(f"action-{name}")
        action.setEnabled(enabled)
        return action

    def _send_test_action(self, source: Source, count: int) -> QAction:
        text = "Send test event"
        if count > 1:
            text += f" to {source.name} ({source.environment})"
        action = self._action(f"send-test-{source.name}", text)
        action.triggered.connect(
            lambda _=False, name=source.name: self.send_test_requested.emit(name)
        )
        return action

    def _copy_endpoint(self) -> None:
        url = self.endpoint_url
        if url:
            QGuiApplication.clipboard().setText(url)
            logger.debug("Copied the endpoint URL")

    def _open_recent(self, index: int) -> None:
        event_id = self._recent_ids[index]
        if event_id:
            self.event_requested.emit(event_id)

    def _pause_hour(self) -> None:
        self.pause_requested.emit(datetime.now().timestamp() + _ONE_HOUR_S)

    def _pause_tomorrow(self) -> None:
        self.pause_requested.emit(tomorrow_morning(datetime.now()).timestamp())


def endpoints(
    sources: Sequence[Source], receiver_url: str, tunnel: Tunnel | None
) -> list[Endpoint]:
    """Return each source's URL: through the tunnel when it is up, else local."""
    public = None if tunnel is None else tunnel.public_url
    if public:
        base, note = public, ""
    else:
        base = testsend.local_url(receiver_url)
        problem = "no tunnel" if tunnel is None else tunnel.status.describe()
        note = f"local only: {problem}"
    return [Endpoint(s, base.rstrip("/") + s.path, note) for s in sources]


def tomorrow_morning(now: datetime) -> datetime:
    """Return tomorrow at ``MORNING_HOUR`` o'clock, local time."""
    tomorrow = (now + timedelta(days=1)).date()
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, MORNING_HOUR)


def _recent_text(row: EventRow) -> str:
    moment = datetime.fromtimestamp(row.received_at).strftime("%H:%M")
    label = row.headline or row.type or "Event"
    if len(label) > RECENT_WIDTH:
        label = label[: RECENT_WIDTH - 1] + "…"
    badge = "TEST · " if row.is_test else ""
    badge += "Caught up · " if row.is_caught_up else ""
    env = "" if row.environment == "production" else f" ({row.environment})"
    return f"{moment}  {badge}{label}{env}"
