"""A signed webhook to a desktop popup, a Slack message and an email, end to end.

The real ``Server`` runs in this process with the real channels; what arrives
is read from the stand-ins (``tests.support.alertstack``): a notification
server on a private D-Bus bus, the loopback Slack fake, and aiosmtpd with
STARTTLS and AUTH. Routing follows config.toml, defaults or ``[[routes]]``;
the last tests send hostile names through every channel.
"""

import re
import time

import pytest

from hookflo.core.channels import slackmessage
from tests.support.alertstack import (
    DEV_PATH,
    ROOMY_POLICIES,
    by_channel,
    signup,
    slack_texts,
    with_type,
)
from tests.support.fakeslack import BOT_TOKEN, POST_MESSAGE
from tests.support.smtpserver import RECIPIENT

pytestmark = pytest.mark.timeout(30)

HEADLINE = "Ada Example signed up with Google · ada@example.com"


def text_part(message, kind: str = "plain") -> str:
    return message.get_body((kind,)).get_content().replace("\r\n", "\n")


async def test_a_production_signup_reaches_every_channel_within_a_second(
    alert_stack,
):
    stack = alert_stack
    await stack.start()

    began = time.monotonic()
    msg_id = await stack.store(signup())
    await stack.until(
        lambda: stack.notify.calls and stack.slack_posts() and stack.emails,
        what="one alert on each channel",
    )
    elapsed = time.monotonic() - began
    rows = await stack.settled(3)
    await stack.stop()  # nothing more can be sent after this

    assert elapsed < 1.0, f"the alerts took {elapsed:.2f} s"
    [popup] = stack.notify.calls
    assert (popup.app_name, popup.summary) == ("HookFlo", "New signup")
    assert popup.body == f"{HEADLINE}\nproduction · clerk"
    [post] = stack.slack.to(POST_MESSAGE)
    assert post.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert post.body["channel"] == "#signups"
    assert post.body["text"] == f"New signup: {HEADLINE}"
    assert post.body["blocks"][0]["text"]["text"] == (
        "*New signup*\n*Ada Example* signed up with Google · ada@example.com\n"
        "production · clerk · event 1"
    )
    [mail] = stack.emails
    assert mail.over_tls
    assert mail.authenticated
    assert mail.rcpt_tos == [RECIPIENT]
    assert mail.message["Subject"] == "New signup: Ada Example"
    assert mail.message["Reply-To"] == "Ada Example <ada@example.com>"
    assert text_part(mail.message).startswith(f"{HEADLINE}\n")
    assert "<strong>Ada Example</strong> signed up with Google" in text_part(
        mail.message, "html"
    )

    assert [(r["channel"], r["state"], r["tries"]) for r in rows] == [
        ("desktop", "sent", 1),
        ("slack", "sent", 1),
        ("email", "sent", 1),
    ]
    assert {r["svix_id"] for r in rows} == {msg_id}
    answers = {r["channel"]: r["answer"] for r in rows}
    assert answers["desktop"] == "Shown by hookflo-test-notifyd 1.0"
    assert re.fullmatch(
        r"Slack accepted it in C0FAKE0001 \(ts 1735689600\.\d{6}\)", answers["slack"]
    )
    assert answers["email"] == (
        f"smtp 127.0.0.1:{stack.smtp.port} accepted it for 1 recipient "
        "(250 2.0.0 Ok: queued as FAKE0001)"
    )


async def test_a_click_on_the_popup_names_the_stored_event(alert_stack):
    stack = alert_stack
    server = await stack.start()
    clicked: list[int] = []
    server.on_notification_clicked = clicked.append
    await stack.store(with_type("session.created"))
    [row] = await stack.settled(1)

    stack.notify.click(stack.notify.calls[0].id)

    assert await stack.until(lambda: clicked) == [row["event_id"]]


async def test_development_and_session_events_go_to_the_desktop_only(alert_stack):
    stack = alert_stack
    await stack.start()

    await stack.store(signup(), path=DEV_PATH)
    await stack.store(with_type("session.created"))
    sent = await stack.cli_async("send-test")
    assert sent.status == 0, sent.stderr
    rows = await stack.settled(5)

    grouped = by_channel(rows)
    assert [r["event_type"] for r in grouped["desktop"]] == [
        "user.created",
        "session.created",
        "user.created",
    ]
    assert [r["environment"] for r in grouped["desktop"]] == [
        "development",
        "production",
        "production",
    ]
    assert all(r["state"] == "sent" for r in rows)
    titles = [call.summary for call in stack.notify.calls]
    assert titles == ["TEST · New signup", "Sign-in", "TEST · New signup"]
    assert stack.notify.calls[0].body == f"{HEADLINE}\ndevelopment · clerk-dev"

    # Only the send-test event reached Slack and email, marked TEST there too.
    [post] = stack.slack_posts()
    assert post["text"].startswith("TEST · New signup: Ada Example signed up")
    assert post["blocks"][-1]["elements"][0]["text"] == slackmessage.TEST_NOTE
    [mail] = stack.emails
    assert mail.message["Subject"] == "TEST · New signup: Ada Example"
    assert [r["channel"] for r in rows if r["event_id"] == 3] == [
        "desktop",
        "slack",
        "email",
    ]


async def test_routes_in_config_decide_the_channels(alert_stack):
    stack = alert_stack
    stack.configure(
        routes=[
            {
                "environment": "production",
                "events": ["session.*"],
                "channels": ["slack"],
            },
            {"events": ["user.created"], "channels": ["email"]},
        ]
    )
    await stack.start()

    await stack.store(with_type("session.created"))
    await stack.store(signup())
    await stack.store(signup(), path=DEV_PATH)
    await stack.store(with_type("organization.created"))
    rows = await stack.settled(3)
    await stack.stop()

    assert [(r["event_id"], r["channel"], r["state"]) for r in rows] == [
        (1, "slack", "sent"),
        (2, "email", "sent"),
        (3, "email", "sent"),
    ]
    assert stack.notify.calls == []
    [post] = stack.slack_posts()
    assert post["text"].startswith("Sign-in: ")
    subjects = [m.message["Subject"] for m in stack.emails]
    assert subjects == ["New signup: Ada Example", "TEST · New signup: Ada Example"]
    events = stack.cli("events", "--json").json()
    assert len(events) == 4, "the unrouted event is stored all the same"


# Injection: hostile names through every channel.

HOSTILE_FIRST = "<b>bold</b> <!channel> <@U123> <https://evil|click>"
HOSTILE_LAST = "Eve\r\nBcc: x@evil.example \u202egnp.exe"
LIVE_SLACK = ("<!", "<@", "<#", "<http", "<b>")


@pytest.mark.parametrize("markup", [False, True], ids=["plain", "body-markup"])
async def test_hostile_names_are_neutralised_in_every_channel(alert_stack, markup):
    stack = alert_stack
    if markup:
        stack.notify.advertise("body", "body-markup", "actions")
    await stack.start(policies=ROOMY_POLICIES)

    await stack.store(signup(HOSTILE_FIRST, HOSTILE_LAST, "eve@example.com"))
    await stack.store(signup("Mallory", None, "mal@example.com\r\nBcc: x@evil.example"))
    rows = await stack.settled(6)
    assert {r["state"] for r in rows} == {"sent"}

    for post in stack.slack_posts():
        for text in slack_texts(post):
            for live in LIVE_SLACK:
                assert live not in text, text
            assert "\u202e" not in text
            assert "\r" not in text
    assert "link_names" not in stack.slack.requests[0].raw.decode()
    assert '"parse"' not in stack.slack.requests[0].raw.decode()
    first = stack.slack_posts()[0]
    assert (
        "&lt;b&gt;bold&lt;/b&gt; &lt;!channel&gt; &lt;@U123&gt; "
        "&lt;https://evil|click&gt; Eve Bcc: x@evil.example gnp.exe"
    ) in first["text"]

    for mail in stack.emails:
        assert mail.rcpt_tos == [RECIPIENT]
        assert mail.message["Bcc"] is None
        assert mail.raw_headers.isascii()
        for line in mail.raw_headers.split(b"\r\n"):
            assert not line.lower().startswith(b"bcc"), line
        html = text_part(mail.message, "html")
        assert "<b>bold</b>" not in html
        assert "<https://evil" not in html
        for part in (mail.message["Subject"], text_part(mail.message), html):
            assert "\u202e" not in part
    eve, mallory = stack.emails
    assert "&lt;b&gt;bold&lt;/b&gt; &lt;!channel&gt;" in text_part(eve.message, "html")
    assert eve.message["Subject"] == (
        f"New signup: {HOSTILE_FIRST} Eve Bcc: x@evil.example gnp.exe"
    )
    assert eve.message["Reply-To"].addresses[0].addr_spec == "eve@example.com"
    assert mallory.message["Reply-To"] is None, "an address with a line break"

    for call in stack.notify.calls:
        assert "\u202e" not in call.summary + call.body
        assert "\r" not in call.summary + call.body
    body = stack.notify.calls[0].body
    if markup:
        assert body.startswith("&lt;b&gt;bold&lt;/b&gt; &lt;!channel&gt;")
        assert "<b>" not in body
    else:
        assert body.startswith(f"{HOSTILE_FIRST} Eve")
