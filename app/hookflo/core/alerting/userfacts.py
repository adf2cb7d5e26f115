"""Describe ``user.*`` and ``session.*`` events: who signed up, in, out or left."""

from collections.abc import Mapping
from typing import Any

from hookflo.core.alerting import jsonread, people
from hookflo.core.alerting.draft import Draft, UserLookup

_SESSION_TITLES = {
    "created": "Sign-in",
    "ended": "Signed out",
    "removed": "Session removed",
    "revoked": "Session revoked",
    "pending": "Sign-in pending",
}


def user(
    draft: Draft, data: Mapping[str, Any], action: str, lookup: UserLookup
) -> None:
    """Describe ``user.created``, ``user.updated`` and ``user.deleted``."""
    if action == "deleted":
        _deleted(draft, data, lookup)
        return
    _person(draft, data)
    draft.subject = draft.name or "Someone"
    if draft.email != draft.name:
        draft.aside = draft.email
    if action == "created":
        draft.title = "New signup"
        draft.method = people.signup_method(data)
        with_what = f" with {draft.method}" if draft.method else ""
        draft.predicate = f"signed up{with_what}"
    elif action == "updated":
        draft.title = "User updated"
        draft.predicate = "was updated"
    else:
        draft.title = jsonread.sentence_case(f"user {jsonread.words(action)}")
    _person_details(draft)


def session(
    draft: Draft, data: Mapping[str, Any], action: str, lookup: UserLookup
) -> None:
    """Describe ``session.*``: the embedded user, else the stored one."""
    user_id = jsonread.text(data.get("user_id"))
    person = jsonread.mapping(data.get("user")) or lookup(user_id)
    _person(draft, person)
    draft.user_id = draft.user_id or user_id
    draft.name = draft.name or user_id
    draft.object_id = jsonread.text(data.get("id"))
    name = draft.name or "Someone"
    draft.title = _SESSION_TITLES.get(
        action, jsonread.sentence_case(f"session {jsonread.words(action)}")
    )
    if action == "created":
        draft.subject, draft.predicate = name, "signed in"
        draft.aside = _device(jsonread.mapping(data.get("latest_activity")))
    elif action == "ended":
        draft.subject, draft.predicate = name, "signed out"
    elif action == "pending":
        draft.subject, draft.predicate = name, "is part-way through signing in"
    else:
        draft.subject = f"{name}'s session"
        draft.predicate = f"was {jsonread.words(action)}" if action else ""
    draft.detail("Email", draft.email)
    draft.detail("Device", draft.aside)
    draft.detail("User id", draft.user_id)
    draft.detail("Session id", draft.object_id)


def _deleted(draft: Draft, data: Mapping[str, Any], lookup: UserLookup) -> None:
    """Name a deleted user from what was stored about them, else by id."""
    user_id = jsonread.text(data.get("id"))
    external_id = jsonread.text(data.get("external_id"))
    stored = lookup(user_id)
    _person(draft, stored)
    draft.title = "User deleted"
    draft.user_id = user_id
    draft.external_id = external_id or draft.external_id
    draft.predicate = "was deleted"
    if draft.name:
        draft.subject = draft.name
        draft.aside = draft.email if draft.email != draft.name else ""
    else:
        draft.name = user_id
        draft.subject = f"User {user_id}" if user_id else "A user"
        draft.aside = f"external id {external_id}" if external_id else ""
    _person_details(draft)


def _person(draft: Draft, person: Mapping[str, Any]) -> None:
    draft.name = people.display_name(person)
    draft.email = people.primary_email(person)
    draft.phone = people.primary_phone(person)
    draft.username = jsonread.text(person.get("username"))
    draft.user_id = jsonread.text(person.get("id"))
    draft.external_id = jsonread.text(person.get("external_id"))


def _person_details(draft: Draft) -> None:
    draft.detail("Name", draft.name)
    draft.detail("Email", draft.email)
    draft.detail("Signed up with", draft.method)
    draft.detail("Username", draft.username)
    draft.detail("Phone", draft.phone)
    draft.detail("User id", draft.user_id)
    draft.detail("External id", draft.external_id)


def _device(activity: Mapping[str, Any]) -> str:
    """Return e.g. "Chrome on desktop in San Francisco, US"."""
    browser = jsonread.text(activity.get("browser_name"))
    device = jsonread.text(activity.get("device_type"))
    place = ", ".join(
        part
        for part in (
            jsonread.text(activity.get("city")),
            jsonread.text(activity.get("country")),
        )
        if part
    )
    phrase = " on ".join(part for part in (browser, device) if part)
    return " in ".join(part for part in (phrase, place) if part)
