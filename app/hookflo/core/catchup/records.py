"""The catch-up's rows: what each run found, and what is already stored.

``catchups`` keeps one row per source and time offline: the outcome
(``caught-up``, ``no-key``, ``failed``, ``running``, ``interrupted`` or
``resumed``), the counts and the sentence shown to the user, so
``hookflo status`` can say it again later. A catch-up cut short by a stop or
a crash is taken up again, from its start, by the next one.
"""

import dataclasses
import enum
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from hookflo.core.alerting import jsonread
from hookflo.core.catchup.spans import OfflineWindow

# Webhook events stored a little before the time offline may be about users
# the Backend API lists (the last heartbeat is up to a minute stale).
_LOOK_BACK_S = 3600.0


class Outcome(enum.StrEnum):
    """How a catch-up of one source ended."""

    RUNNING = "running"
    CAUGHT_UP = "caught-up"
    NO_KEY = "no-key"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    RESUMED = "resumed"


@dataclasses.dataclass(frozen=True, slots=True)
class CatchUpRecord:
    """One source's catch-up after one time offline."""

    id: int
    source: str
    offline_from: float
    offline_until: float
    outcome: Outcome
    created: int
    updated: int
    message: str
    finished_at: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class KnownUsers:
    """What the store already holds about users of one source.

    Attributes:
        created: ids of users whose ``user.created`` is stored.
        updated_at_ms: per user id, the newest ``updated_at`` any stored
            ``user.created``/``user.updated`` shows.
    """

    created: frozenset[str]
    updated_at_ms: dict[str, int]


def begin(
    conn: sqlite3.Connection, source: str, window: OfflineWindow, now: float
) -> int:
    """Record that a catch-up of ``source`` starts; return its row id.

    Catch-ups of the source cut short before are marked ``resumed``: this
    one covers their time (see ``unfinished_since``).
    """
    conn.execute(
        "UPDATE catchups SET outcome = ? WHERE source = ? AND outcome IN (?, ?)",
        (
            Outcome.RESUMED.value,
            source,
            Outcome.RUNNING.value,
            Outcome.INTERRUPTED.value,
        ),
    )
    cursor = conn.execute(
        "INSERT INTO catchups (source, offline_from, offline_until, outcome, "
        "message) VALUES (?, ?, ?, ?, '')",
        (source, window.start, window.end, Outcome.RUNNING.value),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def finish(
    conn: sqlite3.Connection,
    row_id: int,
    outcome: Outcome,
    message: str,
    now: float,
    *,
    created: int = 0,
    updated: int = 0,
) -> None:
    """Record how the catch-up ``row_id`` ended."""
    conn.execute(
        "UPDATE catchups SET outcome = ?, message = ?, created = ?, updated = ?, "
        "finished_at = ? WHERE id = ?",
        (outcome.value, message, created, updated, now, row_id),
    )


def unfinished_since(conn: sqlite3.Connection) -> float | None:
    """Return where the oldest catch-up cut short began, if one was."""
    row = conn.execute(
        "SELECT min(offline_from) FROM catchups WHERE outcome IN (?, ?)",
        (Outcome.RUNNING.value, Outcome.INTERRUPTED.value),
    ).fetchone()
    return None if row[0] is None else float(row[0])


def latest(conn: sqlite3.Connection) -> list[CatchUpRecord]:
    """Return the catch-ups of the newest time offline, one per source."""
    row = conn.execute("SELECT max(offline_until) FROM catchups").fetchone()
    if row[0] is None:
        return []
    rows = conn.execute(
        "SELECT id, source, offline_from, offline_until, outcome, created, "
        "updated, message, finished_at FROM catchups WHERE offline_until = ? "
        "ORDER BY source",
        (row[0],),
    )
    return [_record(r) for r in rows]


def known_users(
    conn: sqlite3.Connection, source: str, since: float, user_ids: Iterable[str]
) -> KnownUsers:
    """Return what stored events of ``source`` say about ``user_ids``.

    Only events received from shortly before ``since`` on are read: a user
    the Backend API lists as created or updated after ``since`` cannot have
    a webhook event about that change from long before.
    """
    wanted = set(user_ids)
    created: set[str] = set()
    updated: dict[str, int] = {}
    rows = conn.execute(
        "SELECT type, body FROM events WHERE source = ? AND received_at >= ? "
        "AND type IN ('user.created', 'user.updated') AND body_is_json = 1",
        (source, since - _LOOK_BACK_S),
    )
    for event_type, body in rows:
        data = _data(body)
        user_id = data.get("id")
        if user_id not in wanted:
            continue
        assert isinstance(user_id, str)
        if event_type == "user.created":
            created.add(user_id)
        stamp = data.get("updated_at")
        if isinstance(stamp, int) and stamp > updated.get(user_id, -1):
            updated[user_id] = stamp
    return KnownUsers(frozenset(created), updated)


def _data(body: bytes) -> Mapping[str, Any]:
    return jsonread.mapping(jsonread.loads_mapping(body).get("data"))


def _record(row: tuple[Any, ...]) -> CatchUpRecord:
    (id_, source, start, end, outcome, created, updated, message, finished) = row
    return CatchUpRecord(
        id_, source, start, end, Outcome(outcome), created, updated, message, finished
    )
