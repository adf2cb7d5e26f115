"""Factories for Clerk-shaped bodies and Svix signatures, for tests.

Signatures are made with the svix library, exactly as Svix makes them; an
independent HMAC implementation cross-checks it.
"""

import base64
import hashlib
import hmac
import time
import uuid
from datetime import UTC, datetime

from svix.webhooks import Webhook

from hookflo.core import samples
from hookflo.core.eventwriter import NewEvent

SECRET = "whsec_aG9va2Zsby1mYWtlLXNlY3JldC0wMDAx"  # "hookflo-fake-secret-0001"
SECRET_B = "whsec_aG9va2Zsby1mYWtlLXNlY3JldC0wMDAy"  # "hookflo-fake-secret-0002"
DEV_SECRET = "whsec_aG9va2Zsby1mYWtlLWRldnNlY3ItMDAz"  # "hookflo-fake-devsecr-003"


def clerk_body(event_type: str = "user.created") -> bytes:
    """Return the fixture body of a Clerk event type, byte for byte."""
    return samples.sample_body(event_type)


def new_msg_id() -> str:
    """Return a fresh Svix-looking message id."""
    return f"msg_test{uuid.uuid4().hex[:20]}"


def signup_event(svix_id: str | None = None, source: str = "clerk") -> NewEvent:
    """Return a verified production ``user.created``, ready for the event writer."""
    now = time.time()
    return NewEvent(
        source=source,
        svix_id=svix_id or new_msg_id(),
        environment="production",
        type="user.created",
        received_at=now,
        signed_at=int(now),
        body=clerk_body(),
        body_is_json=True,
        is_test=False,
    )


def svix_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Sign with the svix library."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return Webhook(secret).sign(msg_id, moment, body.decode("utf-8"))


def hmac_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Sign with plain hmac, independently of the svix library."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    body: bytes,
    secret: str = SECRET,
    *,
    msg_id: str | None = None,
    timestamp: int | None = None,
    prefix: str = "svix",
) -> dict[str, str]:
    """Return the headers Svix sends with ``body``."""
    msg_id = msg_id or new_msg_id()
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        f"{prefix}-id": msg_id,
        f"{prefix}-timestamp": str(timestamp),
        f"{prefix}-signature": svix_signature(secret, msg_id, timestamp, body),
        "content-type": "application/json",
    }
