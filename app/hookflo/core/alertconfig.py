"""Settings for alerts: the channel tables and the routing rules.

Part of ``config.toml`` (see ``config``); secrets for channels live in the
keyring, never here. Parsing reports faults through the caller's ``fail`` so
every message names the file and the key.
"""

import dataclasses
import enum
import re
from collections.abc import Callable
from typing import Any

from hookflo.core.channels.base import ChannelName

Fail = Callable[[str, str, object], Exception]


class _Missing:
    """What a ``Fail`` is given as the value of a key that is not there."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
# Clerk's types are camelCase in places (organizationMembership.created).
EVENT_PATTERN = re.compile(r"^(\*|[A-Za-z_]+(\.[A-Za-z_]+)*(\.\*)?)$")
_SIMPLE_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+$")
_DISPLAY_ADDRESS = re.compile(r"^[^<>\r\n]*<([^<>\s]+@[^<>\s]+)>$")


class Security(enum.StrEnum):
    """How the SMTP connection is protected."""

    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"


@dataclasses.dataclass(frozen=True, slots=True)
class EmailSettings:
    """``[channels.email]``; the password comes from the keyring."""

    host: str
    port: int
    security: Security
    sender: str
    recipients: tuple[str, ...]
    username: str | None = None
    timeout_s: float = 15.0


@dataclasses.dataclass(frozen=True, slots=True)
class SlackSettings:
    """``[channels.slack]``; the webhook URL or bot token is in the keyring."""

    channel: str | None = None
    api_url: str = DEFAULT_SLACK_API_URL
    timeout_s: float = 15.0


@dataclasses.dataclass(frozen=True, slots=True)
class DesktopSettings:
    """``[channels.desktop]``; ``explicit`` when the table is in the file."""

    enabled: bool = True
    explicit: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class ChannelSettings:
    """The channel tables present in the file (None where absent)."""

    desktop: DesktopSettings = dataclasses.field(default_factory=DesktopSettings)
    slack: SlackSettings | None = None
    email: EmailSettings | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Route:
    """Events of ``environment`` whose type matches ``events`` go to ``channels``.

    ``environment`` None matches both environments.
    """

    events: tuple[str, ...]
    channels: tuple[ChannelName, ...]
    environment: str | None = None


def default_routes() -> tuple[Route, ...]:
    """The rules a founder would pick; the first matching rule wins."""
    every = tuple(ChannelName)
    desktop = (ChannelName.DESKTOP,)
    return (
        Route(("user.created",), every, "production"),
        Route(("*",), desktop, "production"),
        Route(("*",), desktop, "development"),
    )


def parse_channels(raw: dict[str, Any], fail: Fail) -> ChannelSettings:
    """Parse the ``[channels]`` table."""
    known = {c.value for c in ChannelName}
    for key in raw:
        if key not in known:
            raise fail(f"channels.{key}", f"one of {', '.join(sorted(known))}", key)
    for key, value in raw.items():
        if not isinstance(value, dict):
            raise fail(f"channels.{key}", "a table", value)
    desktop = DesktopSettings()
    if "desktop" in raw:
        table = raw["desktop"]
        _only(table, "channels.desktop.", {"enabled"}, fail)
        enabled = table.get("enabled", True)
        if not isinstance(enabled, bool):
            raise fail("channels.desktop.enabled", "true or false", enabled)
        desktop = DesktopSettings(enabled=enabled, explicit=True)
    slack = _slack(raw["slack"], fail) if "slack" in raw else None
    email = _email(raw["email"], fail) if "email" in raw else None
    return ChannelSettings(desktop=desktop, slack=slack, email=email)


def parse_routes(raw: object, fail: Fail) -> tuple[Route, ...]:
    """Parse ``[[routes]]``: a list of rules, or the defaults when absent."""
    if raw is None:
        return default_routes()
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise fail("routes", "an array of tables ([[routes]])", raw)
    routes = []
    for index, rule in enumerate(raw):
        key = f"routes[{index}]"
        _only(rule, f"{key}.", {"environment", "events", "channels"}, fail)
        environment = rule.get("environment")
        if environment not in (None, "production", "development"):
            raise fail(
                f"{key}.environment", "'production' or 'development'", environment
            )
        events = rule.get("events", ["*"])
        if isinstance(events, str):
            events = [events]
        pattern = "an event type or pattern like 'user.*'"
        _each(f"{key}.events", events, _is_event_pattern, pattern, fail)
        _each(
            f"{key}.channels",
            rule.get("channels", MISSING),
            _is_channel_name,
            f"one of {', '.join(sorted(c.value for c in ChannelName))}",
            fail,
        )
        channels = rule["channels"]
        routes.append(
            Route(tuple(events), tuple(ChannelName(c) for c in channels), environment)
        )
    return tuple(routes)


def _slack(table: dict[str, Any], fail: Fail) -> SlackSettings:
    _only(table, "channels.slack.", {"channel", "api_url", "timeout"}, fail)
    channel = table.get("channel")
    if channel is not None:
        if not isinstance(channel, str) or not channel.strip():
            raise fail(
                "channels.slack.channel",
                "a channel such as '#signups' or an id",
                channel,
            )
        channel = channel.strip()
    api_url = table.get("api_url", DEFAULT_SLACK_API_URL)
    if not isinstance(api_url, str) or not re.match(r"^https?://\S+$", api_url):
        raise fail("channels.slack.api_url", "an http(s) URL", api_url)
    if not api_url.endswith("/"):
        api_url += "/"
    return SlackSettings(
        channel=channel, api_url=api_url, timeout_s=_timeout(table, "slack", fail)
    )


def _email(table: dict[str, Any], fail: Fail) -> EmailSettings:
    allowed = {
        "host",
        "port",
        "security",
        "username",
        "sender",
        "recipients",
        "timeout",
    }
    _only(table, "channels.email.", allowed, fail)
    if "host" not in table:
        raise fail(
            "channels.email.host", "a host name such as 'smtp.example.com'", MISSING
        )
    host = table.get("host")
    if not isinstance(host, str) or not host.strip():
        raise fail(
            "channels.email.host", "a host name such as 'smtp.example.com'", host
        )
    security = table.get("security", "starttls")
    if security not in {s.value for s in Security}:
        raise fail("channels.email.security", "'starttls', 'tls' or 'none'", security)
    default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
    port = table.get("port", default_port)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise fail("channels.email.port", "a port number such as 587", port)
    username = table.get("username")
    if username is not None and (not isinstance(username, str) or not username):
        raise fail("channels.email.username", "a user name", username)
    sender = table.get("sender")
    if not isinstance(sender, str) or not _is_address(sender):
        raise fail(
            "channels.email.sender",
            "an address like 'HookFlo <a@example.com>'",
            sender,
        )
    recipients = table.get("recipients", MISSING)
    if isinstance(recipients, str):
        recipients = [recipients]
    if recipients is MISSING or not recipients:
        expected = "a list of one or more email addresses"
        raise fail("channels.email.recipients", expected, recipients)
    _each(
        "channels.email.recipients",
        recipients,
        lambda r: isinstance(r, str) and _is_address(r),
        "an email address",
        fail,
    )
    return EmailSettings(
        host=host.strip(),
        port=port,
        security=Security(security),
        sender=sender.strip(),
        recipients=tuple(r.strip() for r in recipients),
        username=username,
        timeout_s=_timeout(table, "email", fail),
    )


def _each(
    key: str,
    values: object,
    good: Callable[[object], bool],
    expected: str,
    fail: Fail,
) -> None:
    """Check each entry of the list at ``key``; name the first bad one.

    A fault names the entry by its position (``routes[0].channels[1]``), so
    a person sees which of several values to correct.
    """
    if not isinstance(values, list):
        raise fail(key, f"a list, each entry {expected}", values)
    for index, value in enumerate(values):
        if not good(value):
            raise fail(f"{key}[{index}]", expected, value)


def _is_channel_name(value: object) -> bool:
    return isinstance(value, str) and value in {c.value for c in ChannelName}


def _is_event_pattern(value: object) -> bool:
    return isinstance(value, str) and EVENT_PATTERN.match(value) is not None


def _is_address(text: str) -> bool:
    text = text.strip()
    return bool(_SIMPLE_ADDRESS.match(text) or _DISPLAY_ADDRESS.match(text))


def _timeout(table: dict[str, Any], channel: str, fail: Fail) -> float:
    value = table.get("timeout", 15)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise fail(f"channels.{channel}.timeout", "seconds, e.g. 15", value)
    return float(value)


def _only(table: dict[str, Any], prefix: str, known: set[str], fail: Fail) -> None:
    for key in table:
        if key not in known:
            raise fail(f"{prefix}{key}", f"one of {', '.join(sorted(known))}", key)
