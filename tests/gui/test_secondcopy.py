"""The tray app started while a ``hookflo serve`` runs on the same home.

The running copy is a real ``hookflo serve`` process (127.0.0.1, any port),
stopped by its pid at the end. Offscreen no one could see a message box, so
none is shown; the notice box itself is the real one, offscreen.
"""

import subprocess
import sys
import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from hookflo.cli.status import ExitStatus
from hookflo.core import paths
from hookflo.gui import launcher, startnotice
from tests.e2e.test_serve_subprocess import environ_for
from tests.e2e.test_serve_subprocess import serve as serve  # a fixture

pytestmark = pytest.mark.slow

START_TIMEOUT_S = 30
QUICK_EXIT_S = 15.0


def already_running(home, running) -> str:
    return (
        f"HookFlo is already running for {home} (pid {running.pid}, listening on "
        f"{running.url}); stop it first, or set HOOKFLO_HOME for a second copy"
    )


def notice_boxes() -> list[QMessageBox]:
    return [
        widget
        for widget in QApplication.topLevelWidgets()
        if isinstance(widget, QMessageBox) and widget.isVisible()
    ]


@pytest.mark.expect_log_warnings  # the refusal is logged as an error
def test_tray_app_names_the_running_serve_and_does_not_start(
    qapp, tmp_path, serve, capsys, caplog
):
    home = tmp_path / "home"
    running = serve(environ_for(home))
    where = paths.resolve({"HOOKFLO_HOME": str(home)})
    shown: list[int] = []
    QTimer.singleShot(0, lambda: shown.append(len(notice_boxes())))

    status = launcher.refuse_second_copy(where)

    qapp.processEvents()
    assert status == ExitStatus.ALREADY_RUNNING
    assert shown == [0]  # offscreen: nobody to see a box, none waits
    message = already_running(home, running)
    assert capsys.readouterr().err == f"hookflo: {message}\n"
    assert [r.levelname for r in caplog.records if r.name == launcher.__name__] == [
        "ERROR"
    ]
    assert running.process.poll() is None
    assert running.terminate() == 0
    assert launcher.refuse_second_copy(where) is None  # free once it stopped


def test_the_tray_app_started_on_a_held_home_exits_6_at_once(tmp_path, serve):
    home = tmp_path / "home"
    running = serve(environ_for(home))
    environ = {**environ_for(home), "QT_QPA_PLATFORM": "offscreen"}
    began = time.monotonic()

    started = subprocess.run(
        [sys.executable, "-m", "hookflo"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
        check=False,
    )

    took = time.monotonic() - began
    message = already_running(home, running)
    assert started.returncode == ExitStatus.ALREADY_RUNNING == 6, started.stderr
    assert started.stderr.endswith(f"hookflo: {message}\n")
    assert started.stderr.count(message) == 1, started.stderr  # said once
    log = paths.resolve({"HOOKFLO_HOME": str(home)}).log_file.read_text("utf-8")
    assert f"ERROR hookflo.gui.launcher: HookFlo did not start: {message}" in log
    assert started.stdout == ""
    assert took < QUICK_EXIT_S
    assert running.process.poll() is None  # the running copy is left alone


def test_the_notice_closes_itself_after_its_timeout(qapp):
    began = time.monotonic()

    startnotice.show_briefly("HookFlo — already running", "Busy", timeout_s=0.3)

    took = time.monotonic() - began
    assert 0.25 <= took < 5.0
    qapp.processEvents()
    assert notice_boxes() == []


def test_the_notice_returns_once_it_is_closed(qapp):
    seen: list[tuple[str, str, bool]] = []

    def close_it() -> None:
        boxes = notice_boxes()
        if not boxes:
            QTimer.singleShot(10, close_it)
            return
        box = boxes[0]
        seen.append((box.windowTitle(), box.text(), box.isModal()))
        box.button(QMessageBox.StandardButton.Close).click()

    QTimer.singleShot(0, close_it)
    began = time.monotonic()

    startnotice.show_briefly("HookFlo — already running", "Busy", timeout_s=20.0)

    assert time.monotonic() - began < 5.0
    assert seen == [("HookFlo — already running", "Busy", False)]


def test_only_a_visible_platform_gets_a_box(qapp):
    assert qapp.platformName() == "offscreen"
    assert not startnotice.can_show_windows()
