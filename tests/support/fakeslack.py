"""A stand-in for Slack on loopback: the Web API and incoming webhooks.

``FakeSlack`` answers ``POST /api/<method>`` (chat.postMessage, auth.test) the
way Slack's Web API does, checking the bearer token, the channel and the
Block Kit limits, and ``POST /services/T…/B…/X…`` the way an incoming webhook
does. It records every request, and a test can script the next answers per
target or switch on a rate limit. While the ``fake_slack`` fixture is active,
a guard refuses any connection or name lookup that is not loopback, so no test
can reach slack.com: what it refused is in ``fake_slack.guard.refused``.
"""

import asyncio
import collections
import contextlib
import dataclasses
import errno
import ipaddress
import json
import math
import socket
import urllib.parse
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from aiohttp import web

from hookflo.core.alertconfig import SlackSettings

BOT_TOKEN = "xoxb-0000000001-0000000002-fakeBotTokenForTests"
WEBHOOK_SECRET = "fakeWebhookSecret0000000001"
WEBHOOK_PATH = f"/services/T0FAKE0001/B0FAKE0001/{WEBHOOK_SECRET}"
POST_MESSAGE = "chat.postMessage"
AUTH_TEST = "auth.test"
WEBHOOK = "webhook"
CHANNEL_ID = "C0FAKE0001"
BOT_USER = "hookflo"
CHANNELS = {"#signups": CHANNEL_ID, "signups": CHANNEL_ID, CHANNEL_ID: CHANNEL_ID}
TEXT_LIMIT = 40_000
SECTION_LIMIT = 3_000
MAX_BLOCKS = 50
PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)
_SHUTDOWN_S = 0.5


@dataclasses.dataclass(frozen=True)
class Reply:
    """One scripted answer: a status, headers, and a JSON or text body.

    ``json`` may be any JSON value; ``text`` goes out as ``content_type``.
    """

    status: int = 200
    json: Any = None
    text: str | None = None
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    delay_s: float = 0.0
    content_type: str = "text/plain"

    @classmethod
    def from_case(cls, step: Mapping[str, Any]) -> "Reply":
        """Build from a shared case's script step (``http_status``, …)."""
        return cls(
            status=step.get("http_status", 200),
            json=step.get("json"),
            text=step.get("text"),
            headers=step.get("headers", {}),
        )


@dataclasses.dataclass(frozen=True)
class Request:
    """One request the fake received, and what it answered."""

    target: str
    path: str
    headers: Mapping[str, str]
    body: Mapping[str, Any]
    raw: bytes
    at: float
    status: int = 0


class LoopbackGuard:
    """Refuses connections and name lookups that would leave this machine."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex
        real_getaddrinfo = socket.getaddrinfo
        guard = self

        def connect(sock: socket.socket, address: Any) -> None:
            guard.check_address(sock, address)
            real_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            guard.check_address(sock, address)
            return real_connect_ex(sock, address)

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else host
            if name is not None and not _is_loopback(str(name)):
                guard.refused.append(str(name))
                raise socket.gaierror(socket.EAI_NONAME, "only loopback in tests")
            return real_getaddrinfo(host, *args, **kwargs)

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def check_address(self, sock: socket.socket, address: Any) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return
        host = str(address[0])
        if not _is_loopback(host):
            self.refused.append(host)
            raise OSError(errno.EACCES, "only loopback in tests")


class FakeSlack:
    """Slack's Web API and incoming webhooks on 127.0.0.1, ephemeral port."""

    def __init__(self, guard: LoopbackGuard | None = None) -> None:
        self.guard = guard or LoopbackGuard()
        self.requests: list[Request] = []
        self.port = 0
        self._scripts: dict[str, collections.deque[Reply]] = {}
        self._per_second: float | None = None
        self._last_accepted: dict[str, float] = {}
        self._released = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._ts = 100

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"

    def settings(self, **overrides: Any) -> SlackSettings:
        """Return settings pointing at this fake, with a short timeout."""
        values: dict[str, Any] = {
            "channel": "#signups",
            "api_url": self.api_url,
            "timeout_s": 2.0,
        }
        values.update(overrides)
        return SlackSettings(**values)

    def script(self, target: str, *replies: Reply) -> None:
        """Answer the next requests to ``target`` with ``replies``, in order."""
        self._scripts.setdefault(target, collections.deque()).extend(replies)

    def rate_limit(self, per_second: float = 1.0) -> None:
        """Accept at most ``per_second`` messages; 429 + Retry-After beyond."""
        self._per_second = per_second

    def to(self, target: str) -> list[Request]:
        """Return the requests made to ``target``, oldest first."""
        return [r for r in self.requests if r.target == target]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/services/{team}/{bot}/{secret}", self._webhook)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=_SHUTDOWN_S)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
            await web.SockSite(self._runner, sock).start()
        except BaseException:
            sock.close()
            raise

    async def close(self) -> None:
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        raw = await request.read()
        body = _parse_body(request.content_type, raw)
        reply = self._next(method) or self._answer_api(method, request, body)
        return await self._respond(method, request, body, raw, reply)

    async def _webhook(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body = _parse_body("application/json", raw)
        reply = self._next(WEBHOOK) or self._answer_webhook(request.path, raw, body)
        return await self._respond(WEBHOOK, request, body, raw, reply)

    def _next(self, target: str) -> Reply | None:
        queue = self._scripts.get(target)
        return queue.popleft() if queue else None

    def _answer_api(
        self, method: str, request: web.Request, body: Mapping[str, Any]
    ) -> Reply:
        authorization = request.headers.get("Authorization", "")
        if not authorization.startswith("Bearer "):
            return _api_error("not_authed")
        if authorization.removeprefix("Bearer ") != BOT_TOKEN:
            return _api_error("invalid_auth")
        if method == AUTH_TEST:
            return Reply(json=_auth_test(self.api_url))
        if method != POST_MESSAGE:
            return _api_error("unknown_method")
        limited = self._limited(POST_MESSAGE)
        if limited is not None:
            return Reply(429, {"ok": False, "error": "ratelimited"}, headers=limited)
        channel = CHANNELS.get(str(body.get("channel", "")))
        if channel is None:
            return _api_error("channel_not_found")
        problem = _message_problem(body)
        if problem:
            return _api_error(problem)
        self._ts += 1
        return Reply(
            json={
                "ok": True,
                "channel": channel,
                "ts": f"1735689600.{self._ts:06d}",
                "message": {"type": "message", "text": body.get("text", "")},
            }
        )

    def _answer_webhook(self, path: str, raw: bytes, body: Mapping[str, Any]) -> Reply:
        if path != WEBHOOK_PATH:
            return Reply(404, text="no_service")
        limited = self._limited(WEBHOOK)
        if limited is not None:
            return Reply(429, text="rate_limited", headers=limited)
        if not body and raw:
            return Reply(400, text="invalid_payload")
        problem = _message_problem(body)
        if problem:
            return Reply(400, text=problem)
        return Reply(text="ok")

    def _limited(self, target: str) -> dict[str, str] | None:
        if self._per_second is None:
            return None
        now = asyncio.get_running_loop().time()
        gap = 1.0 / self._per_second
        last = self._last_accepted.get(target)
        if last is not None and now - last < gap:
            wait = max(1, math.ceil(gap - (now - last)))
            return {"Retry-After": str(wait)}
        self._last_accepted[target] = now
        return None

    async def _respond(
        self,
        target: str,
        request: web.Request,
        body: Mapping[str, Any],
        raw: bytes,
        reply: Reply,
    ) -> web.StreamResponse:
        self.requests.append(
            Request(
                target=target,
                path=request.path,
                headers=dict(request.headers),
                body=body,
                raw=raw,
                at=asyncio.get_running_loop().time(),
                status=reply.status,
            )
        )
        if reply.delay_s:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), reply.delay_s)
        if reply.json is not None:
            return web.Response(
                status=reply.status,
                text=json.dumps(reply.json),
                content_type="application/json",
                headers=dict(reply.headers),
            )
        return web.Response(
            status=reply.status,
            text=reply.text or "",
            content_type=reply.content_type,
            headers=dict(reply.headers),
        )


def unused_loopback_port() -> int:
    """Return a loopback port that was free a moment ago (nothing listens)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def fake_slack(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSlack]:
    """A running ``FakeSlack``; only loopback is reachable while it runs."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    guard = LoopbackGuard()
    guard.install(monkeypatch)
    server = FakeSlack(guard)
    await server.start()
    try:
        yield server
    finally:
        await server.close()


def _parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    if content_type == "application/x-www-form-urlencoded":
        pairs = urllib.parse.parse_qsl(raw.decode("utf-8", "replace"))
        form: dict[str, Any] = dict(pairs)
        for key in ("blocks", "attachments"):
            if isinstance(form.get(key), str):
                form[key] = json.loads(form[key])
        return form
    try:
        parsed = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _message_problem(body: Mapping[str, Any]) -> str | None:
    """Check what Slack checks: some text, its length, and the blocks."""
    text = body.get("text")
    blocks = body.get("blocks")
    if not (isinstance(text, str) and text.strip()) and not blocks:
        return "no_text"
    if isinstance(text, str) and len(text) > TEXT_LIMIT:
        return "msg_too_long"
    if blocks is None:
        return None
    if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS:
        return "invalid_blocks"
    for block in blocks:
        if not isinstance(block, dict) or block.get("type") not in (
            "section",
            "context",
        ):
            return "invalid_blocks"
        if block["type"] == "section":
            inner = block.get("text")
            if not isinstance(inner, dict) or inner.get("type") != "mrkdwn":
                return "invalid_blocks"
            content = inner.get("text")
            if not isinstance(content, str) or not 0 < len(content) <= SECTION_LIMIT:
                return "invalid_blocks"
    return None


def _api_error(code: str) -> Reply:
    return Reply(json={"ok": False, "error": code})


def _auth_test(api_url: str) -> dict[str, Any]:
    return {
        "ok": True,
        "url": api_url,
        "team": "Fake Team",
        "user": BOT_USER,
        "team_id": "T0FAKE0001",
        "user_id": "U0FAKEBOT1",
        "bot_id": "B0FAKEBOT1",
    }


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False
