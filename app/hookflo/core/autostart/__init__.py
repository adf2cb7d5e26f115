"""Start HookFlo when the user logs in, on Linux, macOS and Windows.

Qt-free. Each system's mechanism sits behind ``base.LoginStarter``: a
freedesktop autostart entry (``xdg``), a LaunchAgent (``launchagent``) or a
``Run`` registry value (``runkey``). This module picks the one for this
system, chooses the command to start (the bundled program when frozen, else
the installed ``hookflo``) and turns failures into plain messages.
"""

import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from hookflo.core.autostart.base import LoginStarter
from hookflo.core.autostart.launchagent import LaunchAgent
from hookflo.core.autostart.runkey import RunKey
from hookflo.core.autostart.xdg import FILE_NAME, XdgAutostart, entry_file, exec_line
from hookflo.core.errors import UserFacingError

__all__ = [
    "FILE_NAME",
    "command",
    "disable",
    "enable",
    "entry_file",
    "exec_line",
    "is_enabled",
    "starter",
    "unsupported_reason",
]


def unsupported_reason(platform: str | None = None) -> str | None:
    """Return why starting at login cannot be set here, or None if it can."""
    system = platform or sys.platform
    if _kind(system):
        return None
    return f"Starting at login is not supported on this system ({system})"


def starter(
    environ: Mapping[str, str] | None = None,
    *,
    platform: str | None = None,
    home: Path | None = None,
) -> LoginStarter | None:
    """Return this system's start-at-login mechanism (None: there is none)."""
    kind = _kind(platform or sys.platform)
    if kind == "xdg":
        return XdgAutostart(environ)
    if kind == "launchagent":
        return LaunchAgent(home)
    if kind == "runkey":
        return RunKey()
    return None


def is_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Return whether HookFlo starts at login."""
    mechanism = starter(environ)
    return mechanism is not None and mechanism.is_enabled()


def command() -> list[str]:
    """Return the command that starts the tray app as installed."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    installed = shutil.which("hookflo")
    if installed:
        return [installed]
    return [sys.executable, "-m", "hookflo"]


def enable(environ: Mapping[str, str] | None = None) -> str:
    """Start HookFlo at login from now on; return where the entry is.

    Raises:
        UserFacingError: not supported here, or the entry cannot be written.
    """
    mechanism = _require(environ)
    try:
        mechanism.enable(command())
    except OSError as err:
        raise UserFacingError(f"Cannot write {mechanism.where}: {err}") from err
    return mechanism.where


def disable(environ: Mapping[str, str] | None = None) -> None:
    """Stop starting HookFlo at login.

    Raises:
        UserFacingError: not supported here, or the entry cannot be removed.
    """
    mechanism = _require(environ)
    try:
        mechanism.disable()
    except OSError as err:
        raise UserFacingError(f"Cannot remove {mechanism.where}: {err}") from err


def _require(environ: Mapping[str, str] | None) -> LoginStarter:
    mechanism = starter(environ)
    if mechanism is None:
        raise UserFacingError(unsupported_reason() or "Starting at login is off")
    return mechanism


def _kind(platform: str) -> str | None:
    if platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return "xdg"
    if platform == "darwin":
        return "launchagent"
    if platform == "win32":
        return "runkey"
    return None
