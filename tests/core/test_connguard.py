"""Slow and surplus connections are closed; well-behaved ones keep working.

A real aiohttp server on 127.0.0.1 (the receiver's runner and sockets) with
short deadlines; clients are raw sockets that send what a slow or hostile
client would.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from hookflo.core import connguard, listener, plainerrors, tasks

HEADER_S = 0.4
BODY_S = 0.6
WAIT_S = 5.0


class Served:
    """A guarded server answering ``POST /`` with the body's length."""

    def __init__(self, guard: connguard.ConnectionGuard) -> None:
        self.guard = guard
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application(middlewares=[self.guard.middleware])
        app.router.add_post("/", self._answer)
        self.runner = plainerrors.Runner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self.runner.setup()
        for sock in await listener.bind("127.0.0.1", 0):
            await listener.Site(self.runner, sock, self.guard.wrap).start()
        self.port = self.runner.addresses[0][1]

    async def _answer(self, request: web.Request) -> web.Response:
        body = await request.read()
        peer = request.transport.get_extra_info("peername")[1]
        return web.Response(text=f"{len(body)} from {peer}")

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    guard = connguard.ConnectionGuard(
        asyncio.get_running_loop(),
        limit=4,
        header_timeout_s=HEADER_S,
        body_timeout_s=BODY_S,
    )
    server = Served(guard)
    await server.start()
    yield server
    assert server.runner is not None
    await server.runner.cleanup()
    guard.close()


async def closed_after(reader: asyncio.StreamReader) -> float:
    """Wait until the server closes the connection; return the seconds taken."""
    started = time.monotonic()
    try:
        rest = await asyncio.wait_for(reader.read(), WAIT_S)
    except ConnectionResetError:
        rest = b""
    assert rest == b""
    return time.monotonic() - started


async def post_status(port: int) -> int:
    """POST a small body on a fresh connection; return the status."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"http://127.0.0.1:{port}/", data=b"x") as response,
    ):
        return response.status


async def test_a_connection_that_sends_nothing_is_closed_after_the_header_limit(
    served,
):
    reader, writer = await served.connect()
    taken = await closed_after(reader)
    writer.close()
    assert HEADER_S * 0.8 <= taken < HEADER_S + 1.0
    assert served.guard.timed_out == 1
    assert served.guard.open == 0


async def test_headers_sent_a_line_at_a_time_are_cut_at_the_limit(served):
    reader, writer = await served.connect()
    writer.write(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    closing = tasks.spawn(closed_after(reader), name="wait-closed")
    # Bytes keep coming, but the headers never end.
    while not closing.done():
        writer.write(b"X-Drip: 1\r\n")
        await asyncio.sleep(0.05)
    taken = await closing
    writer.close()
    assert taken < HEADER_S + 1.0
    assert served.guard.timed_out == 1


async def test_a_body_that_never_ends_is_cut_at_the_body_limit_quietly(served, caplog):
    caplog.set_level(logging.DEBUG)
    reader, writer = await served.connect()
    writer.write(
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n"
        + b"{" * 10
    )
    taken = await closed_after(reader)
    writer.close()
    assert BODY_S * 0.8 <= taken < BODY_S + 1.0
    assert served.guard.timed_out == 1
    # No traceback from aiohttp for the body cut on purpose.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_keep_alive_client_keeps_its_connection_past_the_header_limit(
    served,
):
    async with aiohttp.ClientSession() as session:
        url = f"http://127.0.0.1:{served.port}/"
        async with session.post(url, data=b"abc") as first:
            first_text = await first.text()
        await asyncio.sleep(HEADER_S * 2)  # idle, between requests
        async with session.post(url, data=b"abcd") as second:
            second_text = await second.text()
    peer = first_text.split(" from ")[1]
    assert first_text == f"3 from {peer}"
    assert second_text == f"4 from {peer}"  # the same connection, reused
    assert served.guard.timed_out == 0


async def test_a_request_in_time_is_answered_while_slow_ones_wait(served):
    slow_reader, slow_writer = await served.connect()
    slow_writer.write(b"POST / HTTP/1.1\r\n")
    assert await post_status(served.port) == 200
    await closed_after(slow_reader)
    slow_writer.close()


@pytest.mark.expect_log_warnings
async def test_connections_past_the_cap_are_closed_at_once_and_said_once(
    served, caplog
):
    held = [await served.connect() for _ in range(served.guard.limit)]
    await asyncio.sleep(0.05)
    assert served.guard.open == served.guard.limit
    extra = [await served.connect() for _ in range(20)]
    for reader, _writer in extra:
        assert await closed_after(reader) < HEADER_S * 0.8
    assert served.guard.turned_away == 20
    said = [r for r in caplog.records if r.name == connguard.__name__]
    assert [r.getMessage() for r in said] == [
        "Turned away 1 connection: 4 connections are open, the most allowed "
        "(said at most once a minute)"
    ]
    # Once the held ones time out, a request gets through again.
    for reader, _writer in held:
        await closed_after(reader)
    assert await post_status(served.port) == 200
    served.guard.close()
    said = [r for r in caplog.records if r.name == connguard.__name__]
    assert said[-1].getMessage().startswith("Turned away 19 connections")
    for _reader, writer in held + extra:
        writer.close()
