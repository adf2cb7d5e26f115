"""One HookFlo per user and data directory: a second start shows the first.

Two receivers would fight over the port and the store, so the first instance
listens on a local socket named after the user and the data directory. A
later ``hookflo`` connects, asks the running one to bring its window
forward, and exits. A socket left behind by a crash answers nobody and is
replaced.
"""

import hashlib
import logging
import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from hookflo.core.paths import Paths

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 1000
SHOW = b"show\n"


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
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    socket.write(SHOW)
    delivered = socket.waitForBytesWritten(timeout_ms)
    socket.disconnectFromServer()
    return delivered


class InstanceServer(QObject):
    """Listens for later starts of HookFlo.

    Signals:
        show_requested: another start asked for the window.
    """

    show_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_new_connection)

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
        while self._server.hasPendingConnections():
            connection = self._server.nextPendingConnection()
            connection.readyRead.connect(lambda c=connection: self._on_ready_read(c))
            connection.disconnected.connect(connection.deleteLater)
            if connection.bytesAvailable():
                self._on_ready_read(connection)

    def _on_ready_read(self, connection: QLocalSocket) -> None:
        if bytes(connection.readAll().data()).startswith(SHOW.strip()):
            logger.info("Another start asked for the window")
            self.show_requested.emit()
