"""The stored body of a derived event: Clerk's envelope around one change.

It reads like a Clerk event (``type``, ``object``, ``data``) so templates,
routes and ``hookflo events --json`` treat it like one. ``data`` names the
user (name, username, primary address and number) and holds the change's
``before`` and ``after``; nothing secret from the user object is copied.
"""

import json
from collections.abc import Mapping
from typing import Any

from hookflo.core.alerting import jsonread, people
from hookflo.core.derived.changes import Change

DATA_OBJECT = "user_change"
"""``data.object`` of every derived event."""


def svix_id_for(original_svix_id: str, change: Change) -> str:
    """Return the derived event's stable, unique message id."""
    suffix = f"#{change.item_id}" if change.item_id else ""
    return f"{original_svix_id}#{change.kind.value}{suffix}"


def payload(
    change: Change,
    *,
    user: Mapping[str, Any],
    original: Mapping[str, Any],
    first_seen: bool,
) -> dict[str, Any]:
    """Return the derived event's body as a JSON object.

    Args:
        change: the change it stands for.
        user: the user object of the ``user.updated`` it was read from.
        original: that event's whole body (for its time and instance).
        first_seen: HookFlo had never seen this user before the update.
    """
    data: dict[str, Any] = {
        "object": DATA_OBJECT,
        "user_id": jsonread.text(user.get("id")),
        "user": person(user),
        "before": change.before,
        "after": change.after,
        "first_seen": first_seen,
    }
    if change.item_id:
        data["item_id"] = change.item_id
    body: dict[str, Any] = {"object": "event", "type": change.kind.value, "data": data}
    for key in ("timestamp", "instance_id"):
        if isinstance(original.get(key), int | str):
            body[key] = original[key]
    return body


def encode(body: Mapping[str, Any]) -> bytes:
    """Return ``body`` as the bytes HookFlo stores."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def person(user: Mapping[str, Any]) -> dict[str, str]:
    """Return who the user is, in the fields templates name people by."""
    return {
        "id": jsonread.text(user.get("id")),
        "first_name": jsonread.text(user.get("first_name")),
        "last_name": jsonread.text(user.get("last_name")),
        "username": jsonread.text(user.get("username")),
        "email_address": people.primary_email(user),
        "phone_number": people.primary_phone(user),
    }
