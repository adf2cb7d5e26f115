"""The tray app's composition root: the receiver, tunnel, tray, menu, window.

``HookfloApp`` starts the same ``Server`` (and tunnel) as ``hookflo serve``,
builds the tray, the menu and, when first needed, the window, and wires them
together in one place (``appwiring``). Its other parts live next to it:
``appactions`` does what the menu asks for, ``appreceiver`` runs the
receiver and the tunnel. Closing a window never quits; ``shutdown`` stops
accepting requests, leaves unsent alerts in the outbox for the next start,
stops the tunnel and closes the store. ``launcher`` runs it on the qasync
loop for ``hookflo``.
"""

import asyncio
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QSystemTrayIcon

from hookflo.core.server import Server
from hookflo.core.tunnel.supervisor import Tunnel
from hookflo.gui import instance
from hookflo.gui.appactions import AppActions
from hookflo.gui.appreceiver import (
    AppReceiver,
    ServerFactory,
    TunnelFactory,
    make_server,
    make_tunnel,
)
from hookflo.gui.appwiring import AppWiring
from hookflo.gui.background import Background
from hookflo.gui.bridge import CoreBridge
from hookflo.gui.context import AppContext
from hookflo.gui.healthcheck import HealthCheck
from hookflo.gui.linkopen import LinkOpener
from hookflo.gui.menu import AppMenu
from hookflo.gui.reader import StoreReader
from hookflo.gui.status import StatusTracker
from hookflo.gui.tray import Tray
from hookflo.gui.window import EventWindow

logger = logging.getLogger(__name__)

APP_NAME = "HookFlo"
PAUSE_CHECK_MS = 5000


class HookfloApp(AppWiring, AppActions, AppReceiver, QObject):
    """The running tray app and everything it shows.

    Args:
        context: paths, settings and secrets, shared with the dialogs.
        host: the address to bind instead of the configured one.
        port: the port to bind instead of the configured one.
        make_server: builds the receiver (tests shorten its timings).
        make_tunnel: builds the tunnel when ``[tunnel]`` enables it.
        tray_available: says whether the desktop has a tray.
        instance_name: the local socket later starts connect to; None to
            not listen for them.
        first_run_check: open the set-up guide when no secret is set.

    Attributes:
        server: the receiver, once started.
        tunnel: the tunnel, while one is open.
        window: the event window, once something needed it (a tray app may
            run all day without it; see ``ensure_window``).
        tray: the tray icon.
        menu: the HookFlo menu's actions.
        tracker: the status behind the tray icon.
        health: keeps the endpoint health in the tracker.
        agent_question: "Download the ngrok agent?" while it is open.
    """

    def __init__(
        self,
        context: AppContext,
        *,
        host: str | None = None,
        port: int | None = None,
        make_server: ServerFactory = make_server,
        make_tunnel: TunnelFactory = make_tunnel,
        tray_available: Callable[[], bool] = QSystemTrayIcon.isSystemTrayAvailable,
        instance_name: str | None = None,
        first_run_check: bool = True,
    ) -> None:
        super().__init__()
        # A tray app outlives its windows: closing the last one must not end
        # Qt's event loop, which is also the asyncio loop the receiver runs on.
        QGuiApplication.setQuitOnLastWindowClosed(False)
        self.context = context
        context.download_agent = self.download_agent
        self._host, self._port = host, port
        self._make_server = make_server
        self._make_tunnel = make_tunnel
        self._first_run_check = first_run_check
        self._quit = asyncio.Event()
        self._stopped = False
        self.background = Background()
        self.tracker = StatusTracker(self)
        self.menu = AppMenu(context.config.sources, self)
        self._tray_menu = QMenu()
        self.menu.fill(self._tray_menu)
        self.tray = Tray(self._tray_menu, available=tray_available, parent=self)
        self.instance = (
            None if instance_name is None else instance.InstanceServer(instance_name)
        )
        self.links = LinkOpener(self)
        self.server: Server | None = None
        self.tunnel: Tunnel | None = None
        self.window: EventWindow | None = None
        self.agent_question: QMessageBox | None = None
        self._no_tray = False
        self.reader: StoreReader | None = None
        self.bridge: CoreBridge | None = None
        # The dispatcher holds the pause (the settings dialog can set it too);
        # the tray reads it back now and then, which also notices its end.
        self._pause_check = QTimer(self)
        self._pause_check.setInterval(PAUSE_CHECK_MS)
        self._pause_check.timeout.connect(self._check_pause)
        self.health = HealthCheck(
            context.paths.database_file,
            lambda: self.context.config.sources,
            self.tracker,
            self.background,
            parent=self,
        )

    async def start(self) -> None:
        """Show the tray icon (or the window), then start the receiver.

        The icon comes first, saying "Starting…": reading the secrets may
        wait on the keyring for seconds.

        Raises:
            UserFacingError: the store cannot be opened or the port is taken.
        """
        if self.instance is not None:
            self.instance.listen()
        self._watch_links(watch=True)
        self.reader = StoreReader(self.context.paths.database_file)
        self.bridge = CoreBridge(self)
        self._connect_signals()
        if not self.tray.start():
            self._no_tray = True
            self.ensure_window().bring_forward()

        server = await self._start_server()
        self.bridge.attach(server)
        self.tracker.set_listening(server.base_url)
        self._show_endpoints()
        self._refresh_recent()
        self._refresh_trouble()
        await self._start_tunnel(server)
        self._pause_check.start()
        self.health.start()
        if self._first_run_check:
            self.background.start(self._first_run_if_needed(), name="first-run")
        logger.info("HookFlo is running", extra={"event": "gui_started"})

    def request_quit(self) -> None:
        """Ask the app to quit (the tray's "Quit", a signal, the session)."""
        if not self._quit.is_set():
            logger.info("Quitting")
            self._quit.set()

    @property
    def quit_requested(self) -> bool:
        """Whether something asked the app to quit."""
        return self._quit.is_set()

    async def wait_for_quit(self) -> None:
        """Return once something asks the app to quit."""
        await self._quit.wait()

    async def shutdown(self) -> None:
        """Stop the receiver and close every window; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        self._pause_check.stop()
        self.health.stop()
        if self.instance is not None:
            self.instance.close()
        self._watch_links(watch=False)
        self.tray.stop()
        if self.window is not None:
            self.window.ask_before_closing = False
        for widget in QApplication.topLevelWidgets():
            widget.hide()  # at once: the rest may take a few seconds
        if self.bridge is not None:
            self.bridge.detach()
        await self.background.close()
        await self._stop_tunnel()
        if self.server is not None:
            await self.server.stop()
            self.context.server = None
        if self.reader is not None:
            await self.reader.close()
        if self.window is not None:
            self.window.deleteLater()
        self._tray_menu.deleteLater()

    def tell(self, text: str, *, by_the_icon: bool = True) -> None:
        """Show a message in the status bar and (``by_the_icon``) by the icon."""
        if self.window is not None:
            self.window.tell(text)
        if by_the_icon:
            self.tray.tell(APP_NAME, text)
