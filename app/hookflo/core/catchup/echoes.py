"""Recognise a webhook event that a catch-up already stored and alerted.

Svix keeps retrying a delivery HookFlo missed for about a day, so the real
``user.created`` of a signup that a catch-up already reported can still
arrive after the start. It is stored, since it is the real event, but it is
not alerted a second time. A caught-up event's message id is made of the
user id and Clerk's timestamp, both of which the webhook carries, so the
check is one look-up through the events' unique index.
"""

import sqlite3
from collections.abc import Mapping
from typing import Any

from hookflo.core.alerting import jsonread

# Per event type: the word in the message id and the user's timestamp field.
_CHANGES = {
    "user.created": ("created", "created_at"),
    "user.updated": ("updated", "updated_at"),
}


def message_id(user_id: str, change: str, stamp_ms: int) -> str:
    """Return the message id a catch-up gives a user's ``change``."""
    return f"catchup_{user_id}_{change}_{stamp_ms}"


def caught_up_before(
    conn: sqlite3.Connection, source: str, event_type: str, user: Mapping[str, Any]
) -> bool:
    """Return True if a catch-up already stored this change of ``user``."""
    change = _CHANGES.get(event_type)
    user_id = jsonread.text(user.get("id"))
    if change is None or not user_id:
        return False
    word, field = change
    stamp = user.get(field)
    if isinstance(stamp, bool) or not isinstance(stamp, int):
        return False
    row = conn.execute(
        "SELECT 1 FROM events WHERE source = ? AND svix_id = ?",
        (source, message_id(user_id, word, stamp)),
    ).fetchone()
    return row is not None
