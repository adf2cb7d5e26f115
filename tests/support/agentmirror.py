"""A stand-in for ngrok's download server, on 127.0.0.1, for HookFlo's tests.

It serves the stand-in agent (``fakengrok``) packed the way ngrok publishes
the real one and pyngrok unpacks it: a .tgz (or .zip) holding the binary,
``ngrok``, at its top (its first line names this interpreter, so it runs
without ``python3`` on PATH). Incompressible filler beside it makes the
download take several chunks, so progress is reported more than once. Other
routes fail the ways a download fails: a damaged archive, an archive without
the agent, HTTP 404, and a transfer that stalls halfway until released.
"""

import asyncio
import collections
import dataclasses
import io
import os
import sys
import tarfile
import zipfile
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.support.ngrokfixtures import FAKE_NGROK

TGZ = "ngrok-v3-stable-linux-amd64.tgz"
ZIP = "ngrok-v3-stable-linux-amd64.zip"
HOLLOW = "hollow.tgz"
DAMAGED = "damaged.tgz"
STALLED = "stalled.tgz"
MISSING = "missing.tgz"
FILLER_BYTES = 600 * 1024
AGENT = b"#!" + sys.executable.encode() + b"\n" + FAKE_NGROK.read_bytes()
_PIECE_BYTES = 32 * 1024


def agent_archive(kind: str, *, with_agent: bool = True) -> bytes:
    """Return a .tgz or .zip laid out like ngrok's, the stand-in as ``ngrok``."""
    members = {"LICENSE.filler": os.urandom(FILLER_BYTES)}
    if with_agent:
        members["ngrok"] = AGENT
    packed = io.BytesIO()
    if kind == "zip":
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as zipped:
            for name, data in members.items():
                zipped.writestr(name, data)
        return packed.getvalue()
    with tarfile.open(fileobj=packed, mode="w:gz") as tarred:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            tarred.addfile(info, io.BytesIO(data))
    return packed.getvalue()


@dataclasses.dataclass
class AgentMirror:
    """Where the stand-in download server listens, and what it was asked."""

    base_url: str
    bodies: dict[str, bytes]
    hits: collections.Counter[str]
    stalled: asyncio.Event  # set once the stalled transfer has sent half
    release: asyncio.Event  # set to let the stalled transfer go on

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"


@pytest.fixture
async def agent_mirror() -> AsyncIterator[AgentMirror]:
    """Serve the archives on 127.0.0.1:0 for the test's duration."""
    bodies = {
        TGZ: agent_archive("tgz"),
        ZIP: agent_archive("zip"),
        HOLLOW: agent_archive("tgz", with_agent=False),
        DAMAGED: agent_archive("tgz")[: FILLER_BYTES // 2] + os.urandom(4096),
        STALLED: agent_archive("tgz"),
    }
    hits: collections.Counter[str] = collections.Counter()
    stalled, release = asyncio.Event(), asyncio.Event()

    async def serve(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        hits[name] += 1
        body = bodies.get(name)
        if body is None:
            raise web.HTTPNotFound()
        answer = web.StreamResponse(headers={"Content-Type": "application/gzip"})
        answer.content_length = len(body)
        await answer.prepare(request)
        for start in range(0, len(body), _PIECE_BYTES):
            if name == STALLED and start >= len(body) // 2 and not release.is_set():
                stalled.set()
                await release.wait()
            await answer.write(body[start : start + _PIECE_BYTES])
            await asyncio.sleep(0.005)
        await answer.write_eof()
        return answer

    app = web.Application()
    app.router.add_get("/{name}", serve)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield AgentMirror(f"http://{host}:{port}", bodies, hits, stalled, release)
    finally:
        release.set()
        await runner.cleanup()
