"""Start HookFlo when the user logs in (freedesktop autostart on Linux).

Qt-free. On Linux a desktop entry in ``$XDG_CONFIG_HOME/autostart`` starts
the tray app at login, which every freedesktop session (GNOME, KDE, Xfce,
LXQt …) honours. Other systems are not supported yet and say so.
"""

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from hookflo.core.errors import UserFacingError

FILE_NAME = "hookflo.desktop"
_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")


def unsupported_reason(platform: str = sys.platform) -> str | None:
    """Return why starting at login cannot be set here, or None if it can."""
    if platform.startswith("linux") or platform.startswith("freebsd"):
        return None
    # TODO: starting at login on macOS (a LaunchAgent) and Windows (the Run
    # key) needs the packaged app's stable path, which the packaging work
    # will provide; until then the setting is offered on Linux only.
    return "Starting at login is not supported on this system yet"


def entry_file(environ: Mapping[str, str] | None = None) -> Path:
    """Return the autostart desktop entry's path."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME", "").strip()
    root = Path(base) if base else Path.home() / ".config"
    return root / "autostart" / FILE_NAME


def is_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Return whether HookFlo starts at login."""
    return entry_file(environ).is_file()


def command() -> list[str]:
    """Return the command that starts the tray app as installed."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    installed = shutil.which("hookflo")
    if installed:
        return [installed]
    return [sys.executable, "-m", "hookflo"]


def exec_line(arguments: list[str]) -> str:
    """Return ``arguments`` quoted for a desktop entry's ``Exec`` key.

    The quoting rule of the Desktop Entry Specification is applied first,
    then the escaping of string values (a backslash is written twice).
    """
    quoted = []
    for argument in arguments:
        argument = argument.replace("%", "%%")
        if any(c in _RESERVED for c in argument):
            for char in '\\"`$':
                argument = argument.replace(char, "\\" + char)
            argument = f'"{argument}"'
        quoted.append(argument.replace("\\", "\\\\"))
    return " ".join(quoted)


def enable(environ: Mapping[str, str] | None = None) -> Path:
    """Start HookFlo at login from now on; return the entry written.

    Raises:
        UserFacingError: not supported here, or the file cannot be written.
    """
    reason = unsupported_reason()
    if reason:
        raise UserFacingError(reason)
    target = entry_file(environ)
    text = (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=HookFlo\n"
        "Comment=See Clerk signups the second they happen\n"
        f"Exec={exec_line(command())}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".tmp")
        partial.write_text(text, encoding="utf-8")
        partial.replace(target)
    except OSError as err:
        raise UserFacingError(f"Cannot write {target}: {err}") from err
    return target


def disable(environ: Mapping[str, str] | None = None) -> None:
    """Stop starting HookFlo at login.

    Raises:
        UserFacingError: the entry cannot be removed.
    """
    target = entry_file(environ)
    try:
        target.unlink(missing_ok=True)
    except OSError as err:
        raise UserFacingError(f"Cannot remove {target}: {err}") from err
