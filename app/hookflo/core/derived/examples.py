"""Sample bodies of the derived events, for template previews and the grid.

Each is made the way the recorder makes one: a ``user.updated`` of the
shipped sample user, changed in one way, compared with the user before. So
the samples cannot drift from what HookFlo really stores.
"""

import copy
from collections.abc import Callable, Mapping
from typing import Any

from hookflo.core.derived import changes, envelope, snapshot
from hookflo.core.derived.kinds import Kind

_User = dict[str, Any]

_WORK_EMAIL = {
    "id": "idn_2hkFAKEwork0000000000001",
    "object": "email_address",
    "email_address": "ada@work.example.com",
    "verification": {"status": "unverified", "strategy": "email_code"},
}
_PHONE = {
    "id": "idn_2hkFAKEphone000000000001",
    "object": "phone_number",
    "phone_number": "+15555550101",
    "verification": {"status": "unverified", "strategy": "phone_code"},
}


def payload(kind: Kind, signup: Mapping[str, Any]) -> dict[str, Any]:
    """Return a sample body of ``kind`` about the user of ``signup``.

    Args:
        kind: the derived event wanted.
        signup: the shipped ``user.created`` sample body.
    """
    before: _User = copy.deepcopy(dict(signup.get("data") or {}))
    after = copy.deepcopy(before)
    _EDITS[kind](before, after)
    found = changes.between(snapshot.of_user(before), snapshot.of_user(after), after)
    change = next(c for c in found if c.kind is kind)
    original = {**signup, "type": "user.updated", "data": after}
    return envelope.payload(change, user=after, original=original, first_seen=False)


def _add_email(before: _User, after: _User) -> None:
    after["email_addresses"] = [*after.get("email_addresses", []), _WORK_EMAIL]


def _verify_email(before: _User, after: _User) -> None:
    _add_email(before, before)
    _add_email(before, after)
    after["email_addresses"][-1] = _verified(_WORK_EMAIL)


def _add_phone(before: _User, after: _User) -> None:
    after["phone_numbers"] = [_PHONE]


def _verify_phone(before: _User, after: _User) -> None:
    before["phone_numbers"] = [_PHONE]
    after["phone_numbers"] = [_verified(_PHONE)]


def _verified(item: Mapping[str, Any]) -> dict[str, Any]:
    done = copy.deepcopy(dict(item))
    done["verification"]["status"] = snapshot.VERIFIED
    return done


def _flip(field: str, *, to: bool) -> Callable[[_User, _User], None]:
    def edit(before: _User, after: _User) -> None:
        before[field], after[field] = not to, to
        if field == "two_factor_enabled":
            before["totp_enabled"], after["totp_enabled"] = not to, to

    return edit


def _rename(before: _User, after: _User) -> None:
    after["last_name"] = "Lovelace"


_EDITS: Mapping[Kind, Callable[[_User, _User], None]] = {
    Kind.EMAIL_ADDED: _add_email,
    Kind.EMAIL_VERIFIED: _verify_email,
    Kind.PHONE_ADDED: _add_phone,
    Kind.PHONE_VERIFIED: _verify_phone,
    Kind.PASSWORD_SET: _flip("password_enabled", to=True),
    Kind.PASSWORD_REMOVED: _flip("password_enabled", to=False),
    Kind.TWO_FACTOR_ENABLED: _flip("two_factor_enabled", to=True),
    Kind.TWO_FACTOR_DISABLED: _flip("two_factor_enabled", to=False),
    Kind.LOCKED: _flip("locked", to=True),
    Kind.UNLOCKED: _flip("locked", to=False),
    Kind.BANNED: _flip("banned", to=True),
    Kind.UNBANNED: _flip("banned", to=False),
    Kind.RENAMED: _rename,
}
