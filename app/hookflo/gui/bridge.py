"""The core's news as Qt signals: events stored, deliveries moved, refusals.

The core calls plain listeners on the event loop (``EventWriter.listeners``,
``attempt_listeners``, ``Dispatcher.listeners``); the bridge collects what
they report and emits it in batches, at most every ``COALESCE_MS``, so a burst
of a thousand events costs the UI a few updates, not a thousand. Log records
at ALERT or above (the lines STYLE.md reserves for the user's eye) arrive
from any thread and are handed to the loop before they are emitted.
"""

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from hookflo.core.eventwriter import NewAttempt, NewEvent
from hookflo.core.logs import ALERT, ROOT_LOGGER
from hookflo.core.server import Server

logger = logging.getLogger(__name__)

COALESCE_MS = 50


class CoreBridge(QObject):
    """Subscribes to a running server and re-emits what happens as Qt signals.

    Signals:
        events_stored: (list[int]) ids of newly stored events, oldest first.
        deliveries_changed: (list[int]) ids of deliveries whose state moved.
        attempts_recorded: (list[str]) the reason codes of refused requests.
        alert_logged: (str, str) the logger name and the message of a record
            at ALERT or above.
    """

    events_stored = Signal(list)
    deliveries_changed = Signal(list)
    attempts_recorded = Signal(list)
    alert_logged = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._events: list[int] = []
        self._deliveries: set[int] = set()
        self._attempts: list[str] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COALESCE_MS)
        self._timer.timeout.connect(self._flush)
        self._server: Server | None = None
        self._handler = _AlertHandler(self, asyncio.get_running_loop())

    def attach(self, server: Server) -> None:
        """Listen to ``server`` (started) and to the ``hookflo`` loggers."""
        self.detach()
        self._server = server
        server.writer.listeners.append(self._on_event)
        server.writer.attempt_listeners.append(self._on_attempt)
        if server.dispatcher is not None:
            server.dispatcher.listeners.append(self._on_deliveries)
        logging.getLogger(ROOT_LOGGER).addHandler(self._handler)

    def detach(self) -> None:
        """Stop listening; nothing is emitted afterwards."""
        logging.getLogger(ROOT_LOGGER).removeHandler(self._handler)
        server, self._server = self._server, None
        if server is not None:
            _discard(server.writer.listeners, self._on_event)
            _discard(server.writer.attempt_listeners, self._on_attempt)
            if server.dispatcher is not None:
                _discard(server.dispatcher.listeners, self._on_deliveries)
        self._timer.stop()
        self._events, self._attempts = [], []
        self._deliveries = set()

    def _on_event(self, event_id: int, _event: NewEvent) -> None:
        self._events.append(event_id)
        self._soon()

    def _on_attempt(self, attempt: NewAttempt) -> None:
        self._attempts.append(attempt.reason)
        self._soon()

    def _on_deliveries(self, ids: Sequence[int]) -> None:
        self._deliveries.update(ids)
        self._soon()

    def _soon(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _flush(self) -> None:
        events, self._events = self._events, []
        deliveries, self._deliveries = sorted(self._deliveries), set()
        attempts, self._attempts = self._attempts, []
        if events:
            self.events_stored.emit(events)
        if deliveries:
            self.deliveries_changed.emit(deliveries)
        if attempts:
            self.attempts_recorded.emit(attempts)

    def _emit_alert(self, name: str, message: str) -> None:
        if self._server is not None:
            self.alert_logged.emit(name, message)


class _AlertHandler(logging.Handler):
    """Passes records at ALERT or above to the bridge, on the event loop."""

    def __init__(self, bridge: CoreBridge, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(level=ALERT)
        self._bridge = bridge
        self._loop = loop

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(__name__):
            return  # never about itself: that could loop
        try:
            message = record.getMessage()
        except Exception:  # a malformed record must not break logging
            return
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._bridge._emit_alert, record.name, message)


def _discard(listeners: list[Any], listener: object) -> None:
    if listener in listeners:
        listeners.remove(listener)
