"""Name what changed between two states of a Clerk user.

``between`` compares the last seen state with a new one. ``first_seen``
reads what one ``user.updated`` says on its own, for a user HookFlo never
saw before, and claims only what the object shows happened in this update:
a ban or lock in force, and an address, number or second factor whose own
timestamps match the user's ``updated_at``. A rename, a password change or
an unlock cannot be told from one object, so they are never claimed.
"""

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

from hookflo.core.alerting import jsonread
from hookflo.core.derived import snapshot
from hookflo.core.derived.kinds import Kind
from hookflo.core.derived.snapshot import Contact, Snapshot

RECENT_MS = 10_000
"""How close an item's time must be to the user's ``updated_at`` to count as
part of that update, for a user seen for the first time."""

_FLAGS: tuple[tuple[str, str, Kind, Kind], ...] = (
    ("password", "password_enabled", Kind.PASSWORD_SET, Kind.PASSWORD_REMOVED),
    (
        "two_factor",
        "two_factor_enabled",
        Kind.TWO_FACTOR_ENABLED,
        Kind.TWO_FACTOR_DISABLED,
    ),
    ("locked", "locked", Kind.LOCKED, Kind.UNLOCKED),
    ("banned", "banned", Kind.BANNED, Kind.UNBANNED),
)
# Snapshot attribute, user object list, item key, and the two kinds.
_CONTACTS: tuple[tuple[str, str, str, Kind, Kind], ...] = (
    (
        "emails",
        "email_addresses",
        "email_address",
        Kind.EMAIL_ADDED,
        Kind.EMAIL_VERIFIED,
    ),
    ("phones", "phone_numbers", "phone_number", Kind.PHONE_ADDED, Kind.PHONE_VERIFIED),
)
_TWO_FACTOR_METHODS = (
    ("totp_enabled", "authenticator app"),
    ("backup_code_enabled", "backup codes"),
)


@dataclasses.dataclass(frozen=True, slots=True)
class Change:
    """One named change, with what was and what is (never a secret).

    Attributes:
        kind: which change.
        before: the value before, as JSON; None when HookFlo cannot know it.
        after: the value after, as JSON.
        item_id: the Clerk id of the address or number concerned, else ``""``.
    """

    kind: Kind
    before: Any
    after: Any
    item_id: str = ""


def is_stale(before: Snapshot, after: Snapshot) -> bool:
    """Return True if ``after`` is older than what is known (a late retry)."""
    return (
        before.updated_at is not None
        and after.updated_at is not None
        and after.updated_at < before.updated_at
    )


def between(before: Snapshot, after: Snapshot, user: Mapping[str, Any]) -> list[Change]:
    """Return the named changes from ``before`` to ``after`` (``user``'s state)."""
    found = list(_contact_changes(before, after))
    for attribute, key, turned_on, turned_off in _FLAGS:
        old, new = getattr(before, attribute), getattr(after, attribute)
        if old is None or new is None or old == new:
            continue
        kind = turned_on if new else turned_off
        found.append(Change(kind, {key: old}, _flag_value(key, new, user)))
    if before.name_parts != after.name_parts:
        found.append(Change(Kind.RENAMED, _names(before), _names(after)))
    return _ordered(found)


def first_seen(user: Mapping[str, Any]) -> list[Change]:
    """Return what one update of a never seen user shows happened in it."""
    state = snapshot.of_user(user)
    found: list[Change] = []
    if state.banned:
        found.append(Change(Kind.BANNED, None, {"banned": True}))
    if state.locked:
        found.append(Change(Kind.LOCKED, None, {"locked": True}))
    updated_at = state.updated_at
    if updated_at is None:
        return _ordered(found)
    found.extend(_recent_contacts(user, updated_at))
    if state.two_factor and _near(user.get("mfa_enabled_at"), updated_at):
        after = _flag_value("two_factor_enabled", True, user)
        found.append(Change(Kind.TWO_FACTOR_ENABLED, None, after))
    elif state.two_factor is False and _near(user.get("mfa_disabled_at"), updated_at):
        after = {"two_factor_enabled": False}
        found.append(Change(Kind.TWO_FACTOR_DISABLED, None, after))
    return _ordered(found)


def _contact_changes(before: Snapshot, after: Snapshot) -> Iterator[Change]:
    for attribute, _list_key, key, added, verified in _CONTACTS:
        old_items: Mapping[str, Contact] = getattr(before, attribute)
        for item_id, contact in getattr(after, attribute).items():
            old = old_items.get(item_id)
            if old is None:
                yield Change(added, None, _contact(key, contact), item_id)
            if contact.is_verified and (old is None or not old.is_verified):
                was = None if old is None else _contact(key, old)
                yield Change(verified, was, _contact(key, contact), item_id)


def _recent_contacts(user: Mapping[str, Any], updated_at: int) -> Iterator[Change]:
    for _attribute, list_key, key, added, verified in _CONTACTS:
        for item in jsonread.records(user.get(list_key)):
            item_id = jsonread.text(item.get("id"))
            contact = Contact(jsonread.text(item.get(key)), snapshot.status_of(item))
            if not item_id or not contact.value:
                continue
            if _near(item.get("created_at"), updated_at):
                yield Change(added, None, _contact(key, contact), item_id)
            if contact.is_verified and _near(item.get("updated_at"), updated_at):
                yield Change(verified, None, _contact(key, contact), item_id)


def _near(moment: object, updated_at: int) -> bool:
    at = snapshot.milliseconds(moment)
    return at is not None and abs(updated_at - at) <= RECENT_MS


def _contact(key: str, contact: Contact) -> dict[str, str]:
    return {key: contact.value, "status": contact.status}


def _flag_value(key: str, value: bool, user: Mapping[str, Any]) -> dict[str, Any]:
    if key != "two_factor_enabled" or not value:
        return {key: value}
    methods = [name for field, name in _TWO_FACTOR_METHODS if user.get(field) is True]
    if any(
        item.get("reserved_for_second_factor") is True
        for item in jsonread.records(user.get("phone_numbers"))
    ):
        methods.append("text message")
    return {key: True, "methods": methods}


def _names(state: Snapshot) -> dict[str, str]:
    return {
        "first_name": state.first_name,
        "last_name": state.last_name,
        "username": state.username,
    }


def _ordered(found: list[Change]) -> list[Change]:
    order = {kind: index for index, kind in enumerate(Kind)}
    return sorted(found, key=lambda change: (order[change.kind], change.item_id))
