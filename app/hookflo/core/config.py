"""Settings: the model and the loader for ``config.toml``.

The file never holds a secret. A wrong file is refused whole with a message
naming the file, the key and what was expected, so the app never starts half
configured.
"""

import dataclasses
import datetime
import enum
import logging
import re
import tomllib
from pathlib import Path
from typing import Any

from hookflo.core import alertconfig, clocktime, loopback, quiethours, tunnelconfig
from hookflo.core.alertconfig import ChannelSettings, Route
from hookflo.core.digest import settings as digestsettings
from hookflo.core.errors import ConfigError

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_SOURCE_NAME = "clerk"
DEFAULT_CLERK_API_URL = "https://api.clerk.com"
SOURCE_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
PATH_PATTERN = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")
_API_URL_PATTERN = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
_ERROR_LINE = re.compile(r"\(at line (\d+), column \d+\)")


class Environment(enum.StrEnum):
    """Which Clerk instance a source belongs to."""

    PRODUCTION = "production"
    DEVELOPMENT = "development"


@dataclasses.dataclass(frozen=True, slots=True)
class Source:
    """One webhook endpoint in Clerk, served at ``path``.

    ``clerk_api_url`` is the base of Clerk's Backend API, which the catch-up
    after time offline lists users from (with the source's secret key).
    """

    name: str
    environment: Environment
    path: str
    clerk_api_url: str = DEFAULT_CLERK_API_URL


@dataclasses.dataclass(frozen=True, slots=True)
class ReceiverSettings:
    """Where the receiver listens and how much it reads."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES


@dataclasses.dataclass(frozen=True, slots=True)
class Config:
    """Everything ``config.toml`` says, validated."""

    receiver: ReceiverSettings
    sources: tuple[Source, ...]
    channels: ChannelSettings = dataclasses.field(default_factory=ChannelSettings)
    routes: tuple[Route, ...] = dataclasses.field(
        default_factory=alertconfig.default_routes
    )
    tunnel: tunnelconfig.TunnelSettings = dataclasses.field(
        default_factory=tunnelconfig.TunnelSettings
    )
    quiet_hours: quiethours.QuietHours = dataclasses.field(
        default_factory=quiethours.QuietHours
    )
    digests: digestsettings.DigestSettings = dataclasses.field(
        default_factory=digestsettings.DigestSettings
    )

    def source(self, name: str) -> Source:
        """Return the source called ``name``.

        Raises:
            ConfigError: no such source is configured.
        """
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(repr(s.name) for s in self.sources)
        raise ConfigError(f"Unknown source {name!r}; known sources: {known}")


def default_path(source_name: str) -> str:
    """Return the URL path a source is served at unless configured otherwise."""
    return f"/webhooks/{source_name}"


def default_config() -> Config:
    """Return the settings used when there is no config file."""
    clerk = Source(
        name=DEFAULT_SOURCE_NAME,
        environment=Environment.PRODUCTION,
        path=default_path(DEFAULT_SOURCE_NAME),
    )
    return Config(receiver=ReceiverSettings(), sources=(clerk,))


def load(config_file: Path) -> Config:
    """Read and validate ``config_file``; return the defaults if it is absent.

    Raises:
        ConfigError: the file cannot be read or holds a wrong value.
    """
    try:
        text = config_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        logger.debug("No config file at %s; using defaults", config_file)
        return default_config()
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"Cannot read {config_file}: {err}") from err
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(_not_toml(config_file, text, err)) from err
    return _Parser(config_file).parse(raw)


def _not_toml(config_file: Path, text: str, err: tomllib.TOMLDecodeError) -> str:
    """Say why ``text`` is not TOML; for an unquoted time, how to fix it."""
    # Python 3.11's error carries the place only in its message.
    place = _ERROR_LINE.search(str(err))
    lines = text.splitlines()
    number = int(place[1]) if place else 0
    fix = clocktime.quote_hint(lines[number - 1]) if 0 < number <= len(lines) else None
    if fix is None:
        return f"{config_file}: not valid TOML: {err}"
    return (
        f"{config_file}: not valid TOML at line {number}: "
        f"write the time in quotes, as {fix}"
    )


class _Parser:
    """Turns the parsed TOML into a ``Config``, naming the key of any fault."""

    def __init__(self, config_file: Path) -> None:
        self._file = config_file

    def fail(self, key: str, expected: str, got: object) -> ConfigError:
        if got is alertconfig.MISSING:
            return ConfigError(
                f"{self._file}: {key}: expected {expected}, but the key is missing"
            )
        return ConfigError(
            f"{self._file}: {key}: expected {expected}, got {shown_value(got)}"
        )

    def parse(self, raw: dict[str, Any]) -> Config:
        known = {
            "receiver",
            "sources",
            "channels",
            "routes",
            "tunnel",
            "quiet_hours",
            "digests",
        }
        self._no_unknown_keys("", raw, known)
        receiver = self._receiver(self._table(raw, "receiver"))
        sources = self._sources(self._table(raw, "sources"))
        channels = alertconfig.parse_channels(self._table(raw, "channels"), self.fail)
        routes = alertconfig.parse_routes(raw.get("routes"), self.fail)
        tunnel = tunnelconfig.parse_tunnel(self._table(raw, "tunnel"), self.fail)
        quiet = quiethours.parse_quiet_hours(self._table(raw, "quiet_hours"), self.fail)
        digests = digestsettings.parse_digests(self._table(raw, "digests"), self.fail)
        return Config(receiver, sources, channels, routes, tunnel, quiet, digests)

    def _table(self, raw: dict[str, Any], key: str) -> dict[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(key, "a table", value)
        return value

    def _no_unknown_keys(
        self, prefix: str, raw: dict[str, Any], known: set[str]
    ) -> None:
        for key in raw:
            if key not in known:
                allowed = ", ".join(sorted(known))
                raise self.fail(f"{prefix}{key}", f"one of the keys {allowed}", key)

    def _receiver(self, raw: dict[str, Any]) -> ReceiverSettings:
        self._no_unknown_keys("receiver.", raw, {"host", "port", "max_body_bytes"})
        host = raw.get("host", DEFAULT_HOST)
        if not isinstance(host, str) or not host.strip():
            raise self.fail("receiver.host", "an address such as '127.0.0.1'", host)
        port = raw.get("port", DEFAULT_PORT)
        if not _is_int(port) or not 0 <= port <= 65535:
            raise self.fail("receiver.port", "a port number from 0 to 65535", port)
        limit = raw.get("max_body_bytes", DEFAULT_MAX_BODY_BYTES)
        if not _is_int(limit) or not 1024 <= limit <= 64 * 1024 * 1024:
            raise self.fail(
                "receiver.max_body_bytes", "a size from 1024 to 67108864 bytes", limit
            )
        return ReceiverSettings(host=host.strip(), port=port, max_body_bytes=limit)

    def _sources(self, raw: dict[str, Any]) -> tuple[Source, ...]:
        if not raw:
            return default_config().sources
        sources = [self._source(name, value) for name, value in raw.items()]
        seen: dict[str, str] = {}
        for source in sources:
            if source.path in seen:
                raise self.fail(
                    f"sources.{source.name}.path",
                    f"a path not already used by source {seen[source.path]!r}",
                    source.path,
                )
            seen[source.path] = source.name
        return tuple(sources)

    def _source(self, name: str, raw: object) -> Source:
        key = f"sources.{name}"
        if not SOURCE_NAME_PATTERN.match(name):
            raise self.fail(
                key, "a name of lowercase letters, digits, '-' and '_'", name
            )
        if not isinstance(raw, dict):
            raise self.fail(key, "a table", raw)
        known = {"environment", "path", "clerk_api_url"}
        self._no_unknown_keys(f"{key}.", raw, known)
        environment = raw.get("environment", Environment.PRODUCTION.value)
        choices = " or ".join(repr(e.value) for e in Environment)
        if environment not in {e.value for e in Environment}:
            raise self.fail(f"{key}.environment", choices, environment)
        path = raw.get("path", default_path(name))
        if not isinstance(path, str) or not PATH_PATTERN.match(path):
            raise self.fail(f"{key}.path", "a URL path such as '/webhooks/clerk'", path)
        api_url = raw.get("clerk_api_url", DEFAULT_CLERK_API_URL)
        if (
            not isinstance(api_url, str)
            or not _API_URL_PATTERN.match(api_url)
            or loopback.is_plain_http_elsewhere(api_url)
        ):
            # The catch-up sends the source's secret key there.
            raise self.fail(
                f"{key}.clerk_api_url",
                "an https:// URL such as 'https://api.clerk.com' "
                "(http:// for loopback only)",
                api_url,
            )
        return Source(
            name=name,
            environment=Environment(environment),
            path=path,
            clerk_api_url=api_url.rstrip("/"),
        )


def shown_value(value: object) -> str:
    """Show a value read from TOML as TOML would, not as a Python repr."""
    if isinstance(value, datetime.datetime):
        return f"the date and time {value.isoformat()}"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, datetime.time):
        return f"the time {value.isoformat()}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return _shown_list(value)
    return repr(value)


def _shown_list(values: list[Any]) -> str:
    if not values:
        return "an empty list"
    count = len(values)
    return "a list of 1 value" if count == 1 else f"a list of {count} values"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
