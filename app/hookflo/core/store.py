"""The SQLite event store: opening, migrating and reading.

Writes on the receiver's path go through ``eventwriter`` (one thread, group
commits); this module opens connections with the durability settings and
serves reads to the command line and, later, the GUI models.
"""

import contextlib
import dataclasses
import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hookflo.core.errors import StoreError
from hookflo.core.schema import LATEST_VERSION, MIGRATIONS

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


ORIGIN_WEBHOOK = "webhook"
ORIGIN_CAUGHT_UP = "caught-up"
ORIGIN_DERIVED = "derived"

# True for an event listed from Clerk after time offline, and for a change
# read out of one: both are news that arrived late. Select it FROM events
# (not aliased), so the inner lookup finds the outer row's ``derived_from``.
CAUGHT_UP_SQL = (
    "(origin = 'caught-up' OR (origin = 'derived' AND EXISTS (SELECT 1 FROM "
    "events AS original WHERE original.id = events.derived_from AND "
    "original.origin = 'caught-up')))"
)


@dataclasses.dataclass(frozen=True, slots=True)
class StoredEvent:
    """One event as stored.

    ``origin`` says where it came from: ``webhook`` (verified, from Clerk),
    ``caught-up`` (listed from Clerk's Backend API after time offline) or
    ``derived`` (a named change read out of the event ``derived_from``).
    """

    id: int
    source: str
    svix_id: str
    environment: str
    type: str | None
    received_at: float
    signed_at: int
    body: bytes
    body_is_json: bool
    is_test: bool
    origin: str = ORIGIN_WEBHOOK
    derived_from: int | None = None

    def payload(self) -> Any:
        """Return the parsed body, or its text when it is not JSON."""
        if self.body_is_json:
            return json.loads(self.body)
        return self.body.decode("utf-8", errors="replace")


@dataclasses.dataclass(frozen=True, slots=True)
class Attempt:
    """One refused request, without its body."""

    id: int
    received_at: float
    method: str
    path: str
    source: str | None
    svix_id: str | None
    status: int
    reason: str
    message: str
    hint: str
    body_bytes: int | None


def connect(database_file: Path) -> sqlite3.Connection:
    """Open the store with WAL and full durability, migrating it if needed.

    Raises:
        StoreError: the file cannot be opened, or a newer HookFlo wrote it.
    """
    try:
        database_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        conn = sqlite3.connect(
            database_file,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        migrate(conn)
    except sqlite3.Error as err:
        raise StoreError(f"Cannot open the event store {database_file}: {err}") from err
    return conn


def migrate(conn: sqlite3.Connection) -> None:
    """Apply the migrations this database has not seen yet."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > LATEST_VERSION:
        raise StoreError(
            f"The event store is at schema version {version}, newer than this "
            f"HookFlo knows ({LATEST_VERSION}); upgrade HookFlo"
        )
    for number in range(version + 1, LATEST_VERSION + 1):
        with write_transaction(conn):
            # Re-read under the write lock: another process may have migrated.
            current = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if current < number:
                for statement in _statements(MIGRATIONS[number - 1]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
                logger.info("Migrated the event store to schema version %d", number)


@contextlib.contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """Run the block as one write transaction: all of it is stored, or none.

    ``BEGIN IMMEDIATE`` takes the write lock at once (waiting up to the busy
    timeout), so a read inside the block cannot go stale before the write.
    Any exception, or a failed ``COMMIT``, rolls back and is raised again.
    The connection must be in autocommit mode (``connect`` opens it so).
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # a failed COMMIT may have rolled back already
            conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


class Store:
    """Read access to the events and attempts, for the CLI and the GUI."""

    def __init__(self, database_file: Path) -> None:
        self.database_file = database_file
        self._conn = connect(database_file)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def events(
        self, *, limit: int = 50, event_type: str | None = None
    ) -> list[StoredEvent]:
        """Return stored events, newest first, optionally of one type."""
        query = f"SELECT {_EVENT_COLUMNS} FROM events"
        args: list[Any] = []
        if event_type:
            query += " WHERE type = ?"
            args.append(event_type)
        query += " ORDER BY id DESC LIMIT ?"
        args.append(limit)
        return [_event(row) for row in self._conn.execute(query, args)]

    def caught_up_ids(self, event_ids: list[int]) -> set[int]:
        """Return which of ``event_ids`` are caught up or read out of one."""
        found: set[int] = set()
        for start in range(0, len(event_ids), 500):
            chunk = event_ids[start : start + 500]
            rows = self._conn.execute(
                f"SELECT id FROM events WHERE {CAUGHT_UP_SQL} AND id IN "
                f"({', '.join('?' * len(chunk))})",
                chunk,
            )
            found.update(row[0] for row in rows)
        return found

    def count_events(self) -> int:
        """Return how many events are stored."""
        return int(self._conn.execute("SELECT count(*) FROM events").fetchone()[0])

    def attempts(self, *, limit: int = 50) -> list[Attempt]:
        """Return refused requests, newest first."""
        rows = self._conn.execute(
            f"SELECT {_ATTEMPT_COLUMNS} FROM attempts ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [Attempt(*row) for row in rows]


_EVENT_COLUMNS = (
    "id, source, svix_id, environment, type, received_at, signed_at, body, "
    "body_is_json, is_test, origin, derived_from"
)
_ATTEMPT_COLUMNS = (
    "id, received_at, method, path, source, svix_id, status, reason, message, "
    "hint, body_bytes"
)


def _event(row: tuple[Any, ...]) -> StoredEvent:
    (id_, source, svix_id, env, type_, received, signed, body, is_json, test) = row[:10]
    origin, derived_from = row[10:]
    return StoredEvent(
        id_,
        source,
        svix_id,
        env,
        type_,
        received,
        signed,
        bytes(body),
        bool(is_json),
        bool(test),
        origin,
        derived_from,
    )
