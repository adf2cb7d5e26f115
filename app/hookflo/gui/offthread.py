"""Run blocking work (keyring, store, channel tests) off the UI thread.

A keyring call can block for as long as a password prompt stays open, a
channel test waits on the network: the dialogs hand such work to
``OffThread`` and get the finished future back on the UI thread, through a
queued Qt signal. After ``close`` no callback runs, so a dialog that went
away is never touched by work it started.

A worker thread never holds the last reference to what the UI thread gave
it: if it did, dropping that reference could destroy a dialog in the worker,
and Qt crashes the process later when it fires that dialog's timers. The UI
thread keeps the work and its callback until the result is delivered, the
worker lets go of the work before it reports, and the locals of a failed
call's traceback are cleared.
"""

import concurrent.futures
import itertools
import logging
import traceback
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
        finished: (weak reference to the OffThread, job number, future).
    """

    finished = Signal(object, int, object)

    def __init__(self) -> None:
        super().__init__()
        self.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(object, int, object)
    def _deliver(
        self,
        owner_ref: "weakref.ref[OffThread]",
        job: int,
        future: "concurrent.futures.Future[Any]",
    ) -> None:
        owner = owner_ref()
        if owner is None or not isValid(owner):
            logger.debug("Result of off-thread work dropped: its owner is gone")
            return
        owner.on_finished(job, future)


_relay: _Relay | None = None


def _shared_relay() -> _Relay:
    """Return the relay, made on first use (always from the UI thread)."""
    global _relay
    if _relay is None:
        _relay = _Relay()
    return _relay


def _run(holder: list[Callable[[], T]]) -> T:
    """Run the work in ``holder`` (in a worker), keeping no reference to it."""
    work = holder.pop()
    try:
        return work()
    except BaseException as err:
        traceback.clear_frames(err.__traceback__)
        raise
    finally:
        del work


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
        self._jobs: dict[int, tuple[Callable[[], Any], Done[Any]]] = {}
        self._numbers = itertools.count(1)

    @property
    def busy(self) -> bool:
        """Whether any submitted work has not been reported yet."""
        return bool(self._jobs)

    def submit(self, work: Callable[[], T], done: Done[T]) -> None:
        """Run ``work`` in a worker thread; call ``done(future)`` on this thread."""
        if self._closed:
            return
        job = next(self._numbers)
        self._jobs[job] = (work, done)
        future = self._pool.submit(_run, [work])
        owner_ref = weakref.ref(self)
        relay = self._relay
        future.add_done_callback(lambda f: relay.finished.emit(owner_ref, job, f))

    def close(self) -> None:
        """Drop callbacks still to come and let the workers finish on their own."""
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)

    def on_finished(self, job: int, future: "concurrent.futures.Future[Any]") -> None:
        """Report job ``job``'s ``future`` to its callback (on the UI thread)."""
        _work, done = self._jobs.pop(job)
        if self._closed or future.cancelled():
            return
        try:
            done(future)
        except Exception:
            logger.exception("Handling the result of off-thread work failed")
