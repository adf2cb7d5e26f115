"""Build a Clerk-shaped test event, signed exactly as Svix signs.

The event carries a ``hookflo_test`` mark inside the signed body, so the
receiver can tell it apart from a real delivery without trusting anything
unsigned.
"""

import dataclasses
import json
import time
import uuid
from datetime import UTC, datetime

from svix.webhooks import Webhook

from hookflo.core import samples
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
    signed_at = datetime.fromtimestamp(int(sent_at), tz=UTC)
    signature = Webhook(secret).sign(msg_id, signed_at, body)
    headers = {
        "svix-id": msg_id,
        "svix-timestamp": str(int(sent_at)),
        "svix-signature": signature,
        "content-type": "application/json",
    }
    return SignedEvent(msg_id=msg_id, body=body.encode("utf-8"), headers=headers)
