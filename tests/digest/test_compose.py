"""Digest messages: the shipped templates, and a user's override."""

import datetime

import pytest

from hookflo.core.alerting.templates import Renderer
from hookflo.core.channels.base import ChannelName
from hookflo.core.digest import compose
from hookflo.core.digest.periods import Period
from hookflo.core.digest.settings import Kind
from hookflo.core.digest.signups import Count, Signup, SignupStats

PERIOD = Period(
    kind=Kind.DAILY,
    first_day=datetime.date(2026, 12, 3),
    days=1,
    start=0.0,
    end=86400.0,
    previous_start=-86400.0,
    send_at=117000.0,
)


def person(name: str, event_id: int, method: str = "Google") -> Signup:
    return Signup(
        event_id=event_id,
        user_id=f"user_{event_id}",
        name=name,
        email=f"p{event_id}@example.com",
        method=method,
        environment="production",
        created_at=float(event_id),
        caught_up=False,
    )


STATS = SignupStats(
    count=7,
    previous=3,
    environments=(Count("production", 7, 3),),
    methods=(Count("Google", 5, 1), Count("Email", 2, 2)),
    signups=tuple(person(f"Person {n}", n) for n in range(1, 8)),
)


def test_a_digest_lists_the_first_names_and_counts_the_rest():
    alert, rendered = compose.alert(
        Renderer(None), ChannelName.SLACK, PERIOD, STATS, names=2
    )

    mrkdwn = alert.parts["mrkdwn"]
    assert rendered.problem is None
    assert alert.event_ids == (1, 2)
    assert alert.dedupe_key == "digest.daily.2026-12-03.slack"
    assert "7 signups, 3 the day before (+4)" in mrkdwn
    assert "*By sign-up method:* Google 5 · Email 2" in mrkdwn
    assert "*Person 2*" in mrkdwn
    assert "Person 3" not in mrkdwn
    assert "…and 5 more" in mrkdwn


def test_a_user_template_overrides_the_digest_and_keeps_escaping(tmp_path):
    override = tmp_path / "templates" / "email"
    override.mkdir(parents=True)
    (override / "digest.j2").write_text(
        '{% extends "default/email/digest.j2" %}\n'
        "{% block subject %}Signups: {{ count }} ({{ change }}) "
        "{{ shown[0].name }}{% endblock %}\n",
        encoding="utf-8",
    )
    stats = SignupStats(
        count=1,
        previous=1,
        environments=(),
        methods=(),
        signups=(person("Eve\r\nBcc: x@example.com", 9),),
    )

    alert, rendered = compose.alert(
        Renderer(tmp_path / "templates"), ChannelName.EMAIL, PERIOD, stats, names=5
    )

    assert rendered.problem is None
    assert alert.parts["subject"] == ("Signups: 1 (no change) Eve Bcc: x@example.com")
    assert "Daily digest: 1 signup" in alert.parts["text"]


@pytest.mark.expect_log_warnings  # the broken template is reported
def test_a_broken_override_falls_back_to_the_shipped_digest(tmp_path):
    override = tmp_path / "templates" / "desktop"
    override.mkdir(parents=True)
    (override / "digest.j2").write_text("{% block title %}{{ count", "utf-8")

    alert, rendered = compose.alert(
        Renderer(tmp_path / "templates"), ChannelName.DESKTOP, PERIOD, STATS, names=5
    )

    assert rendered.problem is not None
    assert rendered.problem.startswith("The template desktop/digest.j2 failed")
    assert alert.parts["title"] == "Daily digest: 7 signups"


def test_a_desktop_digest_names_at_most_three_and_counts_the_rest():
    renderer = Renderer(None)
    one, _ = compose.alert(renderer, ChannelName.DESKTOP, PERIOD, STATS, names=1)
    five, _ = compose.alert(renderer, ChannelName.DESKTOP, PERIOD, STATS, names=5)

    assert one.parts["body"].endswith("\nPerson 1 and 6 more")
    assert five.parts["body"].endswith("\nPerson 1, Person 2, Person 3 and 4 more")


def test_each_listed_signup_links_to_its_event_in_every_written_digest():
    stats = SignupStats(
        count=2,
        previous=0,
        environments=(),
        methods=(),
        signups=(person('<a href="x">Eve</a> & "Co"', 41), person("Bob", 42)),
    )
    renderer = Renderer(None)
    email, _ = compose.alert(renderer, ChannelName.EMAIL, PERIOD, stats, names=5)
    slack, _ = compose.alert(renderer, ChannelName.SLACK, PERIOD, stats, names=5)

    html = email.parts["html"]
    assert (
        '<a href="hookflo://event/41">'
        "&lt;a href=&quot;x&quot;&gt;Eve&lt;/a&gt; &amp; &quot;Co&quot;</a>"
    ) in html
    assert '<a href="hookflo://event/42">Bob</a>' in html
    assert 'href="x"' not in html
    text = email.parts["text"]
    assert "production. User user_41, hookflo://event/41\n" in text
    assert "production. User user_42, hookflo://event/42\n" in text
    assert "search its user id" not in text
    mrkdwn = slack.parts["mrkdwn"]
    escaped = '&lt;a href="x"&gt;Eve&lt;/a&gt; &amp; "Co"'
    assert f"*{escaped}* hookflo://event/41" in mrkdwn
    assert "*Bob* hookflo://event/42 · Google" in mrkdwn
