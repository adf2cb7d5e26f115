"""Writing config.toml back: round trips, atomic replacement, no secrets."""

import os
import stat
import tomllib

import pytest

from hookflo.core import alertconfig, config, configwrite
from hookflo.core.alertconfig import (
    ChannelSettings,
    DesktopSettings,
    EmailSettings,
    Route,
    Security,
    SlackSettings,
)
from hookflo.core.channels.base import ChannelName
from hookflo.core.config import Config, Environment, ReceiverSettings, Source
from hookflo.core.errors import ConfigError

FULL = """
[receiver]
host = "127.0.0.2"
port = 9100
max_body_bytes = 2048

[sources.clerk-prod]
environment = "production"

[sources.clerk-dev]
environment = "development"
path = "/hooks/dev"

[channels.desktop]
enabled = false

[channels.slack]
channel = "#signups"
api_url = "http://127.0.0.1:9/api"
timeout = 7

[channels.email]
host = "smtp.example.com"
security = "tls"
username = "founder@example.com"
sender = "HookFlo <alerts@example.com>"
recipients = ["a@example.com", "Zoë \\"Q\\" <z@example.com>"]
timeout = 2.5

[[routes]]
environment = "production"
events = ["user.created", "organization.*"]
channels = ["slack", "email"]

[[routes]]
events = "*"
channels = []
"""


def _load_text(tmp_path, text):
    path = tmp_path / "given.toml"
    path.write_text(text, encoding="utf-8")
    return config.load(path)


@pytest.mark.parametrize(
    "settings",
    [
        config.default_config(),
        Config(
            ReceiverSettings(),
            (Source("a", Environment.DEVELOPMENT, "/x/y.z~_-"),),
            routes=(),
        ),
        Config(
            ReceiverSettings(port=0),
            (Source("clerk", Environment.PRODUCTION, "/webhooks/clerk"),),
            ChannelSettings(
                desktop=DesktopSettings(enabled=True, explicit=True),
                slack=SlackSettings(),
                email=EmailSettings(
                    host="127.0.0.1",
                    port=25,
                    security=Security.NONE,
                    sender="a@example.com",
                    recipients=("b@example.com",),
                ),
            ),
            (Route(("user.created",), (ChannelName.EMAIL,), None),),
        ),
    ],
    ids=["defaults", "no-routes", "channels"],
)
def test_write_then_load_gives_the_same_config(tmp_path, settings):
    target = tmp_path / "config.toml"
    configwrite.write(target, settings)
    assert config.load(target) == settings


def test_everything_the_parser_accepts_survives_a_round_trip(tmp_path):
    given = _load_text(tmp_path, FULL)
    target = tmp_path / "config.toml"
    configwrite.write(target, given)
    assert config.load(target) == given
    # And writing what was read gives the same text again.
    first = target.read_text(encoding="utf-8")
    configwrite.write(target, config.load(target))
    assert target.read_text(encoding="utf-8") == first


def test_defaults_are_left_out_of_the_file(tmp_path):
    target = tmp_path / "config.toml"
    configwrite.write(target, config.default_config())
    raw = tomllib.loads(target.read_text(encoding="utf-8"))
    assert raw == {
        "sources": {"clerk": {"environment": "production", "path": "/webhooks/clerk"}}
    }


def test_file_is_owner_only_and_no_temporary_file_is_left(tmp_path):
    target = tmp_path / "sub" / "config.toml"
    configwrite.write(target, config.default_config())
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["config.toml"]


def test_a_config_that_would_read_back_differently_is_not_written(tmp_path):
    target = tmp_path / "config.toml"
    target.write_text("# the user's own file\n", encoding="utf-8")
    # The parser adds the trailing slash, so this would come back changed.
    odd = Config(
        ReceiverSettings(),
        config.default_config().sources,
        ChannelSettings(slack=SlackSettings(api_url="http://127.0.0.1:9/api")),
    )
    with pytest.raises(ConfigError, match="would not read back the same"):
        configwrite.write(target, odd)
    assert target.read_text(encoding="utf-8") == "# the user's own file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_an_invalid_config_is_refused_before_the_file_is_touched(tmp_path):
    target = tmp_path / "config.toml"
    target.write_text("# old\n", encoding="utf-8")
    bad = Config(ReceiverSettings(port=70000), config.default_config().sources)
    with pytest.raises(configwrite.ConfigValueError) as caught:
        configwrite.write(target, bad)
    assert caught.value.key == "receiver.port"
    assert str(target) in str(caught.value)
    assert target.read_text(encoding="utf-8") == "# old\n"


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"sources": {"Bad Name": {}}}, "sources.Bad Name"),
        ({"sources": {"a": {"path": "no-slash"}}}, "sources.a.path"),
        (
            {"channels": {"email": {"host": "h", "sender": "x", "recipients": []}}},
            "channels.email.sender",
        ),
        (
            {"routes": [{"events": ["*"], "channels": ["desktop", "pager"]}]},
            "routes[0].channels[1]",
        ),
    ],
)
def test_check_names_the_key_of_a_wrong_value(tmp_path, table, key):
    target = tmp_path / "config.toml"
    with pytest.raises(configwrite.ConfigValueError) as caught:
        configwrite.check(table, target)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{target}: {key}: expected ")
    assert caught.value.detail.startswith("expected ")
    assert not target.exists()


def test_strings_with_quotes_backslashes_and_controls_are_escaped(tmp_path):
    odd = 'a"b\\c\td\x01e\x7fé'
    text = configwrite.dumps({"t": {"s": odd, "k y": [1, 2.5, True]}})
    assert tomllib.loads(text) == {"t": {"s": odd, "k y": [1, 2.5, True]}}


def test_default_routes_are_not_written_but_changed_ones_are(tmp_path):
    table = configwrite.to_table(config.default_config())
    assert "routes" not in table
    changed = Config(
        ReceiverSettings(),
        config.default_config().sources,
        routes=alertconfig.default_routes()[1:],
    )
    assert len(configwrite.to_table(changed)["routes"]) == 2


def test_tunnel_settings_survive_a_round_trip(tmp_path):
    given = _load_text(
        tmp_path,
        '[tunnel]\nenabled = true\ndomain = "Hook.ngrok-free.app"\nregion = "eu"\n'
        f'ngrok_path = "{tmp_path / "bin" / "ngrok"}"\n'
        'download_url = "https://mirror.example.com/ngrok.tgz"\n',
    )
    assert given.tunnel.domain == "hook.ngrok-free.app"
    assert given.tunnel.download_url == "https://mirror.example.com/ngrok.tgz"
    target = tmp_path / "config.toml"
    configwrite.write(target, given)
    assert config.load(target) == given


def test_camel_case_clerk_types_can_be_routed(tmp_path):
    given = _load_text(
        tmp_path,
        '[[routes]]\nevents = ["organizationMembership.created", "waitlistEntry.*"]\n'
        'channels = ["email"]\n',
    )
    assert given.routes[0].events == (
        "organizationMembership.created",
        "waitlistEntry.*",
    )
    target = tmp_path / "config.toml"
    configwrite.write(target, given)
    assert config.load(target) == given
