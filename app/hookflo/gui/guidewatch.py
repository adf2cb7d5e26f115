"""The first-run guide's watching: progress from the store, the keyring's state.

``GuideWatch`` reads both off the UI thread, on a timer and as soon as the
server's writer reports something, and stops when the guide closes.
"""

import concurrent.futures
import logging
import threading

from PySide6.QtCore import QTimer, Signal, Slot

from hookflo.core.config import Source
from hookflo.core.credentials import SecretValues
from hookflo.core.errors import UserFacingError
from hookflo.core.eventwriter import NewAttempt, NewEvent
from hookflo.core.setupprogress import ProgressReader, SourceProgress
from hookflo.gui.guidechecks import GuideChecks, SecretState
from hookflo.gui.offthread import OffThread

logger = logging.getLogger(__name__)


class GuideWatch(GuideChecks):
    """Keeps the first-run guide's progress up to date; a base class.

    Signals:
        _core_news: a listener of the server reported something; private.
    """

    _core_news = Signal()

    work: OffThread
    opened_at: float
    _reader: ProgressReader
    _reader_lock: threading.Lock
    _polling: bool
    _timer: QTimer

    def _subscribe(self) -> None:
        """Hear about new events and refusals at once, not only by polling."""
        server = self.context.server
        if server is not None:
            server.writer.listeners.append(self._on_event_stored)
            server.writer.attempt_listeners.append(self._on_attempt_recorded)

    def _unsubscribe(self) -> None:
        server = self.context.server
        if server is None:
            return
        if self._on_event_stored in server.writer.listeners:
            server.writer.listeners.remove(self._on_event_stored)
        if self._on_attempt_recorded in server.writer.attempt_listeners:
            server.writer.attempt_listeners.remove(self._on_attempt_recorded)

    def _on_event_stored(self, _event_id: int, _event: NewEvent) -> None:
        self._core_news.emit()

    def _on_attempt_recorded(self, _attempt: NewAttempt) -> None:
        self._core_news.emit()

    @Slot()
    def _poll(self) -> None:
        self._show()
        source = self.source
        if source is None or self._polling:
            return
        self._polling = True
        since, reader, lock = self.opened_at, self._reader, self._reader_lock

        def read() -> SourceProgress:
            with lock:
                return reader.read(source, since=since)

        self.work.submit(read, lambda future: self._on_progress(future, source))

    def _on_progress(
        self, future: "concurrent.futures.Future[SourceProgress]", source: Source
    ) -> None:
        self._polling = False
        if source != self.source:
            return
        try:
            self.progress = future.result()
        except UserFacingError as err:
            self.clerk_message.error(f"Cannot read the event store: {err}")
            return
        self._show()

    def _read_secret_state(self) -> None:
        source = self.source
        if source is None:
            return
        credentials = self.context.credentials
        self.work.submit(
            lambda: credentials.signing_secrets(source.name),
            lambda future: self._on_secret_state(future, source),
        )

    def _on_secret_state(
        self, future: "concurrent.futures.Future[SecretValues]", source: Source
    ) -> None:
        if source != self.source:
            return
        try:
            found = future.result()
        except UserFacingError as err:
            self.secret_state = SecretState(known=True, problem=str(err))
        else:
            self.secret_state = SecretState(known=True, count=len(found.values))
        self._show()

    def _stop(self) -> None:
        self._timer.stop()
        self._unsubscribe()
        self.work.close()
        reader, lock = self._reader, self._reader_lock

        def close_reader() -> None:
            with lock:
                reader.close()

        threading.Thread(target=close_reader, name="hookflo-guide-close").start()
