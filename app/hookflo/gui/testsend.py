"""“Send test event” from the menu: a signed test event, posted like Clerk.

The event is built by the core exactly as ``hookflo send-test`` builds it
(signed with the source's newest secret, marked as a test inside the signed
body) and posted over HTTP to the running receiver, so it takes the path a
real delivery takes: verification, storage, alerts. The keyring is read in
a thread; the request is asynchronous.
"""

import asyncio
import logging

import aiohttp

from hookflo.core import signingsecret, testevent
from hookflo.core.config import Source
from hookflo.core.credentials import Credentials
from hookflo.core.errors import SecretFormatError, UserFacingError

logger = logging.getLogger(__name__)

EVENT_TYPE = "user.created"
TIMEOUT_S = 10.0


async def send_test_event(
    receiver_url: str, credentials: Credentials, source: Source
) -> str:
    """Post a signed test event to ``source`` on the receiver; return its id.

    Raises:
        UserFacingError: there is no usable secret, or the receiver refused
            the event or did not answer.
    """
    secret = await asyncio.to_thread(_newest_secret, credentials, source)
    event = testevent.build(EVENT_TYPE, secret)
    url = receiver_url + source.path
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout, trust_env=False) as session,
            session.post(url, data=event.body, headers=event.headers) as response,
        ):
            answer = await response.read()
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as err:
        raise UserFacingError(
            f"The test event could not reach the receiver at {url}: {err}"
        ) from err
    if status >= 300:
        raise UserFacingError(
            f"The receiver refused the test event with {status} "
            f"({answer.decode('utf-8', 'replace')[:200]}); the Refused requests "
            "view says why"
        )
    logger.info("Sent a test event %s to %s", event.msg_id, source.name)
    return event.msg_id


def _newest_secret(credentials: Credentials, source: Source) -> str:
    found = credentials.signing_secrets(source.name).values
    if not found:
        raise UserFacingError(
            f"No signing secret is set for {source.name!r}; add it in Settings first"
        )
    try:
        return signingsecret.check(found[-1])
    except SecretFormatError as err:
        raise UserFacingError(
            f"The signing secret of {source.name!r} is malformed: {err}"
        ) from err


def local_url(base_url: str) -> str:
    """Return the receiver's URL, reachable from this machine."""
    for wildcard in ("//0.0.0.0:", "//[::]:"):
        base_url = base_url.replace(wildcard, "//127.0.0.1:")
    return base_url
