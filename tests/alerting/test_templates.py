"""Default templates for every Clerk event and channel, and the user's overrides."""

import logging
import os

import jinja2
import pytest

from hookflo.core import samples
from hookflo.core.alerting import jinjaenv, templates
from hookflo.core.alerting.templates import Renderer
from hookflo.core.channels.base import ChannelName
from tests.support.facts import facts_of, sample

DESKTOP, SLACK, EMAIL = ChannelName.DESKTOP, ChannelName.SLACK, ChannelName.EMAIL
PARTS = {
    DESKTOP: {"title", "body"},
    SLACK: {"text", "mrkdwn"},
    EMAIL: {"subject", "text", "html"},
}
NEVER = ("None", "null", "undefined", "  ", "Traceback", "KeyError")
SMS_BODY = {
    "type": "sms.created",
    "data": {
        "object": "sms_message",
        "id": "sms_1",
        "slug": "verification_code",
        "message": "654321 is your Example Labs code: https://x.example/magic?t=SECRET",
        "to_phone_number": "+15555550199",
        "data": {"otp_code": "654321"},
        "status": "queued",
    },
}
# Text from email.created / sms.created that lets someone sign in, or names them.
SECRETS = (
    "123456",
    "654321",
    "OTP",
    "Enter the following",
    "is your verification code",
    "do not share",
    "ada.founder",
    "5555550199",
    "magic?t=",
    "SECRET",
)
LEAKY_TEMPLATE = (
    "{{ data }} {{ data.body }} {{ data.body_plain }} {{ data.subject }} "
    "{{ data.message }} {{ data.data }} {{ data.data.otp_code }} "
    "{{ data.to_email_address }} {{ data.to_phone_number }} {{ details }}"
)


@pytest.fixture
def renderer():
    return Renderer(None)


@pytest.fixture
def override_dir(tmp_path):
    folder = tmp_path / "templates"
    for channel in ChannelName:
        (folder / channel).mkdir(parents=True)
    return folder


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def signup(**changes):
    body = sample("user.created")
    body["data"].update(changes)
    return body


@pytest.mark.parametrize("channel", list(ChannelName))
@pytest.mark.parametrize("event_type", [*samples.event_types(), "sms.created"])
def test_every_clerk_event_renders_cleanly_in_every_channel(
    renderer, channel, event_type
):
    body = SMS_BODY if event_type == "sms.created" else sample(event_type)
    rendered = renderer.render(channel, facts_of(body))
    assert rendered.problem is None
    assert PARTS[channel] <= set(rendered.parts)
    assert rendered.parts[templates.HEADING_PARTS[channel]]
    for part, text in rendered.parts.items():
        for word in NEVER:
            assert word not in text, (part, text)


@pytest.mark.parametrize("channel", list(ChannelName))
@pytest.mark.parametrize("event_type", ["user.created", "session.ended", "foo.bar"])
def test_development_and_test_events_say_test_in_the_heading(
    renderer, channel, event_type
):
    body = sample(event_type) if event_type != "foo.bar" else {"type": "foo.bar"}
    heading = templates.HEADING_PARTS[channel]
    for facts in (
        facts_of(body, environment="development"),
        facts_of(body, is_test=True),
    ):
        assert renderer.render(channel, facts).parts[heading].startswith("TEST · ")
    production = renderer.render(channel, facts_of(body)).parts[heading]
    assert "TEST" not in production


def test_titles_read_like_the_issue(renderer):
    body = signup(external_accounts=[{"provider": "oauth_google"}])
    facts = facts_of(body, environment="development")
    desktop = renderer.render(DESKTOP, facts).parts
    assert desktop["title"] == "TEST · New signup"
    assert desktop["body"] == (
        "Ada Example signed up with Google · ada.founder@example.com\n"
        "development · clerk"
    )
    slack = renderer.render(SLACK, facts).parts
    assert slack["text"] == (
        "TEST · New signup: Ada Example signed up with Google · ada.founder@example.com"
    )
    assert slack["mrkdwn"].startswith(
        "*TEST · New signup*\n*Ada Example* signed up with Google · "
    )
    email = renderer.render(EMAIL, facts).parts
    assert email["subject"] == "TEST · New signup: Ada Example"
    assert email["text"].startswith(
        "Ada Example signed up with Google · ada.founder@example.com\n"
    )
    assert "<strong>Ada Example</strong> signed up with Google" in email["html"]


def test_signup_email_replies_to_the_person(renderer):
    parts = renderer.render(EMAIL, facts_of(sample("user.created"))).parts
    assert parts["reply_to_name"] == "Ada Example"
    assert parts["reply_to_address"] == "ada.founder@example.com"


def test_other_emails_and_unusable_addresses_have_no_reply_to(renderer):
    for body in (sample("session.created"), signup(email_addresses=[])):
        parts = renderer.render(EMAIL, facts_of(body)).parts
        assert "reply_to_address" not in parts
        assert "reply_to_name" not in parts
    odd = signup(
        email_addresses=[{"id": "i", "email_address": "a@b.example, c@d.example"}]
    )
    assert "reply_to_address" not in renderer.render(EMAIL, facts_of(odd)).parts


def test_a_signup_known_only_by_email_has_no_reply_to_name(renderer):
    body = signup(first_name=None, last_name=None)
    parts = renderer.render(EMAIL, facts_of(body)).parts
    assert parts["reply_to_address"] == "ada.founder@example.com"
    assert "reply_to_name" not in parts


@pytest.mark.parametrize("channel", list(ChannelName))
@pytest.mark.parametrize(
    "body", [sample("email.created"), SMS_BODY], ids=["email", "sms"]
)
def test_sign_in_codes_and_links_never_leave_the_machine(override_dir, channel, body):
    for name in ("email.created", "sms.created"):
        blocks = "".join(
            f"{{% block {part} %}}{LEAKY_TEMPLATE}{{% endblock %}}"
            for part in templates.escaping.PART_ESCAPERS[channel]
        )
        write(override_dir, f"{channel}/{name}.j2", blocks)
    for renderer in (Renderer(None), Renderer(override_dir)):
        rendered = renderer.render(channel, facts_of(body))
        assert rendered.problem is None
        for text in rendered.parts.values():
            for secret in SECRETS:
                assert secret not in text


@pytest.mark.parametrize("channel", list(ChannelName))
def test_invitation_links_are_not_shown(override_dir, channel):
    write(
        override_dir,
        f"{channel}/organizationInvitation.j2",
        "{{ data.url }}|{{ data }}",
    )
    facts = facts_of(sample("organizationInvitation.created"))
    for renderer in (Renderer(None), Renderer(override_dir)):
        for text in renderer.render(channel, facts).parts.values():
            assert "FAKE_TOKEN" not in text
            assert "accept-invitation" not in text


def test_an_override_with_one_block_changes_only_that_part(override_dir, renderer):
    write(
        override_dir,
        "email/user.created.j2",
        "{% block subject %}New signup: {{ name }}{% endblock %}",
    )
    facts = facts_of(signup(first_name="Zoë", last_name="Ñúñez"))
    custom = Renderer(override_dir).render(EMAIL, facts)
    default = renderer.render(EMAIL, facts)
    assert custom.problem is None
    assert custom.parts["subject"] == "New signup: Zoë Ñúñez"
    assert {k: v for k, v in custom.parts.items() if k != "subject"} == {
        k: v for k, v in default.parts.items() if k != "subject"
    }


def test_an_override_can_extend_the_default_and_call_super(override_dir):
    write(
        override_dir,
        "slack/session.created.j2",
        '{% extends "default/slack/session.created.j2" %}'
        "{% block mrkdwn %}:wave: {{ super() }}{% endblock %}",
    )
    facts = facts_of(sample("session.created"))
    parts = Renderer(override_dir).render(SLACK, facts).parts
    assert parts["mrkdwn"].startswith(":wave: *Sign-in*\n*Ada Example* signed in")
    assert parts["text"] == Renderer(None).render(SLACK, facts).parts["text"]


def test_an_override_without_blocks_becomes_the_body(override_dir):
    for channel in ChannelName:
        write(
            override_dir,
            f"{channel}/user.created.j2",
            "{{ data.first_name }} signed up",
        )
    facts = facts_of(sample("user.created"))
    custom = Renderer(override_dir)
    desktop = custom.render(DESKTOP, facts).parts
    assert desktop == {"title": "New signup", "body": "Ada signed up"}
    slack = custom.render(SLACK, facts).parts
    assert slack == {"text": "Ada signed up", "mrkdwn": "Ada signed up"}
    email = custom.render(EMAIL, facts).parts
    assert (email["subject"], email["text"], email["html"]) == (
        "New signup: Ada Example",
        "Ada signed up",
        "Ada signed up",
    )


def test_a_base_override_restyles_every_default_of_its_channel(override_dir):
    write(
        override_dir,
        "desktop/_base.j2",
        "{% block title %}[{{ heading }}]{% endblock %}"
        "{% block body %}{{ headline }}{% endblock %}",
    )
    custom = Renderer(override_dir)
    for event_type in ("session.ended", "role.created"):
        facts = facts_of(sample(event_type))
        parts = custom.render(DESKTOP, facts).parts
        assert parts == {"title": f"[{facts.title}]", "body": facts.headline}


def test_family_and_generic_overrides_apply_where_nothing_closer_exists(override_dir):
    write(
        override_dir,
        "slack/session.j2",
        "{% block text %}session: {{ name }}{% endblock %}",
    )
    write(
        override_dir,
        "slack/generic.j2",
        "{% block text %}other: {{ title }}{% endblock %}",
    )
    custom = Renderer(override_dir)
    ended = custom.render(SLACK, facts_of(sample("session.ended"))).parts
    assert ended["text"] == "session: Ada Example"
    unknown = custom.render(SLACK, facts_of({"type": "foo.bar"})).parts
    assert unknown["text"] == "other: Foo bar"


def test_only_values_are_escaped_never_the_authors_markup(override_dir):
    write(
        override_dir,
        "slack/user.created.j2",
        "{% block mrkdwn %}*New signup* {{ name }} <https://example.com/docs|docs>"
        "{% endblock %}",
    )
    write(
        override_dir,
        "email/user.created.j2",
        "{% block html %}<p><b>{{ name }}</b> &amp; co</p>{% endblock %}",
    )
    facts = facts_of(signup(first_name="<!channel>", last_name="<b>Bo</b> & Co"))
    custom = Renderer(override_dir)
    assert custom.render(SLACK, facts).parts["mrkdwn"] == (
        "*New signup* &lt;!channel&gt; &lt;b&gt;Bo&lt;/b&gt; &amp; Co "
        "<https://example.com/docs|docs>"
    )
    assert custom.render(EMAIL, facts).parts["html"] == (
        "<p><b>&lt;!channel&gt; &lt;b&gt;Bo&lt;/b&gt; &amp; Co</b> &amp; co</p>"
    )


@pytest.mark.parametrize(
    ("first", "shown"),
    [
        ("Ada *Star*", "Ada \u2217Star\u2217"),
        ("Ada _Star_", "Ada \u02cdStar\u02cd"),
        ("Ada ~Star~", "Ada \u223cStar\u223c"),
        ("Ada `Star`", "Ada \u02cbStar\u02cb"),
        ("Ada*", "Ada\u2217"),
    ],
)
def test_emphasis_marks_in_a_name_leave_the_bold_around_it_intact(
    renderer, first, shown
):
    facts = facts_of(signup(first_name=first, last_name="Snake_Case"))
    mrkdwn = renderer.render(SLACK, facts).parts["mrkdwn"]
    name_line = mrkdwn.splitlines()[1]
    assert name_line.startswith(f"*{shown} Snake_Case* signed up")
    # The template's two marks are the only ones left on the line that Slack
    # could read as emphasis: the bold opens before the name, closes after it.
    assert name_line.count("*") == 2
    assert not set("_~`") & set(name_line.replace("Snake_Case", ""))


def test_emphasis_marks_in_a_burst_of_names_stay_inside_each_bold(renderer):
    facts = [facts_of(signup(first_name="Ada *Star*", last_name="Example"))] * 2
    mrkdwn = renderer.render_summary(SLACK, facts).parts["mrkdwn"]
    assert "\u2022 *Ada \u2217Star\u2217 Example* " in mrkdwn
    assert "*Star*" not in mrkdwn


def test_missing_fields_in_an_override_render_empty(override_dir):
    write(
        override_dir,
        "desktop/user.deleted.j2",
        "{% block title %}{{ data.first_name }} {{ data.last_name }} left{% endblock %}"
        "{% block body %}{{ data.first_name.title() }}|{{ data.a.b.c }}|{{ nothing }}"
        "|{{ data.first_name | default('someone') }}{% endblock %}",
    )
    rendered = Renderer(override_dir).render(DESKTOP, facts_of(sample("user.deleted")))
    assert rendered.problem is None
    assert rendered.parts == {"title": "left", "body": "|||someone"}


def test_an_override_that_renders_no_heading_gets_the_default_heading(override_dir):
    write(
        override_dir,
        "desktop/user.created.j2",
        "{% block title %}{{ data.nope }}{% endblock %}",
    )
    parts = (
        Renderer(override_dir).render(DESKTOP, facts_of(sample("user.created"))).parts
    )
    assert parts["title"] == "New signup"


BROKEN = {
    "syntax": ("{% block title %}{{ name }{% endblock %}", "line 1"),
    "unclosed": ("{% block title %}{% if name %}{{ name }}{% endblock %}", "line 1"),
    "runtime": ("{% block title %}\n{{ 1 / 0 }}{% endblock %}", "ZeroDivisionError"),
    "class": ("{% block title %}{{ ''.__class__ }}{% endblock %}", "unsafe"),
    "escape": (
        "{% block body %}{{ ''.__class__.__mro__[1].__subclasses__() }}{% endblock %}",
        "unsafe",
    ),
    "globals": ("{{ cycler.__init__.__globals__ }}", "unsafe"),
    "append": (
        "{% block body %}{{ data.email_addresses.append(1) }}{% endblock %}",
        "unsafe",
    ),
    "update": (
        "{% block body %}{{ data.public_metadata.update(a=1) }}{% endblock %}",
        "unsafe",
    ),
    "format": (
        "{% block body %}{{ '{0.__class__}'.format(name) }}{% endblock %}",
        "unsafe",
    ),
    "missing": ('{% extends "nowhere.j2" %}', "nowhere.j2"),
    "itself": ('{% extends "desktop/user.created.j2" %}', "RecursionError"),
}


@pytest.mark.expect_log_warnings
@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_override_falls_back_to_the_default_and_says_why(
    override_dir, renderer, caplog, kind
):
    source, reason = BROKEN[kind]
    write(override_dir, "desktop/user.created.j2", source)
    facts = facts_of(sample("user.created"))
    with caplog.at_level(logging.WARNING):
        rendered = Renderer(override_dir).render(DESKTOP, facts)
    assert rendered.parts == renderer.render(DESKTOP, facts).parts
    assert rendered.problem is not None
    assert rendered.problem.startswith("The template desktop/user.created.j2 failed")
    assert reason in rendered.problem
    assert rendered.problem.endswith("; used the default")
    assert "\n" not in rendered.problem
    assert rendered.problem in caplog.text


@pytest.mark.expect_log_warnings
def test_a_broken_base_override_is_named_as_the_culprit(override_dir, renderer):
    write(override_dir, "slack/_base.j2", "{% block text %}{{ 1 + }}{% endblock %}")
    facts = facts_of(sample("session.created"))
    rendered = Renderer(override_dir).render(SLACK, facts)
    assert rendered.parts == renderer.render(SLACK, facts).parts
    assert rendered.problem is not None
    assert "slack/_base.j2" in rendered.problem


def test_overrides_added_changed_or_removed_while_running_are_seen(override_dir):
    custom = Renderer(override_dir)
    facts = facts_of(sample("user.created"))
    assert custom.render(DESKTOP, facts).parts["body"].startswith("Ada Example signed")
    path = write(
        override_dir, "desktop/user.created.j2", "{% block body %}one{% endblock %}"
    )
    assert custom.render(DESKTOP, facts).parts["body"] == "one"
    path.write_text("{% block body %}two{% endblock %}", encoding="utf-8")
    later = path.stat().st_mtime + 5
    os.utime(path, (later, later))
    assert custom.render(DESKTOP, facts).parts["body"] == "two"
    path.unlink()
    assert custom.render(DESKTOP, facts).parts["body"].startswith("Ada Example signed")


def test_a_missing_override_folder_means_the_defaults(tmp_path, renderer):
    facts = facts_of(sample("user.created"))
    custom = Renderer(tmp_path / "does-not-exist")
    assert custom.render(EMAIL, facts) == renderer.render(EMAIL, facts)


@pytest.mark.expect_log_warnings
def test_if_even_the_shipped_template_fails_plain_words_are_sent(
    override_dir, renderer, caplog
):
    # Stand in a broken copy for the shipped templates, as a HookFlo bug would.
    write(override_dir, "slack/generic.j2", "{% block text %}{{ 1/0 }}{% endblock %}")
    broken = jinja2.FileSystemLoader(override_dir)
    renderer._shipped = jinjaenv.sandbox(broken)
    facts = facts_of(signup(first_name="<!channel>"), event_type="foo.bar")
    rendered = renderer.render(SLACK, facts)
    assert rendered.parts == {
        "text": "Foo bar: Foo bar · &lt;!channel&gt; Example",
        "mrkdwn": "Foo bar · &lt;!channel&gt; Example",
    }
    assert rendered.problem == (
        "The template slack/generic.j2 failed at line 1 (ZeroDivisionError: "
        "division by zero); sent plain words instead (a HookFlo bug)"
    )
    assert rendered.problem in caplog.text


def names(count):
    bodies = []
    for i in range(count):
        bodies.append(signup(first_name=f"Person{i}", last_name="Example"))
    return [facts_of(body, event_id=i) for i, body in enumerate(bodies)]


def test_a_burst_on_the_desktop_names_a_few_and_counts_the_rest(renderer):
    parts = renderer.render_summary(DESKTOP, names(50)).parts
    assert parts == {
        "title": "50 new signups",
        "body": "Person0 Example, Person1 Example, Person2 Example and 47 more",
    }


def test_a_burst_in_slack_lists_sixty_and_counts_the_rest(renderer):
    parts = renderer.render_summary(SLACK, names(80)).parts
    assert parts["text"] == (
        "80 new signups: Person0 Example, Person1 Example, Person2 Example and 77 more"
    )
    lines = parts["mrkdwn"].split("\n")
    assert lines[0] == "*80 new signups*"
    assert lines[1] == (
        "• *Person0 Example* signed up with email and password"
        " · ada.founder@example.com"
    )
    assert len([line for line in lines if line.startswith("• ")]) == 60
    assert lines[-1] == "…and 20 more"


def test_a_burst_by_email_lists_everyone_up_to_a_hundred(renderer):
    parts = renderer.render_summary(EMAIL, names(12)).parts
    assert parts["subject"] == (
        "12 new signups: Person0 Example, Person1 Example, Person2 Example and 9 more"
    )
    assert parts["text"].count("\n- ") == 12
    assert "and 9 more" not in parts["text"]
    assert parts["html"].count("<li>") == 12
    assert "reply_to_address" not in parts
    many = renderer.render_summary(EMAIL, names(110)).parts
    assert many["html"].count("<li>") == 100
    assert "…and 10 more." in many["text"]


def test_a_single_event_summary_and_a_mixed_one(renderer):
    assert renderer.render_summary(DESKTOP, names(1)).parts["title"] == "1 new signup"
    mixed = [*names(2), facts_of(sample("session.created"))]
    parts = renderer.render_summary(DESKTOP, mixed).parts
    assert parts["title"] == "2 new signups, 1 sign-in"
    assert parts["body"] == (
        "2 new signups: Person0 Example, Person1 Example\n1 sign-in: Ada Example"
    )
    roles = [facts_of(sample("role.created")), facts_of(sample("role.created"))]
    assert renderer.render_summary(DESKTOP, roles).parts["title"] == (
        "Role created (2 events)"
    )


def test_a_burst_of_test_events_says_test_and_a_mixed_one_marks_each(renderer):
    tests = [facts_of(sample("user.created"), is_test=True)] * 2
    for channel in ChannelName:
        heading = templates.HEADING_PARTS[channel]
        parts = renderer.render_summary(channel, tests).parts
        assert parts[heading].startswith("TEST · 2 new signups")
    mixed = [*names(1), facts_of(sample("user.created"), environment="development")]
    desktop = renderer.render_summary(DESKTOP, mixed).parts
    assert desktop["title"] == "2 new signups"
    assert desktop["body"] == "Person0 Example, Ada Example (TEST)"
    assert "(TEST)" in renderer.render_summary(SLACK, mixed).parts["mrkdwn"]


def test_summary_values_are_escaped_per_channel(renderer):
    facts = [facts_of(signup(first_name="<!here>", last_name="& Co"))] * 2
    assert (
        "&lt;!here&gt; &amp; Co" in renderer.render_summary(SLACK, facts).parts["text"]
    )
    assert (
        "&lt;!here&gt; &amp; Co" in renderer.render_summary(EMAIL, facts).parts["html"]
    )
    assert "<!here> & Co" in renderer.render_summary(DESKTOP, facts).parts["body"]


def test_a_summary_needs_events(renderer):
    with pytest.raises(ValueError, match="at least one event"):
        renderer.render_summary(SLACK, [])


@pytest.mark.expect_log_warnings
def test_a_broken_summary_override_falls_back(override_dir, renderer):
    write(
        override_dir,
        "email/summary.j2",
        "{% block subject %}{{ count + 'x' }}{% endblock %}",
    )
    facts = names(3)
    rendered = Renderer(override_dir).render_summary(EMAIL, facts)
    assert rendered.parts == renderer.render_summary(EMAIL, facts).parts
    assert rendered.problem is not None
    assert "email/summary.j2" in rendered.problem
