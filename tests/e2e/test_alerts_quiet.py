"""Quiet hours through the whole path: no popup at night, one summary after.

The real ``Server`` runs with every stand-in (``alert_stack``); desktop
notifications reach the notification server on a private D-Bus session bus.
Quiet hours are set around the real local time, and the alerts' clock is the
real one plus an offset the test moves, so the night ends when the test says.
The policies never hold a message back, so a summary can only come from the
quiet hours.
"""

import asyncio
import datetime
import json
import time

import pytest

from tests.support import accounts
from tests.support.alertstack import ROOMY_POLICIES, by_channel, signup

pytestmark = pytest.mark.timeout(40)

SIGNUPS = 7
CALM_S = 0.8
"""How long nothing may pop up to count as holding (the lanes poll at 2 s,
but new events wake them at once)."""


class MovableClock:
    """The real clock plus an offset the test sets."""

    def __init__(self) -> None:
        self.offset_s = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset_s


def quiet_around_now(stack) -> str:
    """Add quiet hours from an hour ago to an hour from now; return the end."""
    now = datetime.datetime.now()
    start = (now - datetime.timedelta(hours=1)).strftime("%H:%M")
    end = (now + datetime.timedelta(hours=1)).strftime("%H:%M")
    config_file = stack.home / "config.toml"
    text = config_file.read_text(encoding="utf-8")
    text += f'\n[quiet_hours]\nenabled = true\nstart = "{start}"\nend = "{end}"\n'
    config_file.write_text(text, encoding="utf-8")
    return end


async def post_signups(stack) -> None:
    for index in range(SIGNUPS):
        await stack.store(
            signup(
                f"Quiet{index}",
                "Example",
                f"quiet{index}@example.com",
                user_id=f"user_2hkFAKEquiet{index:012d}",
            )
        )


async def slack_got_everything(stack) -> None:
    """Slack is not held by default: all its alerts go out during the night."""
    await stack.until(
        lambda: len(stack.slack_posts()) == SIGNUPS, what="Slack alerts sent"
    )


def desktop_states(stack) -> set[str]:
    return {r["state"] for r in by_channel(stack.deliveries())["desktop"]}


async def test_no_popup_during_quiet_hours_and_one_summary_after(alert_stack):
    stack = alert_stack
    stack.configure(email={"off": True})
    end = quiet_around_now(stack)
    clock = MovableClock()
    server = await stack.start(policies=ROOMY_POLICIES, clock=clock)

    await post_signups(stack)
    await slack_got_everything(stack)
    await asyncio.sleep(CALM_S)
    assert stack.notify.calls == []
    assert desktop_states(stack) == {"pending"}
    held = f"held (quiet hours until {end})"
    rows = by_channel(stack.deliveries())
    assert {r["status"] for r in rows["desktop"]} == {held}
    assert all(r["held_until"] is not None for r in rows["desktop"])
    assert all(r["held_until"] is None for r in rows["slack"])
    listed = stack.cli("deliveries").stdout.splitlines()
    assert sum(held in line for line in listed) == SIGNUPS

    clock.offset_s = 2 * 3600.0  # the night is over
    assert server.dispatcher is not None
    server.dispatcher.wake()
    await stack.until(lambda: stack.notify.calls, what="the summary popup")
    await asyncio.sleep(CALM_S)

    (summary,) = stack.notify.calls
    assert summary.summary == f"While quiet: {SIGNUPS} new signups"
    assert summary.body.startswith("Quiet0 Example, Quiet1 Example, Quiet2 Example")
    assert summary.body.endswith(f"and {SIGNUPS - 3} more")
    assert desktop_states(stack) == {"sent"}
    assert len(stack.slack_posts()) == SIGNUPS


async def test_the_summary_after_quiet_hours_counts_each_kind(alert_stack):
    stack = alert_stack
    stack.configure(email={"off": True}, slack={"off": True})
    quiet_around_now(stack)
    clock = MovableClock()
    server = await stack.start(policies=ROOMY_POLICIES, clock=clock)
    await post_signups(stack)
    quiet0 = json.loads(
        signup("Quiet0", "Example", user_id=f"user_2hkFAKEquiet{0:012d}")
    )["data"]
    locked = accounts.updated(quiet0, accounts.setting(locked=True))
    await stack.store(accounts.envelope("user.updated", locked))
    await stack.until(
        lambda: len(stack.deliveries()) == SIGNUPS + 1, what="deliveries stored"
    )

    clock.offset_s = 2 * 3600.0
    assert server.dispatcher is not None
    server.dispatcher.wake()
    await stack.until(lambda: stack.notify.calls, what="the summary popup")
    await asyncio.sleep(CALM_S)

    (summary,) = stack.notify.calls
    assert summary.summary == f"While quiet: {SIGNUPS} new signups, 1 account locked"
    assert summary.body.split("\n") == [
        f"{SIGNUPS} new signups: Quiet0 Example, Quiet1 Example and {SIGNUPS - 2} more",
        "1 account locked: Quiet0 Example",
    ]


async def test_a_restart_at_night_keeps_holding_and_one_after_releases(alert_stack):
    stack = alert_stack
    stack.configure(email={"off": True}, slack={"off": True})
    quiet_around_now(stack)
    clock = MovableClock()
    await stack.start(policies=ROOMY_POLICIES, clock=clock)
    await post_signups(stack)
    await stack.until(
        lambda: len(stack.deliveries()) == SIGNUPS, what="deliveries stored"
    )

    await stack.start(policies=ROOMY_POLICIES, clock=clock)  # still night
    await asyncio.sleep(CALM_S)
    assert stack.notify.calls == []
    assert desktop_states(stack) == {"pending"}

    await stack.stop()
    clock.offset_s = 2 * 3600.0
    await stack.start(policies=ROOMY_POLICIES, clock=clock)  # morning
    await stack.until(lambda: stack.notify.calls, what="the summary popup")
    await asyncio.sleep(CALM_S)

    (summary,) = stack.notify.calls
    assert summary.summary == f"While quiet: {SIGNUPS} new signups"
    assert desktop_states(stack) == {"sent"}

    # After the summary, a new event pops up on its own, as usual.
    await stack.store(signup("Morning", "Example", "morning@example.com"))
    await stack.until(lambda: len(stack.notify.calls) == 2, what="a single popup")
    assert not stack.notify.calls[1].summary.startswith("While quiet")
