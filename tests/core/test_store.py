"""The SQLite store: durability settings, migrations and the group writer."""

import asyncio
import sqlite3

import pytest

from hookflo.core import eventwriter, store
from hookflo.core.errors import StoreError
from hookflo.core.eventwriter import EventWriter, NewEvent, Outcome
from hookflo.core.schema import LATEST_VERSION
from tests.support.clerk import signup_event as _event


def test_new_store_is_migrated_and_in_wal_mode(tmp_path):
    database_file = tmp_path / "nested" / "events.sqlite3"
    conn = store.connect(database_file)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # 2 is FULL: every commit is fsynced before it returns.
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
        tables = {
            row[0]
            for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        assert {"events", "attempts", "deliveries"} <= tables
    finally:
        conn.close()


def test_reopening_does_not_migrate_again(tmp_path, caplog):
    database_file = tmp_path / "events.sqlite3"
    store.connect(database_file).close()
    caplog.set_level("INFO", logger="hookflo")
    caplog.clear()
    store.connect(database_file).close()
    assert "Migrated" not in caplog.text


def test_a_store_from_a_newer_release_is_refused(tmp_path):
    database_file = tmp_path / "events.sqlite3"
    conn = sqlite3.connect(database_file)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this HookFlo knows"):
        store.connect(database_file)


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path):
    database_file = tmp_path / "events.sqlite3"
    database_file.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="Cannot open the event store"):
        store.connect(database_file)


async def test_writer_stores_once_per_source_and_message_id(tmp_path):
    database_file = tmp_path / "events.sqlite3"
    writer = EventWriter(database_file, asyncio.get_running_loop())
    writer.start()
    try:
        first = await writer.save_event(_event("msg_same"))
        again = await writer.save_event(_event("msg_same"))
        other_source = await writer.save_event(_event("msg_same", source="clerk-dev"))
    finally:
        await writer.close()
    assert first.outcome is Outcome.STORED
    assert again.outcome is Outcome.DUPLICATE
    assert again.event_id == first.event_id
    assert other_source.outcome is Outcome.STORED
    reader = store.Store(database_file)
    try:
        assert reader.count_events() == 2
    finally:
        reader.close()


async def test_concurrent_saves_share_commits(tmp_path):
    database_file = tmp_path / "events.sqlite3"
    writer = EventWriter(database_file, asyncio.get_running_loop())
    writer.start()
    commits: list[int] = []
    original = writer._commit

    def counting_commit(batch, conn):
        commits.append(len(batch))
        original(batch, conn)

    writer._commit = counting_commit  # type: ignore[method-assign]
    try:
        saved = await asyncio.gather(*(writer.save_event(_event()) for _ in range(200)))
    finally:
        await writer.close()
    assert all(s.outcome is Outcome.STORED for s in saved)
    assert len({s.event_id for s in saved}) == 200
    assert sum(commits) >= 200
    assert len(commits) < 200, "each event got its own commit"


async def test_listeners_hear_only_new_events_after_commit(tmp_path):
    database_file = tmp_path / "events.sqlite3"
    writer = EventWriter(database_file, asyncio.get_running_loop())
    heard: list[tuple[int, int]] = []

    def listener(event_id: int, event: NewEvent) -> None:
        reader = sqlite3.connect(database_file)
        try:
            count = reader.execute("SELECT count(*) FROM events").fetchone()[0]
        finally:
            reader.close()
        heard.append((event_id, count))

    writer.listeners.append(listener)
    writer.start()
    try:
        saved = await writer.save_event(_event("msg_a"))
        await writer.save_event(_event("msg_a"))
        await writer.flush()
    finally:
        await writer.close()
    assert heard == [(saved.event_id, 1)]


async def test_saving_after_close_fails_plainly(tmp_path):
    writer = EventWriter(tmp_path / "events.sqlite3", asyncio.get_running_loop())
    writer.start()
    await writer.close()
    with pytest.raises(StoreError):
        await writer.save_event(_event())


@pytest.mark.expect_log_warnings
async def test_an_unexpected_writer_failure_fails_the_request(tmp_path, monkeypatch):
    def broken_insert(conn, event):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(eventwriter, "_insert_event", broken_insert)
    writer = EventWriter(tmp_path / "events.sqlite3", asyncio.get_running_loop())
    writer.start()
    try:
        with pytest.raises(StoreError, match="failed unexpectedly"):
            await asyncio.wait_for(writer.save_event(_event()), timeout=5)
        monkeypatch.undo()
        saved = await asyncio.wait_for(writer.save_event(_event()), timeout=5)
        assert saved.outcome is Outcome.STORED
    finally:
        await writer.close()


@pytest.mark.expect_log_warnings
async def test_a_failed_commit_fails_the_request_and_keeps_nothing(tmp_path):
    database_file = tmp_path / "events.sqlite3"
    writer = EventWriter(database_file, asyncio.get_running_loop())
    writer.start()
    blocker = sqlite3.connect(database_file, timeout=0)
    try:
        await writer.save_event(_event("msg_before"))
        # Another process holds the write lock longer than the busy timeout.
        blocker.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match="Could not store the event"):
            await asyncio.wait_for(writer.save_event(_event("msg_during")), 15)
        blocker.execute("ROLLBACK")
        again = await writer.save_event(_event("msg_during"))
        assert again.outcome is Outcome.STORED
    finally:
        blocker.close()
        await writer.close()


@pytest.fixture
def scratch(tmp_path):
    """A database of its own with a deferred foreign key, checked at COMMIT."""
    conn = sqlite3.connect(tmp_path / "scratch.sqlite3", isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    conn.execute(
        "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) "
        "DEFERRABLE INITIALLY DEFERRED)"
    )
    yield conn
    conn.close()


def _rows(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _insert(conn: sqlite3.Connection, parent: int, child: int | None = None) -> None:
    """Insert a parent (and a child pointing at ``child``) in one transaction."""
    with store.write_transaction(conn):
        conn.execute("INSERT INTO parent (id) VALUES (?)", (parent,))
        if child is not None:
            conn.execute("INSERT INTO child (parent_id) VALUES (?)", (child,))


def _insert_then_fail(conn: sqlite3.Connection) -> None:
    with store.write_transaction(conn):
        conn.execute("INSERT INTO parent (id) VALUES (1)")
        raise ZeroDivisionError


def test_a_write_transaction_keeps_all_of_its_block(scratch):
    _insert(scratch, 1, child=1)
    assert not scratch.in_transaction
    assert (_rows(scratch, "parent"), _rows(scratch, "child")) == (1, 1)


def test_a_write_transaction_keeps_nothing_when_its_block_fails(scratch):
    with pytest.raises(ZeroDivisionError):
        _insert_then_fail(scratch)
    assert not scratch.in_transaction
    assert _rows(scratch, "parent") == 0


def test_a_failed_commit_rolls_back_and_leaves_the_connection_usable(scratch):
    # The dangling reference is found at COMMIT, which fails and leaves the
    # transaction open unless it is rolled back.
    with pytest.raises(sqlite3.IntegrityError):
        _insert(scratch, 1, child=2)
    assert not scratch.in_transaction
    assert (_rows(scratch, "parent"), _rows(scratch, "child")) == (0, 0)
    _insert(scratch, 3)
    assert _rows(scratch, "parent") == 1
