"""Start at login on Linux and the BSDs: a freedesktop autostart entry.

Qt-free. A desktop entry in ``$XDG_CONFIG_HOME/autostart`` (default
``~/.config/autostart``) starts the command at login; every freedesktop
session (GNOME, KDE, Xfce, LXQt …) honours it.
"""

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from hookflo.core.autostart.base import DISPLAY_NAME, FileStarter

FILE_NAME = "hookflo.desktop"
_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")


def entry_file(environ: Mapping[str, str] | None = None) -> Path:
    """Return the autostart desktop entry's path."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME", "").strip()
    root = Path(base) if base else Path.home() / ".config"
    return root / "autostart" / FILE_NAME


def exec_line(arguments: Sequence[str]) -> str:
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


def entry_text(command: Sequence[str]) -> str:
    """Return the autostart desktop entry that runs ``command``."""
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={DISPLAY_NAME}\n"
        "Comment=See Clerk signups the second they happen\n"
        f"Exec={exec_line(command)}\n"
        "Icon=hookflo\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


class XdgAutostart(FileStarter):
    """The autostart desktop entry of one user.

    Args:
        environ: where ``XDG_CONFIG_HOME`` is read (default: the process's).
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.file = entry_file(environ)

    def content(self, command: Sequence[str]) -> bytes:
        """Return the desktop entry that runs ``command``."""
        return entry_text(command).encode("utf-8")
