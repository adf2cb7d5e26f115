"""Durable writes for the receiver: one thread, group commits.

Each verified event is handed to a single writer thread and the request waits
on a future. The thread takes everything queued, writes it in one transaction
and commits once (one fsync for the whole group), then settles the futures on
the event loop. So no 2xx leaves before its event's commit, concurrent
requests share the cost of a commit, and the event loop never blocks on disk.
Refused attempts ride along in the same transactions without being waited on.
"""

import asyncio
import dataclasses
import enum
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hookflo.core import store
from hookflo.core.errors import StoreError

logger = logging.getLogger(__name__)

MAX_BATCH = 1024
KEEP_ATTEMPTS = 10_000
_PRUNE_EVERY = 500


@dataclasses.dataclass(frozen=True, slots=True)
class NewEvent:
    """A verified event about to be stored."""

    source: str
    svix_id: str
    environment: str
    type: str | None
    received_at: float
    signed_at: int
    body: bytes
    body_is_json: bool
    is_test: bool
    origin: str = store.ORIGIN_WEBHOOK
    # The body as the receiver parsed it, if it did: spares the writer's
    # derive hook a second parse on the hot path. Not stored.
    parsed: Any = dataclasses.field(default=None, compare=False, repr=False)


@dataclasses.dataclass(frozen=True, slots=True)
class NewAttempt:
    """A refused request about to be recorded (never with its body)."""

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


class Outcome(enum.Enum):
    """What saving an event did."""

    STORED = "stored"
    DUPLICATE = "duplicate"


@dataclasses.dataclass(frozen=True, slots=True)
class Saved:
    """The result of saving one event."""

    outcome: Outcome
    event_id: int


EventListener = Callable[[int, NewEvent], None]
AttemptListener = Callable[[NewAttempt], None]
# Names the channels a new event is delivered to, in the event's transaction.
Router = Callable[[NewEvent], Sequence[str]]


@dataclasses.dataclass(frozen=True, slots=True)
class Derived:
    """What a derive hook stored beside a new event, in the same transaction.

    Attributes:
        events: the events it stored, with their row ids, for the listeners.
        replaces_original: the new event gets no deliveries of its own; the
            events derived from it, or an earlier catch-up, alert instead.
    """

    events: tuple[tuple[int, NewEvent], ...] = ()
    replaces_original: bool = False


NOTHING_DERIVED = Derived()

# Stores what can be read out of a new event (given its row id) inside the
# event's transaction, routing what it stores with the router it is given. It
# must not raise, and must return quickly for types it does not read.
DeriveHook = Callable[[sqlite3.Connection, int, NewEvent, Router | None], Derived]


@dataclasses.dataclass(frozen=True, slots=True)
class _Flush:
    """Marks a point in the queue: its future is settled once all before it is."""


@dataclasses.dataclass(frozen=True, slots=True)
class _Job:
    record: NewEvent | NewAttempt | _Flush
    future: "asyncio.Future[Saved] | None" = None


_FLUSHED = Saved(Outcome.STORED, 0)
_STOP = _Job(NewAttempt(0, "", "", None, None, 0, "", "", "", None))


class EventWriter:
    """Owns the write connection and the thread that commits in groups.

    Args:
        database_file: the SQLite file.
        loop: the event loop whose futures the thread settles.

    Attributes:
        router: names the channels each new event is delivered to; set it
            before ``start``.
        derive: stores events derived from each new one in its transaction
            (``hookflo.core.derived``); set it before ``start``.
        listeners: called on the loop, after the commit, for each new event
            with its row id (duplicates are not reported).
        attempt_listeners: called on the loop, after the commit, for each
            refused request recorded.
    """

    def __init__(
        self,
        database_file: Path,
        loop: asyncio.AbstractEventLoop,
        router: Router | None = None,
    ) -> None:
        self._database_file = database_file
        self._loop = loop
        self.router = router
        self.derive: DeriveHook | None = None
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._attempts_since_prune = 0
        self._running = False
        self.listeners: list[EventListener] = []
        self.attempt_listeners: list[AttemptListener] = []

    def start(self) -> None:
        """Open the database (migrating it) and start the writer thread.

        Raises:
            StoreError: the database cannot be opened.
        """
        conn = store.connect(self._database_file)
        self._thread = threading.Thread(
            target=self._run, args=(conn,), name="hookflo-writer", daemon=True
        )
        self._thread.start()
        self._running = True

    async def save_event(self, event: NewEvent) -> Saved:
        """Store ``event`` durably; return once it is committed.

        Raises:
            StoreError: the write or the commit failed.
        """
        return await self._submit(event)

    def record_attempt(self, attempt: NewAttempt) -> None:
        """Queue a refused request for the next commit; do not wait for it."""
        self._queue.put(_Job(attempt))

    async def flush(self) -> None:
        """Return once everything queued so far is committed."""
        await self._submit(_Flush())

    async def _submit(self, record: NewEvent | _Flush) -> Saved:
        if not self._running:
            raise StoreError("The event store is closed")
        future: asyncio.Future[Saved] = self._loop.create_future()
        self._queue.put(_Job(record, future))
        return await future

    async def close(self) -> None:
        """Commit what is queued, then stop the thread."""
        if self._thread is None:
            return
        self._running = False
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join)
        self._thread = None
        self._fail_leftovers()

    def _fail_leftovers(self) -> None:
        """Fail whatever was queued after the thread stopped taking work."""
        closed = StoreError("The event store closed before the event was stored")
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return
            if job.future is not None and not job.future.done():
                job.future.set_exception(closed)

    def _run(self, conn: sqlite3.Connection) -> None:
        try:
            while True:
                batch = [self._queue.get()]
                while len(batch) < MAX_BATCH:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                stop = any(job is _STOP for job in batch)
                work = [job for job in batch if job is not _STOP]
                try:
                    self._commit(work, conn)
                except RuntimeError:  # the loop is closed: nobody is waiting
                    logger.exception("Could not report %d records", len(work))
                if stop:
                    return
        finally:
            self._running = False
            conn.close()

    def _commit(self, batch: list[_Job], conn: sqlite3.Connection) -> None:
        settled: list[tuple[asyncio.Future[Saved], Saved | Exception]] = []
        new_events: list[tuple[int, NewEvent]] = []
        new_attempts: list[NewAttempt] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job in batch:
                if isinstance(job.record, NewEvent):
                    assert job.future is not None
                    saved, derived = _insert_event(
                        conn, job.record, self.router, self.derive
                    )
                    settled.append((job.future, saved))
                    if saved.outcome is Outcome.STORED:
                        new_events.append((saved.event_id, job.record))
                        new_events.extend(derived.events)
                elif isinstance(job.record, NewAttempt):
                    _insert_attempt(conn, job.record)
                    new_attempts.append(job.record)
                    self._attempts_since_prune += 1
                elif job.future is not None:
                    settled.append((job.future, _FLUSHED))
            if self._attempts_since_prune >= _PRUNE_EVERY:
                _prune_attempts(conn)
                self._attempts_since_prune = 0
            conn.execute("COMMIT")
        except Exception as err:
            # Whatever went wrong, no request may be left waiting for ever.
            if isinstance(err, sqlite3.Error):
                logger.error("Could not store %d queued records: %s", len(batch), err)
                failure = StoreError(f"Could not store the event: {err}")
            else:
                logger.exception("The writer failed on %d records", len(batch))
                failure = StoreError("The event store failed unexpectedly")
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error as rollback_err:
                    logger.error("Rollback failed too: %s", rollback_err)
            settled = [(job.future, failure) for job in batch if job.future]
            new_events, new_attempts = [], []
        self._loop.call_soon_threadsafe(self._settle, settled, new_events, new_attempts)

    def _settle(
        self,
        settled: list[tuple[asyncio.Future[Saved], Saved | Exception]],
        new_events: list[tuple[int, NewEvent]],
        new_attempts: list[NewAttempt],
    ) -> None:
        for future, result in settled:
            if future.done():  # the request went away; the event is stored anyway
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)
        for event_id, event in new_events:
            for listener in self.listeners:
                try:
                    listener(event_id, event)
                except Exception:
                    logger.exception("Event listener %r failed", listener)
        for attempt in new_attempts:
            for attempt_listener in self.attempt_listeners:
                try:
                    attempt_listener(attempt)
                except Exception:
                    logger.exception("Attempt listener %r failed", attempt_listener)


def _insert_event(
    conn: sqlite3.Connection,
    event: NewEvent,
    router: Router | None,
    derive: DeriveHook | None,
) -> tuple[Saved, Derived]:
    cursor = conn.execute(
        "INSERT INTO events (source, svix_id, environment, type, received_at, "
        "signed_at, body, body_is_json, is_test, origin) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (source, svix_id) DO NOTHING",
        (
            event.source,
            event.svix_id,
            event.environment,
            event.type,
            event.received_at,
            event.signed_at,
            event.body,
            event.body_is_json,
            event.is_test,
            event.origin,
        ),
    )
    if cursor.rowcount == 1 and cursor.lastrowid is not None:
        event_id = cursor.lastrowid
        derived = NOTHING_DERIVED
        if derive is not None:
            derived = derive(conn, event_id, event, router)
        if router is not None and not derived.replaces_original:
            add_deliveries(conn, event_id, router(event), event.received_at)
        return Saved(Outcome.STORED, event_id), derived
    row = conn.execute(
        "SELECT id FROM events WHERE source = ? AND svix_id = ?",
        (event.source, event.svix_id),
    ).fetchone()
    return Saved(Outcome.DUPLICATE, int(row[0])), NOTHING_DERIVED


def add_deliveries(
    conn: sqlite3.Connection, event_id: int, channels: Sequence[str], at: float
) -> None:
    """Add a pending delivery of the event to each channel, due at ``at``."""
    if channels:
        conn.executemany(
            "INSERT INTO deliveries (event_id, channel, state, next_try_at, "
            "updated_at, created_at) VALUES (?, ?, 'pending', ?, ?, ?)",
            [(event_id, channel, at, at, at) for channel in channels],
        )


def _insert_attempt(conn: sqlite3.Connection, attempt: NewAttempt) -> None:
    conn.execute(
        "INSERT INTO attempts (received_at, method, path, source, svix_id, status, "
        "reason, message, hint, body_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        dataclasses.astuple(attempt),
    )


def _prune_attempts(conn: sqlite3.Connection) -> None:
    conn.execute(
        "DELETE FROM attempts WHERE id <= (SELECT max(id) FROM attempts) - ?",
        (KEEP_ATTEMPTS,),
    )
