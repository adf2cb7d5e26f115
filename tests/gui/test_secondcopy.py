"""The tray app started while a ``hookflo serve`` runs on the same home.

The running copy is a real ``hookflo serve`` process (127.0.0.1, any port),
stopped by its pid at the end; the dialog is the real message box, offscreen.
"""

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from hookflo.cli.status import ExitStatus
from hookflo.core import paths
from hookflo.gui import launcher
from tests.e2e.test_serve_subprocess import environ_for
from tests.e2e.test_serve_subprocess import serve as serve  # a fixture

pytestmark = pytest.mark.slow


def answer_dialog(seen: list[tuple[str, str]]) -> None:
    """Read and close the modal message box once it shows."""
    box = QApplication.activeModalWidget()
    if not isinstance(box, QMessageBox):
        QTimer.singleShot(20, lambda: answer_dialog(seen))
        return
    seen.append((box.windowTitle(), box.text()))
    box.accept()


@pytest.mark.expect_log_warnings  # the refusal is logged as an error
def test_tray_app_names_the_running_serve_and_does_not_start(
    qapp, tmp_path, serve, capsys, caplog
):
    home = tmp_path / "home"
    running = serve(environ_for(home))
    where = paths.resolve({"HOOKFLO_HOME": str(home)})
    seen: list[tuple[str, str]] = []
    QTimer.singleShot(0, lambda: answer_dialog(seen))

    status = launcher.refuse_second_copy(where)

    message = (
        f"HookFlo is already running for {home} (pid {running.pid}, listening on "
        f"{running.url}); stop it first, or set HOOKFLO_HOME for a second copy"
    )
    assert status == ExitStatus.ALREADY_RUNNING
    assert seen == [("HookFlo — already running", message)]
    assert capsys.readouterr().err == f"hookflo: {message}\n"
    assert [r.levelname for r in caplog.records if r.name == launcher.__name__] == [
        "ERROR"
    ]
    assert running.process.poll() is None
    assert running.terminate() == 0
    assert launcher.refuse_second_copy(where) is None  # free once it stopped
