"""The listening heartbeat outlives a store it cannot open for a while."""

import asyncio
import logging
import sqlite3
import time

import pytest

from hookflo.core import store
from hookflo.core.catchup import spans
from hookflo.core.errors import StoreError

INTERVAL_S = 0.05
WAIT_S = 5.0


def last_seen(database_file) -> float:
    conn = sqlite3.connect(database_file)
    try:
        return float(
            conn.execute("SELECT max(last_seen_at) FROM listening_spans").fetchone()[0]
        )
    finally:
        conn.close()


def warnings(caplog) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name == spans.__name__
    ]


async def until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for {what}")
        await asyncio.sleep(INTERVAL_S / 2)


@pytest.mark.expect_log_warnings
async def test_heartbeat_keeps_beating_after_the_store_cannot_be_opened(
    tmp_path, caplog
):
    caplog.set_level(logging.INFO, logger=spans.__name__)
    database_file = tmp_path / "events.sqlite3"
    store.connect(database_file).close()
    heartbeat = spans.Heartbeat(database_file, clock=time.time, interval_s=INTERVAL_S)
    await heartbeat.start()
    try:
        # The store's file turns into something SQLite cannot open: every
        # connect fails with StoreError ("unable to open database file").
        aside = tmp_path / "aside.sqlite3"
        database_file.rename(aside)
        database_file.mkdir()
        with pytest.raises(StoreError):
            store.connect(database_file).close()
        await until(lambda: warnings(caplog), "the failure to be said")
        await asyncio.sleep(INTERVAL_S * 6)  # several failed beats
        failures = warnings(caplog)
        assert len(failures) == 1
        assert "Could not record the heartbeat" in failures[0].getMessage()

        database_file.rmdir()
        aside.rename(database_file)
        recovered_from = time.time()
        await until(
            lambda: "Recording the heartbeat again" in caplog.text, "the recovery"
        )
        assert last_seen(database_file) >= recovered_from
    finally:
        await heartbeat.stop()
    assert "Background task" not in caplog.text
