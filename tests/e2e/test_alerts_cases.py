"""The shared alert cases through the whole path: signed request to stand-in.

C09, C10, C36, C38, C39, C44 and C45 with the bodies of tests/cases/*.json,
posted to the real ``Server`` and read back from what the notification
server, the Slack fake and aiosmtpd received, and from ``hookflo
deliveries``. The template and channel tests check the pieces; these check
that the pieces are wired together as the cases demand.
"""

import asyncio
import base64
import itertools
import logging
import re
import sqlite3

import pytest

from hookflo.core import config
from hookflo.core.errors import ConfigError
from tests.support.alertstack import (
    ROOMY_POLICIES,
    by_channel,
    quick_retries,
    signup,
    slack_texts,
    with_type,
)
from tests.support.cases import load_case
from tests.support.fakeslack import AUTH_TEST, POST_MESSAGE, Reply
from tests.support.smtpserver import PASSWORD, USERNAME

pytestmark = pytest.mark.timeout(30)

EVERY_CHANNEL = ["desktop", "slack", "email"]
USERS_EVERYWHERE = [{"events": ["user.*"], "channels": EVERY_CHANNEL}]


def case_requests(case_id: str) -> list[tuple[str, bytes]]:
    """Return each request's svix-id and body bytes, in order."""
    return [
        (r["headers"]["svix-id"], r["body"].encode("utf-8"))
        for r in load_case(case_id)["requests_in_order"]
    ]


def email_texts(mail) -> list[str]:
    texts = [str(mail.message["Subject"])]
    for kind in ("plain", "html"):
        part = mail.message.get_body((kind,))
        if part is not None:
            texts.append(part.get_content())
    return texts


def everything_shown(stack) -> list[str]:
    """Every text any stand-in received."""
    shown = [c.summary + "\n" + c.body for c in stack.notify.calls]
    for post in stack.slack_posts():
        shown.extend(slack_texts(post))
    for mail in stack.emails:
        shown.extend(email_texts(mail))
    return shown


# C09: user.deleted carries only the id.


@pytest.mark.parametrize("history", [True, False], ids=["history", "no-history"])
async def test_c09_a_deleted_user_is_named_everywhere_without_none_or_null(
    alert_stack, caplog, history
):
    stack = alert_stack
    stack.configure(routes=USERS_EVERYWHERE)
    await stack.start(policies=ROOMY_POLICIES)
    caplog.set_level(logging.DEBUG, logger="hookflo")
    requests = case_requests("C09")
    if history:
        ada = signup(user_id="user_2hkFAKE00000000000000009")
        await stack.store(ada)
    for msg_id, body in requests:
        await stack.store(body, msg_id=msg_id)

    rows = await stack.settled(3 * (len(requests) + history))

    assert {r["state"] for r in rows} == {"sent"}
    first = "Ada Example" if history else "User user_2hkFAKE00000000000000009"
    aside = " · ada@example.com" if history else ""
    second = "User user_2hkFAKE00000000000000019 was deleted · external id crm-000123"
    deleted = stack.notify.calls[-2:]
    assert [c.summary for c in deleted] == ["User deleted", "User deleted"]
    assert deleted[0].body.startswith(f"{first} was deleted{aside}\n")
    assert deleted[1].body.startswith(f"{second}\n")
    texts = [p["text"] for p in stack.slack_posts()[-2:]]
    assert texts == [
        f"User deleted: {first} was deleted{aside}",
        f"User deleted: {second}",
    ]
    subjects = [m.message["Subject"] for m in stack.emails[-2:]]
    assert subjects == [f"{first} was deleted{aside}", second]
    forbidden = load_case("C09")["expect"]["must_not_contain"]
    for text in [*everything_shown(stack), caplog.text]:
        for word in forbidden:
            assert word not in text


# C10: first and last names null, empty or blank.


async def test_c10_display_names_are_exactly_the_cases_in_every_channel(alert_stack):
    stack = alert_stack
    await stack.start(policies=ROOMY_POLICIES)
    for msg_id, body in case_requests("C10"):
        await stack.store(body, msg_id=msg_id)

    rows = await stack.settled(9)

    assert {r["state"] for r in rows} == {"sent"}
    expect = load_case("C10")["expect"]
    names = expect["display_names"]
    assert [c.body.split(" signed up")[0] for c in stack.notify.calls] == names
    assert [p["text"].split(" signed up")[0] for p in stack.slack_posts()] == [
        f"New signup: {name}" for name in names
    ]
    mrkdwn = [p["blocks"][0]["text"]["text"] for p in stack.slack_posts()]
    assert [m.split("\n")[1].split(" signed up")[0] for m in mrkdwn] == [
        f"*{name}*" for name in names
    ]
    assert [m.message["Subject"] for m in stack.emails] == [
        f"New signup: {name}" for name in names
    ]
    for text in everything_shown(stack):
        for word in [*expect["must_not_contain_in_any_channel"], "None"]:
            assert word not in text


# C36: Slack answers 429 with Retry-After.


@pytest.mark.expect_log_warnings
async def test_c36_slack_429_is_retried_after_retry_after_others_unaffected(
    alert_stack,
):
    stack = alert_stack
    case = load_case("C36")
    stack.slack.script(
        POST_MESSAGE, *map(Reply.from_case, case["slack_stand_in_script"])
    )
    # A short first retry, so that Retry-After alone sets the wait.
    await stack.start(policies=quick_retries(0.5))
    request = case["request"]
    await stack.store(request["body"].encode(), msg_id=request["headers"]["svix-id"])
    await stack.until(lambda: stack.slack.requests, what="the first Slack attempt")

    # While Slack waits, the receiver and the other channels carry on.
    began = asyncio_time()
    await stack.store(with_type("session.created"))
    await stack.store(signup("Ben", "Okafor", "ben@example.com"))
    acknowledged = asyncio_time() - began
    await stack.until(lambda: len(stack.notify.calls) == 3 and len(stack.emails) == 2)
    others_done = asyncio_time()
    waiting = next(r for r in stack.deliveries() if r["channel"] == "slack")
    rows = await stack.settled(7, within=10)

    first, second, third = stack.slack.to(POST_MESSAGE)
    assert [first.status, second.status, third.status] == [429, 200, 200]
    assert second.at - first.at >= 3.0
    assert second.at - first.at < 4.5
    assert others_done < second.at
    assert acknowledged < 0.5
    assert second.body["text"].startswith("New signup: Rosa Diaz signed up")
    assert waiting["state"] == "retrying"
    assert re.fullmatch(
        r"retrying \(next try at \d\d:\d\d:\d\d UTC, try 2\): Slack asked HookFlo "
        r"to slow down \(rate limited\); trying again in 3 s",
        waiting["status"],
    )
    rosa = by_channel(rows)["slack"][0]
    assert (rosa["state"], rosa["tries"]) == ("sent", 2)
    assert rosa["answer"] == "Slack accepted it in C0FAKE0001 (ts 1735689600.000100)"
    assert {r["state"] for r in rows} == {"sent"}


def asyncio_time() -> float:
    """The loop's clock, which the Slack fake stamps its requests with."""
    return asyncio.get_running_loop().time()


# C38: the Slack channel is wrong; one attempt, a hint, nothing else harmed.

C38_HINTS = {
    "#signups": "/invite @hookflo in #signups",
    "C0FAKEPRIV": "private channel",
}


@pytest.mark.expect_log_warnings
@pytest.mark.parametrize(
    "variant",
    [v for v in load_case("C38")["config_variants"] if v["channel"].strip()],
    ids=lambda v: repr(v["channel"]),
)
async def test_c38_a_wrong_slack_channel_fails_once_with_its_hint(alert_stack, variant):
    stack = alert_stack
    channel = variant["channel"]
    stack.configure(slack={"channel": channel})
    trimmed = channel != channel.strip()
    if not trimmed:
        stack.slack.script(POST_MESSAGE, Reply(json=variant["stand_in"]["json"]))
    await stack.start()
    request = load_case("C38")["request"]
    await stack.store(request["body"].encode(), msg_id=request["headers"]["svix-id"])
    rows = await stack.settled(3)

    grouped = by_channel(rows)
    assert grouped["desktop"][0]["state"] == "sent"
    assert grouped["email"][0]["state"] == "sent"
    [posted] = stack.slack.to(POST_MESSAGE)
    [slack] = grouped["slack"]
    if trimmed:
        # The config trims the name when it is read: Slack gets "signups".
        assert posted.body["channel"] == channel.strip()
        assert slack["state"] == "sent"
        return
    assert posted.body["channel"] == channel
    assert (slack["state"], slack["tries"]) == ("failed", 1)
    assert C38_HINTS[channel] in slack["last_error"]
    assert slack["status"] == f"failed permanently: {slack['last_error']}"
    assert len(stack.cli("events", "--json").json()) == 1

    # The channel is stopped: a later event waits instead of trying again.
    await stack.store(signup())
    await stack.until(
        lambda: (
            [r["state"] for r in stack.deliveries()[3:]] == ["sent", "pending", "sent"]
        ),
        what="the later event's desktop and email alerts",
    )
    waiting = stack.deliveries()[4]
    assert waiting["status"] == f"waiting: slack is stopped ({slack['last_error']})"
    assert len(stack.slack.to(POST_MESSAGE)) == 1
    assert [r.target for r in stack.slack.requests].count(AUTH_TEST) <= 1


def test_c38_an_empty_slack_channel_is_refused_when_the_config_is_read(
    alert_stack,
):
    stack = alert_stack
    stack.configure(slack={"channel": ""})

    result = stack.cli("test-channel", "slack")

    assert result.status == 3
    assert result.stdout == ""
    config_file = stack.home / "config.toml"
    assert result.stderr == (
        f"hookflo: {config_file}: channels.slack.channel: expected a channel such "
        "as '#signups' or an id, got ''\n"
    )
    with pytest.raises(ConfigError):
        config.load(config_file)
    assert stack.slack.requests == []


# C39: hostile names must arrive escaped.

C39_PLAIN_NAMES = [
    "<!channel> <https://evil.example.invalid/login|Verify your account>",
    "Ana & Bo <@U0FAKEUSER> *bold* _it_ ~s~ `code`",
    "@here &lt;!everyone&gt;",
    "Zoë <#C0FAKECHAN>",  # the U+202E after "Zoë" is dropped
]
C39_SLACK_NAMES = [
    "&lt;!channel&gt; &lt;https://evil.example.invalid/login|Verify your account&gt;",
    "Ana &amp; Bo &lt;@U0FAKEUSER&gt; "
    "\u2217bold\u2217 \u02cdit\u02cd \u223cs\u223c \u02cbcode\u02cb",
    "@\u2060here &amp;lt;!everyone&amp;gt;",
    "Zoë &lt;#C0FAKECHAN&gt;",
]


async def test_c39_what_arrives_is_escaped_in_every_channel(alert_stack):
    stack = alert_stack
    await stack.start(policies=ROOMY_POLICIES)
    requests = case_requests("C39")
    for msg_id, body in requests:
        await stack.store(body, msg_id=msg_id)
    rows = await stack.settled(12)
    assert {r["state"] for r in rows} == {"sent"}

    for index, request in enumerate(stack.slack.to(POST_MESSAGE)):
        raw = request.raw.decode()
        assert "link_names" not in raw
        assert '"parse"' not in raw
        name = C39_SLACK_NAMES[index]
        assert request.body["text"] == (
            f"New signup: {name} signed up with email and password"
            f" · inj{index}@example.com"
        )
        for text in slack_texts(request.body):
            for live in ("<!", "<@", "<#", "<http"):
                assert live not in text
    for index, mail in enumerate(stack.emails):
        assert mail.message["Subject"] == f"New signup: {C39_PLAIN_NAMES[index]}"
        html = mail.message.get_body(("html",)).get_content()
        for live in ("<!channel>", "<@U0FAKEUSER>", "<#C0FAKECHAN>", "<https://"):
            assert live not in html
    assert "&lt;!channel&gt; &lt;https://evil" in email_texts(stack.emails[0])[2]
    assert "&amp;lt;!everyone&amp;gt;" in email_texts(stack.emails[2])[2]
    for index, call in enumerate(stack.notify.calls):
        assert call.body.startswith(f"{C39_PLAIN_NAMES[index]} signed up with email")
    for text in everything_shown(stack):
        assert "\u202e" not in text


# C44: non-ASCII names in email headers.


async def test_c44_email_subjects_decode_exactly_and_headers_stay_ascii(
    alert_stack,
):
    stack = alert_stack
    await stack.start(policies=ROOMY_POLICIES)
    requests = case_requests("C44")
    for msg_id, body in requests:
        await stack.store(body, msg_id=msg_id)
    rows = await stack.settled(12)

    assert {r["state"] for r in rows} == {"sent"}
    expect = load_case("C44")["expect"]
    assert [m.message["Subject"] for m in stack.emails] == expect[
        "subjects_after_decoding"
    ]
    for mail, subject in zip(
        stack.emails, expect["subjects_after_decoding"], strict=True
    ):
        assert mail.raw_headers.isascii()
        assert b"=?utf-8?" in mail.raw_headers
        [reply_to] = mail.message["Reply-To"].addresses
        assert reply_to.display_name == subject.removeprefix("New signup: ")
        assert reply_to.addr_spec.startswith("user")
        assert reply_to.domain == "example.com"
    [ng] = stack.emails[1].message["Reply-To"].addresses
    assert (ng.display_name, ng.addr_spec) == ("Ng, Zoë", "user1@example.com")


# C45: the SMTP server refuses the sign-in.

SECRET_FORMS = (
    PASSWORD,
    base64.b64encode(PASSWORD.encode()).decode(),
    base64.b64encode(f"\0{USERNAME}\0{PASSWORD}".encode()).decode(),
)


def assert_password_nowhere(stack, caplog) -> None:
    ours = "\n".join(
        r.getMessage()
        for r in caplog.records
        if not r.name.startswith("mail.log")  # the stand-in's own log
    )
    listed = [
        stack.cli("deliveries", "--json").stdout,
        stack.cli("deliveries").stdout,
        stack.cli("attempts", "--json").stdout,
        stack.cli("events", "--json").stdout,
    ]
    conn = sqlite3.connect(stack.paths.database_file)
    try:
        dump = "\n".join(conn.iterdump())
    finally:
        conn.close()
    for text in (ours, caplog.text, dump, *listed):
        for form in SECRET_FORMS:
            assert form not in text


def email_rows(stack) -> list[dict]:
    return [r for r in stack.deliveries() if r["channel"] == "email"]


@pytest.mark.expect_log_warnings
async def test_c45_a_refused_password_is_tried_once_and_holds_email_until_retry(
    alert_stack, caplog
):
    stack = alert_stack
    caplog.set_level(logging.DEBUG)
    stack.smtp.authenticator.reply = "535 5.7.8 Username and Password not accepted"
    await stack.start()

    await stack.store(signup())
    await stack.until(lambda: [r for r in email_rows(stack) if r["state"] == "failed"])
    await stack.store(signup("Ben", "Okafor", "ben@example.com"))
    await stack.until(
        lambda: (
            [r["state"] for r in stack.deliveries() if r["channel"] != "email"]
            == ["sent"] * 4
        )
    )

    first, later = email_rows(stack)
    assert stack.smtp.authenticator.attempts == ["PLAIN"]
    assert first["state"] == "failed"
    assert "rejected the user name or password" in first["last_error"]
    assert "535 5.7.8 Username and Password not accepted" in first["last_error"]
    assert later["state"] == "pending"
    assert later["status"] == f"waiting: email is stopped ({first['last_error']})"
    assert stack.emails == []
    assert len(stack.cli("events", "--json").json()) == 2

    # The user fixes the password at the provider, then asks for a retry.
    stack.smtp.authenticator.reply = None
    result = await stack.cli_async("retry", str(first["id"]))
    assert result.status == 0, result.stderr
    assert result.stdout == (
        f"Queued #{first['id']} (email, event 1) to be sent again.\n"
    )
    await stack.until(lambda: len(stack.emails) == 2)
    rows = await stack.settled(6)
    assert {r["state"] for r in rows} == {"sent"}
    assert stack.smtp.authenticator.attempts == ["PLAIN"] * 3
    assert [m.message["Subject"] for m in stack.emails] == [
        "New signup: Ada Example",
        "New signup: Ben Okafor",
    ]
    assert_password_nowhere(stack, caplog)


@pytest.mark.expect_log_warnings
async def test_c45_a_refused_password_stays_held_until_the_settings_change(
    alert_stack, caplog
):
    stack = alert_stack
    caplog.set_level(logging.DEBUG)
    stack.smtp.authenticator.reply = "534 5.7.9 Application-specific password required"
    await stack.start()
    await stack.store(signup())
    await stack.until(lambda: [r for r in email_rows(stack) if r["state"] == "failed"])

    # A restart with the same settings keeps the channel stopped ...
    await stack.start()
    await stack.store(signup("Ben", "Okafor", "ben@example.com"))
    await stack.until(
        lambda: (
            [r["state"] for r in stack.deliveries() if r["channel"] != "email"]
            == ["sent"] * 4
        )
    )
    assert stack.smtp.authenticator.attempts == ["PLAIN"]
    assert [r["state"] for r in email_rows(stack)] == ["failed", "pending"]

    # ... new settings lift the stop: the waiting alert goes, the failed one
    # stays failed until someone retries it.
    stack.smtp.authenticator.reply = None
    stack.configure(email={"timeout": 6})
    await stack.start()
    await stack.until(lambda: stack.emails)
    await stack.until(
        lambda: [r["state"] for r in email_rows(stack)] == ["failed", "sent"]
    )
    assert stack.smtp.authenticator.attempts == ["PLAIN"] * 2
    [mail] = stack.emails
    assert mail.message["Subject"] == "New signup: Ben Okafor"
    assert_password_nowhere(stack, caplog)


@pytest.mark.expect_log_warnings
async def test_c45_a_temporary_sign_in_failure_is_retried_with_backoff(
    alert_stack, caplog
):
    stack = alert_stack
    caplog.set_level(logging.DEBUG)
    auth = stack.smtp.authenticator
    auth.reply = "454 4.7.0 Temporary authentication failure"
    await stack.start(policies=quick_retries(0.2))

    await stack.store(signup())
    statuses = []

    def third_attempt() -> bool:
        row = email_rows(stack)[0]
        if row["state"] == "retrying" and row["status"] not in statuses:
            statuses.append(row["status"])
        return len(auth.attempts) >= 3

    await stack.until(third_attempt)
    auth.reply = None
    await stack.until(lambda: stack.emails)
    rows = await stack.settled(3)

    [email] = [r for r in rows if r["channel"] == "email"]
    assert (email["state"], email["tries"]) == ("sent", 4)
    assert len(auth.attempts) == 4
    gaps = [later - earlier for earlier, later in itertools.pairwise(auth.times)]
    # First retry 0.2 s, doubling, jittered by at most a quarter either way.
    for index, gap in enumerate(gaps):
        assert gap >= 0.2 * 2**index * 0.75, gaps
    assert statuses
    assert all("454 4.7.0 Temporary authentication failure" in s for s in statuses)
    assert_password_nowhere(stack, caplog)
