"""A stand-in for Clerk's Backend API on loopback: ``GET /v1/users``.

It answers the way Clerk documents: a bearer secret key or 401 with Clerk's
``errors`` body; a JSON array of user objects, filtered by
``created_at_after``/``created_at_before`` (milliseconds), ordered by
``order_by`` (``+created_at``, ``-updated_at``, …; ``-created_at`` when
absent) and paged with ``limit`` (default 10, at most 500) and ``offset``.
A test can make the next requests answer 429 with ``Retry-After``. Users are
built from the ``user.created`` fixture's ``data`` with new ids and times.
While the ``clerk_api`` fixture runs, only loopback is reachable.
"""

import copy
import dataclasses
import json
import socket
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from aiohttp import web

from tests.support import clerk
from tests.support.fakeslack import PROXY_VARIABLES, LoopbackGuard

SECRET_KEY = "sk_test_FakeClerkBackendKey0000000000000001"
_SHUTDOWN_S = 0.5


@dataclasses.dataclass(frozen=True)
class Request:
    """One request the stand-in answered."""

    query: Mapping[str, str]
    authorization: str
    status: int


def make_user(
    number: int, *, created_ms: int, updated_ms: int | None = None
) -> dict[str, Any]:
    """Return a Clerk user object like the fixture's, numbered ``number``."""
    user = copy.deepcopy(json.loads(clerk.clerk_body("user.created"))["data"])
    user["id"] = f"user_fake{number:06d}"
    user["first_name"] = f"Person{number}"
    user["last_name"] = "Example"
    address_id = f"idn_fake{number:06d}"
    user["primary_email_address_id"] = address_id
    user["email_addresses"][0]["id"] = address_id
    user["email_addresses"][0]["email_address"] = f"person{number}@example.com"
    user["created_at"] = created_ms
    user["updated_at"] = created_ms if updated_ms is None else updated_ms
    return user


class FakeClerkApi:
    """Clerk's ``/v1/users`` over a list of users the test controls.

    Attributes:
        users: the instance's users (edit freely).
        requests: every request answered, oldest first.
    """

    def __init__(self, secret_key: str = SECRET_KEY) -> None:
        self.users: list[dict[str, Any]] = []
        self.requests: list[Request] = []
        self.port = 0
        self._secret_key = secret_key
        self._rate_limited: list[str] = []
        self._runner: web.AppRunner | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rate_limit(self, *retry_after: str) -> None:
        """Answer the next requests 429, with these ``Retry-After`` values."""
        self._rate_limited.extend(retry_after)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/v1/users", self._users)
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
        if self._runner is not None:
            await self._runner.cleanup()

    async def _users(self, request: web.Request) -> web.StreamResponse:
        auth = request.headers.get("Authorization", "")
        query = dict(request.query)
        if auth != f"Bearer {self._secret_key}":
            return self._answer(query, auth, 401, _errors("authentication_invalid"))
        if self._rate_limited:
            wait = self._rate_limited.pop(0)
            return self._answer(
                query, auth, 429, _errors("too_many_requests"), {"Retry-After": wait}
            )
        try:
            page = self._page(query)
        except ValueError:
            return self._answer(query, auth, 422, _errors("form_param_format_invalid"))
        return self._answer(query, auth, 200, page)

    def _page(self, query: Mapping[str, str]) -> list[dict[str, Any]]:
        limit = int(query.get("limit", "10"))
        offset = int(query.get("offset", "0"))
        if not 0 < limit <= 500 or offset < 0:
            raise ValueError("limit or offset out of range")
        chosen = list(self.users)
        if "created_at_after" in query:
            after = int(query["created_at_after"])
            chosen = [u for u in chosen if u["created_at"] > after]
        if "created_at_before" in query:
            before = int(query["created_at_before"])
            chosen = [u for u in chosen if u["created_at"] < before]
        order = query.get("order_by", "-created_at")
        field = order.lstrip("+-")
        if field not in ("created_at", "updated_at"):
            raise ValueError(f"cannot order by {field}")
        chosen.sort(key=lambda u: (u[field], u["id"]), reverse=order.startswith("-"))
        return chosen[offset : offset + limit]

    def _answer(
        self,
        query: Mapping[str, str],
        auth: str,
        status: int,
        body: Any,
        headers: Mapping[str, str] | None = None,
    ) -> web.Response:
        self.requests.append(Request(query, auth, status))
        return web.json_response(body, status=status, headers=headers)


def _errors(code: str) -> dict[str, Any]:
    words = {
        "authentication_invalid": "Invalid authentication",
        "too_many_requests": "Too many requests",
        "form_param_format_invalid": "is invalid",
    }[code]
    return {
        "errors": [{"message": words, "long_message": words, "code": code}],
        "clerk_trace_id": "trace_fake",
    }


@pytest.fixture
async def clerk_api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeClerkApi]:
    """A running ``FakeClerkApi``; only loopback is reachable while it runs."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    LoopbackGuard().install(monkeypatch)
    server = FakeClerkApi()
    await server.start()
    try:
        yield server
    finally:
        await server.close()
