"""Describe a derived event in words: "Ada Example verified ada@example.com".

Reads the body ``envelope`` writes; like every describer it never raises on
a body of another shape, it just says less.
"""

from collections.abc import Mapping
from typing import Any

from hookflo.core.alerting import jsonread, people
from hookflo.core.alerting.draft import Draft, UserLookup
from hookflo.core.derived.kinds import Kind

_TITLES = {
    Kind.EMAIL_ADDED: "Email added",
    Kind.EMAIL_VERIFIED: "Email verified",
    Kind.PHONE_ADDED: "Phone added",
    Kind.PHONE_VERIFIED: "Phone verified",
    Kind.PASSWORD_SET: "Password set",
    Kind.PASSWORD_REMOVED: "Password removed",
    Kind.TWO_FACTOR_ENABLED: "Two-factor turned on",
    Kind.TWO_FACTOR_DISABLED: "Two-factor turned off",
    Kind.LOCKED: "Account locked",
    Kind.UNLOCKED: "Account unlocked",
    Kind.BANNED: "User banned",
    Kind.UNBANNED: "User unbanned",
    Kind.RENAMED: "Profile renamed",
}
_PREDICATES = {
    Kind.PASSWORD_SET: "set a password",
    Kind.PASSWORD_REMOVED: "removed their password",
    Kind.TWO_FACTOR_ENABLED: "turned on two-factor authentication",
    Kind.TWO_FACTOR_DISABLED: "turned off two-factor authentication",
    Kind.LOCKED: "was locked out",
    Kind.UNLOCKED: "was unlocked",
    Kind.BANNED: "was banned",
    Kind.UNBANNED: "was unbanned",
}
_FIRST_SEEN_PREDICATES = {Kind.LOCKED: "is locked out", Kind.BANNED: "is banned"}
_CONTACT_KEYS = {
    Kind.EMAIL_ADDED: ("email_address", "added"),
    Kind.EMAIL_VERIFIED: ("email_address", "verified"),
    Kind.PHONE_ADDED: ("phone_number", "added"),
    Kind.PHONE_VERIFIED: ("phone_number", "verified"),
}


def change(draft: Draft, data: Mapping[str, Any], action: str, _: UserLookup) -> None:
    """Describe one derived ``user.<change>`` event."""
    kind = Kind(f"user.{action}")
    person = jsonread.mapping(data.get("user"))
    draft.name = _name(person) or jsonread.text(data.get("user_id"))
    draft.email = jsonread.text(person.get("email_address"))
    draft.phone = jsonread.text(person.get("phone_number"))
    draft.username = jsonread.text(person.get("username"))
    draft.user_id = jsonread.text(data.get("user_id"))
    draft.object_id = draft.user_id
    draft.title = _TITLES[kind]
    draft.subject = draft.name or "Someone"
    first_seen = data.get("first_seen") is True
    before = jsonread.mapping(data.get("before"))
    after = jsonread.mapping(data.get("after"))
    if kind in _CONTACT_KEYS:
        key, verb = _CONTACT_KEYS[kind]
        value = jsonread.text(after.get(key))
        draft.predicate = f"{verb} {value}" if value else verb
        draft.detail("Address" if key == "email_address" else "Number", value)
    elif kind is Kind.RENAMED:
        _renamed(draft, before, after)
    else:
        predicates = _FIRST_SEEN_PREDICATES if first_seen else {}
        draft.predicate = predicates.get(kind, _PREDICATES[kind])
        methods = [jsonread.text(m) for m in after.get("methods") or () if m]
        draft.aside = ", ".join(m for m in methods if m)
        draft.detail("With", draft.aside)
    if first_seen:
        draft.detail("Note", "HookFlo saw this user for the first time")
    draft.detail("Name", draft.name)
    draft.detail("Email", draft.email)
    draft.detail("User id", draft.user_id)


def _renamed(draft: Draft, before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
    old, new = people.full_name(before), people.full_name(after)
    old_handle = jsonread.text(before.get("username"))
    new_handle = jsonread.text(after.get("username"))
    if old != new:
        draft.subject = old or new or draft.subject
        if old and new:
            draft.predicate = f"is now {new}"
        else:
            draft.predicate = (
                f"set their name to {new}" if new else "removed their name"
            )
    elif new_handle:
        draft.predicate = f"changed their username to {new_handle}"
    else:
        draft.predicate = "removed their username"
    draft.detail("Before", _labelled(old, old_handle))
    draft.detail("After", _labelled(new, new_handle))


def _labelled(name: str, handle: str) -> str:
    if name and handle:
        return f"{name} ({handle})"
    return name or handle


def _name(person: Mapping[str, Any]) -> str:
    return (
        people.full_name(person)
        or jsonread.text(person.get("username"))
        or jsonread.text(person.get("email_address"))
        or jsonread.text(person.get("phone_number"))
    )
