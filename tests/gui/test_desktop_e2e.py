"""``hookflo`` as a user runs it, on a real X display with a tray and popups.

Each test starts Xvfb (its own display), a private D-Bus session bus, a tray
host speaking StatusNotifierItem (``tests.support.sniwatcher``) and a
notification server (``tests.support.notifyserver``), then runs ``hookflo``
as a subprocess on them with the xcb platform. A signed event is posted; the
popup arrives at the notification server; its default action is invoked as
a click would; the app opens its window on that event. The tray menu is
read and used through the real dbusmenu protocol, and screenshots of the
screen are saved (to $HOOKFLO_SCREENSHOTS when set).

Nothing here may be skipped: without Xvfb the tests fail with the command
that installs it.
"""

import asyncio
import dataclasses
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.gui.conftest import until
from tests.support.clerk import SECRET, clerk_body, signed_headers
from tests.support.notifyserver import NotifyServer, start_notify_server
from tests.support.sniwatcher import SniWatcher, start_sni_watcher

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]

INSTALL_HINT = (
    "apt-get install -y --no-install-recommends xvfb xauth libxcb-cursor0 "
    "libxcb-icccm4 libxcb-keysyms1 (or ./dev setup)"
)
START_TIMEOUT_S = 15.0
QUIT_WITHIN_S = 8.0
SCREEN = "1280x800x24"
# What a clean shutdown never prints (C29).
BAD_EXIT_LINES = (
    "Traceback",
    "Event loop is closed",
    "Task was destroyed but it is pending",
    "was never awaited",
    "Cannot enter into task",
)
_GRAB = """
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv[:1])
shot = app.primaryScreen().grabWindow(0)
sys.exit(0 if shot.save(sys.argv[1]) else 1)
"""


@dataclasses.dataclass
class XServer:
    """A running Xvfb."""

    display: str
    process: "subprocess.Popen[bytes]"


def read_line(fd: int, timeout_s: float) -> str:
    """Read up to a newline from ``fd``.

    Xvfb writes the display number and the newline separately, and dies if
    the pipe is closed in between, so read the whole line.
    """
    data = b""
    deadline = time.monotonic() + timeout_s
    while not data.endswith(b"\n") and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(fd, 32) if ready else b""
        if not chunk:
            break
        data += chunk
    return data.decode().strip()


@pytest.fixture
def x_display(tmp_path) -> Iterator[XServer]:
    """Start Xvfb on a display it picks itself (no race for :99)."""
    if shutil.which("Xvfb") is None:
        pytest.fail(f"Xvfb is not installed; {INSTALL_HINT}", pytrace=False)
    read_end, write_end = os.pipe()
    log = (tmp_path / "xvfb.log").open("wb")
    process = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_end),
            "-screen",
            "0",
            SCREEN,
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write_end,),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
    )
    os.close(write_end)
    try:
        number = read_line(read_end, timeout_s=10.0)
        if not number:
            pytest.fail(f"Xvfb did not start; see {log.name}", pytrace=False)
        yield XServer(f":{number}", process)
    finally:
        os.close(read_end)
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@dataclasses.dataclass
class Desktop:
    """The display, the session bus with a tray host and a popup server."""

    x: XServer
    bus_address: str
    tray: SniWatcher
    popups: NotifyServer
    root: Path

    def environ(self, home: Path) -> dict[str, str]:
        """The environment of a program started in this desktop session."""
        runtime = self.root / "runtime"
        runtime.mkdir(mode=0o700, exist_ok=True)
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(self.root / "home"),
            "XDG_RUNTIME_DIR": str(runtime),
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "XDG_DATA_HOME": str(self.root / "data"),
            "DISPLAY": self.x.display,
            "DBUS_SESSION_BUS_ADDRESS": self.bus_address,
            "QT_QPA_PLATFORM": "xcb",
            "HOOKFLO_HOME": str(home),
            "HOOKFLO_SECRET_CLERK": SECRET,
        }

    async def screenshot(self, target: Path, home: Path) -> Path:
        """Save the whole screen as ``target`` (a PNG)."""
        grab = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _GRAB,
            str(target),
            env=self.environ(home),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert await asyncio.wait_for(grab.wait(), 10) == 0
        size = await asyncio.to_thread(lambda: target.stat().st_size)
        assert size > 10_000, "the screenshot is (nearly) empty"
        return target


@pytest.fixture
async def desktop(x_display, session_bus, tmp_path) -> AsyncIterator[Desktop]:
    """Xvfb, a private session bus, a tray host and a notification server."""
    tray = await start_sni_watcher(session_bus)
    popups = await start_notify_server(session_bus)
    for folder in ("home", "config", "data"):
        (tmp_path / "desktop" / folder).mkdir(parents=True, exist_ok=True)
    try:
        yield Desktop(
            x_display, session_bus.address, tray, popups, tmp_path / "desktop"
        )
    finally:
        await popups.stop()
        await tray.stop()


@dataclasses.dataclass
class HookfloProcess:
    """``hookflo`` running as a subprocess, and where its output goes."""

    process: "subprocess.Popen[bytes]"
    home: Path
    stderr_file: Path

    @property
    def log(self) -> str:
        log_file = self.home / "logs" / "hookflo.log"
        return log_file.read_text(encoding="utf-8") if log_file.exists() else ""

    @property
    def stderr(self) -> str:
        return self.stderr_file.read_text(encoding="utf-8", errors="replace")

    def port(self) -> int | None:
        runtime = self.home / "data" / "receiver.json"
        try:
            return int(json.loads(runtime.read_text(encoding="utf-8"))["port"])
        except (OSError, ValueError, KeyError):
            return None

    def alive(self) -> bool:
        return self.process.poll() is None

    async def exit_code(self, within: float) -> int:
        try:
            return await asyncio.to_thread(self.process.wait, within)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"hookflo still runs after {within:g} s") from None


@pytest.fixture
def run_hookflo(desktop, tmp_path) -> Iterator:
    """Return ``start()``: run ``hookflo --port 0`` in the desktop session."""
    started: list[HookfloProcess] = []
    home = tmp_path / "hookflo-home"

    def start(*args: str, **environ: str) -> HookfloProcess:
        stderr_file = tmp_path / f"hookflo-{len(started)}.stderr"
        with stderr_file.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "hookflo", *args],
                env=desktop.environ(home) | environ,
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
            )
        started.append(HookfloProcess(process, home, stderr_file))
        return started[-1]

    try:
        yield start
    finally:
        for running in started:
            if running.process.poll() is None:
                running.process.kill()  # by its own pid: only what we started
                running.process.wait()


async def wait_until_in_the_tray(desktop: Desktop, app: HookfloProcess) -> str:
    """Wait for the tray icon to register and the receiver to listen."""
    try:
        item = await desktop.tray.wait_for_item(START_TIMEOUT_S)
        await until(app.port, within=START_TIMEOUT_S, what="the receiver's port")
    except (TimeoutError, AssertionError):
        stderr = app.stderr
        if "platform plugin" in stderr:
            pytest.fail(
                f"Qt cannot use the X display; {INSTALL_HINT}\n{stderr}", pytrace=False
            )
        pytest.fail(f"hookflo did not come up:\n{stderr}", pytrace=False)
    return item


def assert_clean_exit(app: HookfloProcess) -> None:
    stderr = app.stderr
    for line in BAD_EXIT_LINES:
        assert line not in stderr, f"{line!r} on stderr:\n{stderr}"


async def test_a_click_on_the_popup_opens_the_window_on_that_event(
    desktop, run_hookflo, screenshots
):
    app = run_hookflo("--port", "0")
    item = await wait_until_in_the_tray(desktop, app)
    properties = await desktop.tray.item_properties(item)
    assert properties["Status"] == "Active"
    assert properties["ToolTip"][2].startswith("HookFlo: ")
    labels = [e.label for e in (await desktop.tray.menu(item)).walk() if e.visible]
    for label in ("Copy endpoint URL", "Open HookFlo", "Settings…", "Quit HookFlo"):
        assert label in labels

    body = clerk_body("user.created")
    headers = signed_headers(body)
    url = f"http://127.0.0.1:{app.port()}/webhooks/clerk"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=body, headers=headers) as answer,
    ):
        assert answer.status == 200

    popups = desktop.popups
    (popup,) = await until(lambda: popups.calls, what="the popup")
    assert (popup.app_name, popup.summary) == ("HookFlo", "New signup")
    assert "default" in popup.actions
    popups.click(popup.id)

    await until(lambda: "Showing event 1" in app.log, what="the window on event 1")
    await asyncio.sleep(0.5)  # let the window paint before the picture
    await desktop.screenshot(screenshots / "event-window.png", app.home)

    second = run_hookflo()  # brings the running one forward, then ends
    assert await second.exit_code(START_TIMEOUT_S) == 0
    assert "already running" in second.stderr
    await until(lambda: "Another start asked for the window" in app.log)

    await desktop.tray.click(item, "Quit HookFlo")
    assert await app.exit_code(QUIT_WITHIN_S) == 0
    assert_clean_exit(app)
    assert not (app.home / "data" / "receiver.json").exists()


async def test_sigterm_quits_cleanly_and_promptly(desktop, run_hookflo):
    app = run_hookflo("--port", "0")
    await wait_until_in_the_tray(desktop, app)

    app.process.send_signal(signal.SIGTERM)

    assert await app.exit_code(QUIT_WITHIN_S) == 0
    assert_clean_exit(app)
    assert "Quitting" in app.log
    assert not (app.home / "data" / "receiver.json").exists()


async def test_the_tray_app_verifies_and_alerts_without_svix_or_unused_channels(
    desktop, run_hookflo
):
    # svix pulls in its API client (pydantic, httpx) for a check HookFlo does
    # itself; Slack and email libraries wait until their channel is on, and
    # pyngrok (with yaml) until the tunnel is.
    # Python's import log lists every module the process loaded, lazy ones too.
    app = run_hookflo("--port", "0", PYTHONPROFILEIMPORTTIME="1")
    await wait_until_in_the_tray(desktop, app)
    body = clerk_body("user.created")
    url = f"http://127.0.0.1:{app.port()}/webhooks/clerk"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=body, headers=signed_headers(body)) as answer,
    ):
        assert answer.status == 200
    await until(lambda: desktop.popups.calls, what="the popup")

    app.process.send_signal(signal.SIGTERM)
    assert await app.exit_code(QUIT_WITHIN_S) == 0

    names = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*([\w.]+)", app.stderr, re.M)
    loaded = {name.split(".")[0] for name in names}
    assert {"PySide6", "aiohttp", "hookflo"} <= loaded  # the log is there
    avoided = {"svix", "standardwebhooks", "pydantic", "httpx"}
    avoided |= {"slack_sdk", "aiosmtplib"}
    avoided |= {"pyngrok", "yaml"}
    assert loaded.isdisjoint(avoided), sorted(loaded & avoided)
