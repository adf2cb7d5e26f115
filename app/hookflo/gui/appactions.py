"""The tray app's part that does what the menu and the notifications ask.

``AppActions`` opens the event window (built when first needed), the
settings dialog and the set-up guide, sends test events, pauses alerts and
offers the ngrok agent. ``HookfloApp`` (``hookflo.gui.app``) is made of it
and its siblings.
"""

import logging
import time
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from hookflo.core import config, quiethours
from hookflo.core.server import Server
from hookflo.core.tunnel.supervisor import Tunnel
from hookflo.gui import agentdownload, dialogs, testsend
from hookflo.gui.background import Background
from hookflo.gui.context import AppContext
from hookflo.gui.menu import AppMenu
from hookflo.gui.reader import StoreReader
from hookflo.gui.status import StatusTracker
from hookflo.gui.window import EventWindow

logger = logging.getLogger(__name__)


class AppActions:
    """What the menu and the notifications ask ``HookfloApp`` for; a mixin."""

    context: AppContext
    server: Server | None
    tunnel: Tunnel | None
    window: EventWindow | None
    agent_question: QMessageBox | None
    menu: AppMenu
    tracker: StatusTracker
    background: Background
    reader: StoreReader | None
    _no_tray: bool
    _stopped: bool

    if TYPE_CHECKING:  # the other parts of HookfloApp define these

        def tell(self, text: str, *, by_the_icon: bool = True) -> None:
            """Show a message in the status bar and by the icon."""

        def _connect_window(self, window: EventWindow) -> None: ...

        def _wake_dispatcher(self) -> None: ...

        async def _restart_server(self) -> None: ...

    def ensure_window(self) -> EventWindow:
        """Return the event window, building it the first time it is needed.

        Built on demand: it holds about 15 MB that a tray app left running
        all day may never need. It reads the store when built, so it misses
        nothing that arrived before.
        """
        if self.window is None:
            assert self.reader is not None, "start() first"
            window = EventWindow(
                reader=self.reader,
                background=self.background,
                menu=self.menu,
                sources=self.context.config.sources,
                wake=self._wake_dispatcher,
            )
            self.window = window
            self._connect_window(window)
            window.show_no_tray(self._no_tray)
            window.show_status(self.tracker.status)
        return self.window

    def show_window(self) -> None:
        """Bring the event window forward."""
        if not self._stopped:
            self.ensure_window().bring_forward()

    def show_event(self, event_id: int) -> None:
        """Bring the window forward with event ``event_id`` selected."""
        if not self._stopped:
            self.ensure_window().show_event(event_id)

    def send_test(self, source_name: str) -> None:
        """Post a signed test event to ``source_name``."""
        self.background.start(self._send_test(source_name), name="send-test")

    def download_agent(self) -> None:
        """Ask, then download the ngrok agent and start the tunnel with it."""
        tunnel = self.tunnel
        if tunnel is None or self._stopped or not tunnel.agent_installable:
            return
        if self.agent_question is not None:
            self.agent_question.raise_()
            return

        def answered(agreed: bool) -> None:
            self.agent_question = None
            if agreed and tunnel is self.tunnel:
                self.background.start(
                    self._install_agent(tunnel), name="download-agent"
                )

        parent = self.window if self.window and self.window.isVisible() else None
        self.agent_question = agentdownload.ask(
            parent, tunnel, data_dir=self.context.paths.data_dir, answered=answered
        )

    def pause(self, until: float) -> None:
        """Hold every alert until ``until`` (Unix time)."""
        if self.server is not None and self.server.dispatcher is not None:
            self.server.dispatcher.pause(until)
        self._check_pause()

    def resume(self) -> None:
        """Send alerts again, starting with those that waited."""
        if self.server is not None and self.server.dispatcher is not None:
            self.server.dispatcher.resume()
        self._check_pause()

    def open_settings(self) -> None:
        """Open the settings dialog."""
        self._open_dialog(dialogs.SETTINGS_MODULE, "open_settings", "Settings")

    def open_first_run(self) -> None:
        """Open the set-up guide."""
        self._open_dialog(
            dialogs.FIRST_RUN_MODULE, "open_first_run", "The set-up guide"
        )

    def apply_settings(self, _saved: config.Config) -> None:
        """Restart the receiver on the settings just saved (``context.config``)."""
        self.background.start(self._restart_server(), name="restart-server")

    def _check_pause(self) -> None:
        dispatcher = None if self.server is None else self.server.dispatcher
        until = None if dispatcher is None else dispatcher.paused_until
        if until is not None and until <= time.time():
            until = None
        self.tracker.set_paused(until)
        quiet = self.context.config.quiet_hours
        self.tracker.set_quiet(quiethours.quiet_line(quiet, time.time()))

    async def _send_test(self, source_name: str) -> None:
        server = self.server
        if server is None:
            return
        source = self.context.config.source(source_name)
        await testsend.send_test_event(
            testsend.local_url(server.base_url), self.context.credentials, source
        )
        self.tell(f"Test event sent to {source.name}; it appears in the list")

    async def _install_agent(self, tunnel: Tunnel) -> None:
        path = await tunnel.install_agent()
        self.tell(f"Downloaded the ngrok agent to {path}; starting the tunnel")

    async def _first_run_if_needed(self) -> None:
        if await dialogs.first_run_needed(self.context):
            self.open_first_run()

    def _open_dialog(self, module_name: str, function: str, what: str) -> None:
        parent = self.window if self.window and self.window.isVisible() else None
        opened = dialogs.open_dialog(
            module_name, function, self.context, parent, on_saved=self.apply_settings
        )
        if not opened:
            self.tell(f"{what} is not available in this build")
