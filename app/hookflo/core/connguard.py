"""Bound the time a client may take to send a request, and the connections open.

aiohttp (3.14) has no header or body timeout of its own: a client that
sends its headers a byte at a time, or never finishes its body, holds its
connection (and a file descriptor) until the keep-alive timeout, or, while
a body trickles in, for ever. Enough of them and the receiver can accept
nothing more: Svix's deliveries time out.

``ConnectionGuard`` wraps each connection's protocol:

- its request headers must be complete within ``HEADER_TIMEOUT_S`` of the
  connection opening, or of the first byte after an answered request;
- its body must be complete within ``BODY_TIMEOUT_S`` of its headers
  (``middleware`` sees the headers arrive);
- past ``limit`` connections open at once, a new one is closed at once, and
  a warning says so at most once a minute.

Between requests an idle connection stays open for aiohttp's keep-alive
timeout, so well-behaved clients (Svix reuses its connections) keep theirs.

A connection only notes its deadline (a number); one sweep a second, while
connections are open, closes those past theirs. A timer per request would
cost a scheduled and a cancelled timer handle per webhook, which at
thousands a second keeps the loop re-sorting its timer heap.
"""

import asyncio
import logging
from collections.abc import Callable
from http import HTTPStatus

from aiohttp import web
from aiohttp.typedefs import Handler

from hookflo.core.throttledlog import Throttled

logger = logging.getLogger(__name__)

HEADER_TIMEOUT_S = 10.0
# A Clerk event is a few KB; the body limit is 1 MB by default.
BODY_TIMEOUT_S = 30.0

# How often deadlines are checked: a slow client is cut up to this late.
SWEEP_S = 1.0

ProtocolFactory = Callable[[], asyncio.Protocol]


class ConnectionGuard:
    """Deadlines and a cap for the receiver's connections.

    Args:
        loop: the loop the connections run on.
        limit: connections held open at once, at most.
        header_timeout_s: time allowed for a request's headers.
        body_timeout_s: time allowed for a request's body, after its headers.

    Attributes:
        open: connections open now.
        turned_away: connections closed at once because ``limit`` were open.
        timed_out: connections closed because a request was too slow.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        limit: int,
        header_timeout_s: float = HEADER_TIMEOUT_S,
        body_timeout_s: float = BODY_TIMEOUT_S,
    ) -> None:
        self.loop = loop
        self.limit = limit
        self.header_timeout_s = header_timeout_s
        self.body_timeout_s = body_timeout_s
        self.open = 0
        self.turned_away = 0
        self.timed_out = 0
        self.sweep_s = min(SWEEP_S, header_timeout_s / 4, body_timeout_s / 4)
        self._report = Throttled(self._say_turned_away, loop)
        self._connections: set[_Connection] = set()
        self._sweeper: asyncio.TimerHandle | None = None

    def wrap(self, make: ProtocolFactory) -> ProtocolFactory:
        """Return a protocol factory that guards the protocols ``make`` makes."""
        return lambda: _Connection(self, make)

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Start the body deadline once ``request``'s headers are in."""
        connection = _connection_of(request)
        if connection is None:
            return await handler(request)
        connection.request_started(request)
        try:
            return await handler(request)
        except ConnectionResetError:
            if not connection.cut:
                raise
            # Closed here for being too slow: there is no one to answer.
            return web.Response(status=HTTPStatus.REQUEST_TIMEOUT)
        finally:
            connection.request_done()

    def close(self) -> None:
        """Say what is left to say; call when the receiver stops."""
        self._report.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

    def admit(self, connection: "_Connection") -> bool:
        """Count a new connection in, unless ``limit`` are open already."""
        if self.open >= self.limit:
            self.turned_away += 1
            self._report.note()
            return False
        self.open += 1
        self._connections.add(connection)
        if self._sweeper is None:
            self._sweeper = self.loop.call_later(self.sweep_s, self._sweep)
        return True

    def release(self, connection: "_Connection") -> None:
        """Count a connection out."""
        self.open -= 1
        self._connections.discard(connection)

    def _sweep(self) -> None:
        """Close the connections past their deadline; come back while any is open."""
        now = self.loop.time()
        late = [
            c for c in self._connections if c.deadline is not None and c.deadline <= now
        ]
        for connection in late:
            connection.expire()
        self._sweeper = (
            self.loop.call_later(self.sweep_s, self._sweep)
            if self._connections
            else None
        )

    def _say_turned_away(self, count: int) -> None:
        logger.warning(
            "Turned away %d %s: %d connections are open, the most allowed "
            "(said at most once a minute)",
            count,
            "connection" if count == 1 else "connections",
            self.limit,
        )


class _Connection(asyncio.Protocol):
    """One connection: forwards to aiohttp's protocol and keeps its deadline.

    Attributes:
        deadline: the loop time by which the request being received must be
            in (None while idle between requests or while it is answered).
        cut: closed here for being too slow.
    """

    def __init__(self, guard: ConnectionGuard, make: ProtocolFactory) -> None:
        self._guard = guard
        self._make = make
        self._inner: asyncio.Protocol | None = None
        self._transport: asyncio.BaseTransport | None = None
        self._request: web.Request | None = None
        self._between_requests = False
        self.deadline: float | None = None
        self.cut = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self._guard.admit(self):
            if isinstance(transport, asyncio.WriteTransport):
                transport.abort()  # at once, without a goodbye
            else:
                transport.close()
            return
        self._transport = transport
        self._inner = self._make()
        self.deadline = self._guard.loop.time() + self._guard.header_timeout_s
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._inner is None:
            return
        if self._between_requests and data:
            self._between_requests = False
            self.deadline = self._guard.loop.time() + self._guard.header_timeout_s
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return None if self._inner is None else self._inner.eof_received()

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        inner, self._inner = self._inner, None
        if inner is None:
            return
        self.deadline = None
        self._request = None
        self._transport = None
        self._guard.release(self)
        inner.connection_lost(exc)

    def request_started(self, request: web.Request) -> None:
        """The headers are in: the body has its own deadline."""
        self._request = request
        self.deadline = self._guard.loop.time() + self._guard.body_timeout_s

    def request_done(self) -> None:
        """Answered: idle until the next request's first byte."""
        self._request = None
        self.deadline = None
        self._between_requests = True

    def expire(self) -> None:
        """Close the connection: its request did not arrive in time."""
        request = self._request
        self.deadline = None
        if request is not None and request.content.is_eof():
            return  # the body is in; the answer is being made
        if self._transport is None:
            return
        logger.debug(
            "Closed a connection whose request %s was not in after %g s",
            "headers" if request is None else "body",
            self._guard.header_timeout_s
            if request is None
            else self._guard.body_timeout_s,
        )
        self.cut = True
        self._guard.timed_out += 1
        self._transport.close()


def _connection_of(request: web.Request) -> _Connection | None:
    transport = request.transport
    protocol = None if transport is None else transport.get_protocol()
    return protocol if isinstance(protocol, _Connection) else None
