"""Endpoint health from real stored events, refused attempts and spans.

Requests go through the real receiver (signed by the svix library, or with
a wrong secret); listening spans are written with explicit times. The report
is then read at chosen moments.
"""

import io
import json
import os
import time

import pytest

from hookflo.cli import main
from hookflo.cli.environment import Env
from hookflo.core import paths, store, testevent
from hookflo.core.catchup import records, spans
from hookflo.core.health import advice, facts
from tests.support.clerk import SECRET, SECRET_B, clerk_body, signed_headers
from tests.support.receiverfixtures import make_source

HOUR = 3600.0
DAY = 24 * HOUR


async def _post(harness, *, secret=None, event_type="user.created"):
    body = clerk_body(event_type)
    headers = signed_headers(body) if secret is None else signed_headers(body, secret)
    return await harness.client.post("/webhooks/clerk", data=body, headers=headers)


def _facts(harness, now, *, running=True):
    conn = store.connect(harness.database_file)
    try:
        return facts.gather(conn, [make_source()], now, running=running)
    finally:
        conn.close()


def _spans(database_file, *periods):
    """Write finished listening spans: (started_at, stopped_at or None)."""
    conn = store.connect(database_file)
    try:
        for started, stopped in periods:
            span_id, _ = spans.open_span(conn, started)
            if stopped is None:
                spans.beat(conn, span_id, started + 60)
            else:
                spans.close(conn, span_id, stopped)
    finally:
        conn.close()


async def test_last_verified_event_and_refused_share_of_the_last_hour(make_receiver):
    harness = await make_receiver()
    for _ in range(3):
        assert (await _post(harness)).status == 200
    assert (await _post(harness, secret=SECRET_B)).status == 401
    await harness.writer.flush()
    now = time.time()

    [health] = _facts(harness, now).sources

    assert (health.accepted, health.refused) == (3, 1)
    assert health.refused_share == pytest.approx(0.25)
    assert health.main_reason == "signature_mismatch"
    assert health.last_verified_at == pytest.approx(now, abs=5)
    [line] = advice.lines(_facts(harness, now))
    assert line.startswith("clerk (production): last verified event at ")
    assert line.endswith("1 of 4 requests refused (25%), mostly signature mismatch")


async def test_an_hour_later_the_refusals_have_aged_out(make_receiver):
    harness = await make_receiver()
    assert (await _post(harness)).status == 200
    assert (await _post(harness, secret=SECRET_B)).status == 401
    await harness.writer.flush()

    report = advice.lines(_facts(harness, time.time() + 2 * HOUR))

    assert report[0].endswith("(2 h ago); no requests in the last hour")


async def test_test_events_do_not_count_as_verified_deliveries(make_receiver):
    harness = await make_receiver()
    sent = testevent.build("user.created", SECRET)
    response = await harness.client.post(
        "/webhooks/clerk", data=sent.body, headers=sent.headers
    )
    assert response.status == 200
    await harness.writer.flush()
    assert harness.events()[0].is_test

    [health] = _facts(harness, time.time()).sources

    assert health.last_verified_at is None
    assert (
        "no verified event from Clerk yet"
        in advice.lines(_facts(harness, time.time()))[0]
    )


@pytest.mark.parametrize(
    ("offline_s", "expected", "steps"),
    [
        (30 * 60, None, None),
        (9 * HOUR, "Clerk's retries are running out", None),
        (30 * HOUR, "Clerk stopped retrying", "Recover failed messages"),
        (6 * DAY, "so it may be disabled", "if it says Disabled, enable it"),
    ],
)
async def test_not_listening_for_long_warns_by_the_retry_schedule(
    make_receiver, offline_s, expected, steps
):
    harness = await make_receiver()
    now = time.time()
    _spans(harness.database_file, (now - offline_s - HOUR, now - offline_s))

    found = _facts(harness, now, running=False)
    concerns = advice.concerns(found)

    assert found.outage is not None
    assert found.outage.cause is facts.Cause.OFFLINE
    if expected is None:
        assert concerns == []
        return
    [concern] = concerns
    assert concern.text.startswith("HookFlo was not listening for ")
    assert expected in concern.text
    if steps is None:
        assert concern.steps == ""
    else:
        assert steps in concern.steps
        assert "In Clerk's dashboard open Webhooks" in concern.steps


async def test_a_delivery_after_a_long_gap_shows_the_endpoint_is_enabled(
    make_receiver,
):
    harness = await make_receiver()
    now = time.time()
    # Listening now after six days away; a verified delivery arrived since.
    _spans(harness.database_file, (now - 7 * DAY, now - 6 * DAY), (now - 60, None))
    assert (await _post(harness)).status == 200
    await harness.writer.flush()

    [concern] = advice.concerns(_facts(harness, now + 5))

    assert "HookFlo was not listening for 5 d 23 h (from " in concern.text
    assert "Clerk stopped retrying" in concern.text
    assert "Recover failed messages" in concern.steps
    assert "Disabled" not in concern.steps


async def test_refusing_every_delivery_is_an_outage_too(make_receiver):
    harness = await make_receiver()
    assert (await _post(harness, secret=SECRET_B)).status == 401
    await harness.writer.flush()
    _spans(harness.database_file, (time.time() - 60, None))

    found = _facts(harness, time.time() + 8 * HOUR)

    assert found.outage is not None
    assert found.outage.cause is facts.Cause.REFUSING
    [concern] = advice.concerns(found)
    assert concern.text.startswith("HookFlo refused Clerk's deliveries for 8 h")
    assert "running out" in concern.text


async def test_hookflo_status_prints_the_health_and_json(make_receiver, hookflo_home):
    harness = await make_receiver()
    assert (await _post(harness)).status == 200
    await harness.writer.flush()
    home = paths.resolve({"HOOKFLO_HOME": str(hookflo_home)})
    home.ensure()
    source, copy = (
        store.connect(harness.database_file),
        store.connect(home.database_file),
    )
    source.backup(copy)
    source.close()
    copy.close()
    _spans(home.database_file, (time.time() - 40 * HOUR, time.time() - 31 * HOUR))

    text = _hookflo("status")
    report = json.loads(_hookflo("status", "--json"))["endpoint_health"]

    assert "Receiver: not running" in text
    assert "clerk (production): last verified event at " in text
    assert "Warning: HookFlo was not listening for 1 d 7 h now" in text
    assert "What to do: In Clerk's dashboard open Webhooks" in text
    assert report["sources"][0]["last_hour"]["accepted"] == 1
    assert report["outage"]["stage"] == "retries-over"
    assert report["warnings"][0]["steps"].startswith("In Clerk's dashboard")


def _hookflo(*argv: str) -> str:
    stdout, stderr = io.StringIO(), io.StringIO()
    env = Env(stdin=io.StringIO(), stdout=stdout, stderr=stderr, environ=os.environ)
    assert main(list(argv), env) == 0, stderr.getvalue()
    return stdout.getvalue()


@pytest.mark.parametrize(
    ("outcome", "is_warning"),
    [
        (records.Outcome.NO_KEY, False),
        (records.Outcome.FAILED, True),
        (records.Outcome.CAUGHT_UP, False),
    ],
)
async def test_the_latest_catch_up_is_told_for_a_day(
    make_receiver, outcome, is_warning
):
    harness = await make_receiver()
    now = time.time()
    conn = store.connect(harness.database_file)
    window = spans.OfflineWindow(now - 4 * HOUR, now - HOUR, clean=True)
    row = records.begin(conn, "clerk", window, now - HOUR)
    records.finish(conn, row, outcome, f"What the catch-up said ({outcome})", now)
    conn.close()

    told = advice.lines(_facts(harness, now))
    a_day_later = advice.lines(_facts(harness, now + DAY))

    said = f"What the catch-up said ({outcome})"
    assert (f"Warning: {said}" if is_warning else said) in told
    assert not any(said in line for line in a_day_later)


async def test_a_short_run_after_days_away_does_not_hide_what_was_lost(
    make_receiver,
):
    harness = await make_receiver()
    now = time.time()
    _spans(
        harness.database_file,
        (now - 40 * HOUR, now - 30 * HOUR),
        (now - 10 * 60, now - 60),
    )

    [concern] = advice.concerns(_facts(harness, now, running=False))

    assert concern.text.startswith("HookFlo was not listening for 1 d 5 h (from ")
    assert "Clerk stopped retrying" in concern.text


async def test_while_not_listening_status_says_since_when(make_receiver):
    harness = await make_receiver()
    now = time.time()
    _spans(harness.database_file, (now - 3 * HOUR, now - 2 * HOUR))

    report = advice.lines(_facts(harness, now, running=False))

    assert report[-1].startswith("Not listening since ")
    assert report[-1].endswith("(2 h); Clerk retries each delivery for about 1 d 3 h")
    assert not any(line.startswith("Warning") for line in report)
