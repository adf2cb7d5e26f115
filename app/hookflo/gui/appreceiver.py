"""The tray app's part that runs the receiver and the tunnel.

``AppReceiver`` starts, restarts and stops the ``Server`` and its tunnel,
and keeps the menu's endpoints, recent events and channel trouble up to
date. ``HookfloApp`` (``hookflo.gui.app``) is made of it and its siblings.
"""

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from hookflo.core.server import Server
from hookflo.core.tunnel import build
from hookflo.core.tunnel.status import TunnelStatus
from hookflo.core.tunnel.supervisor import Tunnel
from hookflo.gui import agentdownload, menu
from hookflo.gui import status as status_module
from hookflo.gui.background import Background
from hookflo.gui.bridge import CoreBridge
from hookflo.gui.context import AppContext
from hookflo.gui.healthcheck import HealthCheck
from hookflo.gui.menu import AppMenu
from hookflo.gui.reader import StoreReader
from hookflo.gui.records import EventFilter
from hookflo.gui.status import StatusTracker
from hookflo.gui.window import EventWindow

logger = logging.getLogger(__name__)

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


class AppReceiver:
    """Runs the receiver and the tunnel for ``HookfloApp``; a mixin."""

    context: AppContext
    server: Server | None
    tunnel: Tunnel | None
    window: EventWindow | None
    menu: AppMenu
    tracker: StatusTracker
    health: HealthCheck
    background: Background
    reader: StoreReader | None
    bridge: CoreBridge | None
    _host: str | None
    _port: int | None
    _make_server: ServerFactory
    _make_tunnel: TunnelFactory

    if TYPE_CHECKING:  # the other parts of HookfloApp define these

        def show_event(self, event_id: int) -> None:
            """Bring the window forward with event ``event_id`` selected."""

        def _check_pause(self) -> None: ...

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
