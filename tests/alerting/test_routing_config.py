"""Channel tables and routing rules in config.toml, and how rules route."""

import pytest

from hookflo.core import config
from hookflo.core.alertconfig import Security
from hookflo.core.alerting.routing import channels_for
from hookflo.core.channels.base import ChannelName
from hookflo.core.errors import ConfigError

EVERY = frozenset(ChannelName)
DESKTOP, SLACK, EMAIL = ChannelName.DESKTOP, ChannelName.SLACK, ChannelName.EMAIL


def _load(tmp_path, text: str) -> config.Config:
    config_file = tmp_path / "config.toml"
    config_file.write_text(text, encoding="utf-8")
    return config.load(config_file)


def test_the_documented_channel_tables_parse(tmp_path):
    loaded = _load(
        tmp_path,
        """
        [channels.email]
        host = "smtp.example.com"
        port = 587
        security = "starttls"
        username = "alerts@example.com"
        sender = "HookFlo <alerts@example.com>"
        recipients = ["founder@example.com"]

        [channels.slack]
        channel = "#signups"
        api_url = "https://slack.com/api/"

        [channels.desktop]
        enabled = true
        """,
    )
    email = loaded.channels.email
    assert email is not None
    assert (email.host, email.port, email.security) == (
        "smtp.example.com",
        587,
        Security.STARTTLS,
    )
    assert email.recipients == ("founder@example.com",)
    assert loaded.channels.slack is not None
    assert loaded.channels.slack.channel == "#signups"
    assert loaded.channels.desktop.enabled
    assert loaded.channels.desktop.explicit


def test_tls_defaults_to_port_465_and_channel_names_are_trimmed(tmp_path):
    loaded = _load(
        tmp_path,
        """
        [channels.email]
        host = "smtp.example.com"
        security = "tls"
        sender = "a@example.com"
        recipients = "b@example.com"

        [channels.slack]
        channel = "signups "
        """,
    )
    assert loaded.channels.email is not None
    assert loaded.channels.email.port == 465
    assert loaded.channels.slack is not None
    assert loaded.channels.slack.channel == "signups"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[channels.slack]\nchannel = ''", "channels.slack.channel"),
        ("[channels.slack]\napi_url = 'ftp://x'", "channels.slack.api_url"),
        ("[channels.pager]\nx = 1", "channels.pager"),
        ("[channels.desktop]\nenabled = 'yes'", "channels.desktop.enabled"),
        (
            "[channels.email]\nhost='h'\nsecurity='ssl'\nsender='a@b.c'\n"
            "recipients=['d@e.f']",
            "channels.email.security",
        ),
        (
            "[channels.email]\nhost='h'\nsender='a@b.c'\nrecipients=[]",
            "channels.email.recipients",
        ),
        (
            "[channels.email]\nhost='h'\nsender='not an address'\nrecipients=['d@e.f']",
            "channels.email.sender",
        ),
        ("[[routes]]\nchannels = ['pager']", "routes[0].channels"),
        ("[[routes]]\nevents = ['user.']\nchannels = []", "routes[0].events"),
        ("[[routes]]\nenvironment = 'staging'\nchannels = []", "routes[0].environment"),
        ("routes = 'all'", "routes"),
    ],
)
def test_wrong_alert_settings_name_the_key(tmp_path, text, key):
    with pytest.raises(
        ConfigError, match=rf": {key.replace('[', '.').replace(']', '.')}"
    ):
        _load(tmp_path, text)


def test_default_routes_are_what_a_founder_would_pick():
    routes = config.default_config().routes

    def route(environment, event_type):
        return channels_for(
            routes, environment=environment, event_type=event_type, active=EVERY
        )

    assert set(route("production", "user.created")) == EVERY
    assert route("production", "session.created") == (DESKTOP,)
    assert route("development", "user.created") == (DESKTOP,)
    assert route("production", None) == (DESKTOP,)


def test_first_matching_rule_wins_and_inactive_channels_drop_out(tmp_path):
    loaded = _load(
        tmp_path,
        """
        [[routes]]
        environment = "production"
        events = ["user.*"]
        channels = ["slack", "email"]

        [[routes]]
        events = ["*"]
        channels = ["desktop"]
        """,
    )

    def route(environment, event_type, active=EVERY):
        return channels_for(
            loaded.routes, environment=environment, event_type=event_type, active=active
        )

    assert route("production", "user.deleted") == (SLACK, EMAIL)
    assert route("production", "user.deleted", {DESKTOP, EMAIL}) == (EMAIL,)
    assert route("development", "user.created") == (DESKTOP,)
    assert route("production", "organization.created") == (DESKTOP,)
    assert route("production", "userx.created") == (DESKTOP,)


def test_no_rule_matching_means_no_alert(tmp_path):
    loaded = _load(
        tmp_path,
        '[[routes]]\nenvironment = "production"\nevents = ["user.created"]\n'
        'channels = ["desktop"]',
    )
    assert (
        channels_for(
            loaded.routes,
            environment="development",
            event_type="user.created",
            active=EVERY,
        )
        == ()
    )


def test_a_missing_email_host_is_said_in_a_plain_sentence(tmp_path):
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, '[channels.email]\nsender = "a@example.com"\n')
    message = str(caught.value)
    assert message.endswith(
        "channels.email.host: expected a host name such as 'smtp.example.com', "
        "but the key is missing"
    )
    assert "None" not in message
    assert "got" not in message
