"""The built tray app: offscreen, and on an X display with a tray host.

Offscreen (no tray there: the app keeps running and checks again later) it
takes a signed event and quits on SIGTERM; on Xvfb with a StatusNotifierItem
host (the desktop fixture of the GUI end-to-end tests) its icon and menu
appear and "Quit HookFlo" ends it. Both run on private D-Bus session buses
where nothing can be activated. This proves the bundle carries what the GUI
loads: Qt's platform and SVG plugins, qasync, the icons, the single-instance
socket and Qt's D-Bus tray code.
"""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.bundle.conftest import clean_environ
from tests.bundle.test_commands import post
from tests.gui.test_desktop_e2e import (
    HookfloProcess,
    assert_clean_exit,
    wait_until_in_the_tray,
)
from tests.support.clerk import SECRET, clerk_body, signed_headers
from tests.support.privatebus import start_private_bus

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]

START_TIMEOUT_S = 20.0
QUIT_WITHIN_S = 5.0
BAD_EXIT_LINES = (
    "Traceback",
    "Event loop is closed",
    "Task was destroyed but it is pending",
    "was never awaited",
    "Could not load the Qt platform plugin",
)


def read_port(runtime_file: Path) -> int | None:
    try:
        return int(json.loads(runtime_file.read_text(encoding="utf-8"))["port"])
    except (OSError, ValueError, KeyError):
        return None


def launch(
    bundle: Path, environ: dict[str, str], stderr_file: Path
) -> subprocess.Popen[bytes]:
    """Start the built tray app on a free port, its output into ``stderr_file``."""
    with stderr_file.open("wb") as stderr:
        return subprocess.Popen(
            [str(bundle / "hookflo"), "--port", "0"],
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=stderr,
            stderr=stderr,
        )


def test_the_tray_app_runs_offscreen_and_quits_cleanly_on_sigterm(bundle, tmp_path):
    bus = start_private_bus(tmp_path)
    home = tmp_path / "home"
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    environ = clean_environ(
        home,
        QT_QPA_PLATFORM="offscreen",
        DBUS_SESSION_BUS_ADDRESS=bus.address,
        HOOKFLO_SECRET_CLERK=SECRET,
        XDG_RUNTIME_DIR=str(runtime),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    stderr_file = tmp_path / "tray.stderr"
    runtime_file = home / "data" / "receiver.json"
    process = launch(bundle, environ, stderr_file)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while read_port(runtime_file) is None:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the tray app did not come up:\n{stderr_file.read_text()}")
            time.sleep(0.05)
        port = read_port(runtime_file)
        assert port is not None
        body = clerk_body("user.created")
        assert post(port, body, signed_headers(body)) == 200

        started = time.monotonic()
        os.kill(process.pid, signal.SIGTERM)
        assert process.wait(timeout=QUIT_WITHIN_S + 5) == 0
        assert time.monotonic() - started < QUIT_WITHIN_S
    finally:
        if process.poll() is None:
            process.kill()  # by its own pid: only what this test started
            process.wait()
        bus.stop()
    stderr_text = stderr_file.read_text(encoding="utf-8", errors="replace")
    for line in BAD_EXIT_LINES:
        assert line not in stderr_text, f"{line!r} on stderr:\n{stderr_text}"
    log = (home / "logs" / "hookflo.log").read_text(encoding="utf-8")
    assert "HookFlo is running" in log
    assert "Quitting" in log
    assert not runtime_file.exists()


async def test_on_x_the_bundle_shows_its_tray_icon_and_its_quit_entry_ends_it(
    bundle,
    desktop,
    tmp_path,
):
    home = tmp_path / "hookflo-home"
    stderr_file = tmp_path / "tray-x.stderr"
    process = launch(bundle, desktop.environ(home), stderr_file)
    app = HookfloProcess(process, home, stderr_file)
    try:
        item = await wait_until_in_the_tray(desktop, app)
        labels = [e.label for e in (await desktop.tray.menu(item)).walk() if e.visible]
        assert "Quit HookFlo" in labels

        await desktop.tray.click(item, "Quit HookFlo")

        assert await app.exit_code(QUIT_WITHIN_S + 3) == 0
    finally:
        if process.poll() is None:
            process.kill()  # by its own pid: only what this test started
            process.wait()
    assert_clean_exit(app)
    assert "Could not load the Qt platform plugin" not in app.stderr
