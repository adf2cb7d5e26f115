"""The delivery outbox in SQLite: what is due, and what happened to each send.

Delivery rows are written with their event (see ``eventwriter``); this module
moves them through their states and answers questions about them. Its methods
block on disk, so the dispatcher calls them from one worker thread.

States: ``pending`` (not tried yet), ``sending`` (a send is under way, written
durably before the send starts), ``sent``, ``retrying`` (a temporary failure;
``next_try_at`` says when), ``failed`` (permanent, or given up; waits for
``hookflo retry``).
"""

import contextlib
import dataclasses
import enum
import json
import logging
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hookflo.core import store

logger = logging.getLogger(__name__)


class State(enum.StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"


@dataclasses.dataclass(frozen=True, slots=True)
class Delivery:
    """One event on its way to one channel, with what is needed to render it."""

    id: int
    event_id: int
    channel: str
    state: State
    tries: int
    next_try_at: float | None
    last_error: str | None
    updated_at: float
    first_try_at: float | None
    sent_at: float | None
    answer: str | None
    batch: str | None
    event_type: str | None
    source: str
    environment: str
    svix_id: str
    received_at: float
    is_test: bool
    body: bytes
    body_is_json: bool

    def payload(self) -> Any:
        """Return the event's parsed body, or None when it is not JSON."""
        if not self.body_is_json:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclasses.dataclass(frozen=True, slots=True)
class Block:
    """A channel stopped by a permanent failure until its settings change."""

    channel: str
    reason: str
    settings_fingerprint: str
    since: float


_COLUMNS = (
    "d.id, d.event_id, d.channel, d.state, d.tries, d.next_try_at, d.last_error, "
    "d.updated_at, d.first_try_at, d.sent_at, d.answer, d.batch, e.type, e.source, "
    "e.environment, e.svix_id, e.received_at, e.is_test, e.body, e.body_is_json"
)
_FROM = "FROM deliveries d JOIN events e ON e.id = d.event_id"


def _delivery(row: Sequence[Any]) -> Delivery:
    values = list(row)
    values[3] = State(values[3])
    values[17] = bool(values[17])
    values[18] = bytes(values[18])
    values[19] = bool(values[19])
    return Delivery(*values)


class OutboxStore:
    """Reads and moves deliveries; one instance per thread that uses it."""

    def __init__(self, database_file: Path) -> None:
        self._conn = store.connect(database_file)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    # Reading

    def due(self, channel: str, now: float, limit: int = 500) -> list[Delivery]:
        """Return deliveries of ``channel`` that should be tried now, oldest first."""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} {_FROM} WHERE d.channel = ? AND d.state IN "
            "('pending', 'retrying') AND d.next_try_at <= ? ORDER BY d.id LIMIT ?",
            (channel, now, limit),
        )
        return [_delivery(r) for r in rows]

    def recent_sends(self, channel: str, since: float) -> list[tuple[float, int]]:
        """Return ``channel``'s sends since ``since``, oldest first.

        Each is (when, how many alerts it carried): more than one, a summary.
        """
        rows = self._conn.execute(
            "SELECT sent_at, count(*) FROM deliveries WHERE channel = ? AND "
            "state = 'sent' AND sent_at >= ? GROUP BY sent_at ORDER BY sent_at",
            (channel, since),
        ).fetchall()
        return [(float(at), int(count)) for at, count in rows]

    def next_due_at(self, channel: str) -> float | None:
        """Return when the next waiting delivery of ``channel`` is due."""
        row = self._conn.execute(
            "SELECT min(next_try_at) FROM deliveries WHERE channel = ? AND state IN "
            "('pending', 'retrying')",
            (channel,),
        ).fetchone()
        return None if row[0] is None else float(row[0])

    def deliveries(
        self, *, limit: int = 50, event_id: int | None = None
    ) -> list[Delivery]:
        """Return deliveries, newest first, optionally those of one event."""
        where, args = "", [limit]
        if event_id is not None:
            where, args = "WHERE d.event_id = ?", [event_id, limit]
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} {_FROM} {where} ORDER BY d.id DESC LIMIT ?", args
        )
        return [_delivery(r) for r in rows]

    def delivery(self, delivery_id: int) -> Delivery | None:
        """Return one delivery, or None."""
        row = self._conn.execute(
            f"SELECT {_COLUMNS} {_FROM} WHERE d.id = ?", (delivery_id,)
        ).fetchone()
        return None if row is None else _delivery(row)

    def event_id_for(self, svix_id: str) -> int | None:
        """Return the id of the newest event with this message id."""
        row = self._conn.execute(
            "SELECT id FROM events WHERE svix_id = ? ORDER BY id DESC LIMIT 1",
            (svix_id,),
        ).fetchone()
        return None if row is None else int(row[0])

    def derived_with_deliveries(self, event_id: int) -> list[int]:
        """Return the ids of the events derived from ``event_id`` that alerted.

        A derived change's message id is ``<svix_id>#<kind>`` (``derived``).
        """
        rows = self._conn.execute(
            "SELECT DISTINCT e.id FROM events p JOIN events e "
            "ON substr(e.svix_id, 1, length(p.svix_id) + 1) = p.svix_id || '#' "
            "AND e.source = p.source "
            "JOIN deliveries d ON d.event_id = e.id WHERE p.id = ? ORDER BY e.id",
            (event_id,),
        )
        return [int(row[0]) for row in rows]

    def latest_user(self, user_id: str) -> Mapping[str, Any] | None:
        """Return the newest stored ``data`` of a user, from created/updated."""
        rows = self._conn.execute(
            "SELECT body FROM events WHERE type IN ('user.created', 'user.updated') "
            "AND body_is_json = 1 AND instr(body, ?) > 0 ORDER BY id DESC LIMIT 20",
            (user_id.encode(),),
        )
        for (body,) in rows:
            try:
                data = json.loads(body).get("data")
            except (ValueError, AttributeError):
                continue
            if isinstance(data, dict) and data.get("id") == user_id:
                return data
        return None

    # Moving

    def mark_sending(self, ids: Iterable[int], batch: str, now: float) -> None:
        """Record, durably, that a send of these deliveries starts now."""
        self._update(
            "UPDATE deliveries SET state = 'sending', tries = tries + 1, batch = ?, "
            "first_try_at = coalesce(first_try_at, ?), updated_at = ? WHERE id = ?",
            [(batch, now, now, i) for i in ids],
        )

    def mark_sent(self, ids: Iterable[int], answer: str, now: float) -> None:
        """Record a successful send."""
        self._update(
            "UPDATE deliveries SET state = 'sent', sent_at = ?, answer = ?, "
            "last_error = NULL, next_try_at = NULL, updated_at = ? WHERE id = ?",
            [(now, answer, now, i) for i in ids],
        )

    def mark_retry(
        self, ids: Iterable[int], next_try_at: float, error: str, now: float
    ) -> None:
        """Record a temporary failure; try again at ``next_try_at``."""
        self._update(
            "UPDATE deliveries SET state = 'retrying', next_try_at = ?, "
            "last_error = ?, updated_at = ? WHERE id = ?",
            [(next_try_at, error, now, i) for i in ids],
        )

    def mark_failed(self, ids: Iterable[int], error: str, now: float) -> None:
        """Record a permanent failure; it waits for a manual retry."""
        self._update(
            "UPDATE deliveries SET state = 'failed', next_try_at = NULL, "
            "last_error = ?, updated_at = ? WHERE id = ?",
            [(error, now, i) for i in ids],
        )

    def recover_interrupted(self, now: float) -> int:
        """Make sends cut off by a crash due again; return how many there were.

        Whether such a send reached the channel is unknown: sending again may
        repeat it (rare: only a crash between the send and its record).
        """
        cursor = self._write(
            "UPDATE deliveries SET state = 'retrying', next_try_at = ?, "
            "last_error = 'interrupted while sending; sending again', updated_at = ? "
            "WHERE state = 'sending'",
            (now, now),
        )
        if cursor.rowcount:
            logger.warning(
                "%d deliveries were cut off mid-send by a crash; sending them again",
                cursor.rowcount,
            )
        return cursor.rowcount

    def requeue_unfinished(self, now: float) -> int:
        """Make sends a stop left under way due again; return how many.

        Unlike ``recover_interrupted`` this is the normal end of a stop that
        could not wait for a slow channel, not a crash, so it is not a warning.
        """
        cursor = self._write(
            "UPDATE deliveries SET state = 'retrying', next_try_at = ?, "
            "last_error = 'stopped while sending; sending again', updated_at = ? "
            "WHERE state = 'sending'",
            (now, now),
        )
        return cursor.rowcount

    def retry_delivery(self, delivery_id: int, now: float) -> Delivery | None:
        """Make one delivery due now, and unblock its channel."""
        found = self.delivery(delivery_id)
        if found is None:
            return None
        self._requeue("id = ?", (delivery_id,), now)
        self.clear_block(found.channel)
        return self.delivery(delivery_id)

    def retry_event(self, event_id: int, now: float) -> list[Delivery]:
        """Make an event's unsent deliveries due now, and unblock their channels."""
        self._requeue("event_id = ? AND state != 'sent'", (event_id,), now)
        found = self.deliveries(event_id=event_id, limit=100)
        for channel in {d.channel for d in found if d.state is not State.SENT}:
            self.clear_block(channel)
        return found

    def _requeue(self, where: str, args: tuple[Any, ...], now: float) -> None:
        self._write(
            "UPDATE deliveries SET state = 'pending', next_try_at = ?, "
            f"first_try_at = NULL, updated_at = ? WHERE {where}",
            (now, now, *args),
        )

    # Channel blocks

    def blocks(self) -> dict[str, Block]:
        """Return the blocked channels."""
        rows = self._conn.execute(
            "SELECT channel, reason, settings_fingerprint, since FROM channel_blocks"
        )
        return {r[0]: Block(*r) for r in rows}

    def block(self, channel: str, reason: str, fingerprint: str, now: float) -> None:
        """Stop ``channel`` until its settings change or someone retries."""
        self._write(
            "INSERT INTO channel_blocks (channel, reason, settings_fingerprint, since) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (channel) DO UPDATE SET "
            "reason = excluded.reason, "
            "settings_fingerprint = excluded.settings_fingerprint, "
            "since = excluded.since",
            (channel, reason, fingerprint, now),
        )

    def clear_block(self, channel: str) -> None:
        """Let ``channel`` send again."""
        self._write("DELETE FROM channel_blocks WHERE channel = ?", (channel,))

    def clear_stale_blocks(self, fingerprints: Mapping[str, str]) -> list[str]:
        """Unblock channels whose settings changed since they were blocked."""
        cleared = [
            name
            for name, block in self.blocks().items()
            if fingerprints.get(name) != block.settings_fingerprint
        ]
        for name in cleared:
            self.clear_block(name)
            logger.info("The %s settings changed; trying that channel again", name)
        return cleared

    def _update(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        with self._transaction():
            self._conn.executemany(sql, rows)

    def _write(self, sql: str, args: tuple[Any, ...]) -> sqlite3.Cursor:
        with self._transaction():
            return self._conn.execute(sql, args)

    def _transaction(self) -> contextlib.AbstractContextManager[None]:
        return store.write_transaction(self._conn)
