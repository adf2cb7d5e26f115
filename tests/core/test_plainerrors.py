"""Requests that are not valid HTTP get a fixed answer, never their own bytes."""

import asyncio

import keyring.backends.null
import pytest

from hookflo.core import config, paths, plainerrors
from hookflo.core.credentials import Credentials
from hookflo.core.server import Server
from tests.support.clerk import SECRET

PROBE = "<probe-7f3a>"


@pytest.fixture
async def server(hookflo_home):
    environ = {paths.HOME_VARIABLE: str(hookflo_home), "HOOKFLO_SECRET_CLERK": SECRET}
    running = Server(
        paths.resolve(environ),
        config.default_config(),
        Credentials(environ, backend=keyring.backends.null.Keyring()),
        host="127.0.0.1",
        port=0,
        environ=environ,
    )
    await running.start()
    yield running
    await running.stop()


async def send_raw(port: int, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()


@pytest.mark.parametrize(
    "request_bytes",
    [
        f"GE{PROBE}T /webhooks/clerk HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
        f"POST /webhooks/clerk HTTP/1.1\r\nHost: x\r\nBad{PROBE} Line\r\n\r\n".encode(),
        b"POST /webhooks/clerk HTTP/1.1\r\nHost: x\r\nX-A: \x00"
        + PROBE.encode()
        + b"\r\n\r\n",
    ],
)
async def test_malformed_request_is_400_with_a_fixed_text(server, request_bytes):
    answer = await send_raw(server.port, request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 400 Bad Request\r\n")
    assert body == plainerrors.MALFORMED_ANSWER.encode()
    assert PROBE.encode() not in answer


async def test_valid_requests_are_answered_as_before(server):
    answer = await send_raw(
        server.port,
        b"GET /webhooks/clerk HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 405 ")
