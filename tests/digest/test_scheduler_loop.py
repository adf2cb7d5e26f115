"""The scheduler's own loop: ticks at send times, and a wake after sleep.

The loop runs with the test's clock and a sleep that moves that clock, so a
night of suspend takes no time; digests go to the fake Slack through the
real Slack channel.
"""

import asyncio

from hookflo.core.alerting.templates import Renderer
from hookflo.core.channels.base import ChannelName
from hookflo.core.channels.slackapi import SlackChannel
from hookflo.core.digest.scheduler import TICK_S, DigestScheduler
from hookflo.core.digest.settings import DigestSettings, Schedule
from tests.digest.conftest import Clock, paris
from tests.support.alertstack import slack_texts
from tests.support.fakeslack import BOT_TOKEN, POST_MESSAGE

WAIT_S = 5.0


async def test_loop_sends_at_the_send_time_and_once_after_a_long_sleep(
    fake_slack, tmp_path
):
    clock = Clock(paris(4, 8, 29))
    waits: list[float] = []
    parked = asyncio.Event()
    release = asyncio.Event()
    settings = DigestSettings(daily=Schedule(8, 30), timezone="Europe/Paris")

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.now += seconds
        if len(waits) == 3:
            clock.now += 2 * 86400 + 3 * 3600  # the lid stayed shut
        if len(waits) >= 5:
            parked.set()
            await release.wait()

    channel = SlackChannel(fake_slack.settings(), bot_token=BOT_TOKEN)
    scheduler = DigestScheduler(
        tmp_path / "events.sqlite3",
        settings,
        {ChannelName.SLACK: channel},
        Renderer(None),
        clock=clock,
        sleep=sleep,
    )
    await scheduler.start()
    try:
        async with asyncio.timeout(WAIT_S):
            await parked.wait()
    finally:
        stopping = asyncio.gather(scheduler.stop())
        release.set()
        await stopping

    posts = [r.body for r in fake_slack.to(POST_MESSAGE) if r.status == 200]
    days = [slack_texts(p)[1].splitlines()[0] for p in posts]
    assert days == [
        "*Daily digest: 0 signups* · Wednesday 2 December 2026",
        "*Daily digest: 0 signups* · Thursday 3 December 2026",
        "*Daily digest: 0 signups* · Saturday 5 December 2026",
    ]
    # A minute to the send time, then a tick at it, then ticks each minute.
    assert waits[:3] == [60.0, TICK_S, TICK_S]
    assert scheduler.wakes_seen == 1
