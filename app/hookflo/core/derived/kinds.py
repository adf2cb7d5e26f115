"""The names of the account changes HookFlo derives, as event types.

Each is a ``user.…`` type, so routes such as ``user.*`` match them like any
Clerk type, and templates are chosen by the same names.
"""

import enum

from hookflo.core import store

ORIGIN = store.ORIGIN_DERIVED
"""The ``events.origin`` of a derived event."""

SOURCE_TYPES = frozenset({"user.created", "user.updated", "user.deleted"})
"""The Clerk types that move a user's last seen state."""

UPDATED = "user.updated"


class Kind(enum.StrEnum):
    """One named change to an account; the value is its event type."""

    EMAIL_ADDED = "user.email_added"
    EMAIL_VERIFIED = "user.email_verified"
    PHONE_ADDED = "user.phone_added"
    PHONE_VERIFIED = "user.phone_verified"
    PASSWORD_SET = "user.password_set"
    PASSWORD_REMOVED = "user.password_removed"
    TWO_FACTOR_ENABLED = "user.two_factor_enabled"
    TWO_FACTOR_DISABLED = "user.two_factor_disabled"
    LOCKED = "user.locked"
    UNLOCKED = "user.unlocked"
    BANNED = "user.banned"
    UNBANNED = "user.unbanned"
    RENAMED = "user.renamed"


EVENT_TYPES: tuple[str, ...] = tuple(kind.value for kind in Kind)
"""Every derived event type, in the order above."""


def is_derived_type(event_type: str | None) -> bool:
    """Return True if ``event_type`` names a change HookFlo derives."""
    return event_type in _VALUES


_VALUES = frozenset(EVENT_TYPES)
