"""Keep each user's last seen state and store the changes a ``user.updated`` names.

The event writer calls a ``ChangeRecorder`` for every new event, inside the
transaction that stores it, so the state, the derived events and their
deliveries commit together with the event or not at all; a duplicate
delivery (same svix-id) is never stored, so it derives nothing twice. Only
``user.created``, ``user.updated`` and ``user.deleted`` cost anything more
than a set lookup, and a ``user.created`` costs one small upsert: its state
is its own stored body, read only when an update of that user arrives.

Alerts do not double up: when a ``user.updated`` yields named changes, the
changes alert and the update itself does not, unless the rule that routes
``user.updated`` names it exactly (``events = ["user.updated"]``); a rule
that matches it through ``*`` or ``user.*`` does not count. Changes read out
of a caught-up update (listed from Clerk after time offline) are stored but
not routed: the catch-up's one summary speaks for them. An update older
than the state kept (a late retry by Svix) is stored but alerts nothing: it
names no change, and its alert would show the user as they were.
"""

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from hookflo.core import store as eventstore
from hookflo.core.alertconfig import Route
from hookflo.core.alerting import jsonread, routing
from hookflo.core.catchup import echoes
from hookflo.core.derived import changes, envelope, kinds, snapshot
from hookflo.core.derived.changes import Change
from hookflo.core.eventwriter import (
    NOTHING_DERIVED,
    Derived,
    NewEvent,
    Router,
    add_deliveries,
)

logger = logging.getLogger(__name__)

# A webhook event a catch-up already stored and alerted: no second alert.
ALREADY_TOLD = Derived((), replaces_original=True)
# An update older than the state kept (a late Svix retry): stale news, no
# alert, since it would name the user as they were before.
STALE = Derived((), replaces_original=True)


class ChangeRecorder:
    """The event writer's derive hook (``EventWriter.derive``).

    Args:
        routes: the routing rules, to tell whether ``user.updated`` is named
            in one; empty when nothing is routed.
    """

    def __init__(self, routes: Sequence[Route] = ()) -> None:
        self._routes = tuple(routes)

    def __call__(
        self,
        conn: sqlite3.Connection,
        event_id: int,
        event: NewEvent,
        router: Router | None,
    ) -> Derived:
        """Move the user's state; store and route the changes it names."""
        if event.type not in kinds.SOURCE_TYPES or not event.body_is_json:
            return NOTHING_DERIVED
        # A failure here must not cost the event itself: undo only this part.
        conn.execute("SAVEPOINT derive")
        try:
            derived = self._record(conn, event_id, event, router)
        except Exception:
            logger.exception("Could not read changes out of event %d", event_id)
            conn.execute("ROLLBACK TO derive")
            derived = NOTHING_DERIVED
        conn.execute("RELEASE derive")
        return derived

    def replaces_updates(self, environment: str) -> bool:
        """Return True if named changes alert instead of their ``user.updated``."""
        route = routing.first_match(
            self._routes, environment=environment, event_type=kinds.UPDATED
        )
        return route is None or kinds.UPDATED not in route.events

    def _record(
        self,
        conn: sqlite3.Connection,
        event_id: int,
        event: NewEvent,
        router: Router | None,
    ) -> Derived:
        payload = _payload(event)
        user = jsonread.mapping(payload.get("data"))
        user_id = jsonread.text(user.get("id"))
        if not user_id:
            return NOTHING_DERIVED

        if event.type == "user.deleted":
            _forget(conn, event.source, user_id)
            return NOTHING_DERIVED
        told = event.origin == eventstore.ORIGIN_WEBHOOK and echoes.caught_up_before(
            conn, event.source, event.type or "", user
        )
        if event.type != kinds.UPDATED:
            updated_at = snapshot.milliseconds(user.get("updated_at"))
            _point_at(conn, event.source, user_id, updated_at, event_id)
            return ALREADY_TOLD if told else NOTHING_DERIVED

        moved = _changes(conn, event_id, event.source, user)
        if told:
            logger.info("Event %d was already told by a catch-up", event_id)
            return ALREADY_TOLD
        if moved is None:
            logger.info(
                "Event %d updates %s but is older than the state kept; "
                "stored without alerts",
                event_id,
                user_id,
            )
            return STALE
        found, first_seen = moved
        if not found:
            return NOTHING_DERIVED
        logger.debug(
            "Event %d names %s", event_id, ", ".join(c.kind.value for c in found)
        )

        if event.origin == eventstore.ORIGIN_CAUGHT_UP:
            router = None
        stored = []
        for change in found:
            body = envelope.payload(
                change, user=user, original=payload, first_seen=first_seen
            )
            new = _store(conn, event_id, event, change, body, router)
            if new is not None:
                stored.append(new)
        replaces = bool(stored) and self.replaces_updates(event.environment)
        return Derived(tuple(stored), replaces_original=replaces)


def _changes(
    conn: sqlite3.Connection, event_id: int, source: str, user: Mapping[str, Any]
) -> tuple[list[Change], bool] | None:
    """Move the user's state to ``user``; return the changes, and if first seen.

    Return None, and keep the state, when ``user`` is older than it.
    """
    user_id = jsonread.text(user.get("id"))
    after = snapshot.of_user(user)
    before = _last_seen(conn, source, user_id)
    if before is not None and changes.is_stale(before, after):
        return None

    _remember(conn, source, user_id, after, event_id)
    if before is None:
        return changes.first_seen(user), True
    return changes.between(before, after, user), False


def _payload(event: NewEvent) -> Mapping[str, Any]:
    if isinstance(event.parsed, Mapping):
        return event.parsed
    return jsonread.loads_mapping(event.body)


def _last_seen(
    conn: sqlite3.Connection, source: str, user_id: str
) -> snapshot.Snapshot | None:
    row = conn.execute(
        "SELECT s.state, e.body FROM user_states AS s "
        "LEFT JOIN events AS e ON s.state IS NULL AND e.id = s.event_id "
        "WHERE s.source = ? AND s.user_id = ?",
        (source, user_id),
    ).fetchone()
    if row is None:
        return None
    state, body = row
    try:
        if state is None:
            user = jsonread.mapping(
                jsonread.loads_mapping(bytes(body or b"")).get("data")
            )
            return snapshot.of_user(user) if user else None
        return snapshot.loads(state)
    except (ValueError, TypeError, KeyError, IndexError) as err:
        logger.warning(
            "The stored state of %s is unreadable (%s); ignored", user_id, err
        )
        return None


def _remember(
    conn: sqlite3.Connection,
    source: str,
    user_id: str,
    state: snapshot.Snapshot,
    event_id: int,
) -> None:
    conn.execute(
        "INSERT INTO user_states (source, user_id, state, updated_at, event_id) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, user_id) DO UPDATE SET "
        "state = excluded.state, updated_at = excluded.updated_at, "
        "event_id = excluded.event_id",
        (source, user_id, snapshot.dumps(state), state.updated_at, event_id),
    )


def _point_at(
    conn: sqlite3.Connection,
    source: str,
    user_id: str,
    updated_at: int | None,
    event_id: int,
) -> None:
    """Make the user object of ``event_id`` the state, unless a newer one is kept."""
    conn.execute(
        "INSERT INTO user_states (source, user_id, state, updated_at, event_id) "
        "VALUES (?, ?, NULL, ?, ?) ON CONFLICT (source, user_id) DO UPDATE SET "
        "state = NULL, updated_at = excluded.updated_at, "
        "event_id = excluded.event_id WHERE user_states.updated_at IS NULL "
        "OR excluded.updated_at >= user_states.updated_at",
        (source, user_id, updated_at, event_id),
    )


def _forget(conn: sqlite3.Connection, source: str, user_id: str) -> None:
    conn.execute(
        "DELETE FROM user_states WHERE source = ? AND user_id = ?", (source, user_id)
    )


def _store(
    conn: sqlite3.Connection,
    event_id: int,
    event: NewEvent,
    change: Change,
    body: Mapping[str, Any],
    router: Router | None,
) -> tuple[int, NewEvent] | None:
    """Store one derived event and its deliveries; None if it already was."""
    new = NewEvent(
        source=event.source,
        svix_id=envelope.svix_id_for(event.svix_id, change),
        environment=event.environment,
        type=change.kind.value,
        received_at=event.received_at,
        signed_at=event.signed_at,
        body=envelope.encode(body),
        body_is_json=True,
        is_test=event.is_test,
        origin=kinds.ORIGIN,
    )
    cursor = conn.execute(
        "INSERT INTO events (source, svix_id, environment, type, received_at, "
        "signed_at, body, body_is_json, is_test, origin, derived_from) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (source, svix_id) DO NOTHING",
        (
            new.source,
            new.svix_id,
            new.environment,
            new.type,
            new.received_at,
            new.signed_at,
            new.body,
            new.body_is_json,
            new.is_test,
            new.origin,
            event_id,
        ),
    )
    if cursor.rowcount != 1 or cursor.lastrowid is None:
        return None
    if router is not None:
        add_deliveries(conn, cursor.lastrowid, router(new), new.received_at)
    return cursor.lastrowid, new
