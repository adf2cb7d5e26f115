"""Tell the user why the tray app did not start, without waiting on nobody.

A start from the desktop menu has no terminal to read, so a refusal (another
copy holds the home, the receiver cannot start) is also shown in a message
box. The box is not modal and the wait for it is bounded: it closes itself
after ``NOTICE_TIMEOUT_S``, so a start nobody watches still ends. Where no
one could see a window at all (Qt's offscreen or minimal platform: tests, CI,
a remote shell), no box is shown and the caller's line on stderr is all.
"""

import logging

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

logger = logging.getLogger(__name__)

NOTICE_TIMEOUT_S = 30.0
# Platforms that draw into memory only: a window there is seen by no one.
_UNSEEN_PLATFORMS = frozenset({"offscreen", "minimal"})


def can_show_windows() -> bool:
    """Whether a window of the running QApplication can be seen by anyone."""
    return QGuiApplication.platformName() not in _UNSEEN_PLATFORMS


def show_briefly(title: str, text: str, *, timeout_s: float = NOTICE_TIMEOUT_S) -> None:
    """Show ``text`` until the user closes it or ``timeout_s`` has passed."""
    box = QMessageBox(
        QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Close
    )
    box.setObjectName("start-notice")
    box.setWindowModality(Qt.WindowModality.NonModal)
    waiting = QEventLoop()
    box.finished.connect(waiting.quit)
    expiry = QTimer(box, singleShot=True, interval=round(timeout_s * 1000))
    expiry.timeout.connect(box.reject)
    expiry.timeout.connect(waiting.quit)
    box.show()
    expiry.start()
    waiting.exec()
    if expiry.isActive():
        logger.debug("The start notice was closed by the user")
    else:
        logger.debug("The start notice closed itself after %g s", timeout_s)
    expiry.stop()
    box.hide()
    box.deleteLater()
