"""A summary counts each kind of event in plain words and names each kind.

"7 events: Robert Seq, Robert Seq, Robert Seq and 4 more" hid a locked
account; the heading now counts signups, account events and the rest, and
every kind gets a name before any kind gets a second. A catch-up's summary
event is described by its own counts, never listed as a person.
"""

import pytest

from hookflo.core.alerting import burst
from hookflo.core.alerting.templates import Renderer
from hookflo.core.channels.base import ChannelName
from tests.support.facts import facts_of, sample

DESKTOP, SLACK, EMAIL = ChannelName.DESKTOP, ChannelName.SLACK, ChannelName.EMAIL
HEADING = "3 new signups, 1 account locked, 3 updates"


@pytest.fixture
def renderer():
    return Renderer(None)


def signup(first: str, event_id: int):
    body = sample("user.created")
    body["data"].update(first_name=first, last_name="Example")
    return facts_of(body, event_id=event_id)


def robert(event_type: str, event_id: int):
    if event_type == "user.updated":
        body = sample("user.updated")
        body["data"].update(first_name="Robert", last_name="Seq")
        return facts_of(body, event_id=event_id)
    change = {
        "object": "event",
        "type": event_type,
        "data": {
            "object": "user_change",
            "user_id": "user_robert",
            "user": {"id": "user_robert", "first_name": "Robert", "last_name": "Seq"},
            "before": {"locked": False},
            "after": {"locked": True},
            "first_seen": False,
        },
    }
    return facts_of(change, event_id=event_id)


def caught_up(event_id: int):
    body = {
        "type": "hookflo.caught_up",
        "data": {"created": 25, "updated": 1, "names": ["Zed One"], "source": "clerk"},
    }
    return facts_of(body, event_id=event_id)


def burst_of_seven():
    """Three updates of Robert first, as they arrived, then the rest."""
    updates = [robert("user.updated", i) for i in (1, 2, 3)]
    signups = [signup(name, i) for i, name in ((5, "Ada"), (6, "Bo"), (7, "Cy"))]
    return [*updates, robert("user.locked", 4), *signups]


def test_the_desktop_heading_counts_each_kind_and_names_the_locked_account(
    renderer,
):
    parts = renderer.render_summary(DESKTOP, burst_of_seven()).parts

    assert parts["title"] == HEADING
    assert parts["body"].split("\n") == [
        "3 new signups: Ada Example and 2 more",
        "1 account locked: Robert Seq",
        "3 updates: Robert Seq and 2 more",
    ]


def test_the_email_subject_and_slack_text_say_the_kinds_then_names(renderer):
    email = renderer.render_summary(EMAIL, burst_of_seven()).parts
    slack = renderer.render_summary(SLACK, burst_of_seven()).parts

    short = f"{HEADING}: Ada Example, Robert Seq \u00d72 and 4 more"
    assert email["subject"] == short
    assert slack["text"] == short
    text = email["text"]
    assert text.index("3 new signups:") < text.index("1 account locked:")
    assert text.index("1 account locked:") < text.index("3 updates:")
    assert text.count("\n- ") == 7
    assert "<h3" in email["html"]
    assert "3 updates</h3>" in email["html"]
    assert "_1 account locked_" in slack["mrkdwn"]


def test_a_catch_up_summary_is_counted_by_its_own_numbers_not_named(renderer):
    events = [signup("Ada", 1), caught_up(2), signup("Bo", 3)]

    desktop = renderer.render_summary(DESKTOP, events).parts
    slack = renderer.render_summary(SLACK, events).parts

    assert desktop["title"] == (
        "2 new signups, 25 signups and 1 updated user caught up from Clerk"
    )
    assert desktop["body"] == "2 new signups: Ada Example, Bo Example"
    assert slack["text"].endswith(": Ada Example, Bo Example")
    assert (
        "• *25 signups and 1 updated user* caught up from Clerk · Zed One"
        in (slack["mrkdwn"])
    )
    assert "_25 signups" not in slack["mrkdwn"]


def test_a_summary_of_500_describes_only_those_it_names():
    read: list[int] = []
    described = [signup(f"P{i}", i) for i in range(3)]

    class Lazy(list):
        def __getitem__(self, index):
            read.append(index)
            return described[index % 3]

    kinds = [burst.Kind("user.created", "production", False)] * 490 + [
        burst.Kind("user.locked", "production", False)
    ] * 10
    context = burst.context(SLACK, Lazy([None] * 500), kinds)

    assert context["title"] == "490 new signups, 10 accounts locked"
    assert len(set(read)) == burst.NAME_LIMITS[SLACK]
    assert context["groups"][1].more == 0
    assert context["groups"][0].more == 490 - 50


def test_a_catch_up_alert_says_its_counts_once(renderer):
    facts = caught_up(1)

    slack = renderer.render(SLACK, facts).parts
    desktop = renderer.render(DESKTOP, facts).parts

    assert slack["text"] == (
        "While you were away: 25 signups and 1 updated user: Zed One and 24 more"
    )
    assert desktop["title"] == "While you were away: 25 signups and 1 updated user"
    assert desktop["body"] == (
        "Zed One and 24 more\ncaught up from Clerk · production · clerk"
    )
    for text in (slack["text"], desktop["title"] + desktop["body"]):
        assert text.count("25 signups") == 1


def test_types_without_a_noun_are_grouped_as_other_events(renderer):
    roles = [facts_of(sample("role.created")), facts_of(sample("role.deleted"))]
    mixed = [*roles, signup("Ada", 3)]

    assert renderer.render_summary(DESKTOP, roles).parts["title"] == "2 events"
    title = renderer.render_summary(DESKTOP, mixed).parts["title"]
    assert title == "1 new signup, 2 other events"
