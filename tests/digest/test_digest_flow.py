"""Digests end to end: the real server, a controlled clock, Slack and email.

The server runs in-process with the stack's stand-ins (the fake Slack and
aiosmtpd); only its clock is the test's. Signups are stored through the real
receiver (signed with svix) or the store's real writer.
"""

import re

import pytest

from hookflo.core.digest import periods, signups
from hookflo.core.digest.runs import DigestRuns
from hookflo.core.digest.scheduler import STALE_SENDING_S
from hookflo.core.digest.settings import Kind, Schedule
from tests.digest.conftest import (
    PARIS,
    Person,
    digest_emails,
    digest_posts,
    digest_rows,
    enable_digests,
    paris,
    set_origin,
    start_server,
    write_events,
)
from tests.support.alertstack import DEV_PATH, slack_texts
from tests.support.fakeslack import POST_MESSAGE, Reply


async def test_previous_period_numbers_count_real_stored_signups(alert_stack):
    stack = alert_stack
    database = stack.paths.database_file
    on_3rd, on_2nd = paris(3, 10), paris(2, 15)
    ids = await write_events(
        database,
        [
            Person("Ada", on_3rd),
            Person("Bob", on_3rd, provider=None),
            Person("Cy", on_3rd, provider="oauth_github"),
            Person("Dee", on_3rd, environment="development"),
            Person("Test", on_3rd, is_test=True),
            Person("Der", on_3rd),
            Person("Cy", on_3rd, provider="oauth_github"),
            Person("Ed", on_2nd),
            Person("Flo", on_2nd, provider="oauth_github"),
            Person("Gus", paris(1, 12)),
        ],
        received_at=paris(4, 8),  # Svix retried them late, or they were caught up
    )
    set_origin(database, ids[2], "caught-up")
    set_origin(database, ids[5], "derived")
    period = periods.latest_due(Kind.DAILY, Schedule(8, 30), paris(4, 8, 30), PARIS)
    runs = DigestRuns(database)
    try:
        stats = signups.read(runs.connection, period)
    finally:
        runs.close()

    assert (stats.count, stats.previous) == (4, 2)
    assert [s.name for s in stats.signups] == [
        "Ada Example",
        "Bob Example",
        "Cy Example",
        "Dee Example",
    ]
    assert stats.signups[2].caught_up
    assert [(c.label, c.count, c.previous) for c in stats.environments] == [
        ("production", 3, 2),
        ("development", 1, 0),
    ]
    assert [(c.label, c.count, c.previous) for c in stats.methods] == [
        ("Google", 2, 1),
        ("GitHub", 1, 1),
        ("Email", 1, 0),
    ]


async def test_daily_digest_goes_out_once_at_its_time_and_not_again_on_restart(
    alert_stack, clock
):
    stack = alert_stack
    enable_digests(stack)
    await write_events(
        stack.paths.database_file,
        [
            Person("Ed", paris(2, 9)),
            Person("Flo", paris(2, 18)),
            Person("Gus", paris(1)),
        ],
        received_at=paris(2, 18),
    )
    clock.now = paris(4, 8, 0)
    server = await start_server(stack, clock)
    # On start the newest due digest (of the 2nd, due on the 3rd) goes out late.
    await stack.until(lambda: len(digest_posts(stack)) == 1, what="a late digest")
    await stack.until(lambda: len(digest_emails(stack)) == 1, what="a late email")
    assert "2 signups, 1 the day before (+1)" in slack_texts(digest_posts(stack)[0])[1]

    for first in ("Ada", "Bob"):
        await stack.store(Person(first, paris(3, 11)).body())
    await stack.store(Person("Dee", paris(3, 12)).body(), path=DEV_PATH)
    clock.now = paris(4, 8, 30)
    sent = await server.digests.tick()
    again = await server.digests.tick()

    assert sorted((o.channel, o.state) for o in sent) == [
        ("email", "sent"),
        ("slack", "sent"),
    ]
    assert again == []
    post = digest_posts(stack)[-1]
    mrkdwn = slack_texts(post)[1]
    assert post["text"] == "Daily digest: 3 signups, 2 the day before"
    assert "Thursday 3 December 2026" in mrkdwn
    assert "production 2 (was 2) · development 1 (was 0)" in mrkdwn
    assert re.search(
        r"\*Ada Example\* hookflo://event/\d+ · Google · production", mrkdwn
    )
    assert "user user_2hkFAKEada0000000000000001" in mrkdwn

    clock.now = paris(4, 8, 31)
    server = await start_server(stack, clock)
    assert await server.digests.tick() == []
    assert len(digest_posts(stack)) == 2
    assert len(digest_emails(stack)) == 2
    assert [row[:4] for row in digest_rows(stack.paths.database_file)] == [
        ("daily", "2026-12-02", "email", "sent"),
        ("daily", "2026-12-02", "slack", "sent"),
        ("daily", "2026-12-03", "email", "sent"),
        ("daily", "2026-12-03", "slack", "sent"),
    ]


@pytest.mark.expect_log_warnings  # the cut-off send is reported
async def test_a_send_cut_off_between_claim_and_record_is_sent_again_once(
    alert_stack, clock
):
    stack = alert_stack
    enable_digests(stack)
    database = stack.paths.database_file
    await write_events(database, [Person("Ada", paris(3, 9))], received_at=paris(3, 9))
    # A run killed after claiming the Slack digest, before recording it.
    runs = DigestRuns(database)
    try:
        runs.claim("daily", "2026-12-03", "slack", clock.now, stale_before=0)
    finally:
        runs.close()

    clock.now += 20
    server = await start_server(stack, clock)
    await stack.until(lambda: len(digest_emails(stack)) == 1, what="the email digest")
    assert await server.digests.tick() == []
    assert digest_posts(stack) == []

    clock.now += STALE_SENDING_S
    resent = await server.digests.tick()

    assert [(o.channel, o.state) for o in resent] == [("slack", "sent")]
    assert await server.digests.tick() == []
    assert len(digest_posts(stack)) == 1
    assert len(digest_emails(stack)) == 1
    assert ("daily", "2026-12-03", "slack", "sent", 2) in digest_rows(database)


async def test_after_two_days_off_only_the_newest_digest_goes_out_late(
    alert_stack, clock
):
    stack = alert_stack
    enable_digests(stack)
    server = await start_server(stack, clock)
    await stack.until(lambda: len(digest_posts(stack)) == 1, what="the first digest")
    await stack.stop()

    clock.now = paris(6, 20, 0)  # missed the 5th and 6th at 08:30
    server = await start_server(stack, clock)
    await stack.until(lambda: len(digest_posts(stack)) == 2, what="the late digest")
    assert await server.digests.tick() == []

    assert len(digest_posts(stack)) == 2
    assert len(digest_emails(stack)) == 2
    assert "Saturday 5 December 2026" in slack_texts(digest_posts(stack)[-1])[1]
    periods_sent = {row[1] for row in digest_rows(stack.paths.database_file)}
    assert periods_sent == {"2026-12-03", "2026-12-05"}


@pytest.mark.expect_log_warnings  # the Slack failure is reported
async def test_a_failing_channel_is_retried_and_shown_while_the_others_go_on(
    alert_stack, clock
):
    stack = alert_stack
    enable_digests(stack)
    stack.slack.script(POST_MESSAGE, Reply(500, text="upstream trouble"))
    server = await start_server(stack, clock)
    await stack.until(lambda: len(digest_emails(stack)) == 1, what="the email digest")
    await stack.until(
        lambda: (
            ("daily", "2026-12-03", "slack", "retrying", 1)
            in digest_rows(stack.paths.database_file)
        ),
        what="the Slack digest waiting to retry",
    )
    shown = (await stack.cli_async("digest")).stdout
    assert "daily digest at 08:30 (Europe/Paris)" in shown
    assert "slack    retrying" in shown
    assert "500" in shown

    clock.now += 60
    retried = await server.digests.tick()

    assert [(o.channel, o.state) for o in retried] == [("slack", "sent")]
    assert len(digest_posts(stack)) == 1
    assert len(digest_emails(stack)) == 1
    assert "slack    sent" in (await stack.cli_async("digest")).stdout


async def test_names_in_digests_are_escaped_for_each_channel(alert_stack, clock):
    stack = alert_stack
    enable_digests(stack)
    [event_id] = await write_events(
        stack.paths.database_file,
        [Person("<b>Eve</b> & <!channel>", paris(3, 9))],
        received_at=paris(3, 9),
    )

    await start_server(stack, clock)
    await stack.until(lambda: digest_posts(stack) and digest_emails(stack))

    email = digest_emails(stack)[0].message
    html = email.get_body(("html",)).get_content()
    text = email.get_body(("plain",)).get_content()
    link = f"hookflo://event/{event_id}"
    assert (
        f'<a href="{link}">&lt;b&gt;Eve&lt;/b&gt; &amp; &lt;!channel&gt; Example</a>'
    ) in html
    assert "<b>Eve</b>" not in html
    assert "- <b>Eve</b> & <!channel> Example <" in text
    assert f", {link}" in text.splitlines()[-3]  # the only signup's line
    mrkdwn = slack_texts(digest_posts(stack)[0])[1]
    assert f"*&lt;b&gt;Eve&lt;/b&gt; &amp; &lt;!channel&gt; Example* {link} ·" in mrkdwn
    assert "<!channel>" not in mrkdwn


async def test_a_click_on_the_desktop_digest_opens_its_first_signup(alert_stack, clock):
    stack = alert_stack
    enable_digests(stack, 'daily = "08:30"', 'channels = ["desktop"]')
    [first, _] = await write_events(
        stack.paths.database_file,
        [Person("Ada", paris(3, 9)), Person("Bob", paris(3, 10))],
        received_at=paris(3, 10),
    )
    server = await start_server(stack, clock)
    clicked: list[int] = []
    server.on_notification_clicked = clicked.append
    call = await stack.until(lambda: stack.notify.calls and stack.notify.calls[0])

    stack.notify.click(call.id)

    assert call.summary == "Daily digest: 2 signups"
    assert "Ada Example, Bob Example" in call.body
    assert await stack.until(lambda: clicked) == [first]
    assert stack.slack_posts() == []


@pytest.mark.expect_log_warnings  # the refused Slack token is reported
async def test_a_refused_channel_fails_its_digest_once_and_the_others_go_on(
    alert_stack, clock
):
    stack = alert_stack
    enable_digests(stack)
    stack.slack.script(POST_MESSAGE, Reply(json={"ok": False, "error": "invalid_auth"}))
    server = await start_server(stack, clock)
    await stack.until(lambda: len(digest_emails(stack)) == 1, what="the email digest")
    await stack.until(
        lambda: (
            ("daily", "2026-12-03", "slack", "failed", 1)
            in digest_rows(stack.paths.database_file)
        ),
        what="the Slack digest failed",
    )

    clock.now += 3600
    assert await server.digests.tick() == []

    assert len(stack.slack.to(POST_MESSAGE)) == 1
    shown = (await stack.cli_async("digest")).stdout
    assert "slack    failed" in shown
    assert "Slack refused the bot token (invalid_auth)" in shown
