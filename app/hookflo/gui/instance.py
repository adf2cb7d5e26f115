"""One HookFlo per user and data directory: a second start shows the first.

Two receivers would fight over the port and the store, so the first instance
listens on a local socket named after the user and the data directory. A
later ``hookflo`` connects, asks the running one to bring its window
forward (``show``) or to show one event (``open <id>``, from a
``hookflo://event/<id>`` link), and exits. A socket left behind by a crash
answers nobody and is replaced.
"""

import hashlib
import logging
import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from hookflo.core import eventlinks
from hookflo.core.paths import Paths

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 1000
SHOW = b"show\n"
OPEN = b"open"
# A request is one short line; a peer sending more without a line break is
# not a HookFlo start and is cut off.
MAX_LINE = 64


def socket_name(paths: Paths) -> str:
    """Return the local socket name of the instance using ``paths``."""
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    digest = hashlib.sha256(f"{user}:{paths.data_dir}".encode()).hexdigest()
    return f"hookflo-{digest[:20]}"


def ask_running_to_show(name: str, timeout_ms: int = CONNECT_TIMEOUT_MS) -> bool:
    """Ask the instance listening on ``name`` to show its window.

    Blocks for at most about ``2 * timeout_ms``; call it before the app's
    event loop runs.

    Returns:
        True if an instance answered (this one should exit).
    """
    return _tell_running(name, SHOW, timeout_ms)


def ask_running_to_open(
    name: str, event_id: int, timeout_ms: int = CONNECT_TIMEOUT_MS
) -> bool:
    """Ask the instance listening on ``name`` to show event ``event_id``.

    Blocks like ``ask_running_to_show``.

    Returns:
        True if an instance answered (this one should exit).
    """
    return _tell_running(name, OPEN + b" %d\n" % event_id, timeout_ms)


def _tell_running(name: str, request: bytes, timeout_ms: int) -> bool:
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    socket.write(request)
    delivered = socket.waitForBytesWritten(timeout_ms)
    socket.disconnectFromServer()
    return delivered


class InstanceServer(QObject):
    """Listens for later starts of HookFlo.

    Signals:
        show_requested: another start asked for the window.
        event_requested: another start asked to show the event of this id.
    """

    show_requested = Signal()
    event_requested = Signal(object)  # an int; may exceed 32 bits

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_new_connection)
        self._connections: list[QLocalSocket] = []

    def listen(self) -> bool:
        """Take the name (replacing a stale socket); False if that failed."""
        if self._server.listen(self._name):
            return True
        QLocalServer.removeServer(self._name)
        if self._server.listen(self._name):
            return True
        logger.info(
            "Cannot listen for other HookFlo starts: %s", self._server.errorString()
        )
        return False

    def close(self) -> None:
        """Stop listening, so a new start can take over."""
        self._server.close()

    def _on_new_connection(self) -> None:
        # Closed connections are freed here, not on their own "disconnected":
        # freeing a socket from its own signal crashed under qasync when
        # several starts connected in a row.
        self._free_closed()
        while self._server.hasPendingConnections():
            connection = self._server.nextPendingConnection()
            self._connections.append(connection)
            connection.readyRead.connect(lambda c=connection: self._on_ready_read(c))
            if connection.bytesAvailable():
                self._on_ready_read(connection)

    def _free_closed(self) -> None:
        closed = QLocalSocket.LocalSocketState.UnconnectedState
        for connection in [c for c in self._connections if c.state() == closed]:
            self._connections.remove(connection)
            connection.deleteLater()

    def _on_ready_read(self, connection: QLocalSocket) -> None:
        while connection.canReadLine():
            self._on_request(bytes(connection.readLine(MAX_LINE + 1).data()))
        if connection.bytesAvailable() > MAX_LINE:
            logger.info("Dropped a local connection sending no HookFlo request")
            connection.abort()

    def _on_request(self, line: bytes) -> None:
        words = line.split()
        if words == [SHOW.strip()]:
            logger.info("Another start asked for the window")
            self.show_requested.emit()
            return
        event_id = _requested_event(words)
        if event_id is None:
            logger.info("Ignored an unknown request from another start")
            return
        logger.info("Another start asked for event %d", event_id)
        self.event_requested.emit(event_id)


def _requested_event(words: list[bytes]) -> int | None:
    """Return the id of an ``open <id>`` request, else None."""
    if len(words) != 2 or words[0] != OPEN or not words[1].isdigit():
        return None
    event_id = int(words[1])
    return event_id if 1 <= event_id <= eventlinks.MAX_EVENT_ID else None
