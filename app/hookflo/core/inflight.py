"""Finish the requests already received before the receiver stops.

aiohttp's own shutdown (``AppRunner.cleanup``) waits for requests being
handled, but it first closes idle connections and from then on ignores what
arrives on the others: a request half received (its headers read, not yet
its body) or still in the socket buffer is cut. ``InFlight`` counts the
requests being handled and drains them first: it stops listening, gives the
connections already accepted a moment to hand over their request, and waits
until every one is answered, so aiohttp's shutdown finds nothing to cut.
"""

import asyncio
import logging

from aiohttp import web
from aiohttp.typedefs import Handler

logger = logging.getLogger(__name__)

# After the listener closes: time for connections already accepted to hand
# over the request they are sending (every client is local: the tunnel agent
# or this machine).
ACCEPTED_GRACE_S = 0.2


class InFlight:
    """Counts the requests being handled; add ``middleware`` to the app."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Count ``request`` while ``handler`` answers it."""
        self.count += 1
        self._idle.clear()
        try:
            return await handler(request)
        finally:
            self.count -= 1
            if not self.count:
                self._idle.set()

    async def drain(self, runner: web.AppRunner, limit_s: float) -> None:
        """Stop listening, then wait (up to ``limit_s``) for every answer."""
        for site in runner.sites:
            await site.stop()
        server = runner.server
        if server is None or not server.connections:
            return
        logger.info("Stopped accepting; finishing the requests in flight")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit_s
        await asyncio.sleep(min(ACCEPTED_GRACE_S, limit_s))
        try:
            async with asyncio.timeout_at(deadline):
                await self._idle.wait()
        except TimeoutError:
            logger.warning(
                "%d %s still unanswered after %g s; cutting %s",
                self.count,
                "request" if self.count == 1 else "requests",
                limit_s,
                "it" if self.count == 1 else "them",
            )
