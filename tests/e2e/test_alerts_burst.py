"""Bursts through the whole path: a few alerts, then one summary per channel.

The shipped policies hold a burst for 10 s (desktop), 20 s (Slack) and 60 s
(email) before the summary goes, and space Slack messages a second apart.
Here the holds are 1.5 s and Slack's spacing half a second; how many alerts
go one by one in a window is as shipped. So a burst takes seconds, not
minutes (``Server`` takes the policies for this).
"""

import asyncio
import dataclasses
import itertools
import re
from collections import Counter

import pytest

from hookflo.core.alerting import burst
from hookflo.core.alerting.pacing import POLICIES
from hookflo.core.channels.base import ChannelName
from tests.support.alertstack import by_channel, signup
from tests.support.fakeslack import POST_MESSAGE

pytestmark = pytest.mark.timeout(40)

SHORT_HOLDS = {
    name: dataclasses.replace(policy, hold_s=1.5) for name, policy in POLICIES.items()
}
SHORT_HOLDS[ChannelName.SLACK] = dataclasses.replace(
    SHORT_HOLDS[ChannelName.SLACK], min_interval_s=0.5
)
MORE = re.compile(r"(?:…)?and (\d+) more")


def person(index: int) -> tuple[str, bytes]:
    name = f"Signup{index:02d} Example"
    body = signup(
        f"Signup{index:02d}",
        "Example",
        f"signup{index:02d}@example.com",
        user_id=f"user_2hkFAKEburst{index:012d}",
    )
    return name, body


async def post_burst(stack, count: int) -> dict[int, str]:
    """Post ``count`` signups at once; return each stored event id's name."""
    people = [person(i) for i in range(count)]
    await asyncio.gather(*(stack.store(body) for _, body in people))
    events = stack.cli("events", "--json", "--limit", "1000").json()
    return {
        e["id"]: " ".join((e["payload"]["data"]["first_name"], "Example"))
        for e in events
    }


def summary_rows(rows) -> dict[str, list]:
    return {
        channel: [r for r in found if r["summary"]]
        for channel, found in by_channel(rows).items()
    }


def assert_each_told_once(
    names: dict[int, str], singles: list[str], listed: list[str], summary: str
) -> None:
    """Each name is told once, alone or in the summary; the rest are counted."""
    more = MORE.findall(summary)
    counted = int(more[-1]) if more else 0
    told = Counter([*singles, *listed])
    assert all(n == 1 for n in told.values()), told.most_common(3)
    assert set(told) <= set(names.values())
    assert len(told) + counted == len(names)


async def test_50_signups_give_a_few_alerts_and_one_summary_per_channel(
    alert_stack,
):
    stack = alert_stack
    await stack.start(policies=SHORT_HOLDS)

    names = await post_burst(stack, 50)
    rows = await stack.settled(150, within=20)

    assert {(r["state"], r["tries"]) for r in rows} == {("sent", 1)}
    summaries = summary_rows(rows)
    limits = {c.value: p.individual_limit for c, p in POLICIES.items()}
    for channel, in_summary in summaries.items():
        assert len(in_summary) == 50 - limits[channel], channel

    # Desktop: three popups, then "47 new signups: A, B, C and 44 more".
    *popups, last = stack.notify.calls
    assert len(popups) == 3
    singles = [c.body.split(" signed up")[0] for c in popups]
    assert last.summary == "47 new signups"
    listed = last.body.split(" and ")[0].split(", ")
    assert listed == [names[r["event_id"]] for r in summaries["desktop"][:3]]
    assert last.body.endswith(" and 44 more")
    assert_each_told_once(names, singles, listed, last.body)

    # Slack: five messages, then one that names all the other 45.
    *posts, roundup = stack.slack_posts()
    assert len(posts) == 5
    singles = [
        p["text"].removeprefix("New signup: ").split(" signed")[0] for p in posts
    ]
    assert roundup["text"].startswith("45 new signups: ")
    mrkdwn = "\n".join(b["text"]["text"] for b in roundup["blocks"])
    listed = re.findall(r"^• \*(.+?)\* signed up", mrkdwn, re.MULTILINE)
    assert len(listed) == 45 <= burst.NAME_LIMITS[ChannelName.SLACK]
    assert "more" not in mrkdwn
    assert_each_told_once(names, singles, listed, mrkdwn)

    # Email: three messages, then one that names all the other 47.
    *mails, digest = stack.emails
    assert len(mails) == 3
    singles = [m.message["Subject"].removeprefix("New signup: ") for m in mails]
    assert digest.message["Subject"].startswith("47 new signups: ")
    assert digest.message["Subject"].endswith(" and 44 more")
    text = digest.message.get_body(("plain",)).get_content()
    listed = re.findall(r"^- (.+?) signed up", text, re.MULTILINE)
    assert len(listed) == 47
    assert_each_told_once(names, singles, listed, "")


@pytest.mark.expect_log_warnings
async def test_c36_a_burst_against_slacks_rate_limit_loses_nobody(alert_stack):
    stack = alert_stack
    stack.slack.rate_limit(per_second=1.0)
    # Twice as fast as the fake allows, so that it answers 429; two messages
    # one by one instead of five keep the test short.
    eager = dataclasses.replace(
        SHORT_HOLDS[ChannelName.SLACK], individual_limit=2, first_retry_s=0.5
    )
    await stack.start(policies={**SHORT_HOLDS, ChannelName.SLACK: eager})

    names = await post_burst(stack, 20)
    rows = await stack.settled(60, within=20)

    assert {r["state"] for r in rows} == {"sent"}
    requests = stack.slack.to(POST_MESSAGE)
    assert 429 in [r.status for r in requests]
    for earlier, later in itertools.pairwise(requests):
        if earlier.status == 429:  # the fake asked for "Retry-After: 1"
            assert later.at - earlier.at >= 1.0
    *posts, roundup = [r.body for r in requests if r.status == 200]
    singles = [
        p["text"].removeprefix("New signup: ").split(" signed")[0] for p in posts
    ]
    mrkdwn = "\n".join(b["text"]["text"] for b in roundup["blocks"])
    listed = re.findall(r"^• \*(.+?)\* signed up", mrkdwn, re.MULTILINE)
    # Every one of the 20 is named, alone or in the summary, and only once.
    assert sorted([*singles, *listed]) == sorted(names.values())
