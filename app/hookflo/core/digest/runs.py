"""The ``digest_runs`` table: which digest went where, claimed before sending.

One row per digest kind, period and channel, so a digest goes out once per
period and channel however often HookFlo starts. A send is *claimed* in one
write transaction before it starts (the row is created, or taken back from
``retrying``, in state ``sending``), and its outcome recorded after.
A crash between the two leaves ``sending``; such a row counts as abandoned
once it is older than any send can take, and is sent again: a digest can
repeat after a crash at that moment, it is never lost.

States: ``sending``, ``sent``, ``retrying`` (``next_try_at`` says when),
``failed`` (permanent, given up, or replaced by a newer period's digest).
Methods block on disk; the scheduler calls them from its worker thread.
"""

import contextlib
import dataclasses
import logging
import sqlite3
from pathlib import Path

from hookflo.core import store

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class Claim:
    """A send this process now owns.

    Attributes:
        id: the row.
        tries: this try's number (1 for the first).
        first_try_at: when the first try was claimed.
        resumed: the row was left ``sending`` by a run that stopped mid-send.
    """

    id: int
    tries: int
    first_try_at: float
    resumed: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Run:
    """One row, for people to read."""

    kind: str
    period_start: str
    channel: str
    state: str
    tries: int
    next_try_at: float | None
    last_error: str | None
    updated_at: float
    sent_at: float | None


class DigestRuns:
    """Reads and moves ``digest_runs`` rows; one instance per thread."""

    def __init__(self, database_file: Path) -> None:
        self._conn = store.connect(database_file)

    @property
    def connection(self) -> sqlite3.Connection:
        """The connection, for reading the events a digest counts."""
        return self._conn

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def claim(
        self, kind: str, period: str, channel: str, now: float, *, stale_before: float
    ) -> Claim | None:
        """Take the send of this digest to ``channel`` if it is due; else None.

        Due means: never tried, retrying with its time come, or left
        ``sending`` by a run that stopped before ``stale_before``.
        """
        with self._transaction():
            row = self._conn.execute(
                "SELECT id, state, tries, next_try_at, updated_at, created_at "
                "FROM digest_runs WHERE kind = ? AND period_start = ? AND channel = ?",
                (kind, period, channel),
            ).fetchone()
            if row is None:
                cursor = self._conn.execute(
                    "INSERT INTO digest_runs (kind, period_start, channel, state, "
                    "tries, created_at, updated_at) "
                    "VALUES (?, ?, ?, 'sending', 1, ?, ?)",
                    (kind, period, channel, now, now),
                )
                assert cursor.lastrowid is not None
                return Claim(cursor.lastrowid, 1, now)
            row_id, state, tries, next_try_at, updated_at, created_at = row
            due = state == "retrying" and next_try_at is not None and next_try_at <= now
            abandoned = state == "sending" and updated_at < stale_before
            if not (due or abandoned):
                return None
            self._conn.execute(
                "UPDATE digest_runs SET state = 'sending', tries = tries + 1, "
                "next_try_at = NULL, updated_at = ? WHERE id = ?",
                (now, row_id),
            )
        if abandoned:
            logger.warning(
                "The %s digest of %s to %s was cut off mid-send; sending it again",
                kind,
                period,
                channel,
            )
        return Claim(row_id, tries + 1, created_at, resumed=abandoned)

    def mark_sent(self, row_id: int, answer: str, now: float) -> None:
        """Record that the channel took the digest."""
        self._write(
            "UPDATE digest_runs SET state = 'sent', sent_at = ?, answer = ?, "
            "last_error = NULL, next_try_at = NULL, updated_at = ? WHERE id = ?",
            (now, answer[:500], now, row_id),
        )

    def mark_retry(
        self, row_id: int, next_try_at: float, error: str, now: float
    ) -> None:
        """Record a temporary failure; try again at ``next_try_at``."""
        self._write(
            "UPDATE digest_runs SET state = 'retrying', next_try_at = ?, "
            "last_error = ?, updated_at = ? WHERE id = ?",
            (next_try_at, error, now, row_id),
        )

    def mark_failed(self, row_id: int, error: str, now: float) -> None:
        """Record that this digest will not be sent to this channel."""
        self._write(
            "UPDATE digest_runs SET state = 'failed', next_try_at = NULL, "
            "last_error = ?, updated_at = ? WHERE id = ?",
            (error, now, row_id),
        )

    def supersede(
        self, kind: str, period: str, now: float, *, stale_before: float
    ) -> int:
        """Give up unsent digests of ``kind`` older than ``period``; return how many.

        Only the newest due digest is worth sending late; older ones it
        replaces, including retries still waiting.
        """
        cursor = self._write(
            "UPDATE digest_runs SET state = 'failed', next_try_at = NULL, "
            "last_error = 'replaced by the digest of ' || ?, updated_at = ? "
            "WHERE kind = ? AND period_start < ? AND (state = 'retrying' OR "
            "(state = 'sending' AND updated_at < ?))",
            (period, now, kind, period, stale_before),
        )
        return cursor.rowcount

    def next_retry_at(self) -> float | None:
        """Return when the next waiting retry is due, if any."""
        row = self._conn.execute(
            "SELECT min(next_try_at) FROM digest_runs WHERE state = 'retrying'"
        ).fetchone()
        return None if row[0] is None else float(row[0])

    def recent(self, limit: int = 20) -> list[Run]:
        """Return the newest rows first."""
        rows = self._conn.execute(
            "SELECT kind, period_start, channel, state, tries, next_try_at, "
            "last_error, updated_at, sent_at FROM digest_runs "
            "ORDER BY period_start DESC, id DESC LIMIT ?",
            (limit,),
        )
        return [Run(*row) for row in rows]

    def _write(self, sql: str, args: tuple[object, ...]) -> sqlite3.Cursor:
        with self._transaction():
            return self._conn.execute(sql, args)

    def _transaction(self) -> contextlib.AbstractContextManager[None]:
        return store.write_transaction(self._conn)
