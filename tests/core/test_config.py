"""Reading config.toml: defaults, sources, and errors that name the key."""

import pytest

from hookflo.core import config, paths
from hookflo.core.config import Environment
from hookflo.core.errors import ConfigError


def _load(tmp_path, text: str) -> config.Config:
    config_file = tmp_path / "config.toml"
    config_file.write_text(text, encoding="utf-8")
    return config.load(config_file)


def test_no_file_means_one_production_clerk_source(tmp_path):
    loaded = config.load(tmp_path / "absent.toml")
    (source,) = loaded.sources
    assert (source.name, source.environment, source.path) == (
        "clerk",
        Environment.PRODUCTION,
        "/webhooks/clerk",
    )
    assert (loaded.receiver.host, loaded.receiver.port) == ("127.0.0.1", 8787)
    assert loaded.receiver.max_body_bytes == 1024 * 1024


def test_sources_with_environments_and_paths(tmp_path):
    loaded = _load(
        tmp_path,
        """
        [receiver]
        port = 9000

        [sources.clerk-prod]
        environment = "production"

        [sources.clerk-dev]
        environment = "development"
        path = "/hooks/dev"
        """,
    )
    assert loaded.receiver.port == 9000
    assert [(s.name, s.environment.value, s.path) for s in loaded.sources] == [
        ("clerk-prod", "production", "/webhooks/clerk-prod"),
        ("clerk-dev", "development", "/hooks/dev"),
    ]
    assert loaded.source("clerk-dev").path == "/hooks/dev"


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        (
            "[sources.clerk]\nenvironment = 'staging'",
            "sources.clerk.environment",
            "'production' or 'development'",
        ),
        ("[sources.clerk]\npath = 'webhooks'", "sources.clerk.path", "a URL path"),
        ("[sources.clerk]\nsecret = 'whsec_x'", "sources.clerk.secret", "one of"),
        (
            "[sources.clerk]\nclerk_api_url = 'http://api.clerk.com'",
            "sources.clerk.clerk_api_url",
            "http:// for loopback only",
        ),
        (
            "[sources.clerk]\nclerk_api_url = 'HTTP://10.0.0.5:8080'",
            "sources.clerk.clerk_api_url",
            "an https:// URL",
        ),
        ("[sources.Clerk]\n", "sources.Clerk", "lowercase letters"),
        ("[receiver]\nport = 'eighty'", "receiver.port", "a port number"),
        ("[receiver]\nport = 70000", "receiver.port", "a port number"),
        ("[receiver]\nport = true", "receiver.port", "a port number"),
        ("[receiver]\nmax_body_bytes = 10", "receiver.max_body_bytes", "a size"),
        ("receiver = 3", "receiver", "a table"),
        ("[recevier]\nport = 1", "recevier", "one of the keys"),
        (
            "[sources.a]\npath = '/x'\n[sources.b]\npath = '/x'",
            "sources.b.path",
            "not already used",
        ),
    ],
)
def test_wrong_values_name_file_key_and_expectation(tmp_path, text, key, expected):
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    message = str(caught.value)
    assert str(tmp_path / "config.toml") in message
    assert f": {key}: expected " in message
    assert expected in message


@pytest.mark.parametrize(
    "url",
    [
        "https://api.clerk.com",
        "http://127.0.0.1:8123",
        "http://[::1]:8123/v1",
        "http://localhost:8123",
    ],
)
def test_clerk_api_url_is_https_or_loopback(tmp_path, url):
    loaded = _load(tmp_path, f"[sources.clerk]\nclerk_api_url = '{url}'\n")

    assert loaded.source("clerk").clerk_api_url == url


def test_invalid_toml_names_the_file(tmp_path):
    with pytest.raises(ConfigError, match=r"config\.toml: not valid TOML"):
        _load(tmp_path, "[sources.clerk\n")


def test_unknown_source_name_is_a_clear_error():
    with pytest.raises(ConfigError, match="nope"):
        config.default_config().source("nope")


def test_hookflo_home_holds_config_data_and_logs(tmp_path):
    resolved = paths.resolve({"HOOKFLO_HOME": str(tmp_path)})
    assert resolved.config_file == tmp_path / "config.toml"
    assert resolved.database_file.parent == tmp_path / "data"
    assert resolved.log_file.parent == tmp_path / "logs"


def test_without_hookflo_home_platform_directories_are_used(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    resolved = paths.resolve({})
    assert resolved.config_file.is_relative_to(tmp_path / "xdg-config")
    assert resolved.database_file.is_relative_to(tmp_path / "xdg-data")


_EMAIL = "[channels.email]\nhost = 'smtp.example.com'\nsender = 'a@example.com'\n"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (
            _EMAIL + "recipients = ['not an email']",
            "channels.email.recipients[0]: expected an email address, "
            "got 'not an email'",
        ),
        (
            _EMAIL + "recipients = ['b@example.com', 'c@', 'd@example.com']",
            "channels.email.recipients[1]: expected an email address, got 'c@'",
        ),
        (
            "[[routes]]\nchannels = ['desktop']\n[[routes]]\nchannels = ['pager']",
            "routes[1].channels[0]: expected one of desktop, email, slack, got 'pager'",
        ),
        (
            "[[routes]]\nevents = ['user.created', 'user.']\nchannels = []",
            "routes[0].events[1]: expected an event type or pattern like "
            "'user.*', got 'user.'",
        ),
        (
            "[[routes]]\nchannels = [{ name = 'slack' }]",
            "routes[0].channels[0]: expected one of desktop, email, slack, got a table",
        ),
    ],
)
def test_a_bad_list_entry_is_named_with_its_position(tmp_path, text, named):
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)

    assert f"config.toml: {named}" in str(caught.value)


def test_missing_recipients_say_the_key_is_missing(tmp_path):
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, _EMAIL)

    assert str(caught.value).endswith(
        "channels.email.recipients: expected a list of one or more email "
        "addresses, but the key is missing"
    )


def test_a_list_of_one_value_is_not_called_values():
    assert config.shown_value([]) == "an empty list"
    assert config.shown_value(["pager"]) == "a list of 1 value"
    assert config.shown_value([8, 30]) == "a list of 2 values"
