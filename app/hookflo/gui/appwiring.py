"""The tray app's wiring: who hears which signal, in one place.

``AppWiring`` connects the tray, the menu, the core's reports, the status
and later starts of hookflo to what ``HookfloApp`` does about them, and the
event window once it is built. ``HookfloApp`` (``hookflo.gui.app``) is made
of it and its siblings.
"""

import logging
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication

from hookflo.gui import background, instance
from hookflo.gui.bridge import CoreBridge
from hookflo.gui.healthcheck import HealthCheck
from hookflo.gui.linkopen import LinkOpener
from hookflo.gui.menu import AppMenu
from hookflo.gui.status import StatusTracker
from hookflo.gui.tray import Tray
from hookflo.gui.window import EventWindow

logger = logging.getLogger(__name__)


class AppWiring:
    """Connects the parts of ``HookfloApp`` to each other; a mixin."""

    window: EventWindow | None
    tray: Tray
    menu: AppMenu
    tracker: StatusTracker
    health: HealthCheck
    bridge: CoreBridge | None
    instance: instance.InstanceServer | None
    links: LinkOpener
    _no_tray: bool

    if TYPE_CHECKING:  # the other parts of HookfloApp define these

        def show_window(self) -> None:
            """Bring the event window forward."""

        def show_event(self, event_id: int) -> None:
            """Bring the window forward with event ``event_id`` selected."""

        def send_test(self, source_name: str) -> None:
            """Post a signed test event to ``source_name``."""

        def pause(self, until: float) -> None:
            """Hold every alert until ``until`` (Unix time)."""

        def resume(self) -> None:
            """Send alerts again, starting with those that waited."""

        def open_settings(self) -> None:
            """Open the settings dialog."""

        def open_first_run(self) -> None:
            """Open the set-up guide."""

        def download_agent(self) -> None:
            """Ask, then download the ngrok agent and start the tunnel with it."""

        def request_quit(self) -> None:
            """Ask the app to quit."""

        def tell(self, text: str, *, by_the_icon: bool = True) -> None:
            """Show a message in the status bar and by the icon."""

        def _refresh_recent(self) -> None: ...

        def _refresh_trouble(self) -> None: ...

    def _connect_signals(self) -> None:
        bridge, tracker = self.bridge, self.tracker
        assert bridge is not None

        # Tray and menu
        self.tray.clicked.connect(self.show_window)
        self.tray.appeared.connect(self._on_tray_appeared)
        self.menu.open_requested.connect(self.show_window)
        self.menu.event_requested.connect(self.show_event)
        self.menu.send_test_requested.connect(self.send_test)
        self.menu.pause_requested.connect(self.pause)
        self.menu.resume_requested.connect(self.resume)
        self.menu.settings_requested.connect(self.open_settings)
        self.menu.download_agent_requested.connect(self.download_agent)
        self.menu.guide_requested.connect(self.open_first_run)
        self.menu.quit_requested.connect(self.request_quit)

        # What the core reports
        bridge.events_stored.connect(self._on_events_stored)
        bridge.deliveries_changed.connect(lambda _ids: self._refresh_trouble())
        bridge.attempts_recorded.connect(tracker.add_refusals)
        bridge.events_stored.connect(lambda _ids: self.health.refresh_soon())
        bridge.attempts_recorded.connect(lambda _r: self.health.refresh_soon())
        bridge.alert_logged.connect(tracker.note_alert)
        bridge.alert_logged.connect(self._on_alert_logged)

        # The status
        tracker.changed.connect(self._show_status)

        # Later starts of hookflo
        if self.instance is not None:
            self.instance.show_requested.connect(self.show_window)
            self.instance.event_requested.connect(self.show_event)
        self.links.event_requested.connect(self.show_event)

    def _watch_links(self, *, watch: bool) -> None:
        application = QGuiApplication.instance()
        assert application is not None, "a QApplication first"
        if watch:
            application.installEventFilter(self.links)
        else:
            application.removeEventFilter(self.links)

    def _on_alert_logged(self, logger_name: str, text: str) -> None:
        # What the user just asked for (a test event, a dialog) answers by
        # the icon; the app's own news (retries, blocks) stays in the status,
        # where the tray's look already shows it, instead of popping up.
        self.tell(text, by_the_icon=logger_name == background.__name__)

    def _connect_window(self, window: EventWindow) -> None:
        bridge, tracker = self.bridge, self.tracker
        assert bridge is not None

        # What the core reports, shown in the window
        bridge.events_stored.connect(window.on_events_stored)
        bridge.deliveries_changed.connect(window.on_deliveries_changed)
        bridge.attempts_recorded.connect(lambda _r: window.on_attempts_recorded())

        # What the user looks at, and the close question's answer
        window.seen.connect(tracker.mark_seen)
        window.refusals_seen.connect(tracker.mark_refusals_seen)
        window.quit_requested.connect(self.request_quit)

    def _on_tray_appeared(self) -> None:
        self._no_tray = False
        if self.window is not None:
            self.window.show_no_tray(False)

    def _show_status(self) -> None:
        status = self.tracker.status
        self.tray.show_status(status)
        self.menu.show_status(status)
        if self.window is not None:
            self.window.show_status(status)

    def _on_events_stored(self, event_ids: list[int]) -> None:
        window = self.window
        looking = (
            window is not None
            and window.isActiveWindow()
            and window.tabs.currentWidget() is window.events
        )
        if looking:
            self.tracker.count_new(0)
        else:
            self.tracker.count_new(len(event_ids))
        self._refresh_recent()
