"""The shared cases about what alerts say: C09, C10, C39 and C44."""

import logging

import pytest

from hookflo.core.alerting.templates import Renderer
from hookflo.core.channels.base import ChannelName
from tests.support.cases import load_case
from tests.support.facts import case_payloads, facts_of

DESKTOP, SLACK, EMAIL = ChannelName.DESKTOP, ChannelName.SLACK, ChannelName.EMAIL


@pytest.fixture
def renderer():
    return Renderer(None)


@pytest.fixture
def override_dir(tmp_path):
    folder = tmp_path / "templates"
    for channel in ChannelName:
        (folder / channel).mkdir(parents=True)
    return folder


def all_text(renderer, facts):
    return [
        text
        for channel in ChannelName
        for text in renderer.render(channel, facts).parts.values()
    ]


# C09: user.deleted carries only the id (and sometimes external_id).


def test_c09_deleted_users_are_named_by_id_and_external_id(renderer):
    first, second = (facts_of(p) for p in case_payloads("C09"))
    assert (
        renderer.render(DESKTOP, first)
        .parts["body"]
        .startswith("User user_2hkFAKE00000000000000009 was deleted\n")
    )
    assert renderer.render(SLACK, second).parts["text"] == (
        "User deleted: User user_2hkFAKE00000000000000019 was deleted"
        " · external id crm-000123"
    )
    assert renderer.render(EMAIL, first).parts["subject"] == (
        "User user_2hkFAKE00000000000000009 was deleted"
    )


def test_c09_no_channel_says_none_null_or_shows_an_error(renderer):
    forbidden = load_case("C09")["expect"]["must_not_contain"]
    for payload in case_payloads("C09"):
        for text in all_text(renderer, facts_of(payload)):
            for word in forbidden:
                assert word not in text


def test_c09_a_deleted_user_with_stored_history_is_named(renderer):
    history = {
        "id": "user_2hkFAKE00000000000000009",
        "first_name": "Ada",
        "last_name": "Example",
        "email_addresses": [{"id": "e", "email_address": "ada@example.com"}],
        "primary_email_address_id": "e",
    }
    facts = facts_of(case_payloads("C09")[0], lookup_user=lambda _: history)
    assert (
        renderer.render(DESKTOP, facts)
        .parts["body"]
        .startswith("Ada Example was deleted · ada@example.com")
    )


def test_c09_a_user_template_reaching_for_missing_fields_still_renders(override_dir):
    (override_dir / "desktop/user.deleted.j2").write_text(
        "{{ data.first_name }} {{ data.last_name }} left"
        " ({{ data.first_name or data.id }})",
        encoding="utf-8",
    )
    custom = Renderer(override_dir)
    for payload in case_payloads("C09"):
        facts = facts_of(payload)
        rendered = custom.render(DESKTOP, facts)
        assert rendered.problem is None
        assert rendered.parts["body"] == f"left ({facts.user_id})"


@pytest.mark.expect_log_warnings
def test_c09_a_broken_user_template_falls_back_and_says_so(override_dir, caplog):
    (override_dir / "slack/user.deleted.j2").write_text(
        "{% block text %}{{ data.first_name.upper() + 1 }}{% endblock %}",
        encoding="utf-8",
    )
    facts = facts_of(case_payloads("C09")[1])
    with caplog.at_level(logging.WARNING):
        rendered = Renderer(override_dir).render(SLACK, facts)
    assert rendered.parts == Renderer(None).render(SLACK, facts).parts
    assert rendered.problem is not None
    assert rendered.problem.startswith("The template slack/user.deleted.j2 failed")


# C10: first and last names null, empty or blank.


def test_c10_display_names_fall_back_to_email_then_username(renderer):
    expected = load_case("C10")["expect"]["display_names"]
    facts = [facts_of(p) for p in case_payloads("C10")]
    assert [f.name for f in facts] == expected
    subjects = [renderer.render(EMAIL, f).parts["subject"] for f in facts]
    assert subjects == [f"New signup: {name}" for name in expected]


def test_c10_no_channel_says_none_null_or_has_double_spaces(renderer):
    forbidden = load_case("C10")["expect"]["must_not_contain_in_any_channel"]
    for payload in case_payloads("C10"):
        for text in all_text(renderer, facts_of(payload)):
            for word in [*forbidden, "None"]:
                assert word not in text


def test_c10_a_user_template_joining_null_names_does_not_print_none(override_dir):
    (override_dir / "desktop/user.created.j2").write_text(
        "{% block title %}{{ data.first_name }} {{ data.last_name }}{% endblock %}"
        "{% block body %}{{ data.first_name }} {{ data.last_name }} joined"
        "{% endblock %}",
        encoding="utf-8",
    )
    custom = Renderer(override_dir)
    parts = custom.render(DESKTOP, facts_of(case_payloads("C10")[0])).parts
    assert parts == {"title": "New signup", "body": "joined"}


# C39: hostile names must not become mentions, links or markup.

EVIL_LINK = "&lt;https://evil.example.invalid/login|Verify your account&gt;"
C39_NAMES = {
    "plain": [
        "<!channel> <https://evil.example.invalid/login|Verify your account>",
        "Ana & Bo <@U0FAKEUSER> *bold* _it_ ~s~ `code`",
        "@here &lt;!everyone&gt;",
        "Zoë <#C0FAKECHAN>",
    ],
    "slack": [
        f"&lt;!channel&gt; {EVIL_LINK}",
        "Ana &amp; Bo &lt;@U0FAKEUSER&gt; "
        "\u2217bold\u2217 \u02cdit\u02cd \u223cs\u223c \u02cbcode\u02cb",
        "@\u2060here &amp;lt;!everyone&amp;gt;",
        "Zoë &lt;#C0FAKECHAN&gt;",
    ],
    "html": [
        f"&lt;!channel&gt; {EVIL_LINK}",
        "Ana &amp; Bo &lt;@U0FAKEUSER&gt; *bold* _it_ ~s~ `code`",
        "@here &amp;lt;!everyone&amp;gt;",
        "Zoë &lt;#C0FAKECHAN&gt;",
    ],
}


def c39_facts():
    return [facts_of(p) for p in case_payloads("C39")]


@pytest.mark.parametrize("index", range(4))
def test_c39_slack_gets_escaped_values_and_no_live_mentions(renderer, index):
    facts = c39_facts()[index]
    name = C39_NAMES["slack"][index]
    parts = renderer.render(SLACK, facts).parts
    sentence = f"{name} signed up with email and password · inj{index}@example.com"
    assert parts["text"] == f"New signup: {sentence}"
    assert parts["mrkdwn"] == (
        f"*New signup*\n*{name}* signed up with email and password"
        f" · inj{index}@example.com\nproduction · clerk · event 1"
    )
    for text in parts.values():
        for live in ("<!", "<@", "<#", "<http"):
            assert live not in text


@pytest.mark.parametrize("index", range(4))
def test_c39_email_escapes_html_and_keeps_plain_text_plain(renderer, index):
    facts = c39_facts()[index]
    parts = renderer.render(EMAIL, facts).parts
    assert f"<strong>{C39_NAMES['html'][index]}</strong> signed up" in parts["html"]
    assert parts["subject"] == f"New signup: {C39_NAMES['plain'][index]}"
    assert parts["text"].startswith(f"{C39_NAMES['plain'][index]} signed up")
    assert parts["reply_to_name"] == C39_NAMES["plain"][index]


@pytest.mark.parametrize("index", range(4))
def test_c39_desktop_shows_the_name_as_plain_text(renderer, index):
    facts = c39_facts()[index]
    assert (
        renderer.render(DESKTOP, facts)
        .parts["body"]
        .startswith(f"{C39_NAMES['plain'][index]} signed up with email and password")
    )


def test_c39_the_bidi_override_is_gone_from_every_channel(renderer):
    facts = c39_facts()[3]
    assert "\u202e" in facts.name
    for text in all_text(renderer, facts):
        assert "\u202e" not in text
    # The same person twice is named once, with the count.
    text = renderer.render_summary(SLACK, [facts, facts]).parts["text"]
    assert text.endswith(": Zoë &lt;#C0FAKECHAN&gt; \u00d72")
    assert "\u202e" not in text


def test_c39_the_template_authors_own_markup_still_works(override_dir):
    (override_dir / "slack/user.created.j2").write_text(
        "{% block text %}New signup: {{ name }}{% endblock %}"
        "{% block mrkdwn %}*New signup* {{ name }} <!here>{% endblock %}",
        encoding="utf-8",
    )
    custom = Renderer(override_dir)
    for index, facts in enumerate(c39_facts()):
        parts = custom.render(SLACK, facts).parts
        name = C39_NAMES["slack"][index]
        assert parts == {
            "text": f"New signup: {name}",
            "mrkdwn": f"*New signup* {name} <!here>",
        }


# C44: non-ASCII and comma-holding names in subjects and Reply-To.

C44 = load_case("C44")


def test_c44_default_subjects_name_the_signup(renderer):
    subjects = [
        renderer.render(EMAIL, facts_of(p)).parts["subject"]
        for p in case_payloads("C44")
    ]
    assert subjects == C44["expect"]["subjects_after_decoding"]


def test_c44_the_cases_subject_template_gives_the_same_subjects(override_dir):
    template = C44["email_template"]["subject"]
    (override_dir / "email/user.created.j2").write_text(
        f"{{% block subject %}}{template}{{% endblock %}}", encoding="utf-8"
    )
    custom = Renderer(override_dir)
    subjects = [
        custom.render(EMAIL, facts_of(p)).parts["subject"] for p in case_payloads("C44")
    ]
    assert subjects == C44["expect"]["subjects_after_decoding"]


def test_c44_reply_to_is_the_primary_email_named_after_the_person(renderer):
    replies = [
        (parts["reply_to_name"], parts["reply_to_address"])
        for parts in (
            renderer.render(EMAIL, facts_of(p)).parts for p in case_payloads("C44")
        )
    ]
    assert replies == [
        ("Zoë Ñúñez 🎉", "user0@example.com"),
        ("Ng, Zoë", "user1@example.com"),
        ("李 小龙", "user2@example.com"),
        ("Ольга Петрова", "user3@example.com"),
    ]
