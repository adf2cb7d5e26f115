"""The tray app in this process, on qasync, against the real receiver.

Every async test here runs on a qasync loop over the one QApplication
(offscreen), so Qt and asyncio share a thread as in the app. ``start_app``
starts ``HookfloApp`` with the real ``Server`` on 127.0.0.1, port 0, a
HOOKFLO_HOME of the test's own and the null keyring (secrets come from
``HOOKFLO_SECRET_…``). Nothing here may reach the machine's own session bus:
tests that want D-Bus take ``session_bus`` or ``notify_server``, which start
a private one.
"""

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import keyring.backends.null
import pytest
from PySide6.QtWidgets import QApplication

from hookflo.core import config
from hookflo.core.alerting.pacing import Policy
from hookflo.core.channels.base import ChannelName
from hookflo.core.credentials import Credentials
from hookflo.core.paths import Paths
from hookflo.core.server import Server
from hookflo.core.tunnel import build
from hookflo.core.tunnel.supervisor import Tunnel
from hookflo.gui import qasyncloop
from hookflo.gui.app import HookfloApp
from hookflo.gui.context import AppContext
from hookflo.gui.window import EventWindow
from tests.support.clerk import DEV_SECRET, SECRET, clerk_body, new_msg_id
from tests.support.clerk import signed_headers as svix_headers
from tests.support.ngrokfixtures import FAST

T = TypeVar("T")

PROD_PATH = "/webhooks/clerk"
DEV_PATH = "/webhooks/clerk-dev"
WAIT_S = 5.0
SCREENSHOTS_VARIABLE = "HOOKFLO_SCREENSHOTS"

QUICK = Policy(individual_limit=100, window_s=60.0, hold_s=0.2, first_retry_s=0.3)
QUICK_POLICIES = dict.fromkeys(ChannelName, QUICK)

TWO_SOURCES = """\
[receiver]
host = "127.0.0.1"
port = 0

[sources.clerk]
environment = "production"
path = "/webhooks/clerk"

[sources.clerk-dev]
environment = "development"
path = "/webhooks/clerk-dev"
"""


def pytest_asyncio_loop_factories(config, item):
    """Run this folder's async tests on qasync, as the app runs."""
    return {"qasync": _qasync_loop}


def _qasync_loop() -> asyncio.AbstractEventLoop:
    app = QApplication.instance() or QApplication([])
    return qasyncloop.new_loop(app)


@pytest.fixture(autouse=True)
def _app_log_levels(caplog):
    """Let HookFlo's loggers pass everything, as ``logs.setup`` does in the app.

    The bridge shows ALERT lines to the user; at the root's default level
    (WARNING) they would never be created.
    """
    caplog.set_level(logging.DEBUG, logger="hookflo")


@pytest.fixture(autouse=True)
def _no_outside_bus(monkeypatch):
    """Keep every test off the machine's session bus and display."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


async def until(check: Callable[[], T], within: float = WAIT_S, what: str = "") -> T:
    """Poll ``check`` on the running loop until it returns something true."""
    deadline = time.monotonic() + within
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {within:g} s: {what or check}")
        await asyncio.sleep(0.01)


@dataclasses.dataclass
class RunningApp:
    """A started HookfloApp and the means to drive it like Clerk does."""

    app: HookfloApp
    http: aiohttp.ClientSession
    environ: dict[str, str]

    @property
    def server(self) -> Server:
        assert self.app.server is not None
        return self.app.server

    @property
    def window(self) -> EventWindow:
        """The event window (built now if nothing needed it yet)."""
        return self.app.ensure_window()

    async def post(
        self,
        body: bytes | None = None,
        *,
        path: str = PROD_PATH,
        secret: str | None = None,
        msg_id: str | None = None,
        base: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Post ``body`` signed as Svix signs; return the status and answer.

        ``base`` is where to post instead of the receiver (a tunnel's URL).
        """
        body = clerk_body() if body is None else body
        secret = secret or (DEV_SECRET if path == DEV_PATH else SECRET)
        headers = svix_headers(body, secret, msg_id=msg_id or new_msg_id())
        url = (base or self.server.base_url) + path
        async with self.http.post(url, data=body, headers=headers) as response:
            return response.status, await response.json()

    async def store(self, body: bytes | None = None, **options: Any) -> None:
        """Post ``body`` and check that it was stored."""
        status, answer = await self.post(body, **options)
        assert (status, answer) == (200, {"status": "stored"}), answer

    def event_ids(self) -> list[int]:
        """The ids the event list shows, top to bottom."""
        model = self.window.event_model
        return [model.row_at(row).id for row in range(model.rowCount())]


def context_for(home: Path, environ: Mapping[str, str]) -> AppContext:
    """Return the app context of HOOKFLO_HOME ``home`` (null keyring)."""
    where = Paths(config_dir=home, data_dir=home / "data", log_dir=home / "logs")
    return AppContext(
        paths=where,
        config=config.load(where.config_file),
        credentials=Credentials(environ, backend=keyring.backends.null.Keyring()),
        environ=environ,
    )


def tunnel_config(fake_ngrok) -> str:
    """config.toml with the tunnel on, run by the stand-in agent."""
    agent = json.dumps(str(fake_ngrok.path))
    return TWO_SOURCES + f"\n[tunnel]\nenabled = true\nngrok_path = {agent}\n"


def tunnel_factory(fake_ngrok):
    """Build tunnels to the stand-in agent with the short test timings."""

    def make(context, server):
        return build.for_server(
            server,
            context.config,
            context.credentials,
            context.paths,
            environ={**os.environ, **context.environ},
            timing=FAST,
            scratch_root=fake_ngrok.scratch_root,
            probe=fake_ngrok.probe(),
        )

    return make


def no_tunnel(context: AppContext, server: Server) -> Tunnel:
    raise AssertionError("this test's config must not enable the tunnel")


@pytest.fixture
def start_app(hookflo_home) -> Callable[..., Any]:
    """Return ``start(...)``, an async context manager running HookfloApp.

    The app is shut down when the ``async with`` block ends, inside the
    test: pytest-qt processes Qt events before async fixtures are torn down,
    and qasync callbacks run then would find no running loop.
    """

    @contextlib.asynccontextmanager
    async def start(
        *,
        tray: bool | Callable[[], bool] = False,
        config_text: str = TWO_SOURCES,
        policies: Mapping[ChannelName, Policy] = QUICK_POLICIES,
        extra_environ: Mapping[str, str] | None = None,
        first_run_check: bool = False,
        make_tunnel: Callable[[AppContext, Server], Tunnel] | None = None,
        build_window: bool = True,
        instance_name: str | None = None,
    ) -> AsyncIterator[RunningApp]:
        hookflo_home.mkdir(parents=True, exist_ok=True)
        (hookflo_home / "config.toml").write_text(config_text, encoding="utf-8")
        environ = {
            "HOOKFLO_HOME": str(hookflo_home),
            "HOOKFLO_SECRET_CLERK": SECRET,
            "HOOKFLO_SECRET_CLERK_DEV": DEV_SECRET,
            **(extra_environ or {}),
        }

        def make_server(context: AppContext, host, port) -> Server:
            return Server(
                context.paths,
                context.config,
                context.credentials,
                host=host,
                port=port,
                environ=context.environ,
                policies=policies,
            )

        available = tray if callable(tray) else (lambda: tray)
        app = HookfloApp(
            context_for(hookflo_home, environ),
            make_server=make_server,
            make_tunnel=make_tunnel or no_tunnel,
            tray_available=available,
            first_run_check=first_run_check,
            instance_name=instance_name,
        )
        async with aiohttp.ClientSession() as http:
            try:
                await app.start()
                running = RunningApp(app, http, environ)
                if build_window:
                    app.ensure_window()
                yield running
            finally:
                await app.shutdown()

    return start


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where screenshots go: $HOOKFLO_SCREENSHOTS, else the test's tmp dir."""
    chosen = os.environ.get(SCREENSHOTS_VARIABLE, "").strip()
    folder = Path(chosen) if chosen else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
