"""``hookflo digest``: the schedule, a preview, and a send now."""

import re
import time

from hookflo.cli.status import ExitStatus
from hookflo.core.digest import periods
from hookflo.core.digest.settings import Kind, Schedule
from tests.digest.conftest import (
    PARIS,
    Person,
    digest_posts,
    digest_rows,
    enable_digests,
    write_events,
)
from tests.support.alertstack import slack_texts
from tests.support.fakeslack import POST_MESSAGE, Reply


async def store_yesterdays_signup(stack, first: str) -> None:
    period = periods.latest_due(Kind.DAILY, Schedule(8, 30), time.time(), PARIS)
    person = Person(first, period.start + 3600)
    await write_events(stack.paths.database_file, [person], received_at=time.time())


async def test_dry_run_prints_the_digest_and_sends_nothing(alert_stack):
    stack = alert_stack
    enable_digests(stack)
    await store_yesterdays_signup(stack, "Ada")

    run = await stack.cli_async("digest", "--send-now", "daily", "--dry-run")

    assert run.status == ExitStatus.SUCCESS, run.stderr
    assert "--- slack ---\nDaily digest: 1 signup, 0 the day before" in run.stdout
    assert "--- email ---" in run.stdout
    assert "- Ada Example <ada@example.com>, Google, production." in run.stdout
    assert "--- desktop ---" not in run.stdout
    assert stack.slack_posts() == []
    assert digest_rows(stack.paths.database_file) == []


async def test_send_now_posts_to_one_channel_without_taking_the_period(alert_stack):
    stack = alert_stack
    enable_digests(stack)
    await store_yesterdays_signup(stack, "Bea")

    run = await stack.cli_async("digest", "--send-now", "daily", "--channel", "slack")

    assert run.status == ExitStatus.SUCCESS, run.stderr
    assert run.stdout.startswith("slack: ")
    mrkdwn = slack_texts(digest_posts(stack)[0])[1]
    assert re.search(r"\*Bea Example\* hookflo://event/\d+ · Google", mrkdwn)
    assert stack.emails == []
    assert digest_rows(stack.paths.database_file) == []


async def test_send_now_says_which_channel_refused(alert_stack):
    stack = alert_stack
    enable_digests(stack)
    stack.slack.script(POST_MESSAGE, Reply(json={"ok": False, "error": "invalid_auth"}))

    run = await stack.cli_async("digest", "--send-now", "weekly")

    assert run.status == ExitStatus.REFUSED
    assert run.stderr.startswith("hookflo: The digest did not go out to slack: ")
    assert len(stack.emails) == 1
    assert str(stack.emails[0].message["Subject"]).startswith("Weekly digest: 0")


async def test_show_lists_the_schedule_or_says_how_to_set_one(alert_stack):
    stack = alert_stack
    unset = await stack.cli_async("digest")
    enable_digests(stack, 'weekly = "mon 09:00"')

    shown = await stack.cli_async("digest")
    misuse = await stack.cli_async("digest", "--dry-run")

    assert unset.stdout.startswith("No digest is scheduled: add a [digests] table")
    assert shown.stdout.splitlines()[:2] == [
        "weekly digest at monday 09:00 (Europe/Paris)",
        "to every channel that is set up",
    ]
    assert misuse.status == ExitStatus.ERROR
    assert "--channel and --dry-run go with --send-now KIND" in misuse.stderr
