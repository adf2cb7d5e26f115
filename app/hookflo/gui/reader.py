"""What the windows show, read from the store in one worker thread.

Every query runs in the reader's own thread on its own connections, so the
event loop (and with it the UI) never waits on SQLite, and reads never race
each other. Pages are small and keyed by id, so a store of 100,000 events
costs no more to browse than one of a hundred.

Qt-free on purpose: the models use it, and tests can use it without a screen.
"""

import asyncio
import concurrent.futures
import dataclasses
import functools
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from hookflo.core import store
from hookflo.core.alerting.describe import describe
from hookflo.core.alerting.outboxstore import OutboxStore
from hookflo.gui.background import ClosedError
from hookflo.gui.records import (
    ChannelTrouble,
    DeliveryStates,
    EventDetail,
    EventFilter,
    EventRow,
    SignupBucket,
)

logger = logging.getLogger(__name__)

PAGE_SIZE = 200
SIGNUP_TYPE = "user.created"
HOURS_SHOWN = 24
DAYS_SHOWN = 30

T = TypeVar("T")

# The columns in the order of the store's records, so rows map onto them.
_EVENT_COLUMNS = ", ".join(f.name for f in dataclasses.fields(store.StoredEvent))
_ATTEMPT_COLUMNS = ", ".join(f.name for f in dataclasses.fields(store.Attempt))


class StoreReader:
    """Runs the GUI's queries in one worker thread.

    Args:
        database_file: the event store.
    """

    def __init__(self, database_file: Path) -> None:
        self._database_file = database_file
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="hookflo-reader"
        )
        self._conn: sqlite3.Connection | None = None
        self._outbox: OutboxStore | None = None
        self._closed = False

    async def close(self) -> None:
        """Close the connections and the thread; later calls raise ClosedError."""
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._close_connections)
        self._executor.shutdown(wait=False)

    # Events

    async def event_rows(
        self, event_filter: EventFilter, before_id: int | None, limit: int = PAGE_SIZE
    ) -> list[EventRow]:
        """Return up to ``limit`` matching events older than ``before_id``."""
        return await self._run(self._event_rows, event_filter, before_id, limit)

    async def event_rows_by_id(
        self, ids: Sequence[int], event_filter: EventFilter
    ) -> list[EventRow]:
        """Return the events among ``ids`` that match ``event_filter``."""
        return await self._run(self._event_rows_by_id, list(ids), event_filter)

    async def delivery_states(
        self, delivery_ids: Sequence[int]
    ) -> dict[int, DeliveryStates]:
        """Return the delivery states of the events these deliveries belong to."""
        return await self._run(self._delivery_states, list(delivery_ids))

    async def detail(self, event_id: int) -> EventDetail | None:
        """Return the event with its facts and deliveries, or None."""
        return await self._run(self._detail, event_id)

    async def event_types(self) -> list[str]:
        """Return the event types present in the store, sorted."""
        return await self._run(self._event_types)

    # Refused requests

    async def attempts(
        self, before_id: int | None, limit: int = PAGE_SIZE
    ) -> list[store.Attempt]:
        """Return refused requests older than ``before_id``, newest first."""
        return await self._run(self._attempts, before_id, limit)

    async def attempts_after(
        self, after_id: int, limit: int = PAGE_SIZE
    ) -> list[store.Attempt]:
        """Return refused requests newer than ``after_id``, newest first."""
        return await self._run(self._attempts_after, after_id, limit)

    # Charts and health

    async def signups(
        self, *, by_day: bool, now: float | None = None
    ) -> list[SignupBucket]:
        """Return signups per hour (last 24) or per day (last 30), oldest first."""
        moment = time.time() if now is None else now
        return await self._run(self._signups, by_day, moment)

    async def channel_trouble(self) -> ChannelTrouble:
        """Return the blocked channels and those with deliveries retrying."""
        return await self._run(self._channel_trouble)

    # Changes

    async def retry_delivery(self, delivery_id: int) -> None:
        """Make one delivery due now (a retry, or a send again once sent)."""
        await self._run(self._retry_delivery, delivery_id)

    # In the worker thread

    async def _run(self, work: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise ClosedError("the store reader is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._executor, functools.partial(work, *args)
            )
        except RuntimeError as err:  # the executor shut down meanwhile
            if self._closed:
                raise ClosedError("the store reader is closed") from err
            raise

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = store.connect(self._database_file)
        return self._conn

    def _outbox_store(self) -> OutboxStore:
        if self._outbox is None:
            self._outbox = OutboxStore(self._database_file)
        return self._outbox

    def _close_connections(self) -> None:
        for closer in (self._conn, self._outbox):
            if closer is not None:
                closer.close()
        self._conn = self._outbox = None

    def _event_rows(
        self, event_filter: EventFilter, before_id: int | None, limit: int
    ) -> list[EventRow]:
        clauses, args = event_filter.sql()
        if before_id is not None:
            clauses.append("id < ?")
            args.append(before_id)
        return self._select_rows(clauses, args, limit)

    def _event_rows_by_id(
        self, ids: list[int], event_filter: EventFilter
    ) -> list[EventRow]:
        rows: list[EventRow] = []
        for chunk in _chunks(ids, 500):
            clauses, args = event_filter.sql()
            clauses.append(f"id IN ({', '.join('?' * len(chunk))})")
            rows.extend(self._select_rows(clauses, [*args, *chunk], len(chunk)))
        return rows

    def _select_rows(
        self, clauses: list[str], args: list[Any], limit: int
    ) -> list[EventRow]:
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        found = self._db().execute(
            f"SELECT id, source, environment, type, received_at, body, body_is_json, "
            f"is_test, origin, derived_from, {store.CAUGHT_UP_SQL} "
            f"FROM events {where} "
            "ORDER BY id DESC LIMIT ?",
            [*args, limit],
        )
        rows = [_event_row(*values) for values in found]
        states = self._states_of([row.id for row in rows])
        return [dataclasses.replace(r, deliveries=states.get(r.id, ())) for r in rows]

    def _states_of(self, event_ids: list[int]) -> dict[int, DeliveryStates]:
        collected: dict[int, list[tuple[str, str]]] = {}
        for chunk in _chunks(event_ids, 500):
            found = self._db().execute(
                "SELECT event_id, channel, state FROM deliveries WHERE event_id IN "
                f"({', '.join('?' * len(chunk))}) ORDER BY channel",
                chunk,
            )
            for event_id, channel, state in found:
                collected.setdefault(event_id, []).append((channel, state))
        return {key: tuple(value) for key, value in collected.items()}

    def _delivery_states(self, delivery_ids: list[int]) -> dict[int, DeliveryStates]:
        event_ids: set[int] = set()
        for chunk in _chunks(delivery_ids, 500):
            found = self._db().execute(
                "SELECT DISTINCT event_id FROM deliveries WHERE id IN "
                f"({', '.join('?' * len(chunk))})",
                chunk,
            )
            event_ids.update(row[0] for row in found)
        states = self._states_of(sorted(event_ids))
        return {event_id: states.get(event_id, ()) for event_id in event_ids}

    def _detail(self, event_id: int) -> EventDetail | None:
        row = (
            self._db()
            .execute(f"SELECT {_EVENT_COLUMNS} FROM events WHERE id = ?", (event_id,))
            .fetchone()
        )
        if row is None:
            return None
        event = _stored_event(row)
        outbox = self._outbox_store()
        facts = describe(
            event.type,
            _payload(event.body, event.body_is_json),
            environment=event.environment,
            is_test=event.is_test,
            source=event.source,
            event_id=event.id,
            received_at=event.received_at,
            lookup_user=outbox.latest_user,
        )
        deliveries = sorted(
            outbox.deliveries(event_id=event_id, limit=100), key=lambda d: d.channel
        )
        derived = self._db().execute(
            "SELECT type FROM events WHERE derived_from = ? ORDER BY id", (event_id,)
        )
        derived_types = tuple(row[0] for row in derived if row[0])
        (caught_up,) = (
            self._db()
            .execute(
                f"SELECT {store.CAUGHT_UP_SQL} FROM events WHERE id = ?", (event_id,)
            )
            .fetchone()
        )
        return EventDetail(
            event, facts, tuple(deliveries), derived_types, caught_up=bool(caught_up)
        )

    def _event_types(self) -> list[str]:
        found = self._db().execute(
            "SELECT DISTINCT type FROM events WHERE type IS NOT NULL ORDER BY type"
        )
        return [row[0] for row in found]

    def _attempts(self, before_id: int | None, limit: int) -> list[store.Attempt]:
        where, args = "", []
        if before_id is not None:
            where, args = "WHERE id < ?", [before_id]
        found = self._db().execute(
            f"SELECT {_ATTEMPT_COLUMNS} FROM attempts {where} ORDER BY id DESC LIMIT ?",
            [*args, limit],
        )
        return [store.Attempt(*row) for row in found]

    def _attempts_after(self, after_id: int, limit: int) -> list[store.Attempt]:
        found = self._db().execute(
            f"SELECT {_ATTEMPT_COLUMNS} FROM attempts WHERE id > ? "
            "ORDER BY id DESC LIMIT ?",
            (after_id, limit),
        )
        return [store.Attempt(*row) for row in found]

    def _signups(self, by_day: bool, now: float) -> list[SignupBucket]:
        starts = _bucket_starts(now, by_day=by_day)
        label_format = "%Y-%m-%d" if by_day else "%Y-%m-%d %H:00"
        found = self._db().execute(
            "SELECT strftime(?, received_at, 'unixepoch', 'localtime') AS bucket, "
            "environment, count(*) FROM events WHERE type = ? AND is_test = 0 "
            "AND received_at >= ? GROUP BY bucket, environment",
            (label_format, SIGNUP_TYPE, starts[0]),
        )
        counts: dict[tuple[str, str], int] = {
            (bucket, env): count for bucket, env, count in found
        }
        buckets = []
        for start in starts:
            label = datetime.fromtimestamp(start).strftime(label_format)
            buckets.append(
                SignupBucket(
                    label=label,
                    starts_at=start,
                    production=counts.get((label, "production"), 0),
                    development=counts.get((label, "development"), 0),
                )
            )
        return buckets

    def _channel_trouble(self) -> ChannelTrouble:
        outbox = self._outbox_store()
        blocked = {name: block.reason for name, block in outbox.blocks().items()}
        found = self._db().execute(
            "SELECT channel, last_error FROM deliveries WHERE state = 'retrying' "
            "ORDER BY updated_at"
        )
        retrying = {channel: error or "" for channel, error in found}
        return ChannelTrouble(blocked=blocked, retrying=retrying)

    def _retry_delivery(self, delivery_id: int) -> None:
        self._outbox_store().retry_delivery(delivery_id, time.time())


def _event_row(
    id_: int,
    source: str,
    environment: str,
    type_: str | None,
    received_at: float,
    body: bytes,
    body_is_json: int,
    is_test: int,
    origin: str,
    derived_from: int | None,
    caught_up: int,
) -> EventRow:
    facts = describe(
        type_,
        _payload(bytes(body), bool(body_is_json)),
        environment=environment,
        is_test=bool(is_test),
        source=source,
        event_id=id_,
        received_at=received_at,
    )
    return EventRow(
        id=id_,
        received_at=received_at,
        source=source,
        environment=environment,
        type=facts.event_type,
        who=facts.subject,
        headline=facts.headline,
        is_test=bool(is_test),
        origin=origin,
        derived_from=derived_from,
        caught_up=bool(caught_up),
    )


def _stored_event(row: Sequence[Any]) -> store.StoredEvent:
    values = dict(zip(_EVENT_COLUMNS.split(", "), row, strict=True))
    values["body"] = bytes(values["body"])
    values["body_is_json"] = bool(values["body_is_json"])
    values["is_test"] = bool(values["is_test"])
    return store.StoredEvent(**values)


def _payload(body: bytes, body_is_json: bool) -> object:
    if body_is_json:
        try:
            return json.loads(body)
        except ValueError:
            pass
    return body.decode("utf-8", errors="replace")


def _bucket_starts(now: float, *, by_day: bool) -> list[float]:
    """Return the local start times of the buckets shown, oldest first."""
    moment = datetime.fromtimestamp(now)
    if by_day:
        today = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        days = [today.toordinal() - back for back in range(DAYS_SHOWN - 1, -1, -1)]
        return [
            datetime.fromordinal(day).replace(tzinfo=today.tzinfo).timestamp()
            for day in days
        ]
    hour = moment.replace(minute=0, second=0, microsecond=0).timestamp()
    return [hour - 3600 * back for back in range(HOURS_SHOWN - 1, -1, -1)]


def _chunks(values: Sequence[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])
