"""Draining the receiver: answer what was received, within a bound."""

import asyncio
import logging
import time

import aiohttp
import pytest
from aiohttp import web

from hookflo.core import inflight, tasks


async def start(handler, counter: inflight.InFlight) -> tuple[web.AppRunner, str]:
    app = web.Application(middlewares=[counter.middleware])
    app.router.add_post("/", handler)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}/"


async def test_a_slow_request_is_answered_before_the_drain_returns():
    counter = inflight.InFlight()
    entered = asyncio.Event()

    async def slow(_request: web.Request) -> web.Response:
        entered.set()
        await asyncio.sleep(0.3)
        return web.Response(text="done")

    runner, url = await start(slow, counter)
    fresh = aiohttp.TCPConnector(force_close=True)  # a new connection each
    async with aiohttp.ClientSession(connector=fresh) as session:
        answer = tasks.spawn(session.post(url), name="post")
        await asyncio.wait_for(entered.wait(), 5)
        assert counter.count == 1
        await counter.drain(runner, 5.0)
        assert counter.count == 0
        response = await answer
        assert response.status == 200
        assert await response.text() == "done"
        with pytest.raises(aiohttp.ClientConnectorError):
            await session.post(url)  # no longer listening
    await runner.cleanup()


@pytest.mark.expect_log_warnings
async def test_a_request_that_never_ends_is_given_up_after_the_limit(caplog):
    counter = inflight.InFlight()
    entered = asyncio.Event()

    async def stuck(_request: web.Request) -> web.Response:
        entered.set()
        await asyncio.Event().wait()
        raise AssertionError("never answered")

    runner, url = await start(stuck, counter)
    async with aiohttp.ClientSession() as session:
        answer = tasks.spawn(session.post(url), name="post")
        await asyncio.wait_for(entered.wait(), 5)
        began = time.monotonic()
        with caplog.at_level(logging.WARNING, logger=inflight.__name__):
            await counter.drain(runner, 0.5)
        assert 0.4 < time.monotonic() - began < 2
        assert [r.getMessage() for r in caplog.records] == [
            "1 request still unanswered after 0.5 s; cutting it"
        ]
        await runner.cleanup()
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await answer
