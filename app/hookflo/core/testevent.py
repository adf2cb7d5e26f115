"""Build a Clerk-shaped test event, signed exactly as Svix signs.

The event carries a ``hookflo_test`` mark inside the signed body, so the
receiver can tell it apart from a real delivery without trusting anything
unsigned.
"""

import base64
import binascii
import dataclasses
import json
import time
import uuid

from hookflo.core import samples, verify
from hookflo.core.errors import UserFacingError
from hookflo.core.receiver import TEST_MARKER


@dataclasses.dataclass(frozen=True, slots=True)
class SignedEvent:
    """A body and the headers Svix would send with it."""

    msg_id: str
    body: bytes
    headers: dict[str, str]


def build(event_type: str, secret: str, now: float | None = None) -> SignedEvent:
    """Return a signed test event of ``event_type`` from the shipped samples.

    Raises:
        UserFacingError: there is no sample of that type.
    """
    try:
        payload = json.loads(samples.sample_body(event_type))
    except KeyError:
        known = ", ".join(samples.event_types())
        raise UserFacingError(
            f"No sample event of type {event_type!r}; known types: {known}"
        ) from None
    sent_at = time.time() if now is None else now
    payload["timestamp"] = int(sent_at * 1000)
    payload[TEST_MARKER] = True
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    msg_id = f"msg_hookflotest{uuid.uuid4().hex[:16]}"
    body_bytes = body.encode("utf-8")
    key = _signing_key(secret)
    signature = verify.sign(key, msg_id, int(sent_at), body_bytes)
    headers = {
        "svix-id": msg_id,
        "svix-timestamp": str(int(sent_at)),
        "svix-signature": signature,
        "content-type": "application/json",
    }
    return SignedEvent(msg_id=msg_id, body=body_bytes, headers=headers)


def _signing_key(secret: str) -> bytes:
    """Return the key Svix's own code would derive from ``secret``.

    As leniently as the svix library (characters outside base64 dropped), so a
    malformed secret still signs and the receiver explains what is wrong.

    Raises:
        UserFacingError: no key at all can be read from the secret.
    """
    body = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(body + "==")
    except binascii.Error:
        key = b""
    if not key:
        raise UserFacingError(
            "The signing secret holds no key after 'whsec_'; set it again"
        )
    return key
