"""Post a signed test event to the local receiver, as Clerk would.

Qt-free and blocking (a keyring read and a local HTTP request): the
first-run guide runs it off the UI thread. The event is signed with the
source's newest secret and marked as a test inside the signed body.
"""

import json
import logging
import urllib.error
import urllib.request

from hookflo.core import testevent
from hookflo.core.config import Source
from hookflo.core.credentials import Credentials
from hookflo.core.errors import UserFacingError

logger = logging.getLogger(__name__)

TIMEOUT_S = 10.0
EVENT_TYPE = "user.created"


def post_test_event(credentials: Credentials, source: Source, base_url: str) -> str:
    """Sign a ``user.created`` test event and post it to ``base_url``.

    Returns:
        The receiver's answer, in a sentence.

    Raises:
        UserFacingError: no secret is set, or the receiver refused or is not
            there; the message says which.
        KeyringUnavailableError: the secret cannot be read.
    """
    found = credentials.signing_secrets(source.name).values
    if not found:
        raise UserFacingError(
            f"No signing secret is set for {source.name!r}: paste it first"
        )
    event = testevent.build(EVENT_TYPE, found[-1])
    url = base_url.rstrip("/") + source.path
    request = urllib.request.Request(
        url, data=event.body, headers=event.headers, method="POST"
    )
    # The receiver is local: never go through an http_proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=TIMEOUT_S) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        raise UserFacingError(
            f"The receiver refused the test event with {err.code}: {_detail(err)}"
        ) from None
    except (urllib.error.URLError, OSError) as err:
        raise UserFacingError(f"Nothing answered at {url} ({err})") from None
    logger.debug("Test event %s posted to %s", event.msg_id, url)
    return f"Sent a test {EVENT_TYPE}: {answer.get('status', 'accepted')}"


def _detail(err: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(err.read())
        return f"{body['error']}: {body['message']}"
    except (ValueError, KeyError, TypeError):
        return str(err.reason)
