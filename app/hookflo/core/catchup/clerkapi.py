"""A small client of Clerk's Backend API: users created or updated since a time.

``GET {api_url}/v1/users`` answers a JSON array of user objects (the same
shape as ``data`` in a ``user.created`` webhook). It pages with ``limit`` and
``offset``, orders with ``order_by`` (``+created_at``, ``-updated_at``) and
filters creation times with ``created_at_after``/``created_at_before`` in
milliseconds; there is no filter on update times, so updated users are read
newest first until one is older than wanted. A 429 carries ``Retry-After``
(seconds, or a date): the client waits that long (bounded; 10 s when the
header says nothing usable) and asks again.
"""

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp

from hookflo import __version__
from hookflo.core import retryafter
from hookflo.core.errors import UserFacingError

logger = logging.getLogger(__name__)

PAGE_SIZE = 100
MAX_PAGES = 200
MAX_RATE_LIMIT_WAITS = 6
DEFAULT_RETRY_AFTER_S = 10.0
MAX_RETRY_AFTER_S = 120.0
REQUEST_TIMEOUT_S = 20.0

Sleep = Callable[[float], Awaitable[None]]


class BackendApiError(UserFacingError):
    """Clerk's Backend API could not be used; the message says why."""


@dataclasses.dataclass(frozen=True, slots=True)
class ClerkUser:
    """One user as the Backend API lists it."""

    id: str
    created_at_ms: int
    updated_at_ms: int
    data: Mapping[str, Any]


class UsersClient:
    """Lists users through ``GET /v1/users``.

    Args:
        api_url: the Backend API's base, e.g. ``https://api.clerk.com``.
        secret_key: the instance's secret key, sent as a bearer token.
        session: the HTTP session to use (the caller closes it).
        sleep: waits out a rate limit (tests pass a recorder).
        page_size: users per request (Clerk allows 1 to 500).
    """

    def __init__(
        self,
        api_url: str,
        secret_key: str,
        session: aiohttp.ClientSession,
        *,
        sleep: Sleep = asyncio.sleep,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._url = api_url.rstrip("/") + "/v1/users"
        self._headers = {
            "Authorization": f"Bearer {secret_key}",
            "Accept": "application/json",
            "User-Agent": f"hookflo/{__version__}",
        }
        self._session = session
        self._sleep = sleep
        self._page_size = page_size

    async def created_between(self, since_ms: int, until_ms: int) -> list[ClerkUser]:
        """Return the users created after ``since_ms`` and before ``until_ms``.

        Raises:
            BackendApiError: the key was refused, or Clerk could not be reached.
        """
        query = {
            "created_at_after": str(since_ms),
            "created_at_before": str(until_ms),
            "order_by": "+created_at",
        }
        found: list[ClerkUser] = []
        for offset in range(0, MAX_PAGES * self._page_size, self._page_size):
            page = await self._page(query, offset)
            found.extend(page)
            if len(page) < self._page_size:
                return found
        logger.warning("Stopped listing new users after %d pages", MAX_PAGES)
        return found

    async def updated_since(self, since_ms: int) -> list[ClerkUser]:
        """Return the users updated after ``since_ms``, newest first.

        Raises:
            BackendApiError: the key was refused, or Clerk could not be reached.
        """
        query = {"order_by": "-updated_at"}
        found: list[ClerkUser] = []
        for offset in range(0, MAX_PAGES * self._page_size, self._page_size):
            page = await self._page(query, offset)
            recent = [user for user in page if user.updated_at_ms > since_ms]
            found.extend(recent)
            if len(recent) < len(page) or len(page) < self._page_size:
                return found
        logger.warning("Stopped listing updated users after %d pages", MAX_PAGES)
        return found

    async def _page(self, query: Mapping[str, str], offset: int) -> list[ClerkUser]:
        params = {**query, "limit": str(self._page_size), "offset": str(offset)}
        for _ in range(MAX_RATE_LIMIT_WAITS + 1):
            status, headers, body = await self._get(params)
            if status != 429:
                return _users(status, body, self._url)
            wait = retryafter.from_headers(headers, cap_s=MAX_RETRY_AFTER_S)
            if wait is None:
                wait = DEFAULT_RETRY_AFTER_S
            logger.info("Clerk's Backend API asks to wait %.0f s (429)", wait)
            await self._sleep(wait)
        raise BackendApiError(
            f"Clerk's Backend API kept answering 429 (too many requests) after "
            f"{MAX_RATE_LIMIT_WAITS} waits; the catch-up will try again next start"
        )

    async def _get(
        self, params: Mapping[str, str]
    ) -> tuple[int, Mapping[str, str], Any]:
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
        try:
            async with self._session.get(
                self._url, params=params, headers=self._headers, timeout=timeout
            ) as response:
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
                return response.status, response.headers, body
        except (aiohttp.ClientError, TimeoutError) as err:
            reason = str(err) or type(err).__name__
            raise BackendApiError(
                f"Cannot reach Clerk's Backend API at {self._url}: {reason}"
            ) from err


def _users(status: int, body: Any, url: str) -> list[ClerkUser]:
    if status in (401, 403):
        raise BackendApiError(
            f"Clerk's Backend API refused the secret key ({status}"
            f"{_clerk_message(body)}); check it in Clerk's dashboard (API keys) "
            "and set it again"
        )
    if status != 200:
        raise BackendApiError(
            f"Clerk's Backend API at {url} answered {status}{_clerk_message(body)}"
        )
    if isinstance(body, Mapping):  # tolerate a {"data": [...]} wrapper
        body = body.get("data")
    if not isinstance(body, list):
        raise BackendApiError(
            f"Clerk's Backend API at {url} answered something other than a list "
            "of users; is clerk_api_url right?"
        )
    return [user for user in map(_user, body) if user is not None]


def _user(raw: object) -> ClerkUser | None:
    if not isinstance(raw, Mapping):
        return None
    user_id, created, updated = (
        raw.get("id"),
        raw.get("created_at"),
        raw.get("updated_at"),
    )
    if not isinstance(user_id, str) or not _is_time(created):
        return None
    assert isinstance(created, int)
    updated_ms = updated if _is_time(updated) else created
    assert isinstance(updated_ms, int)
    return ClerkUser(user_id, created, updated_ms, raw)


def _is_time(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _clerk_message(body: Any) -> str:
    """Return ": <Clerk's own words>" from an error body, or ""."""
    errors = body.get("errors") if isinstance(body, Mapping) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        words = errors[0].get("long_message") or errors[0].get("message")
        if isinstance(words, str) and words.strip():
            return f": {words.strip()[:200]}"
    return ""
