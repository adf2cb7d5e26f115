"""The tray app's composition root: the receiver, tunnel, tray, menu, window.

``HookfloApp`` starts the same ``Server`` (and tunnel) as ``hookflo serve``,
builds the tray, the menu and, when first needed, the window, and wires them
together in one place (``_connect_signals``, ``_connect_window``). Closing a
window never quits; ``shutdown`` stops accepting requests, leaves unsent
alerts in the outbox for the next start, stops the tunnel and closes the
store. ``launcher`` runs it on the qasync loop for ``hookflo``.
"""

import asyncio
import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QSystemTrayIcon

from hookflo.core import config, quiethours
from hookflo.core.server import Server
from hookflo.core.tunnel import build
from hookflo.core.tunnel.status import TunnelStatus
from hookflo.core.tunnel.supervisor import Tunnel
from hookflo.gui import agentdownload, background, dialogs, instance, menu, testsend
from hookflo.gui import status as status_module
from hookflo.gui.background import Background
from hookflo.gui.bridge import CoreBridge
from hookflo.gui.context import AppContext
from hookflo.gui.healthcheck import HealthCheck
from hookflo.gui.linkopen import LinkOpener
from hookflo.gui.menu import AppMenu
from hookflo.gui.reader import StoreReader
from hookflo.gui.records import EventFilter
from hookflo.gui.status import StatusTracker
from hookflo.gui.tray import Tray
from hookflo.gui.window import EventWindow

logger = logging.getLogger(__name__)

APP_NAME = "HookFlo"
PAUSE_CHECK_MS = 5000

ServerFactory = Callable[[AppContext, str | None, int | None], Server]
TunnelFactory = Callable[[AppContext, Server], Tunnel]


def make_server(context: AppContext, host: str | None, port: int | None) -> Server:
    """Return the receiver the app runs (the same as ``hookflo serve``)."""
    return Server(
        context.paths,
        context.config,
        context.credentials,
        host=host,
        port=port,
        environ=context.environ,
    )


def make_tunnel(context: AppContext, server: Server) -> Tunnel:
    """Return the tunnel to the started ``server`` (the same as ``serve``'s)."""
    return build.for_server(
        server,
        context.config,
        context.credentials,
        context.paths,
        environ=context.environ,
    )


class HookfloApp(QObject):
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

    # What the menu and the notifications ask for

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

    def tell(self, text: str, *, by_the_icon: bool = True) -> None:
        """Show a message in the status bar and (``by_the_icon``) by the icon."""
        if self.window is not None:
            self.window.tell(text)
        if by_the_icon:
            self.tray.tell(APP_NAME, text)

    # Wiring

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

    def _check_pause(self) -> None:
        dispatcher = None if self.server is None else self.server.dispatcher
        until = None if dispatcher is None else dispatcher.paused_until
        if until is not None and until <= time.time():
            until = None
        self.tracker.set_paused(until)
        quiet = self.context.config.quiet_hours
        self.tracker.set_quiet(quiethours.quiet_line(quiet, time.time()))

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

    def _wake_dispatcher(self) -> None:
        if self.server is not None and self.server.dispatcher is not None:
            self.server.dispatcher.wake()

    def _show_endpoints(self) -> None:
        if self.server is not None:
            self.menu.show_endpoints(
                menu.endpoints(
                    self.context.config.sources, self.server.base_url, self.tunnel
                )
            )

    async def _start_tunnel(self, server: Server) -> None:
        if not self.context.config.tunnel.enabled:
            return
        tunnel = self._make_tunnel(self.context, server)
        self.tunnel = self.context.tunnel = tunnel
        tunnel.listeners.append(self._on_tunnel_status)
        await tunnel.start()

    async def _stop_tunnel(self) -> None:
        tunnel, self.tunnel = self.tunnel, None
        self.context.tunnel = None
        if tunnel is not None:
            await tunnel.stop()
            if self._on_tunnel_status in tunnel.listeners:
                tunnel.listeners.remove(self._on_tunnel_status)
        self.tracker.set_tunnel_problem("")
        self.menu.show_agent_download("", offered=False)

    def _on_tunnel_status(self, status: TunnelStatus) -> None:
        self.tracker.set_tunnel_problem(status_module.tunnel_problem(status))
        self._show_endpoints()
        progress, offered = agentdownload.offer(self.tunnel)
        self.menu.show_agent_download(progress, offered=offered)

    def _refresh_recent(self) -> None:
        self.background.start(self._load_recent(), name="recent-events")

    def _refresh_trouble(self) -> None:
        self.background.start(self._load_trouble(), name="channel-trouble")

    async def _load_recent(self) -> None:
        assert self.reader is not None
        rows = await self.reader.event_rows(EventFilter(), None, limit=5)
        self.menu.show_recent(rows)

    async def _load_trouble(self) -> None:
        assert self.reader is not None
        self.tracker.set_trouble(await self.reader.channel_trouble())

    async def _start_server(self) -> Server:
        server = self._make_server(self.context, self._host, self._port)
        # Set before starting, so a quit during the start still stops it.
        self.server = self.context.server = server
        await server.start()
        server.watch.listeners.append(self.health.refresh_soon)
        server.on_notification_clicked = self.show_event
        if self.tracker.status.paused_until is not None and server.dispatcher:
            server.dispatcher.pause(self.tracker.status.paused_until)
        return server

    async def _restart_server(self) -> None:
        old, bridge = self.server, self.bridge
        if bridge is not None:
            bridge.detach()
        await self._stop_tunnel()
        if old is not None:
            await old.stop()
        logger.info("Restarting the receiver with the new settings")
        server = await self._start_server()
        if bridge is not None:
            bridge.attach(server)
        sources = self.context.config.sources
        self.menu.set_sources(sources)
        if self.window is not None:
            self.window.events.set_sources(sources)
        self.tracker.set_listening(server.base_url)
        self._show_endpoints()
        self._refresh_trouble()
        self._check_pause()  # the quiet hours may have changed
        await self._start_tunnel(server)

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
