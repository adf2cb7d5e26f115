"""``hookflo retry``, ``test-channel`` and ``deliveries`` against the real stack.

The commands run in-process (``cli.main`` with an ``Env``) in a worker thread,
so the server and the stand-ins on this loop keep answering meanwhile.
"""

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest

from hookflo.cli.status import ExitStatus
from hookflo.core.channels.base import ChannelName
from tests.support.alertstack import ROOMY, signup, with_type
from tests.support.fakeslack import POST_MESSAGE, Reply

pytestmark = pytest.mark.timeout(30)

TIME = r"\d\d\d\d-\d\d-\d\d \d\d:\d\d:\d\d"


def slack_row(stack, event_id: int) -> dict:
    [row] = [
        r
        for r in stack.deliveries()
        if r["event_id"] == event_id and r["channel"] == "slack"
    ]
    return row


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


def one_sentence(result) -> str:
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("hookflo: ")
    return line.removeprefix("hookflo: ")


@pytest.mark.expect_log_warnings
async def test_retry_by_delivery_message_or_event_is_sent_by_the_running_server(
    alert_stack,
):
    stack = alert_stack
    stack.slack.script(POST_MESSAGE, *[Reply(500, text="upstream trouble")] * 3)
    # Retries come ten minutes later on their own: only `retry` sends sooner.
    later = dataclasses.replace(ROOMY, first_retry_s=600.0)
    await stack.start(policies=dict.fromkeys(ChannelName, later))
    for first in ("Ada", "Ben", "Cy"):
        await stack.store(signup(first, "Example", f"{first.lower()}@example.com"))
    await stack.until(
        lambda: (
            [r["state"] for r in stack.deliveries()] == ["sent", "retrying", "sent"] * 3
        )
    )
    waiting = [slack_row(stack, e) for e in (1, 2, 3)]
    targets = [
        str(waiting[0]["id"]),
        waiting[1]["svix_id"],
        f"event:{waiting[2]['event_id']}",
    ]

    results = [await stack.cli_async("retry", target) for target in targets]
    rows = await stack.settled(9)

    for result, row in zip(results, waiting, strict=True):
        assert result.status == 0, result.stderr
        assert result.stdout == (
            f"Queued #{row['id']} (slack, event {row['event_id']}) to be sent again.\n"
        )
        assert utc(row["next_try_at"]) > datetime.now(UTC) + timedelta(minutes=5)
    assert {r["state"] for r in rows} == {"sent"}
    assert [r["tries"] for r in rows if r["channel"] == "slack"] == [2, 2, 2]
    texts = [p["text"] for p in stack.slack_posts()]
    assert [t.split(" signed up")[0] for t in texts] == [
        "New signup: Ada Example",
        "New signup: Ben Example",
        "New signup: Cy Example",
    ]
    again = await stack.cli_async("retry", "event:3")
    assert (again.status, again.stdout) == (
        0,
        "Every alert of event 3 was already sent.\n",
    )


async def test_retry_of_a_sent_delivery_is_refused_unless_again(alert_stack):
    stack = alert_stack
    stack.configure(email={"off": True}, slack={"off": True})
    await stack.start(policies=dict.fromkeys(ChannelName, ROOMY))
    await stack.store(signup())
    (sent,) = await stack.settled(1)
    assert sent["state"] == "sent"

    refused = await stack.cli_async("retry", str(sent["id"]))
    assert refused.status == ExitStatus.ERROR
    sentence = one_sentence(refused)
    assert re.fullmatch(
        rf"Delivery #{sent['id']} \(desktop, event 1\) was already sent at "
        rf"{TIME}; add --again to send it once more",
        sentence,
    ), sentence
    assert [r["state"] for r in stack.deliveries()] == ["sent"]
    assert len(stack.notify.calls) == 1

    again = await stack.cli_async("retry", "--again", str(sent["id"]))
    assert again.status == 0, again.stderr
    assert again.stdout == (
        f"Queued #{sent['id']} (desktop, event 1) to be sent again.\n"
    )
    await stack.until(lambda: len(stack.notify.calls) == 2, what="sent once more")


@pytest.mark.parametrize(
    ("target", "sentence"),
    [
        ("999", "No delivery #999; see `hookflo deliveries`"),
        ("msg_2hkFAKEnothere", "No stored event has the message id msg_2hkFAKEnothere"),
        (
            "yesterday",
            "Not a delivery or event: 'yesterday'; give a delivery id, event:ID "
            "or msg_…",
        ),
    ],
)
def test_retry_of_something_unknown_is_one_sentence(alert_stack, target, sentence):
    result = alert_stack.cli("retry", target)

    assert result.status == ExitStatus.ERROR
    assert one_sentence(result) == sentence


async def test_test_channel_prints_what_each_channel_answered(alert_stack):
    stack = alert_stack

    slack = await stack.cli_async("test-channel", "slack")
    email = await stack.cli_async("test-channel", "email")
    desktop = await stack.cli_async("test-channel", "desktop")

    for result in (slack, email, desktop):
        assert (result.status, result.stderr) == (0, ""), result.stderr
    assert re.fullmatch(
        r"slack: Slack accepted it in C0FAKE0001 \(ts 1735689600\.\d{6}\)\n",
        slack.stdout,
    )
    assert email.stdout == (
        f"email: smtp 127.0.0.1:{stack.smtp.port} accepted it for 1 recipient "
        "(250 2.0.0 Ok: queued as FAKE0001)\n"
    )
    assert desktop.stdout == "desktop: Shown by hookflo-test-notifyd 1.0\n"
    [post] = stack.slack_posts()
    assert post["text"].startswith("TEST · New signup: Ada Example")
    [mail] = stack.emails
    assert mail.message["Subject"] == "TEST · New signup: Ada Example"
    assert mail.message["X-HookFlo-Test"] == "yes"
    [popup] = stack.notify.calls
    assert popup.summary == "TEST · New signup"
    assert stack.cli("deliveries").stdout == "No deliveries yet.\n"


@pytest.mark.expect_log_warnings
async def test_test_channel_says_why_a_channel_refused_or_is_off(alert_stack):
    stack = alert_stack
    config_file = stack.home / "config.toml"
    stack.slack.script(POST_MESSAGE, Reply(json={"ok": False, "error": "invalid_auth"}))

    refused = await stack.cli_async("test-channel", "slack")
    no_token = await stack.cli_async(
        "test-channel", "slack", HOOKFLO_SLACK_BOT_TOKEN=""
    )
    stack.configure(email={"off": True}, desktop=False)
    no_email = await stack.cli_async("test-channel", "email")
    no_desktop = await stack.cli_async("test-channel", "desktop")
    stack.configure()
    await stack.notify.stop()
    no_service = await stack.cli_async("test-channel", "desktop")

    assert refused.status == ExitStatus.REFUSED
    assert one_sentence(refused) == (
        "The slack channel did not take the test alert (permanent): Slack "
        "refused the bot token (invalid_auth): check that it was copied whole, "
        "or reinstall the app and set the new token"
    )
    assert no_token.status == ExitStatus.ERROR
    assert one_sentence(no_token) == (
        "Slack is configured but has no webhook URL or bot token: set one with "
        "`hookflo secret set slack-webhook-url` (or slack-bot-token)"
    )
    assert no_email.status == ExitStatus.ERROR
    assert one_sentence(no_email) == (
        f"The email channel is not set up: add [channels.email] to {config_file}"
    )
    assert no_desktop.status == ExitStatus.ERROR
    assert one_sentence(no_desktop) == (
        "Desktop notifications are turned off: set enabled = true under "
        f"[channels.desktop] in {config_file}"
    )
    assert no_service.status == ExitStatus.REFUSED
    assert one_sentence(no_service) == (
        "The desktop channel did not take the test alert (permanent): No desktop "
        "notification service is running (nothing on the session bus provides "
        "org.freedesktop.Notifications)"
    )
    assert len(stack.slack.requests) == 1
    assert stack.emails == []


@pytest.mark.expect_log_warnings
async def test_deliveries_reads_pending_sent_retrying_and_failed(alert_stack):
    stack = alert_stack
    stack.slack.script(POST_MESSAGE, Reply(500, text="upstream trouble"))
    stack.smtp.authenticator.reply = "535 5.7.8 Username and Password not accepted"
    await stack.start()

    await stack.store(signup())
    for _ in range(3):  # the desktop shows three, then holds the fourth
        await stack.store(with_type("session.created"))
    await stack.until(
        lambda: (
            [r["state"] for r in stack.deliveries()]
            == ["sent", "retrying", "failed", "sent", "sent", "pending"]
        ),
        what="one delivery in each state",
    )
    lines = stack.cli("deliveries").stdout.splitlines()

    assert len(lines) == 6
    assert [line.split()[0] for line in lines] == [f"#{i}" for i in range(6, 0, -1)]
    held, second, first, failed, retrying, sent = lines
    assert re.fullmatch(
        rf"#6\s+{TIME}  event 4\s+session\.created\s+desktop\s+pending", held
    ), held
    assert re.fullmatch(
        rf"#1\s+{TIME}  event 1\s+user\.created\s+desktop\s+"
        r"sent \(Shown by hookflo-test-notifyd 1\.0\)",
        sent,
    ), sent
    assert re.fullmatch(
        rf"#2\s+{TIME}  event 1\s+user\.created\s+slack\s+"
        r"retrying \(next try at \d\d:\d\d:\d\d UTC, try 2\): \S.*HTTP 500.*",
        retrying,
    ), retrying
    assert re.fullmatch(
        rf"#3\s+{TIME}  event 1\s+user\.created\s+email\s+"
        r"failed permanently: SMTP server 127\.0\.0\.1:\d+ rejected the user name "
        r"or password.*535 5\.7\.8 Username and Password not accepted.*",
        failed,
    ), failed
    for line in (first, second):
        assert re.search(r"session\.created\s+desktop\s+sent \(Shown by", line)
