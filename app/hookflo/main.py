"""The ``hookflo`` entry point: choose between the command line and the tray app.

``hookflo`` alone, or with only ``--host``/``--port``, starts the tray app,
and so does ``hookflo hookflo://event/<id>`` (what the desktop runs for a
link in a digest: the tray app shows that event); anything else is a
command. This module stays outside the Qt-free contract so that it alone
decides whether the GUI is loaded; everything it dispatches to is imported
lazily, so the commands never load Qt.

One hidden command, ``_tunnel-watchdog``, is how HookFlo starts its tunnel
watchdog from its own program, frozen build or not; it is handed over first,
before the command line is parsed.
"""

import sys
from collections.abc import Sequence

from hookflo.core import eventlinks
from hookflo.core.tunnel import watchdog

_GUI_OPTIONS = ("--host", "--port")


def main(argv: list[str] | None = None) -> int:
    """Run HookFlo with ``argv`` (defaults to the process arguments)."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == [watchdog.COMMAND]:
        return watchdog.main(args[1:])
    if wants_gui(args) or (args and eventlinks.is_hookflo_url(args[0])):
        from hookflo.gui import launcher

        return launcher.main(args)
    from hookflo import cli

    return cli.main(args)


def wants_gui(args: Sequence[str]) -> bool:
    """Return True if ``args`` hold nothing but the tray app's options."""
    expect_value = False
    for arg in args:
        if expect_value:
            expect_value = False
        elif arg in _GUI_OPTIONS:
            expect_value = True
        elif not arg.startswith(tuple(f"{option}=" for option in _GUI_OPTIONS)):
            return False
    return True
