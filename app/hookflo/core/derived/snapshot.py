"""A user's last seen state: only the fields whose changes HookFlo names.

Kept per source and user id in ``user_states`` as compact JSON. Nothing
secret is kept: no metadata, no backup codes, no verification attempts.
"""

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from hookflo.core.alerting import jsonread

VERIFIED = "verified"


@dataclasses.dataclass(frozen=True, slots=True)
class Contact:
    """An email address or phone number and its verification status.

    Attributes:
        value: the address or number.
        status: Clerk's ``verification.status`` (``verified``,
            ``unverified``, ``expired``, ``failed``…), ``""`` when absent.
    """

    value: str
    status: str

    @property
    def is_verified(self) -> bool:
        """Return True if Clerk counts it as verified."""
        return self.status == VERIFIED


@dataclasses.dataclass(frozen=True, slots=True)
class Snapshot:
    """What HookFlo remembers of one user; None where the object said nothing.

    Attributes:
        first_name: as Clerk sent it, ``""`` when null.
        last_name: as Clerk sent it, ``""`` when null.
        username: as Clerk sent it, ``""`` when null.
        emails: the addresses by their Clerk id.
        phones: the phone numbers by their Clerk id.
        password: ``password_enabled``.
        two_factor: ``two_factor_enabled``, else whether TOTP or backup
            codes are on.
        locked: ``locked``.
        banned: ``banned``.
        updated_at: the user's ``updated_at`` in milliseconds.
    """

    first_name: str = ""
    last_name: str = ""
    username: str = ""
    emails: Mapping[str, Contact] = dataclasses.field(default_factory=dict)
    phones: Mapping[str, Contact] = dataclasses.field(default_factory=dict)
    password: bool | None = None
    two_factor: bool | None = None
    locked: bool | None = None
    banned: bool | None = None
    updated_at: int | None = None

    @property
    def name_parts(self) -> tuple[str, str, str]:
        """Return first name, last name and username."""
        return (self.first_name, self.last_name, self.username)


def of_user(user: Mapping[str, Any]) -> Snapshot:
    """Return the snapshot of a Clerk user object (``data`` of ``user.*``)."""
    return Snapshot(
        first_name=jsonread.text(user.get("first_name")),
        last_name=jsonread.text(user.get("last_name")),
        username=jsonread.text(user.get("username")),
        emails=_contacts(user.get("email_addresses"), "email_address"),
        phones=_contacts(user.get("phone_numbers"), "phone_number"),
        password=_flag(user.get("password_enabled")),
        two_factor=two_factor_of(user),
        locked=_flag(user.get("locked")),
        banned=_flag(user.get("banned")),
        updated_at=milliseconds(user.get("updated_at")),
    )


def two_factor_of(user: Mapping[str, Any]) -> bool | None:
    """Return whether a second factor is on; None when the object does not say."""
    summary = _flag(user.get("two_factor_enabled"))
    if summary is not None:
        return summary
    parts = [_flag(user.get(key)) for key in ("totp_enabled", "backup_code_enabled")]
    known = [part for part in parts if part is not None]
    return any(known) if known else None


def milliseconds(value: object) -> int | None:
    """Return a Clerk time in milliseconds (seconds are scaled up), else None."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    # Clerk documents milliseconds; a few of its examples use seconds.
    return value * 1000 if value < 10**11 else value


def dumps(snapshot: Snapshot) -> str:
    """Return the snapshot as compact JSON for the store."""
    # Built by hand: ``dataclasses.asdict`` deep-copies and costs several
    # times more, on the receiver's write path.
    fields = {
        "first_name": snapshot.first_name,
        "last_name": snapshot.last_name,
        "username": snapshot.username,
        "emails": {k: [c.value, c.status] for k, c in snapshot.emails.items()},
        "phones": {k: [c.value, c.status] for k, c in snapshot.phones.items()},
        "password": snapshot.password,
        "two_factor": snapshot.two_factor,
        "locked": snapshot.locked,
        "banned": snapshot.banned,
        "updated_at": snapshot.updated_at,
    }
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False)


def loads(text: str) -> Snapshot:
    """Return the snapshot stored as ``text``.

    Raises:
        ValueError: the text is not a stored snapshot.
    """
    fields = json.loads(text)
    if not isinstance(fields, dict):
        raise ValueError("A stored user state is not a JSON object")
    for key in ("emails", "phones"):
        fields[key] = {
            item_id: Contact(str(pair[0]), str(pair[1]))
            for item_id, pair in dict(fields.get(key) or {}).items()
        }
    known = {f.name for f in dataclasses.fields(Snapshot)}
    return Snapshot(**{k: v for k, v in fields.items() if k in known})


def _contacts(items: object, value_key: str) -> dict[str, Contact]:
    found = {}
    for item in jsonread.records(items):
        item_id = jsonread.text(item.get("id"))
        value = jsonread.text(item.get(value_key))
        if item_id and value:
            found[item_id] = Contact(value, status_of(item))
    return found


def status_of(item: Mapping[str, Any]) -> str:
    """Return the verification status of an address or number, ``""`` if none."""
    verification = jsonread.mapping(item.get("verification"))
    return jsonread.text(verification.get("status"))


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None
