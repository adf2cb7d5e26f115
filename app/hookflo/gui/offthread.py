"""Run blocking work (keyring, store, channel tests) off the UI thread.

A keyring call can block for as long as a password prompt stays open, a
channel test waits on the network: the dialogs hand such work to
``OffThread`` and get the finished future back on the UI thread, through a
queued Qt signal. After ``close`` no callback runs, so a dialog that went
away is never touched by work it started.
"""

import concurrent.futures
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal, Slot

logger = logging.getLogger(__name__)

T = TypeVar("T")
Done = Callable[[concurrent.futures.Future[T]], None]


class OffThread(QObject):
    """A small thread pool whose results come back on the UI thread.

    Args:
        parent: the owning QObject (usually the dialog).
        workers: how many calls may run at once.

    Signals:
        _finished: (callback, future) from a worker thread; private.
    """

    _finished = Signal(object, object)

    def __init__(self, parent: QObject | None = None, *, workers: int = 4) -> None:
        super().__init__(parent)
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="hookflo-ui-work"
        )
        self._closed = False
        self._pending = 0
        self._finished.connect(self._on_finished)

    @property
    def busy(self) -> bool:
        """Whether any submitted work has not been reported yet."""
        return self._pending > 0

    def submit(self, work: Callable[[], T], done: Done[T]) -> None:
        """Run ``work`` in a worker thread; call ``done(future)`` on this thread."""
        if self._closed:
            return
        self._pending += 1
        future = self._pool.submit(work)
        future.add_done_callback(lambda f: self._report(done, f))

    def close(self) -> None:
        """Drop callbacks still to come and let the workers finish on their own."""
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _report(
        self, done: Done[Any], future: "concurrent.futures.Future[Any]"
    ) -> None:
        """Hand the result over to the UI thread (runs in the worker)."""
        try:
            self._finished.emit(done, future)
        except RuntimeError:
            # The QObject was deleted with its dialog: nobody waits any more.
            logger.debug("Result of off-thread work dropped: its owner is gone")

    @Slot(object, object)
    def _on_finished(
        self, done: Done[Any], future: "concurrent.futures.Future[Any]"
    ) -> None:
        self._pending -= 1
        if self._closed or future.cancelled():
            return
        try:
            done(future)
        except Exception:
            logger.exception("Handling the result of off-thread work failed")
