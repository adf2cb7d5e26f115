"""Restart after time offline: the real ``Server`` with a controlled clock.

The first run lives three hours in the past (its clock is shifted back);
the second run is now. Between them, users sign up in the stand-in Backend
API; the second start must catch them up in the background, alert once with
a summary, and never store what the webhook already brought.
"""

import asyncio
import dataclasses
import datetime
import json
import logging
import sqlite3
import time

import aiohttp
import keyring.backends.null
import pytest

from hookflo.core import paths
from hookflo.core.alertconfig import ChannelSettings, DesktopSettings, Route
from hookflo.core.catchup import clerkkey, records, spans
from hookflo.core.channels.base import ChannelName
from hookflo.core.config import Config, Environment, ReceiverSettings, Source
from hookflo.core.credentials import Credentials, signing_secret_variable
from hookflo.core.digest.settings import DigestSettings, Schedule
from hookflo.core.server import Server
from tests.support.alertstack import ROOMY_POLICIES, signup
from tests.support.clerk import SECRET, signed_headers
from tests.support.fakeclerkapi import SECRET_KEY, make_user

GAP_S = 3 * 3600.0
WAIT_S = 5.0


class ShiftedClock:
    """Real time moved by ``shift`` seconds, so time still flows in a run."""

    def __init__(self, shift: float = 0.0) -> None:
        self.shift = shift

    def __call__(self) -> float:
        return time.time() + self.shift


@pytest.fixture
def home_paths(hookflo_home):
    return paths.resolve({"HOOKFLO_HOME": str(hookflo_home)})


def _config(clerk_api, fake_slack, routes=None) -> Config:
    source = Source(
        "clerk", Environment.PRODUCTION, "/webhooks/clerk", clerk_api.api_url
    )
    channels = ChannelSettings(
        desktop=DesktopSettings(enabled=False, explicit=True),
        slack=fake_slack.settings(channel=None),
    )
    if routes is None:
        return Config(ReceiverSettings(port=0), (source,), channels)
    return Config(ReceiverSettings(port=0), (source,), channels, routes)


def _environ(fake_slack, *, key: str | None = SECRET_KEY) -> dict[str, str]:
    environ = {
        signing_secret_variable("clerk"): SECRET,
        "HOOKFLO_SLACK_WEBHOOK_URL": fake_slack.webhook_url,
    }
    if key is not None:
        environ[clerkkey.variable("clerk")] = key
    return environ


def _server(home_paths, config, environ, clock, credentials=None) -> Server:
    credentials = credentials or Credentials(
        environ, backend=keyring.backends.null.Keyring()
    )
    return Server(
        home_paths,
        config,
        credentials,
        port=0,
        environ=environ,
        policies=ROOMY_POLICIES,
        clock=clock,
    )


async def _first_run(home_paths, config, environ, *, signups=()) -> float:
    """Run the receiver three hours ago; return when it stopped (clock time)."""
    clock = ShiftedClock(-GAP_S)
    server = _server(home_paths, config, environ, clock)
    await server.start()
    await server.watch.wait()
    async with aiohttp.ClientSession() as http:
        for body in signups:
            url = server.base_url + "/webhooks/clerk"
            async with http.post(url, data=body, headers=signed_headers(body)) as r:
                assert r.status == 200
    await server.stop()
    return clock()


def _rows(home_paths, sql: str, *args):
    conn = sqlite3.connect(home_paths.database_file)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


async def _wait_for(check, what: str):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        await asyncio.sleep(0.05)
    pytest.fail(f"Timed out waiting for {what}")


async def test_users_created_while_offline_are_caught_up_with_one_summary(
    home_paths, clerk_api, fake_slack
):
    config, environ = _config(clerk_api, fake_slack), _environ(fake_slack)
    stopped = await _first_run(home_paths, config, environ)
    clerk_api.users = [
        make_user(n, created_ms=int((stopped + n * 600) * 1000)) for n in range(1, 8)
    ]
    clerk_api.users.append(make_user(99, created_ms=int((stopped - 86400) * 1000)))
    clerk_api.rate_limit("0")

    server = _server(home_paths, config, environ, ShiftedClock())
    await server.start()
    try:
        await server.watch.wait()
        posts = await _wait_for(
            lambda: [r for r in fake_slack.requests if r.status == 200],
            "the summary on Slack",
        )
        await asyncio.sleep(0.3)  # nothing else may follow
    finally:
        await server.stop()

    caught = _rows(
        home_paths,
        "SELECT type, svix_id FROM events WHERE origin = 'caught-up' ORDER BY id",
    )
    user_ids = [f"user_fake{n:06d}" for n in range(1, 8)]
    assert [t for t, _ in caught] == ["user.created"] * 7 + ["hookflo.caught_up"]
    for (_, svix_id), user_id in zip(caught, user_ids, strict=False):
        assert svix_id.startswith(f"catchup_{user_id}_created_")
    assert len(fake_slack.requests) == 1 == len(posts)
    text = json.dumps(posts[0].body)
    assert "While you were away: 7 signups" in text
    assert "Person1 Example" in text
    assert [r.status for r in clerk_api.requests][:1] == [429]
    [record] = _records(home_paths)
    assert record.outcome is records.Outcome.CAUGHT_UP
    assert (record.created, record.updated) == (7, 0)
    assert record.offline_from == pytest.approx(stopped, abs=2)


async def test_users_updated_while_offline_are_caught_up_as_updates(
    home_paths, clerk_api, fake_slack
):
    # Updates go to Slack only by a rule; the default sends them to the
    # desktop, which is off here.
    routes = (Route(("user.updated",), (ChannelName.SLACK,)),)
    config, environ = _config(clerk_api, fake_slack, routes), _environ(fake_slack)
    stopped = await _first_run(home_paths, config, environ)
    long_ago = int((stopped - 30 * 86400) * 1000)
    clerk_api.users = [
        make_user(1, created_ms=long_ago, updated_ms=int((stopped + 60) * 1000)),
        make_user(2, created_ms=long_ago, updated_ms=long_ago),
    ]

    server = _server(home_paths, config, environ, ShiftedClock())
    await server.start()
    try:
        await server.watch.wait()
        await _wait_for(lambda: fake_slack.requests, "the summary on Slack")
    finally:
        await server.stop()

    caught = _rows(
        home_paths, "SELECT type FROM events WHERE origin = 'caught-up' ORDER BY id"
    )
    assert caught == [("user.updated",), ("hookflo.caught_up",)]
    assert "While you were away: 1 updated user" in json.dumps(
        fake_slack.requests[0].body
    )


async def test_a_signup_whose_webhook_is_stored_is_not_caught_up_again(
    home_paths, clerk_api, fake_slack
):
    config, environ = _config(clerk_api, fake_slack), _environ(fake_slack)
    ada = json.loads(signup())["data"]
    stopped = await _first_run(home_paths, config, environ, signups=[signup()])
    # Clerk lists Ada as created just before the last heartbeat: inside the
    # window the catch-up reads, yet her user.created is already stored.
    ada["created_at"] = ada["updated_at"] = int((stopped - 30) * 1000)
    clerk_api.users = [ada, make_user(1, created_ms=int((stopped + 60) * 1000))]

    server = _server(home_paths, config, environ, ShiftedClock())
    await server.start()
    try:
        await server.watch.wait()
        # Ada's own alert went out in the first run; the summary follows.
        await _wait_for(lambda: len(fake_slack.requests) == 2, "the summary")
    finally:
        await server.stop()

    rows = _rows(home_paths, "SELECT origin, type FROM events ORDER BY id")
    assert rows == [
        ("webhook", "user.created"),
        ("caught-up", "user.created"),
        ("caught-up", "hookflo.caught_up"),
    ]
    summary = json.dumps(fake_slack.requests[1].body)
    assert "While you were away: 1 signup*" in summary
    assert "Ada" not in summary


async def test_a_late_webhook_of_a_caught_up_signup_is_stored_but_not_alerted(
    home_paths, clerk_api, fake_slack
):
    # Svix retries for about a day: the real user.created of a signup the
    # catch-up reported arrives after the start and must not alert again.
    config, environ = _config(clerk_api, fake_slack), _environ(fake_slack)
    stopped = await _first_run(home_paths, config, environ)
    ada = json.loads(signup())["data"]
    ada["created_at"] = ada["updated_at"] = int((stopped + 60) * 1000)
    clerk_api.users = [ada]

    server = _server(home_paths, config, environ, ShiftedClock())
    await server.start()
    try:
        await server.watch.wait()
        await _wait_for(lambda: fake_slack.requests, "the summary")
        late = json.dumps({"type": "user.created", "object": "event", "data": ada})
        body = late.encode()
        async with aiohttp.ClientSession() as http:
            url = server.base_url + "/webhooks/clerk"
            async with http.post(url, data=body, headers=signed_headers(body)) as r:
                assert r.status == 200
        await asyncio.sleep(0.5)  # long enough for a second alert to go out
    finally:
        await server.stop()

    rows = _rows(home_paths, "SELECT origin, type FROM events ORDER BY id")
    assert rows == [
        ("caught-up", "user.created"),
        ("caught-up", "hookflo.caught_up"),
        ("webhook", "user.created"),
    ]
    late_deliveries = _rows(
        home_paths,
        "SELECT count(*) FROM deliveries JOIN events ON events.id = event_id "
        "WHERE origin = 'webhook'",
    )
    assert late_deliveries == [(0,)]
    assert len(fake_slack.requests) == 1
    assert "While you were away: 1 signup" in json.dumps(fake_slack.requests[0].body)


async def test_a_digest_due_at_start_waits_for_the_catch_up_and_counts_it(
    home_paths, clerk_api, fake_slack
):
    # Away for two days: yesterday's digest (due at 00:00 UTC today) is sent
    # on start, after the catch-up stored yesterday's signups, not before.
    digests = DigestSettings(
        daily=Schedule(0, 0), channels=(ChannelName.SLACK,), timezone="UTC"
    )
    config = dataclasses.replace(_config(clerk_api, fake_slack), digests=digests)
    environ = _environ(fake_slack)
    first = _server(home_paths, config, environ, ShiftedClock(-50 * 3600))
    await first.start()
    await first.watch.wait()
    await first.stop()
    midnight = datetime.datetime.now(datetime.UTC).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    yesterday = (midnight - datetime.timedelta(days=1)).timestamp()
    clerk_api.users = [
        make_user(n, created_ms=int((yesterday + 3600 + n * 60) * 1000))
        for n in range(1, 4)
    ]
    clerk_api.rate_limit("1")  # the catch-up takes a moment

    server = _server(home_paths, config, environ, ShiftedClock())
    await server.start()
    try:
        await server.watch.wait()
        # The first run sent the digest of the day before it; this start
        # sends yesterday's.
        digests_sent = await _wait_for(
            lambda: [
                r for r in fake_slack.requests if "Daily digest" in json.dumps(r.body)
            ][1:],
            "yesterday's digest",
        )
    finally:
        await server.stop()

    assert "Daily digest: 3 signups" in json.dumps(digests_sent[-1].body)


async def test_a_crash_counts_from_the_last_heartbeat(
    home_paths, clerk_api, fake_slack
):
    config, environ = _config(clerk_api, fake_slack), _environ(fake_slack)
    conn = _open(home_paths)
    crashed_at = time.time() - GAP_S
    span_id, _ = spans.open_span(conn, crashed_at - 600)
    spans.beat(conn, span_id, crashed_at)  # then kill -9: no stopped_at
    conn.close()
    clerk_api.users = [make_user(1, created_ms=int((crashed_at + 5) * 1000))]

    server = _server(home_paths, config, environ, ShiftedClock())
    await server.start()
    try:
        await server.watch.wait()
    finally:
        await server.stop()

    [record] = _records(home_paths)
    assert record.offline_from == pytest.approx(crashed_at)
    assert record.created == 1
    since = int(clerk_api.requests[0].query["created_at_after"])
    assert since == int((crashed_at - 60) * 1000)


async def test_a_short_restart_is_not_time_offline(home_paths, clerk_api, fake_slack):
    config, environ = _config(clerk_api, fake_slack), _environ(fake_slack)
    conn = _open(home_paths)
    span_id, _ = spans.open_span(conn, time.time() - 3600)
    spans.close(conn, span_id, time.time() - 30)
    conn.close()

    server = _server(home_paths, config, environ, ShiftedClock())
    await server.start()
    try:
        await server.watch.wait()
    finally:
        await server.stop()

    assert _records(home_paths) == []
    assert clerk_api.requests == []
    [(started, stopped)] = _rows(
        home_paths,
        "SELECT started_at, stopped_at FROM listening_spans ORDER BY id DESC LIMIT 1",
    )
    assert stopped is not None
    assert stopped >= started


async def test_stopping_during_a_catch_up_never_waits_for_it(
    home_paths, clerk_api, fake_slack
):
    config, environ = _config(clerk_api, fake_slack), _environ(fake_slack)
    await _first_run(home_paths, config, environ)
    clerk_api.rate_limit("60")  # the catch-up waits a minute: stop meanwhile

    server = _server(home_paths, config, environ, ShiftedClock())
    await server.start()
    await _wait_for(lambda: clerk_api.requests, "the first request")
    started = time.monotonic()
    await server.stop()

    assert time.monotonic() - started < 5
    [record] = _records(home_paths)
    assert record.outcome is records.Outcome.INTERRUPTED
    assert record.message.endswith("the next start takes it up again")


async def test_a_catch_up_cut_short_is_taken_up_at_the_next_start(
    home_paths, clerk_api, fake_slack
):
    config, environ = _config(clerk_api, fake_slack), _environ(fake_slack)
    now = time.time()
    conn = _open(home_paths)
    span_id, _ = spans.open_span(conn, now - 3600)
    spans.close(conn, span_id, now - 30)  # a quick restart: not time offline
    away = spans.OfflineWindow(now - 3 * 3600, now - 3600, clean=True)
    records.begin(conn, "clerk", away, now - 3600)  # killed while it ran
    conn.close()
    clerk_api.users = [make_user(1, created_ms=int((now - 2 * 3600) * 1000))]

    server = _server(home_paths, config, environ, ShiftedClock())
    await server.start()
    try:
        await server.watch.wait()
    finally:
        await server.stop()

    outcomes = _rows(home_paths, "SELECT outcome, created FROM catchups ORDER BY id")
    assert outcomes == [("resumed", 0), ("caught-up", 1)]
    [record] = _records(home_paths)
    assert record.offline_from == pytest.approx(now - 3 * 3600)


@pytest.mark.expect_log_warnings
async def test_without_a_key_it_says_once_how_long_it_was_offline(
    home_paths, clerk_api, fake_slack, secret_service, caplog
):
    config = _config(clerk_api, fake_slack)
    environ = _environ(fake_slack, key=None)
    credentials = Credentials(environ, backend=secret_service.backend())
    await _first_run(home_paths, config, environ)

    caplog.set_level(logging.INFO, logger="hookflo")
    server = _server(home_paths, config, environ, ShiftedClock(), credentials)
    await server.start()
    try:
        await server.watch.wait()
    finally:
        await server.stop()

    told = [r.getMessage() for r in caplog.records if r.levelname == "ALERT"]
    assert len(told) == 1
    assert told[0].startswith("HookFlo was offline for 3 h (from ")
    assert "Clerk retries a delivery for about 1 d 3 h" in told[0]
    assert "--clerk-secret-key" in told[0]
    assert clerk_api.requests == []
    [record] = _records(home_paths)
    assert record.outcome is records.Outcome.NO_KEY
    assert record.message == told[0]


@pytest.mark.expect_log_warnings
async def test_a_key_from_the_keyring_is_used_and_never_logged(
    home_paths, clerk_api, fake_slack, secret_service, caplog
):
    config = _config(clerk_api, fake_slack)
    environ = _environ(fake_slack, key=None)
    credentials = Credentials(environ, backend=secret_service.backend())
    wrong = "sk_live_StoredButRevokedKey000000000000042"
    credentials.set(clerkkey.entry("clerk"), wrong)
    await _first_run(home_paths, config, environ)

    caplog.set_level(logging.DEBUG)
    server = _server(home_paths, config, environ, ShiftedClock(), credentials)
    await server.start()
    try:
        await server.watch.wait()
    finally:
        await server.stop()

    assert clerk_api.requests[0].authorization == f"Bearer {wrong}"
    told = [r.getMessage() for r in caplog.records if r.levelname == "ALERT"]
    assert len(told) == 1
    assert "catching up 'clerk' from Clerk failed" in told[0]
    assert "refused the secret key (401" in told[0]
    assert wrong not in caplog.text
    assert wrong not in "".join(r.message for r in _records(home_paths))
    [record] = _records(home_paths)
    assert record.outcome is records.Outcome.FAILED


def _open(home_paths) -> sqlite3.Connection:
    from hookflo.core import store

    home_paths.ensure()
    return store.connect(home_paths.database_file)


def _records(home_paths) -> list[records.CatchUpRecord]:
    conn = _open(home_paths)
    try:
        return records.latest(conn)
    finally:
        conn.close()
