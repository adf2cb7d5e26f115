"""Sequences of real Clerk user shapes, for the derived account events.

Every body starts from the shipped fixtures (``user.created`` and
``user.updated``, byte shapes as Clerk documents them) and changes only what
a test names; ``updated_at`` moves forward with each step, as Clerk's does.
"""

import copy
import json
from collections.abc import Callable
from typing import Any

from hookflo.core.derived.kinds import Kind
from tests.support.clerk import clerk_body

User = dict[str, Any]
Edit = Callable[[User], None]

USER_ID = "user_2g7np7Hrk0SN6kj5EDMLDaKNL0S"
PRIMARY_EMAIL = "ada.founder@example.com"
WORK_EMAIL_ID = "idn_2hkFAKEwork0000000000001"
WORK_EMAIL = "ada@work.example.com"
PHONE_ID = "idn_2hkFAKEphone000000000001"
PHONE = "+15555550101"
STEP_MS = 60_000


def created_user() -> User:
    """Return ``data`` of the shipped ``user.created`` fixture."""
    data: User = json.loads(clerk_body("user.created"))["data"]
    return data


def envelope(event_type: str, user: User) -> bytes:
    """Return the shipped fixture of ``event_type`` carrying ``user``."""
    fixture = "user.updated" if event_type == "user.updated" else "user.created"
    payload = json.loads(clerk_body(fixture))
    payload["type"] = event_type
    payload["data"] = user
    return json.dumps(payload).encode()


def updated(user: User, *edits: Edit, step_ms: int = STEP_MS) -> User:
    """Return ``user`` a moment later, with ``edits`` applied."""
    later = copy.deepcopy(user)
    later["updated_at"] = int(user["updated_at"]) + step_ms
    for edit in edits:
        edit(later)
    return later


def contact(
    list_key: str, item_id: str, value: str, status: str, at_ms: int
) -> dict[str, Any]:
    """Return an email address or phone number object as Clerk shapes it."""
    key = "email_address" if list_key == "email_addresses" else "phone_number"
    item: dict[str, Any] = {
        "id": item_id,
        "object": key,
        key: value,
        "reserved": False,
        "verification": {
            "status": status,
            "strategy": "email_code" if key == "email_address" else "phone_code",
            "attempts": 1,
            "expire_at": at_ms + 600_000,
        },
        "linked_to": [],
        "created_at": at_ms,
        "updated_at": at_ms,
    }
    if key == "phone_number":
        item.update(
            reserved_for_second_factor=False,
            default_second_factor=False,
            backup_codes=["bkp-secret-1", "bkp-secret-2"],
        )
    return item


def add_work_email(status: str = "unverified") -> Edit:
    def edit(user: User) -> None:
        item = contact(
            "email_addresses", WORK_EMAIL_ID, WORK_EMAIL, status, user["updated_at"]
        )
        user["email_addresses"] = [*user["email_addresses"], item]

    return edit


def verify_item(list_key: str, item_id: str) -> Edit:
    def edit(user: User) -> None:
        for item in user[list_key]:
            if item["id"] == item_id:
                item["verification"]["status"] = "verified"
                item["updated_at"] = user["updated_at"]

    return edit


def add_phone(status: str = "unverified") -> Edit:
    def edit(user: User) -> None:
        item = contact("phone_numbers", PHONE_ID, PHONE, status, user["updated_at"])
        user["phone_numbers"] = [*user["phone_numbers"], item]

    return edit


def setting(**fields: Any) -> Edit:
    def edit(user: User) -> None:
        user.update(fields)
        if fields.get("two_factor_enabled") is True:
            user["mfa_enabled_at"] = user["updated_at"]
        if fields.get("two_factor_enabled") is False:
            user["mfa_disabled_at"] = user["updated_at"]

    return edit


STEPS: dict[Kind, tuple[list[Edit], list[Edit]]] = {
    Kind.EMAIL_ADDED: ([], [add_work_email()]),
    Kind.EMAIL_VERIFIED: (
        [add_work_email()],
        [verify_item("email_addresses", WORK_EMAIL_ID)],
    ),
    Kind.PHONE_ADDED: ([], [add_phone()]),
    Kind.PHONE_VERIFIED: ([add_phone()], [verify_item("phone_numbers", PHONE_ID)]),
    Kind.PASSWORD_SET: (
        [setting(password_enabled=False)],
        [setting(password_enabled=True)],
    ),
    Kind.PASSWORD_REMOVED: ([], [setting(password_enabled=False)]),
    Kind.TWO_FACTOR_ENABLED: (
        [],
        [setting(two_factor_enabled=True, totp_enabled=True)],
    ),
    Kind.TWO_FACTOR_DISABLED: (
        [setting(two_factor_enabled=True, totp_enabled=True)],
        [setting(two_factor_enabled=False, totp_enabled=False)],
    ),
    Kind.LOCKED: ([], [setting(locked=True, lockout_expires_in_seconds=1800)]),
    Kind.UNLOCKED: (
        [setting(locked=True, lockout_expires_in_seconds=1800)],
        [setting(locked=False, lockout_expires_in_seconds=None)],
    ),
    Kind.BANNED: ([], [setting(banned=True)]),
    Kind.UNBANNED: ([setting(banned=True)], [setting(banned=False)]),
    Kind.RENAMED: ([], [setting(last_name="Lovelace")]),
}
"""For each change: the edits that set the scene, then the one that makes it."""
