"""SlackChannel through slack_sdk against the loopback stand-in for Slack."""

import json
import logging
import time

import aiohttp
import pytest

from hookflo.core.alertconfig import SlackSettings
from hookflo.core.channels import slackmessage
from hookflo.core.channels.base import Alert, ChannelName, DeliveryError
from hookflo.core.channels.slackapi import SlackChannel, check_slack_settings
from tests.support.cases import load_case
from tests.support.fakeslack import (
    AUTH_TEST,
    BOT_TOKEN,
    CHANNEL_ID,
    POST_MESSAGE,
    WEBHOOK,
    WEBHOOK_SECRET,
    Reply,
    unused_loopback_port,
)

pytestmark = pytest.mark.timeout(10)

TEXT = "New signup: Ada Example · ada@example.com"
MRKDWN = "*New signup* Ada Example · ada@example.com\nSigned up with Google"
AUTHOR_LINK = "<https://dashboard.clerk.com/|Open in Clerk>"


def make_alert(text: str = TEXT, mrkdwn: str = MRKDWN, is_test: bool = False):
    return Alert({"text": text, "mrkdwn": mrkdwn}, (7,), "slack-7", is_test)


def section(text: str) -> dict:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": text, "verbatim": True},
    }


def escape(value: str) -> str:
    """Escape a substituted value the way the Slack templates do."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.fixture(autouse=True)
def _only_loopback(fake_slack):
    """Every test here runs with the guard on; none may try another host."""
    yield
    assert fake_slack.guard.refused == []


@pytest.fixture
async def make_channel(fake_slack):
    """Build channels aimed at the fake (bot token by default); close them."""
    made: list[SlackChannel] = []

    def make(*, webhook: bool = False, **settings) -> SlackChannel:
        if webhook:
            settings.setdefault("channel", None)
            channel = SlackChannel(
                fake_slack.settings(**settings), webhook_url=fake_slack.webhook_url
            )
        else:
            channel = SlackChannel(fake_slack.settings(**settings), bot_token=BOT_TOKEN)
        made.append(channel)
        return channel

    yield make
    for channel in made:
        await channel.close()


async def failure(channel: SlackChannel, alert: Alert | None = None) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        await channel.send(alert or make_alert())
    return caught.value


# Sending


async def test_bot_token_send_posts_the_exact_payload(fake_slack, make_channel):
    channel = make_channel()
    assert channel.name is ChannelName.SLACK

    receipt = await channel.send(make_alert())

    assert receipt.detail == f"Slack accepted it in {CHANNEL_ID} (ts 1735689600.000101)"
    [request] = fake_slack.to(POST_MESSAGE)
    assert request.path == "/api/chat.postMessage"
    assert request.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.body == {
        "channel": "#signups",
        "text": TEXT,
        "blocks": [section(MRKDWN)],
        "unfurl_links": False,
        "unfurl_media": False,
    }


async def test_test_alert_carries_a_test_context_block(fake_slack, make_channel):
    await make_channel().send(make_alert(is_test=True))

    blocks = fake_slack.to(POST_MESSAGE)[0].body["blocks"]
    assert blocks[0] == section(MRKDWN)
    assert blocks[1]["type"] == "context"
    assert blocks[1]["elements"][0]["type"] == "plain_text"
    assert blocks[1]["elements"][0]["text"].startswith("TEST")


async def test_webhook_send_posts_json_without_a_token(fake_slack, make_channel):
    receipt = await make_channel(webhook=True).send(make_alert())

    assert receipt.detail == "Slack accepted it through the incoming webhook"
    [request] = fake_slack.to(WEBHOOK)
    assert request.path.endswith(WEBHOOK_SECRET)
    assert "Authorization" not in request.headers
    assert request.body == {
        "text": TEXT,
        "blocks": [section(MRKDWN)],
        "unfurl_links": False,
        "unfurl_media": False,
    }


async def test_both_secrets_use_the_bot_token_when_a_channel_is_set(fake_slack):
    settings = fake_slack.settings()
    channel = SlackChannel(
        settings, webhook_url=fake_slack.webhook_url, bot_token=BOT_TOKEN
    )
    try:
        await channel.send(make_alert())
    finally:
        await channel.close()
    assert len(fake_slack.to(POST_MESSAGE)) == 1
    assert fake_slack.to(WEBHOOK) == []


async def test_text_only_when_the_template_gives_no_mrkdwn(fake_slack, make_channel):
    await make_channel().send(make_alert(mrkdwn=""))

    body = fake_slack.to(POST_MESSAGE)[0].body
    assert body["text"] == TEXT
    assert "blocks" not in body


async def test_empty_message_is_refused_before_sending(fake_slack, make_channel):
    error = await failure(make_channel(), make_alert(text=" ", mrkdwn=""))

    assert error.permanent
    assert "empty message" in error.message
    assert fake_slack.requests == []


@pytest.mark.expect_log_warnings
async def test_refused_blocks_fall_back_to_text_once(fake_slack, make_channel, caplog):
    fake_slack.script(
        POST_MESSAGE, Reply(json={"ok": False, "error": "invalid_blocks"})
    )

    receipt = await make_channel().send(make_alert())

    assert receipt.detail.endswith("as plain text because Slack refused the blocks")
    first, second = fake_slack.to(POST_MESSAGE)
    assert "blocks" in first.body
    assert "blocks" not in second.body
    assert second.body["text"] == TEXT
    assert "sending plain text" in caplog.text


@pytest.mark.expect_log_warnings
async def test_webhook_refused_blocks_fall_back_to_text(fake_slack, make_channel):
    fake_slack.script(WEBHOOK, Reply(400, text="invalid_blocks"))

    receipt = await make_channel(webhook=True).send(make_alert())

    assert "plain text" in receipt.detail
    assert [("blocks" in r.body) for r in fake_slack.to(WEBHOOK)] == [True, False]


# C39: what the templates escaped reaches Slack as it is


def c39_names() -> list[str]:
    case = load_case("C39")
    names = []
    for request in case["requests_in_order"]:
        data = json.loads(request["body"])["data"]
        names.append(f"{data['first_name']} {data['last_name']}")
    return names


@pytest.mark.parametrize("webhook", [False, True], ids=["bot", "webhook"])
@pytest.mark.parametrize("name", c39_names())
async def test_c39_escaped_parts_reach_slack_unchanged(
    fake_slack, make_channel, name, webhook
):
    text = f"New signup: {escape(name)}"
    mrkdwn = f"*New signup* {escape(name)} · {AUTHOR_LINK}"

    await make_channel(webhook=webhook).send(make_alert(text, mrkdwn))

    [request] = fake_slack.to(WEBHOOK if webhook else POST_MESSAGE)
    body = request.body
    assert body["text"] == text
    assert body["blocks"][0]["text"]["text"] == mrkdwn
    assert body["blocks"][0]["text"]["verbatim"] is True
    assert "link_names" not in body
    assert "parse" not in body
    for wire in (body["text"], body["blocks"][0]["text"]["text"]):
        user_part = wire.replace(AUTHOR_LINK, "")
        for opener in ("<!", "<@", "<#", "<http"):
            assert opener not in user_part
    raw = request.raw.decode()
    assert "link_names" not in raw
    assert '"parse"' not in raw


async def test_c39_entity_encoded_input_stays_literal(fake_slack, make_channel):
    name = escape("&lt;!everyone&gt;")
    assert name == "&amp;lt;!everyone&amp;gt;"

    await make_channel().send(make_alert(f"Hi {name}", f"*Hi* {name}"))

    body = fake_slack.to(POST_MESSAGE)[0].body
    assert body["text"] == "Hi &amp;lt;!everyone&amp;gt;"
    assert body["blocks"][0]["text"]["text"] == "*Hi* &amp;lt;!everyone&amp;gt;"


# C36: rate limits


async def test_c36_429_is_temporary_with_retry_after_then_success(
    fake_slack, make_channel
):
    case = load_case("C36")
    fake_slack.script(
        POST_MESSAGE, *map(Reply.from_case, case["slack_stand_in_script"])
    )
    channel = make_channel()

    error = await failure(channel)

    assert not error.permanent
    assert error.retry_after == 3.0
    assert "rate limited" in error.message
    receipt = await channel.send(make_alert())
    assert receipt.detail == f"Slack accepted it in {CHANNEL_ID} (ts 1735689600.000100)"
    assert [r.status for r in fake_slack.to(POST_MESSAGE)] == [429, 200]


async def test_c36_webhook_429_honours_retry_after(fake_slack, make_channel):
    case = load_case("C36")
    steps = case["incoming_webhook_variant"]
    fake_slack.script(WEBHOOK, *map(Reply.from_case, steps))
    channel = make_channel(webhook=True)

    error = await failure(channel)

    assert not error.permanent
    assert error.retry_after == 2.0
    await channel.send(make_alert())
    assert [r.status for r in fake_slack.to(WEBHOOK)] == [429, 200]


@pytest.mark.parametrize("webhook", [False, True], ids=["bot", "webhook"])
async def test_burst_beyond_one_a_second_gets_retry_after(
    fake_slack, make_channel, webhook
):
    fake_slack.rate_limit(per_second=1.0)
    channel = make_channel(webhook=webhook)

    await channel.send(make_alert())
    errors = [await failure(channel) for _ in range(3)]

    assert all(not e.permanent and e.retry_after == 1.0 for e in errors)
    target = WEBHOOK if webhook else POST_MESSAGE
    assert [r.status for r in fake_slack.to(target)] == [200, 429, 429, 429]


# C38: channel problems, each with its hint, permanent, one attempt

C38_EXPECTED = {
    "#signups": ["not_in_channel", "/invite @hookflo in #signups"],
    "C0FAKEPRIV": ["private channel", "invite the app first", "check the id"],
    "signups ": ["trailing space", "trims names on save"],
}


@pytest.mark.parametrize(
    "variant",
    load_case("C38")["config_variants"],
    ids=lambda v: repr(v["channel"]),
)
async def test_c38_channel_problems_are_permanent_with_a_hint(
    fake_slack, make_channel, variant
):
    if variant["stand_in"] is not None:
        fake_slack.script(POST_MESSAGE, Reply(json=variant["stand_in"]["json"]))
    channel = make_channel(channel=variant["channel"])

    error = await failure(channel)

    assert error.permanent
    if variant["channel"] == "":
        assert error.message == check_slack_settings(
            fake_slack.settings(channel=""), None, BOT_TOKEN
        )
        assert "channel is empty" in error.message
        assert fake_slack.requests == []
        return
    for fragment in C38_EXPECTED[variant["channel"]]:
        assert fragment in error.message
    assert len(fake_slack.to(POST_MESSAGE)) == 1


async def test_not_in_channel_hint_without_the_app_name(fake_slack, make_channel):
    fake_slack.script(
        POST_MESSAGE, Reply(json={"ok": False, "error": "not_in_channel"})
    )
    fake_slack.script(AUTH_TEST, Reply(200, text="not slack"))

    error = await failure(make_channel())

    assert error.permanent
    assert "/invite @HookFlo in #signups" in error.message


async def test_bot_token_without_a_channel_is_refused_before_sending(
    fake_slack, make_channel
):
    error = await failure(make_channel(channel=None))

    assert error.permanent
    assert "needs a channel" in error.message
    assert fake_slack.requests == []


@pytest.mark.parametrize(
    ("channel", "webhook_url", "bot_token", "expected"),
    [
        ("#signups", None, None, "neither a webhook URL nor a bot token"),
        ("#signups", " ", "", "neither a webhook URL nor a bot token"),
        (None, None, BOT_TOKEN, "needs a channel"),
        ("  ", None, BOT_TOKEN, "channel is empty"),
        ("#signups", None, "https://hooks.slack.com/services/T/B/X", "is a URL"),
        ("#signups", None, "xoxb-one two", "contains a space"),
        (None, "hooks.slack.com/services/T/B/X", None, "not an http(s) URL"),
        (None, "http://hooks.slack.com/services/T/B/X", None, "plain http"),
        (None, "https://hooks.slack.com/services/T/B/X", None, None),
        (None, "https://hooks.slack.com/services/T/B/X", BOT_TOKEN, None),
        ("C0FAKE0001", None, BOT_TOKEN, None),
    ],
)
def test_check_slack_settings(channel, webhook_url, bot_token, expected):
    settings = SlackSettings(channel=channel)

    problem = check_slack_settings(settings, webhook_url, bot_token)

    if expected is None:
        assert problem is None
    else:
        assert expected in problem
        assert "hooks.slack.com" not in problem


def test_check_slack_settings_refuses_plain_http_api_to_another_host():
    settings = SlackSettings(channel="#signups", api_url="http://proxy.example/api/")

    problem = check_slack_settings(settings, None, BOT_TOKEN)

    assert "channels.slack.api_url uses plain http" in problem


# Other refusals


@pytest.mark.parametrize(
    ("reply", "fragment"),
    [
        ({"ok": False, "error": "token_revoked"}, "was revoked"),
        ({"ok": False, "error": "not_authed"}, "no bot token"),
        ({"ok": False, "error": "account_inactive"}, "deactivated"),
        (
            {"ok": False, "error": "missing_scope", "needed": "chat:write"},
            "lacks the chat:write scope",
        ),
        ({"ok": False, "error": "is_archived"}, "#signups is archived"),
        ({"ok": False, "error": "restricted_action"}, "stops the app posting"),
        ({"ok": False, "error": "msg_too_long"}, "too long"),
        ({"ok": False, "error": "something_new"}, "(something_new)"),
    ],
)
async def test_refusals_are_permanent(fake_slack, make_channel, reply, fragment):
    fake_slack.script(POST_MESSAGE, Reply(json=reply))

    error = await failure(make_channel())

    assert error.permanent
    assert fragment in error.message
    assert error.retry_after is None


async def test_wrong_token_is_permanent_invalid_auth(fake_slack):
    channel = SlackChannel(fake_slack.settings(), bot_token="xoxb-not-the-right-one")
    try:
        error = await failure(channel)
    finally:
        await channel.close()

    assert error.permanent
    assert "invalid_auth" in error.message
    assert "xoxb-not-the-right-one" not in error.message


@pytest.mark.parametrize(
    "reply",
    [
        Reply(500, {"ok": False, "error": "internal_error"}),
        Reply(503, text="upstream connect error"),
        Reply(json={"ok": False, "error": "service_unavailable"}),
    ],
    ids=["500-json", "503-text", "200-service_unavailable"],
)
async def test_server_trouble_is_temporary(fake_slack, make_channel, reply):
    fake_slack.script(POST_MESSAGE, reply)

    error = await failure(make_channel())

    assert not error.permanent


@pytest.mark.parametrize(
    "reply",
    [
        Reply(404, text="not found"),
        Reply(200, text="ok"),
        Reply(200, json=["not", "slack"]),
        Reply(200, text="<html>", content_type="text/html"),
    ],
    ids=["404", "200-text", "200-list", "200-html"],
)
async def test_a_non_slack_answer_points_at_the_api_url(
    fake_slack, make_channel, reply
):
    fake_slack.script(POST_MESSAGE, reply)

    error = await failure(make_channel())

    assert error.permanent
    assert "channels.slack.api_url" in error.message


@pytest.mark.parametrize(
    ("reply", "fragment"),
    [
        (Reply(404, text="no_service"), "revoked or is wrong"),
        (Reply(410, text="channel_is_archived"), "archived or deleted"),
        (Reply(403, text="action_prohibited"), "revoked or is wrong"),
        (Reply(403, text="invalid_token"), "revoked or is wrong"),
        (Reply(400, text="no_text"), "empty message"),
    ],
)
async def test_webhook_refusals_are_permanent(
    fake_slack, make_channel, reply, fragment
):
    fake_slack.script(WEBHOOK, reply)

    error = await failure(make_channel(webhook=True))

    assert error.permanent
    assert fragment in error.message
    assert WEBHOOK_SECRET not in error.message


async def test_webhook_server_error_is_temporary(fake_slack, make_channel):
    fake_slack.script(WEBHOOK, Reply(502, text="bad gateway"))

    error = await failure(make_channel(webhook=True))

    assert not error.permanent


# No answer at all


@pytest.mark.parametrize("webhook", [False, True], ids=["bot", "webhook"])
async def test_connection_refused_is_temporary(fake_slack, webhook):
    port = unused_loopback_port()
    settings = fake_slack.settings(api_url=f"http://127.0.0.1:{port}/api/")
    if webhook:
        url = f"http://127.0.0.1:{port}/services/T0/B0/{WEBHOOK_SECRET}"
        channel = SlackChannel(settings.__class__(timeout_s=2.0), webhook_url=url)
    else:
        channel = SlackChannel(settings, bot_token=BOT_TOKEN)
    try:
        error = await failure(channel)
    finally:
        await channel.close()

    assert not error.permanent
    assert "could not connect" in error.message
    assert str(port) not in error.message


@pytest.mark.parametrize("webhook", [False, True], ids=["bot", "webhook"])
async def test_timeout_is_temporary_and_bounded(fake_slack, make_channel, webhook):
    fake_slack.script(WEBHOOK if webhook else POST_MESSAGE, Reply(delay_s=5.0))
    channel = make_channel(webhook=webhook, timeout_s=0.3)

    started = time.monotonic()
    error = await failure(channel)

    assert time.monotonic() - started < 1.5
    assert not error.permanent
    assert "did not answer within 0.3 s" in error.message


async def test_tests_never_reach_slack_com(fake_slack):
    """The default settings aim at slack.com; the guard stops the attempt."""
    channel = SlackChannel(SlackSettings(channel="#signups"), bot_token=BOT_TOKEN)
    hook = SlackChannel(
        SlackSettings(), webhook_url="https://hooks.slack.com/services/T/B/X"
    )
    try:
        errors = [await failure(channel), await failure(hook)]
    finally:
        await channel.close()
        await hook.close()

    assert all(not e.permanent for e in errors)
    assert all("could not look up Slack's address" in e.message for e in errors)
    assert fake_slack.guard.refused == ["slack.com", "hooks.slack.com"]
    assert fake_slack.requests == []
    fake_slack.guard.refused.clear()


# Secrets


async def test_secrets_stay_out_of_errors_and_logs(fake_slack, make_channel, caplog):
    caplog.set_level(logging.DEBUG)
    fake_slack.script(WEBHOOK, Reply(404, text="no_service"), Reply(delay_s=5.0))
    fake_slack.script(POST_MESSAGE, Reply(json={"ok": False, "error": "invalid_auth"}))
    hook = make_channel(webhook=True, timeout_s=0.3)
    bot = make_channel()
    port = unused_loopback_port()
    dead = make_channel(api_url=f"http://127.0.0.1:{port}/api/")
    errors = [
        await failure(hook),
        await failure(hook),
        await failure(bot),
        await failure(dead),
    ]
    await hook.send(make_alert())
    await bot.send(make_alert())

    texts = [e.message for e in errors] + [str(e) for e in errors]
    texts += [r.getMessage() for r in caplog.records] + [caplog.text]
    for text in texts:
        assert BOT_TOKEN not in text
        assert WEBHOOK_SECRET not in text
        assert fake_slack.webhook_url not in text
    for error in errors:
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__


# Limits


async def test_long_mrkdwn_is_split_into_sections_slack_accepts(
    fake_slack, make_channel
):
    lines = [f"{i:03d} &lt;user&gt; signed up &amp; verified" for i in range(300)]
    mrkdwn = "\n".join(lines)

    await make_channel().send(make_alert(mrkdwn=mrkdwn))

    blocks = fake_slack.to(POST_MESSAGE)[0].body["blocks"]
    texts = [b["text"]["text"] for b in blocks]
    assert len(texts) > 1
    assert all(len(t) <= slackmessage.SECTION_LIMIT for t in texts)
    assert "\n".join(texts) == mrkdwn


async def test_oversized_parts_are_cut_before_sending(fake_slack, make_channel):
    text = "a" * 39_995 + " &amp; more" * 10
    mrkdwn = ("x" * 2_990 + "&amp;\n") * 39 + "y" * 2_998 + "&amp;"

    receipt = await make_channel().send(make_alert(text, mrkdwn))

    assert receipt.detail.startswith("Slack accepted it")
    body = fake_slack.to(POST_MESSAGE)[0].body
    assert len(body["text"]) <= slackmessage.TEXT_LIMIT
    assert body["text"].endswith("…")
    assert len(body["blocks"]) == slackmessage.MAX_SECTIONS
    for block in body["blocks"]:
        content = block["text"]["text"]
        assert len(content) <= slackmessage.SECTION_LIMIT
        assert not content.rstrip("…").endswith(("&", "&a", "&am", "&amp"))
    assert body["blocks"][-1]["text"]["text"].endswith("\n…")


async def test_a_line_longer_than_a_section_is_cut(fake_slack, make_channel):
    mrkdwn = "y" * 2_998 + "&amp; the rest"

    await make_channel().send(make_alert(mrkdwn=mrkdwn))

    [block] = fake_slack.to(POST_MESSAGE)[0].body["blocks"]
    assert block["text"]["text"] == "y" * 2_998 + "…"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("abcdefgh &amp; ij", 15, "abcdefgh…"),
        ("see <https://x.example/a|the page> now", 20, "see…"),
        ("line one\nline two is long", 20, "line one…"),
        ("family 👨\u200d👩\u200d👧 photo", 12, "family…"),
        ("abcdefghijklmnopqrstuvwxyz", 10, "abcdefghi…"),
    ],
)
def test_shorten_never_splits_entities_links_or_joined_characters(
    text, limit, expected
):
    result = slackmessage.shorten(text, limit)

    assert result == expected
    assert len(result) <= limit


async def test_close_is_idempotent(fake_slack, make_channel):
    channel = make_channel()
    await channel.send(make_alert())

    await channel.close()
    await channel.close()


async def test_fake_slack_reads_form_bodies_too(fake_slack):
    """Other clients post forms; the stand-in parses them like Slack does."""
    form = {"channel": "#signups", "text": "hi", "blocks": json.dumps([section("hi")])}
    headers = {"Authorization": f"Bearer {BOT_TOKEN}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{fake_slack.api_url}chat.postMessage", data=form, headers=headers
        ) as response,
    ):
        reply = await response.json()

    assert reply["ok"] is True
    assert fake_slack.to(POST_MESSAGE)[0].body["blocks"] == [section("hi")]
