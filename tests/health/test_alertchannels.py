"""Reading each alert channel's standing from a real store, read-only.

Deliveries are written with their events by the real ``EventWriter`` and
moved through their states by ``OutboxStore``, as the dispatcher moves them.
"""

import asyncio
import sqlite3

import pytest

from hookflo.core.alerting.outboxstore import OutboxStore
from hookflo.core.eventwriter import EventWriter
from hookflo.core.health import alertchannels
from tests.support.clerk import signup_event as _event


@pytest.fixture
async def database_file(tmp_path):
    """A store with two events, each with a desktop and a Slack delivery."""
    path = tmp_path / "events.sqlite3"
    writer = EventWriter(
        path, asyncio.get_running_loop(), router=lambda event: ["desktop", "slack"]
    )
    writer.start()
    try:
        for _ in range(2):
            await writer.save_event(_event())
    finally:
        await writer.close()
    return path


def _ids(outbox: OutboxStore, channel: str) -> list[int]:
    found = outbox.deliveries(limit=100)
    return sorted(d.id for d in found if d.channel == channel)


def test_a_temporary_failure_is_the_last_failure_of_a_sending_channel(
    database_file,
):
    outbox = OutboxStore(database_file)
    first, _second = _ids(outbox, "slack")
    outbox.mark_sending([first], "b1", 100.0)
    outbox.mark_retry([first], 200.0, "Slack is busy (HTTP 503)", 110.0)
    outbox.close()

    desktop, slack = alertchannels.read(database_file, ["desktop", "slack"])

    assert desktop == alertchannels.ChannelState("desktop", waiting=2)
    assert not slack.stopped
    assert (slack.waiting, slack.failed, slack.release_id) == (2, 0, None)
    assert slack.last_failure == alertchannels.Failure(
        first, 110.0, "Slack is busy (HTTP 503)"
    )


def test_a_stop_names_the_failed_delivery_even_once_unconfigured(database_file):
    outbox = OutboxStore(database_file)
    first, _second = _ids(outbox, "slack")
    outbox.mark_sending([first], "b1", 100.0)
    outbox.mark_failed([first], "Slack refused the token", 120.0)
    outbox.block("slack", "Slack refused the token", "f1", 120.0)
    outbox.close()

    [desktop, slack] = alertchannels.read(database_file, ["desktop"])

    assert (desktop.channel, desktop.stopped) == ("desktop", False)
    assert slack.stopped
    assert (slack.stop_reason, slack.stopped_since) == (
        "Slack refused the token",
        120.0,
    )
    assert (slack.waiting, slack.failed, slack.release_id) == (1, 1, first)
    assert slack.last_failure is not None
    assert slack.last_failure.delivery_id == first


def test_a_stop_with_no_failed_delivery_releases_the_oldest_waiting(database_file):
    outbox = OutboxStore(database_file)
    first, _second = _ids(outbox, "slack")
    outbox.block("slack", "Slack refused the token", "f1", 120.0)
    outbox.close()

    [slack] = alertchannels.read(database_file, ["slack"])

    assert (slack.stopped, slack.release_id) == (True, first)


def test_no_store_or_an_older_one_means_every_channel_is_sending(tmp_path):
    absent = tmp_path / "absent.sqlite3"
    assert alertchannels.read(absent, ["desktop"]) == [
        alertchannels.ChannelState("desktop")
    ]
    older = tmp_path / "older.sqlite3"
    sqlite3.connect(older).close()

    assert alertchannels.read(older, ["slack"]) == [alertchannels.ChannelState("slack")]
