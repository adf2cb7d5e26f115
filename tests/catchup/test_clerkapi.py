"""The Backend API client against the loopback stand-in of Clerk's API."""

import aiohttp
import pytest

from hookflo.core.catchup.clerkapi import BackendApiError, UsersClient
from tests.support.fakeclerkapi import SECRET_KEY, make_user
from tests.support.fakeslack import unused_loopback_port

T0_MS = 1_764_000_000_000
MINUTE_MS = 60_000


class Sleeps:
    """Records the waits the client asks for instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as session:
        yield session


def _client(clerk_api, session, sleeps=None, *, key=SECRET_KEY, page_size=3):
    return UsersClient(
        clerk_api.api_url, key, session, sleep=sleeps or Sleeps(), page_size=page_size
    )


async def test_created_users_are_read_across_several_pages(clerk_api, session):
    clerk_api.users = [
        make_user(n, created_ms=T0_MS + n * MINUTE_MS) for n in range(1, 9)
    ]

    users = await _client(clerk_api, session).created_between(
        T0_MS + MINUTE_MS, T0_MS + 100 * MINUTE_MS
    )

    assert [u.id for u in users] == [f"user_fake{n:06d}" for n in range(2, 9)]
    pages = [r.query for r in clerk_api.requests]
    assert [p["offset"] for p in pages] == ["0", "3", "6"]
    assert {p["order_by"] for p in pages} == {"+created_at"}
    assert {p["created_at_after"] for p in pages} == {str(T0_MS + MINUTE_MS)}
    assert {r.authorization for r in clerk_api.requests} == {f"Bearer {SECRET_KEY}"}


async def test_updated_users_are_read_newest_first_until_older_ones(clerk_api, session):
    clerk_api.users = [
        make_user(n, created_ms=T0_MS, updated_ms=T0_MS + n * MINUTE_MS)
        for n in range(1, 11)
    ]

    users = await _client(clerk_api, session).updated_since(T0_MS + 6 * MINUTE_MS)

    assert [u.id for u in users] == [f"user_fake{n:06d}" for n in (10, 9, 8, 7)]
    # The second page already reached older users: no third request.
    assert [r.query["offset"] for r in clerk_api.requests] == ["0", "3"]
    assert {r.query["order_by"] for r in clerk_api.requests} == {"-updated_at"}


async def test_a_429_is_waited_out_for_its_retry_after(clerk_api, session):
    clerk_api.users = [make_user(n, created_ms=T0_MS + n) for n in range(1, 5)]
    clerk_api.rate_limit("7", "2")
    sleeps = Sleeps()

    users = await _client(clerk_api, session, sleeps).created_between(T0_MS, T0_MS * 2)

    assert len(users) == 4
    assert sleeps.waits == [7.0, 2.0]
    assert [r.status for r in clerk_api.requests] == [429, 429, 200, 200]


async def test_endless_429_ends_in_one_plain_error(clerk_api, session):
    clerk_api.rate_limit(*["1"] * 20)

    with pytest.raises(BackendApiError, match="kept answering 429"):
        await _client(clerk_api, session).created_between(T0_MS, T0_MS * 2)


async def test_a_refused_key_says_so_without_repeating_it(clerk_api, session):
    wrong = "sk_test_NotTheRightKey0000000000000000009"

    with pytest.raises(BackendApiError) as caught:
        await _client(clerk_api, session, key=wrong).created_between(T0_MS, T0_MS * 2)

    message = str(caught.value)
    assert "refused the secret key (401: Invalid authentication)" in message
    assert wrong not in message


async def test_an_unreachable_api_is_one_plain_error(session):
    url = f"http://127.0.0.1:{unused_loopback_port()}"
    client = UsersClient(url, SECRET_KEY, session, sleep=Sleeps())

    with pytest.raises(BackendApiError, match="Cannot reach Clerk's Backend API"):
        await client.updated_since(T0_MS)
