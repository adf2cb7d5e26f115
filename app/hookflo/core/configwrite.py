"""Write ``config.toml`` back: the settings as TOML, checked, replaced atomically.

Qt-free; the settings dialog and the first-run guide save through here. The
file never holds a secret: the model has no field for one, and ``write``
refuses a config that would not read back equal through the real parser
(``config.load``). Values equal to the parser's defaults are left out, so a
later HookFlo can change a default the user never chose. Comments and key
order of a hand-edited file are not kept.

A form's values, not yet a ``Config``, are checked with ``check``: they are
turned into TOML, read by the same parser, and a fault comes back as a
``ConfigValueError`` naming the key, so the dialog can show it by the field.
"""

import contextlib
import datetime
import math
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hookflo.core import alertconfig, config, quiethours, tunnelconfig
from hookflo.core.alertconfig import ChannelSettings, EmailSettings, SlackSettings
from hookflo.core.digest import settings as digestsettings
from hookflo.core.errors import ConfigError

HEADER = (
    "# HookFlo settings, written by HookFlo. Secrets are never kept here:\n"
    "# they live in the OS keyring (`hookflo secret set`, or Settings).\n"
)
FILE_MODE = 0o600
DEFAULT_TIMEOUT_S = 15.0
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_FAULT = re.compile(r"^(?P<key>[^:]+): (?P<detail>expected .*)$", re.DOTALL)


class ConfigValueError(ConfigError):
    """A value the parser refused, with the key it sits under.

    Attributes:
        key: the dotted key, e.g. ``channels.email.port``; None when the
            fault is not about one key.
        detail: what was expected and what was found.
    """

    def __init__(self, message: str, *, key: str | None, detail: str) -> None:
        super().__init__(message)
        self.key = key
        self.detail = detail


def to_table(settings: config.Config) -> dict[str, Any]:
    """Return ``settings`` as the TOML tables the parser reads."""
    table: dict[str, Any] = {}
    routes = routes_table(settings.routes)
    if routes is not None:
        table["routes"] = routes
    receiver = _receiver(settings.receiver)
    if receiver:
        table["receiver"] = receiver
    table["sources"] = {s.name: _source(s) for s in settings.sources}
    channels = _channels(settings.channels)
    if channels:
        table["channels"] = channels
    tunnel = _tunnel(settings.tunnel)
    if tunnel:
        table["tunnel"] = tunnel
    quiet = quiethours.to_table(settings.quiet_hours)
    if quiet:
        table["quiet_hours"] = quiet
    digests = digestsettings.to_table(settings.digests)
    if digests:
        table["digests"] = digests
    return table


def render(settings: config.Config) -> str:
    """Return the text of ``config.toml`` for ``settings``."""
    return HEADER + "\n" + dumps(to_table(settings))


def check(table: Mapping[str, Any], config_file: Path) -> config.Config:
    """Read ``table`` (TOML-shaped values from a form) with the real parser.

    Args:
        table: the tables and values as ``tomllib`` would return them.
        config_file: the file the values are meant for, named in messages.

    Raises:
        ConfigValueError: a value is wrong; ``key`` says which.
    """
    text = dumps(table)
    with tempfile.TemporaryDirectory(prefix="hookflo-check-") as folder:
        candidate = Path(folder) / "config.toml"
        candidate.write_text(text, encoding="utf-8")
        try:
            return config.load(candidate)
        except ConfigError as err:
            raise _problem(str(err), str(candidate), config_file) from None


def write(config_file: Path, settings: config.Config) -> None:
    """Replace ``config_file`` with ``settings``, atomically, readable by the owner.

    The new text is written to a temporary file beside the target, read back
    with ``config.load``, and only moved over the target when it reads back
    equal to ``settings``. A crash leaves the old file or the new one, never
    a mix.

    Raises:
        ConfigError: ``settings`` cannot be written so that it reads back the
            same (a value the file cannot hold), or the file cannot be written.
    """
    text = render(settings)
    folder = config_file.parent
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(
            prefix=".config-", suffix=".toml.tmp", dir=folder
        )
    except OSError as err:
        raise ConfigError(f"Cannot write {config_file}: {err}") from err
    partial = Path(temporary)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(partial, FILE_MODE)
        try:
            read_back = config.load(partial)
        except ConfigError as err:
            raise _problem(str(err), str(partial), config_file) from None
        if read_back != settings:
            raise ConfigError(
                f"Cannot write {config_file}: the settings would not read back "
                "the same (a value outside what config.toml can hold)"
            )
        os.replace(partial, config_file)
    except OSError as err:
        raise ConfigError(f"Cannot write {config_file}: {err}") from err
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    _sync_folder(folder)


def routes_table(routes: Sequence[alertconfig.Route]) -> list[dict[str, Any]] | None:
    """Return the ``[[routes]]`` tables, or None when they are the defaults."""
    if tuple(routes) == alertconfig.default_routes():
        return None
    tables = []
    for route in routes:
        table: dict[str, Any] = {}
        if route.environment is not None:
            table["environment"] = route.environment
        table["events"] = list(route.events)
        table["channels"] = [c.value for c in route.channels]
        tables.append(table)
    return tables


def dumps(table: Mapping[str, Any]) -> str:
    """Return ``table`` as TOML text (the subset HookFlo's settings use).

    Raises:
        TypeError: a value of a type TOML cannot hold here.
    """
    lines: list[str] = []
    _emit_table(lines, (), table)
    return "\n".join(lines).strip("\n") + "\n"


def _emit_table(
    lines: list[str], path: tuple[str, ...], table: Mapping[str, Any]
) -> None:
    plain = {k: v for k, v in table.items() if not _is_table(v) and not _is_array(v)}
    tables = {k: v for k, v in table.items() if _is_table(v)}
    arrays = {k: v for k, v in table.items() if _is_array(v)}
    if path and (plain or not (tables or arrays)):
        lines.extend(["", f"[{_dotted(path)}]"])
    for key, value in plain.items():
        lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in tables.items():
        _emit_table(lines, (*path, key), value)
    for key, items in arrays.items():
        for item in items:
            lines.extend(["", f"[[{_dotted((*path, key))}]]"])
            _emit_array_item(lines, (*path, key), item)


def _emit_array_item(
    lines: list[str], path: tuple[str, ...], item: Mapping[str, Any]
) -> None:
    for key, value in item.items():
        if not _is_table(value) and not _is_array(value):
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in item.items():
        if _is_table(value):
            _emit_table(lines, (*path, key), value)
        elif _is_array(value):
            raise TypeError(f"Nested arrays of tables are not supported: {key!r}")


def _is_table(value: object) -> bool:
    return isinstance(value, Mapping)


def _is_array(value: object) -> bool:
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(isinstance(item, Mapping) for item in value)
    )


def _dotted(path: Sequence[str]) -> str:
    return ".".join(_key(part) for part in path)


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"Cannot write a {type(value).__name__} to config.toml")


def _string(text: str) -> str:
    out = []
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _receiver(receiver: config.ReceiverSettings) -> dict[str, Any]:
    table: dict[str, Any] = {}
    if receiver.host != config.DEFAULT_HOST:
        table["host"] = receiver.host
    if receiver.port != config.DEFAULT_PORT:
        table["port"] = receiver.port
    if receiver.max_body_bytes != config.DEFAULT_MAX_BODY_BYTES:
        table["max_body_bytes"] = receiver.max_body_bytes
    return table


def _source(source: config.Source) -> dict[str, Any]:
    table: dict[str, Any] = {
        "environment": source.environment.value,
        "path": source.path,
    }
    if source.clerk_api_url != config.DEFAULT_CLERK_API_URL:
        table["clerk_api_url"] = source.clerk_api_url
    return table


def _channels(channels: ChannelSettings) -> dict[str, Any]:
    table: dict[str, Any] = {}
    if channels.desktop.explicit:
        table["desktop"] = {"enabled": channels.desktop.enabled}
    if channels.slack is not None:
        table["slack"] = _slack(channels.slack)
    if channels.email is not None:
        table["email"] = _email(channels.email)
    return table


def _slack(slack: SlackSettings) -> dict[str, Any]:
    table: dict[str, Any] = {}
    if slack.channel is not None:
        table["channel"] = slack.channel
    if slack.api_url != alertconfig.DEFAULT_SLACK_API_URL:
        table["api_url"] = slack.api_url
    if slack.timeout_s != DEFAULT_TIMEOUT_S:
        table["timeout"] = slack.timeout_s
    return table


def _email(email: EmailSettings) -> dict[str, Any]:
    table: dict[str, Any] = {
        "host": email.host,
        "port": email.port,
        "security": email.security.value,
    }
    if email.username is not None:
        table["username"] = email.username
    table["sender"] = email.sender
    table["recipients"] = list(email.recipients)
    if email.timeout_s != DEFAULT_TIMEOUT_S:
        table["timeout"] = email.timeout_s
    return table


def _tunnel(tunnel: tunnelconfig.TunnelSettings) -> dict[str, Any]:
    table: dict[str, Any] = {}
    if tunnel.enabled:
        table["enabled"] = True
    if tunnel.domain is not None:
        table["domain"] = tunnel.domain
    if tunnel.region is not None:
        table["region"] = tunnel.region
    if tunnel.ngrok_path is not None:
        table["ngrok_path"] = str(tunnel.ngrok_path)
    if tunnel.download_url is not None:
        table["download_url"] = tunnel.download_url
    return table


def _problem(message: str, written: str, config_file: Path) -> ConfigValueError:
    """Turn the parser's message about ``written`` into one about the real file."""
    text = message.replace(written, str(config_file))
    prefix = f"{config_file}: "
    rest = text.removeprefix(prefix)
    match = _FAULT.match(rest) if text.startswith(prefix) else None
    if match is None:
        return ConfigValueError(text, key=None, detail=rest)
    return ConfigValueError(text, key=match["key"], detail=match["detail"])


def _sync_folder(folder: Path) -> None:
    """Make the rename durable; not every platform can open a folder."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
