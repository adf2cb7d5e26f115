"""The qasync event loop the tray app (and its tests) run on.

qasync's loop keeps its call-later timers on a QObject of its own, and
closing the loop only marks that object stopped: its Qt timers stay
registered until they fire. When the garbage collector later frees the
object from a worker thread, Qt cannot unregister those timers there and
crashes the process the next time the UI thread's timers fire. Closing this
loop deletes the object at once, on the loop's own thread.
"""

import logging

import qasync  # type: ignore[import-untyped]  # ships no type hints
import shiboken6
from PySide6.QtWidgets import QApplication

logger = logging.getLogger(__name__)


class QtLoop(qasync.QEventLoop):  # type: ignore[misc]  # qasync is untyped
    """A qasync loop that deletes its timer object when it is closed."""

    def close(self) -> None:
        """Close the loop, then delete its timer object on this thread."""
        already_closed = self.is_closed()
        super().close()
        timer = getattr(self, "_timer", None)
        if already_closed or timer is None or not shiboken6.isValid(timer):
            return
        shiboken6.delete(timer)
        logger.debug("Deleted the closed loop's timer object")


def new_loop(app: QApplication) -> QtLoop:
    """Return a new loop over ``app``."""
    return QtLoop(app)
