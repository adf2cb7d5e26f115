"""Answer requests that are not valid HTTP with a fixed text, never their bytes.

aiohttp answers a request its parser refuses (a bad method, a broken header
line, stray control bytes) with a 400 whose body is the parser's message,
and that message quotes the bytes received. Whatever a scanner sent through
the public tunnel would be echoed back. ``Runner`` is aiohttp's ``AppRunner``
answering such requests with one fixed sentence instead; what was refused is
logged (one line, see ``logs``), not sent back.

Workaround: aiohttp 3.14 has no setting for the body of its parser-error
answers, so this swaps in a request handler that overrides ``handle_error``;
remove once aiohttp lets an application choose that body.
"""

import logging
from http import HTTPStatus

from aiohttp import web, web_protocol, web_request

logger = logging.getLogger(__name__)

MALFORMED_ANSWER = "Bad request: this is not a valid HTTP request\n"


class Runner(web.AppRunner):
    """``web.AppRunner`` whose connections answer parser errors plainly."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # Same object and state, with the handler factory below.
        server.__class__ = _PlainErrorServer
        return server


class _PlainErrorServer(web.Server):
    def __call__(self) -> web_protocol.RequestHandler:
        return _PlainErrorHandler(self, loop=self._loop, **self._kwargs)


class _PlainErrorHandler(web_protocol.RequestHandler):
    __slots__ = ()

    def handle_error(
        self,
        request: web_request.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status != HTTPStatus.INTERNAL_SERVER_ERROR:
            message = MALFORMED_ANSWER if status == 400 else _fixed(status)
        return super().handle_error(request, status, exc, message)


def _fixed(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return f"{status} {phrase}\n"
