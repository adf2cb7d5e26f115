"""Turn users listed by the Backend API into events HookFlo stores.

Each caught-up event gets a stable message id,
``catchup_<user id>_<created|updated>_<Clerk's timestamp in ms>``, so a
second run over the same time never stores it twice. Its body has the shape
of Clerk's webhook (``data`` is the user), so it reads, describes and
templates like the real thing; ``origin`` marks it ``caught-up``.
"""

import dataclasses
import json
from collections.abc import Sequence

from hookflo.core import store
from hookflo.core.alerting import people
from hookflo.core.catchup import echoes
from hookflo.core.catchup.clerkapi import ClerkUser
from hookflo.core.catchup.records import KnownUsers
from hookflo.core.catchup.spans import OfflineWindow
from hookflo.core.config import Source
from hookflo.core.eventwriter import NewEvent

ORIGIN = store.ORIGIN_CAUGHT_UP
SUMMARY_TYPE = "hookflo.caught_up"
NAMES_IN_SUMMARY = 5


@dataclasses.dataclass(frozen=True, slots=True)
class Missed:
    """Users whose webhook event is not stored: created, or updated, while away."""

    created: tuple[ClerkUser, ...]
    updated: tuple[ClerkUser, ...]


def message_id(user: ClerkUser, change: str) -> str:
    """Return the stable message id of a caught-up change."""
    stamp = user.created_at_ms if change == "created" else user.updated_at_ms
    return echoes.message_id(user.id, change, stamp)


def missed(
    created: Sequence[ClerkUser],
    updated: Sequence[ClerkUser],
    known: KnownUsers,
    *,
    since_ms: int,
) -> Missed:
    """Return the listed users whose real event is not stored already.

    A user created while away counts as a signup only (their later changes
    are in the listed state); an update counts when no stored event shows
    the user at that ``updated_at`` or later.
    """
    new: dict[str, ClerkUser] = {}
    for user in created:
        if user.id not in known.created:
            new.setdefault(user.id, user)
    changed: dict[str, ClerkUser] = {}
    for user in updated:
        if user.created_at_ms > since_ms or user.id in changed:
            continue
        if known.updated_at_ms.get(user.id, -1) < user.updated_at_ms:
            changed[user.id] = user
    return Missed(tuple(new.values()), tuple(changed.values()))


def user_event(source: Source, user: ClerkUser, change: str, now: float) -> NewEvent:
    """Return the event that stands for a missed ``user.<change>``."""
    stamp = user.created_at_ms if change == "created" else user.updated_at_ms
    event_type = f"user.{change}"
    body = {
        "data": dict(user.data),
        "object": "event",
        "type": event_type,
        "timestamp": stamp,
        "hookflo": {"origin": ORIGIN},
    }
    return _event(source, message_id(user, change), event_type, body, stamp, now)


def summary_event(
    source: Source, window: OfflineWindow, found: Missed, now: float
) -> NewEvent:
    """Return the one event whose alert sums up a source's catch-up."""
    names = [people.display_name(u.data) for u in found.created[:NAMES_IN_SUMMARY]]
    body = {
        "data": {
            "object": "catch_up",
            "source": source.name,
            "offline_from": int(window.start * 1000),
            "offline_until": int(window.end * 1000),
            "created": len(found.created),
            "updated": len(found.updated),
            "names": [n for n in names if n],
        },
        "object": "event",
        "type": SUMMARY_TYPE,
        "timestamp": int(now * 1000),
    }
    key = f"catchup_summary_{source.name}_{int(window.start * 1000)}"
    return _event(source, key, SUMMARY_TYPE, body, int(now * 1000), now)


def _event(
    source: Source,
    svix_id: str,
    event_type: str,
    body: dict[str, object],
    stamp_ms: int,
    now: float,
) -> NewEvent:
    return NewEvent(
        source=source.name,
        svix_id=svix_id,
        environment=source.environment.value,
        type=event_type,
        received_at=now,
        signed_at=stamp_ms // 1000,
        body=json.dumps(body, ensure_ascii=False).encode(),
        body_is_json=True,
        is_test=False,
        origin=ORIGIN,
    )
