"""Run blocking work (keyring, store, channel tests) off the UI thread.

A keyring call can block for as long as a password prompt stays open, a
channel test waits on the network: the dialogs hand such work to
``OffThread`` and get the finished future back on the UI thread, through a
queued Qt signal. After ``close`` no callback runs, so a dialog that went
away is never touched by work it started.
"""

import concurrent.futures
import logging
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot
from shiboken6 import isValid

logger = logging.getLogger(__name__)

T = TypeVar("T")
Done = Callable[[concurrent.futures.Future[T]], None]


class _Relay(QObject):
    """Carries finished work to the UI thread; lives as long as the app.

    Workers emit on this long-lived object, never on an ``OffThread`` that
    its dialog may already have deleted: emitting a signal of a deleted Qt
    object from another thread crashes the process instead of raising.

    Signals:
        finished: (weak reference to the OffThread, callback, future).
    """

    finished = Signal(object, object, object)

    def __init__(self) -> None:
        super().__init__()
        self.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(object, object, object)
    def _deliver(
        self,
        owner_ref: "weakref.ref[OffThread]",
        done: Done[Any],
        future: "concurrent.futures.Future[Any]",
    ) -> None:
        owner = owner_ref()
        if owner is None or not isValid(owner):
            logger.debug("Result of off-thread work dropped: its owner is gone")
            return
        owner.on_finished(done, future)


_relay: _Relay | None = None


def _shared_relay() -> _Relay:
    """Return the relay, made on first use (always from the UI thread)."""
    global _relay
    if _relay is None:
        _relay = _Relay()
    return _relay


class OffThread(QObject):
    """A small thread pool whose results come back on the UI thread.

    Args:
        parent: the owning QObject (usually the dialog).
        workers: how many calls may run at once.
    """

    def __init__(self, parent: QObject | None = None, *, workers: int = 4) -> None:
        super().__init__(parent)
        self._relay = _shared_relay()
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="hookflo-ui-work"
        )
        self._closed = False
        self._pending = 0

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
        owner_ref = weakref.ref(self)
        relay = self._relay
        future.add_done_callback(lambda f: relay.finished.emit(owner_ref, done, f))

    def close(self) -> None:
        """Drop callbacks still to come and let the workers finish on their own."""
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)

    def on_finished(
        self, done: Done[Any], future: "concurrent.futures.Future[Any]"
    ) -> None:
        """Report ``future`` to ``done`` unless closed (on the UI thread)."""
        self._pending -= 1
        if self._closed or future.cancelled():
            return
        try:
            done(future)
        except Exception:
            logger.exception("Handling the result of off-thread work failed")
