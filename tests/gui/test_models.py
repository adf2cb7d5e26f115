"""The Qt models over the store, checked against Qt's model contract.

qtmodeltester watches each model (Qt's own C++ QAbstractItemModelTester,
whose complaints are Qt warnings collected here, and pytest-qt's Python
tester, which raises) while pages load, live rows arrive and cells change.
The store is a real SQLite file filled directly, up to 100,000 events.
"""

import asyncio
import json
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex

from hookflo.core import store, tasks
from hookflo.core.alerting.outboxstore import OutboxStore
from hookflo.gui.attemptmodel import AttemptTableModel
from hookflo.gui.background import Background
from hookflo.gui.deliverymodel import DeliveryTableModel
from hookflo.gui.eventmodel import Column, EventTableModel
from hookflo.gui.reader import StoreReader
from hookflo.gui.records import EventFilter, EventRow
from tests.gui.conftest import until

SMALL_BODY = json.dumps(
    {"type": "user.created", "data": {"id": "user_1", "first_name": "Ada"}}
).encode()


def fill_events(
    database_file: Path,
    count: int,
    *,
    environment: str = "production",
    event_type: str = "user.created",
    source: str = "clerk",
    body: bytes = SMALL_BODY,
    channels: tuple[str, ...] = (),
) -> list[int]:
    """Insert ``count`` events in one transaction; return their ids."""
    conn = store.connect(database_file)
    try:
        now = time.time()
        conn.execute("BEGIN")
        first = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        conn.executemany(
            "INSERT INTO events (source, svix_id, environment, type, received_at, "
            "signed_at, body, body_is_json, is_test) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 1, 0)",
            [
                (
                    source,
                    f"msg_{first + n}",
                    environment,
                    event_type,
                    now,
                    int(now),
                    body,
                )
                for n in range(count)
            ],
        )
        ids = list(range(first + 1, first + count + 1))
        conn.executemany(
            "INSERT INTO deliveries (event_id, channel, state, updated_at) "
            "VALUES (?, ?, 'pending', ?)",
            [(i, channel, now) for i in ids for channel in channels],
        )
        conn.execute("COMMIT")
        return ids
    finally:
        conn.close()


def fill_attempts(database_file: Path, count: int) -> None:
    conn = store.connect(database_file)
    try:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO attempts (received_at, method, path, source, svix_id, status, "
            "reason, message, hint, body_bytes) VALUES (?, 'POST', '/webhooks/clerk', "
            "'clerk', ?, 401, 'signature_mismatch', 'No matching signature found', "
            "'copy the secret again', 10)",
            [(time.time(), f"msg_{n}") for n in range(count)],
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


@pytest.fixture
async def reader(tmp_path):
    opened = StoreReader(tmp_path / "store.sqlite3")
    background = Background()
    yield opened, background
    await background.close()
    await opened.close()


def no_model_failures(qtlog) -> None:
    failures = [r.message for r in qtlog.records if "FAIL" in r.message]
    assert failures == []


async def test_event_model_keeps_the_contract_while_paging_and_appending(
    reader, tmp_path, qtmodeltester, qtlog
):
    store_reader, background = reader
    database = tmp_path / "store.sqlite3"
    fill_events(database, 25, channels=("desktop",))
    model = EventTableModel(store_reader, background, page_size=10)
    # The tester asks for more rows after every change, so all pages come in.
    qtmodeltester.check(model)
    resets = []
    model.modelReset.connect(lambda: resets.append(1))

    model.fetchMore(QModelIndex())
    await until(lambda: model.exhausted, what="all pages")
    assert model.rowCount() == 25

    new_ids = fill_events(database, 3, environment="development")
    model.add_events(new_ids)
    await until(lambda: model.rowCount() == 28, what="live rows")
    ids = [model.row_at(r).id for r in range(model.rowCount())]
    assert ids == sorted(ids, reverse=True)
    assert ids[:3] == sorted(new_ids, reverse=True)
    assert resets == []
    assert model.index(0, Column.ENVIRONMENT).data() == "DEV"
    no_model_failures(qtlog)


async def test_event_model_passes_the_python_model_tester(
    reader, tmp_path, qtmodeltester
):
    store_reader, background = reader
    fill_events(tmp_path / "store.sqlite3", 12)
    model = EventTableModel(store_reader, background, page_size=5)
    model.fetchMore(QModelIndex())
    await until(lambda: model.rowCount() == 5)
    qtmodeltester.check(model, force_py=True)
    await until(lambda: model.exhausted)
    assert model.rowCount() == 12


async def test_delivery_changes_update_the_alerts_cell(reader, tmp_path, qtlog):
    store_reader, background = reader
    database = tmp_path / "store.sqlite3"
    (event_id,) = fill_events(database, 1, channels=("desktop", "slack"))
    model = EventTableModel(store_reader, background)
    model.fetchMore(QModelIndex())
    await until(lambda: model.rowCount() == 1)
    assert model.index(0, Column.ALERTS).data() == "desktop …  slack …"
    changed = []
    model.dataChanged.connect(lambda first, last: changed.append(first.row()))

    outbox = OutboxStore(database)
    try:
        by_channel = {d.channel: d.id for d in outbox.deliveries(event_id=event_id)}
        outbox.mark_sent([by_channel["desktop"]], "shown", time.time())
        outbox.mark_failed([by_channel["slack"]], "bad token", time.time())
    finally:
        outbox.close()
    model.update_deliveries(list(by_channel.values()))

    await until(lambda: changed, what="dataChanged")
    assert model.index(0, Column.ALERTS).data() == "desktop ✓  slack ✗"


async def test_filters_apply_to_pages_and_to_live_rows(reader, tmp_path):
    store_reader, background = reader
    database = tmp_path / "store.sqlite3"
    fill_events(database, 3)
    fill_events(database, 2, environment="development", source="clerk-dev")
    fill_events(database, 2, event_type="session.created")
    searched = json.dumps({"type": "user.created", "data": {"name": "Grace_Hopper"}})
    fill_events(database, 1, body=searched.encode())
    model = EventTableModel(store_reader, background)
    model.fetchMore(QModelIndex())

    async def shown(event_filter: EventFilter) -> list[EventRow]:
        model.set_filter(event_filter)
        await until(lambda: not model.loading)
        return [model.row_at(r) for r in range(model.rowCount())]

    assert len(await shown(EventFilter())) == 8
    assert {r.source for r in await shown(EventFilter(source="clerk-dev"))} == {
        "clerk-dev"
    }
    development = await shown(EventFilter(environment="development"))
    assert len(development) == 2
    sessions = await shown(EventFilter(event_type="session.created"))
    assert [r.type for r in sessions] == ["session.created"] * 2
    found = await shown(EventFilter(text="grace_HOPPER"))
    assert len(found) == 1
    assert await shown(EventFilter(text="%")) == []  # LIKE wildcards are literal

    model.set_filter(EventFilter(environment="development"))
    await until(lambda: not model.loading)
    live = fill_events(database, 1) + fill_events(
        database, 1, environment="development"
    )
    model.add_events(live)
    await until(lambda: model.rowCount() == 3, what="the development one")
    await asyncio.sleep(0.05)
    assert model.rowCount() == 3
    assert model.row_at(0).id == live[1]


async def test_a_hundred_thousand_events_load_a_page_at_a_time(reader, tmp_path):
    store_reader, background = reader
    database = tmp_path / "store.sqlite3"
    fill_events(database, 100_000)
    model = EventTableModel(store_reader, background)

    started = time.monotonic()
    model.fetchMore(QModelIndex())
    await until(lambda: model.rowCount() == 200, what="first page")
    first_page = time.monotonic() - started
    for pages in range(2, 6):
        model.fetchMore(QModelIndex())
        await until(lambda p=pages: model.rowCount() == 200 * p)
    elapsed = time.monotonic() - started

    assert model.rowCount() == 1000
    assert model.canFetchMore(QModelIndex())
    assert first_page < 0.5, f"first page took {first_page:.3f} s"
    assert elapsed < 2.0, f"five pages took {elapsed:.3f} s"
    assert model.row_at(0).id == 100_000

    model.set_filter(EventFilter(text="no such person"))
    started = time.monotonic()
    await until(lambda: not model.loading, within=10, what="full-text search")
    assert model.rowCount() == 0
    assert time.monotonic() - started < 5.0


async def test_the_ui_thread_stays_free_while_pages_load(reader, tmp_path):
    store_reader, background = reader
    fill_events(tmp_path / "store.sqlite3", 100_000)
    model = EventTableModel(store_reader, background)
    loop = asyncio.get_running_loop()
    gaps: list[float] = []
    running = True

    async def heartbeat() -> None:
        last = loop.time()
        while running:
            await asyncio.sleep(0.005)
            now = loop.time()
            gaps.append(now - last)
            last = now

    beat = tasks.spawn(heartbeat(), name="heartbeat")
    model.set_filter(EventFilter(text="nobody"))  # scans every body, in the thread
    await until(lambda: not model.loading, within=10)
    running = False
    await beat
    assert max(gaps) < 0.1, f"the loop stalled for {max(gaps):.3f} s"


async def test_merge_places_rows_by_id_and_ignores_duplicates(reader):
    _store_reader, background = reader
    model = EventTableModel(StoreReader(Path("/nonexistent")), background)

    def row(event_id: int) -> EventRow:
        return EventRow(event_id, 0.0, "clerk", "production", "t", "", "", False)

    inserted = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.merge([row(5), row(9), row(7)])
    model.merge([row(8), row(6), row(9), row(1), row(10)])
    assert [model.row_at(r).id for r in range(model.rowCount())] == [
        10,
        9,
        8,
        7,
        6,
        5,
        1,
    ]
    assert inserted == [(0, 2), (0, 0), (2, 2), (4, 4), (6, 6)]


async def test_attempt_model_keeps_the_contract_and_adds_new_refusals(
    reader, tmp_path, qtmodeltester, qtlog
):
    store_reader, background = reader
    database = tmp_path / "store.sqlite3"
    fill_attempts(database, 7)
    model = AttemptTableModel(store_reader, background, page_size=5)
    model.fetchMore(QModelIndex())
    await until(lambda: model.rowCount() == 5)
    fill_attempts(database, 2)
    model.add_new()
    await until(lambda: model.rowCount() == 7)
    assert [model.row_at(r).id for r in range(3)] == [9, 8, 7]
    assert model.index(0, 2).data() == "signature_mismatch"
    assert "copy the secret again" in model.index(0, 0).data(3)
    qtmodeltester.check(model)
    await until(lambda: model.exhausted)
    assert model.rowCount() == 9
    no_model_failures(qtlog)


async def test_delivery_model_keeps_the_contract(reader, tmp_path, qtmodeltester):
    database = tmp_path / "store.sqlite3"
    (event_id,) = fill_events(database, 1, channels=("desktop", "email"))
    outbox = OutboxStore(database)
    try:
        deliveries = outbox.deliveries(event_id=event_id)
    finally:
        outbox.close()
    model = DeliveryTableModel()
    qtmodeltester.check(model, force_py=True)
    model.set_deliveries(deliveries)
    assert model.rowCount() == 2
    assert {model.index(r, 0).data() for r in range(2)} == {"desktop", "email"}
    assert model.index(0, 1).data() == "waiting"
    model.set_deliveries([])
    assert model.rowCount() == 0
