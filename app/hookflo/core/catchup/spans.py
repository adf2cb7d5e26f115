"""When HookFlo was listening: one span per run, kept fresh by a heartbeat.

A run opens a span when the receiver listens, moves its ``last_seen_at``
every ``HEARTBEAT_S`` and sets ``stopped_at`` on a clean stop. After a crash
or ``kill -9`` the span ends at its last heartbeat, the best estimate there
is. On start, the time between the previous span's end and now is the time
offline, if it is longer than ``OFFLINE_THRESHOLD_S`` (a restart to apply new
settings is not time offline).
"""

import asyncio
import dataclasses
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from hookflo.core import store
from hookflo.core.catchup import wording
from hookflo.core.errors import StoreError
from hookflo.core.tasks import spawn

logger = logging.getLogger(__name__)

HEARTBEAT_S = 60.0
OFFLINE_THRESHOLD_S = 300.0

R = TypeVar("R")


@dataclasses.dataclass(frozen=True, slots=True)
class Span:
    """One run of the receiver."""

    id: int
    started_at: float
    last_seen_at: float
    stopped_at: float | None

    @property
    def ended_at(self) -> float:
        """When it stopped listening, or its last heartbeat after a crash."""
        return self.last_seen_at if self.stopped_at is None else self.stopped_at


@dataclasses.dataclass(frozen=True, slots=True)
class OfflineWindow:
    """Time HookFlo was not listening.

    Attributes:
        start: when the previous run stopped (or last showed a heartbeat).
        end: when listening began again.
        clean: whether the previous run stopped cleanly.
    """

    start: float
    end: float
    clean: bool

    @property
    def seconds(self) -> float:
        """How long it lasted."""
        return max(0.0, self.end - self.start)


def latest(conn: sqlite3.Connection) -> Span | None:
    """Return the newest span, or None before the first run."""
    row = conn.execute(
        "SELECT id, started_at, last_seen_at, stopped_at FROM listening_spans "
        "ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return None if row is None else Span(*row)


def gap_before(conn: sqlite3.Connection, span: Span) -> OfflineWindow | None:
    """Return the time offline just before ``span``, if it was long enough."""
    row = conn.execute(
        "SELECT id, started_at, last_seen_at, stopped_at FROM listening_spans "
        "WHERE id < ? ORDER BY id DESC LIMIT 1",
        (span.id,),
    ).fetchone()
    if row is None:
        return None
    previous = Span(*row)
    return _window(previous, span.started_at)


def open_span(conn: sqlite3.Connection, now: float) -> tuple[int, OfflineWindow | None]:
    """Start a span at ``now``; return its id and the time offline before it."""
    with store.write_transaction(conn):
        previous = latest(conn)
        cursor = conn.execute(
            "INSERT INTO listening_spans (started_at, last_seen_at) VALUES (?, ?)",
            (now, now),
        )
    assert cursor.lastrowid is not None
    window = None if previous is None else _window(previous, now)
    return cursor.lastrowid, window


def beat(conn: sqlite3.Connection, span_id: int, now: float) -> None:
    """Record that the span's run is still listening at ``now``."""
    conn.execute(
        "UPDATE listening_spans SET last_seen_at = max(last_seen_at, ?) WHERE id = ?",
        (now, span_id),
    )


def close(conn: sqlite3.Connection, span_id: int, now: float) -> None:
    """Record a clean stop at ``now``."""
    conn.execute(
        "UPDATE listening_spans SET last_seen_at = max(last_seen_at, ?), "
        "stopped_at = ? WHERE id = ?",
        (now, now, span_id),
    )


def _window(previous: Span, now: float) -> OfflineWindow | None:
    window = OfflineWindow(
        previous.ended_at, now, clean=previous.stopped_at is not None
    )
    return window if window.seconds > OFFLINE_THRESHOLD_S else None


class Heartbeat:
    """Keeps this run's span up to date while the receiver listens.

    Args:
        database_file: the event store.
        clock: wall-clock seconds (tests move it).
        interval_s: seconds between heartbeats.
    """

    def __init__(
        self,
        database_file: Path,
        *,
        clock: Callable[[], float],
        interval_s: float = HEARTBEAT_S,
    ) -> None:
        self._database_file = database_file
        self._clock = clock
        self._interval_s = interval_s
        self._span_id: int | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> OfflineWindow | None:
        """Open this run's span; return the time offline before it, if any."""
        self._span_id, window = await asyncio.to_thread(
            self._on_own_connection, open_span, self._clock()
        )
        self._task = spawn(self._beat_forever(), name="listening-heartbeat")
        if window is not None:
            logger.info(
                "HookFlo was offline for %s before this start",
                wording.duration(window.seconds),
            )
        return window

    async def beat(self) -> None:
        """Record now as the last moment this run was seen listening."""
        if self._span_id is not None:
            await asyncio.to_thread(
                self._on_own_connection, beat, self._span_id, self._clock()
            )

    async def stop(self) -> None:
        """Record a clean stop."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        span_id, self._span_id = self._span_id, None
        if span_id is None:
            return
        try:
            await asyncio.to_thread(
                self._on_own_connection, close, span_id, self._clock()
            )
        except (StoreError, sqlite3.Error) as err:
            logger.warning("Could not record the clean stop: %s", err)

    def _on_own_connection(self, write: Callable[..., R], *args: object) -> R:
        """Run ``write`` on a connection of its own, in the calling thread.

        A cancelled ``to_thread`` call keeps running in its worker; with one
        connection per call, a stop can never close a connection that such a
        worker is still using (SQLite crashes the process on that).
        """
        conn = store.connect(self._database_file)
        try:
            return write(conn, *args)
        finally:
            conn.close()

    async def _beat_forever(self) -> None:
        # A failure is said once per streak: the store may stay unreachable
        # (no file handle left, disk gone) for many beats.
        failing = False
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.beat()
            except (StoreError, sqlite3.Error) as err:
                if not failing:
                    logger.warning(
                        "Could not record the heartbeat (retrying every %g s): %s",
                        self._interval_s,
                        err,
                    )
                failing = True
                continue
            if failing:
                logger.info("Recording the heartbeat again")
                failing = False
