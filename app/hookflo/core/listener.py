"""The receiver's listening sockets, and calm when accepting fails.

When the process runs out of file descriptors, ``accept()`` fails with
EMFILE. asyncio's selector loop then reports the error, pauses the listener
and retries a second later; but up to Python 3.13 it goes on calling
``accept()`` in the same pass (CPython issue gh-151615), reporting and
scheduling a retry up to 128 times, and the retries multiply. A run out of
descriptors logged 750,000 tracebacks in 20 s that way.

The fix has two parts:

- ``ListeningSocket`` answers "nothing to accept" for a moment after such a
  failure, which ends the loop's pass after one report and one retry;
- ``AcceptErrors``, the loop's exception handler while the receiver runs,
  turns those reports into one warning a minute.

``bind`` makes the sockets (as ``loop.create_server`` would) and ``Site``
serves them through aiohttp, with a protocol factory of our choosing.
"""

import asyncio
import errno
import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from hookflo.core.throttledlog import Throttled

logger = logging.getLogger(__name__)

RESOURCE_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
# After a resource failure, accept() says "nothing to accept" this long; it
# is shorter than asyncio's own pause (one second) before it retries.
REST_S = 0.5
BACKLOG = 128

ProtocolFactory = Callable[[], asyncio.Protocol]


class ListeningSocket(socket.socket):
    """A listening socket that ends an accept pass after a resource failure."""

    __slots__ = ("_resting_until",)

    def __init__(self, family: int, kind: int, proto: int) -> None:
        super().__init__(family, kind, proto)
        self._resting_until = 0.0

    def accept(self) -> tuple[socket.socket, Any]:
        """Accept a connection, or say there is none while resting."""
        if time.monotonic() < self._resting_until:
            raise BlockingIOError(errno.EAGAIN, "Resting after a resource error")
        try:
            return super().accept()
        except OSError as err:
            if err.errno in RESOURCE_ERRNOS:
                self._resting_until = time.monotonic() + REST_S
            raise


async def bind(host: str, port: int) -> list[socket.socket]:
    """Return sockets bound to ``host`` and ``port``, not yet listening.

    Raises:
        OSError: the address cannot be resolved or bound.
    """
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _name, address in dict.fromkeys(infos):
            sockets.append(_bound(family, kind, proto, address))
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _bound(family: int, kind: int, proto: int, address: Any) -> socket.socket:
    sock = ListeningSocket(family, kind, proto)
    try:
        if os.name == "posix":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and hasattr(socket, "IPPROTO_IPV6"):
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


class Site(web.BaseSite):
    """Serves one bound socket with the protocols ``wrap`` makes of aiohttp's."""

    __slots__ = ("_sock", "_wrap")

    def __init__(
        self,
        runner: web.BaseRunner,
        sock: socket.socket,
        wrap: Callable[[ProtocolFactory], ProtocolFactory],
    ) -> None:
        super().__init__(runner, backlog=BACKLOG)
        self._sock = sock
        self._wrap = wrap

    @property
    def name(self) -> str:
        """The address served, as a URL."""
        host, port = self._sock.getsockname()[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}"

    async def start(self) -> None:
        """Start listening."""
        await super().start()
        server = self._runner.server
        assert server is not None
        self._server = await asyncio.get_running_loop().create_server(
            self._wrap(server), sock=self._sock, backlog=BACKLOG
        )


class AcceptErrors:
    """The loop's exception handler: accept failures once a minute, the rest as before.

    Args:
        loop: the loop to handle; ``install`` and ``uninstall`` swap handlers.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._previous: Callable[..., object] | None = None
        self._last_error = ""
        self._report = Throttled(self._say, loop)

    def install(self) -> None:
        """Become the loop's exception handler."""
        self._previous = self._loop.get_exception_handler()
        self._loop.set_exception_handler(self)

    def uninstall(self) -> None:
        """Give the loop back its previous handler."""
        self._report.close()
        if self._loop.get_exception_handler() is self:
            self._loop.set_exception_handler(self._previous)

    def __call__(
        self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]
    ) -> None:
        """Count an accept failure; pass anything else on."""
        error = context.get("exception")
        if (
            isinstance(error, OSError)
            and error.errno in RESOURCE_ERRNOS
            and "accept" in str(context.get("message", ""))
        ):
            self._last_error = error.strerror or str(error)
            self._report.note()
        elif self._previous is not None:
            self._previous(loop, context)
        else:
            loop.default_exception_handler(context)

    def _say(self, count: int) -> None:
        logger.warning(
            "Cannot accept connections: %s; retrying every second "
            "(%d failed %s; said at most once a minute)",
            self._last_error,
            count,
            "accept" if count == 1 else "accepts",
        )
