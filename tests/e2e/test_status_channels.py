"""``hookflo status`` tells which alert channel is stopped, why, and the way out.

The real server sends to the loopback Slack fake, which answers
``channel_not_found`` for a channel it does not know: a permanent failure,
so the dispatcher stops Slack. Status reads the stop and the waiting alerts
from the same store ``hookflo deliveries`` reads.
"""

import pytest

from tests.support.alertstack import by_channel, signup

pytestmark = pytest.mark.timeout(30)

CONTRACT_KEYS = {"receiver", "quiet_hours", "endpoint_health", "channels"}


def channels_of(stack) -> dict[str, dict]:
    result = stack.cli("status", "--json")
    assert result.status == 0, result.stderr
    facts = result.json()
    assert set(facts) == CONTRACT_KEYS
    return {c["channel"]: c for c in facts["channels"]}


def slack_line(stack) -> str:
    result = stack.cli("status")
    assert result.status == 0, result.stderr
    [line] = [x for x in result.stdout.splitlines() if x.startswith("Slack alerts:")]
    return line


@pytest.mark.expect_log_warnings  # the stop is logged for the user
async def test_a_stopped_slack_channel_shows_its_reason_and_release(alert_stack):
    stack = alert_stack
    stack.configure(slack={"channel": "#nowhere"})
    await stack.start()
    await stack.store(signup())
    [failed] = by_channel(await stack.settled(3))["slack"]
    assert failed["state"] == "failed"
    await stack.store(signup(user_id="user_2hkFAKEbob0000000000000002"))
    await stack.until(
        lambda: channels_of(stack)["slack"]["waiting"] == 1, what="a waiting alert"
    )
    await stack.stop()  # nothing changes the store while it is read

    shown = channels_of(stack)
    line = slack_line(stack)

    assert "channel_not_found" in failed["last_error"]
    slack = shown["slack"]
    assert slack["state"] == "stopped"
    assert slack["reason"] == failed["last_error"]
    assert isinstance(slack["stopped_since"], float)
    assert slack["release"] == f"hookflo retry {failed['id']}"
    assert (slack["waiting"], slack["failed"]) == (1, 1)
    assert slack["last_failure"]["delivery"] == failed["id"]
    assert slack["last_failure"]["error"] == failed["last_error"]
    for other in ("desktop", "email"):
        assert shown[other]["state"] == "sending"
        assert (shown[other]["waiting"], shown[other]["failed"]) == (0, 0)
        assert shown[other]["release"] is None
    assert line.startswith("Slack alerts: stopped since ")
    assert f": {failed['last_error']}. 1 alert waits, 1 alert failed (see " in line
    assert line.endswith(
        f"Fix the settings, then run `hookflo retry {failed['id']}` to send again"
    )

    # The command status names is the one that lets Slack send again.
    released = stack.cli(*slack["release"].split()[1:])
    assert released.status == 0, released.stderr

    slack = channels_of(stack)["slack"]
    assert (slack["state"], slack["reason"], slack["release"]) == (
        "sending",
        None,
        None,
    )
    assert (slack["waiting"], slack["failed"]) == (2, 0)
    assert slack_line(stack) == "Slack alerts: sending; 2 alerts wait"


def test_without_a_store_each_configured_channel_is_sending(alert_stack):
    stack = alert_stack
    stack.configure(email={"off": True})
    assert not stack.paths.database_file.exists()

    shown = channels_of(stack)
    result = stack.cli("status")

    assert list(shown) == ["desktop", "slack"]
    assert all(c["state"] == "sending" and c["waiting"] == 0 for c in shown.values())
    lines = result.stdout.splitlines()
    assert "Desktop alerts: sending; nothing waiting" in lines
    assert "Slack alerts: sending; nothing waiting" in lines
    assert not any(line.startswith("Email alerts") for line in lines)
