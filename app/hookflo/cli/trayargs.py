"""The tray app's options as the command line shows and checks them.

``hookflo`` alone, or with only ``--host``/``--port``, starts the tray app
(``hookflo.main`` decides, so the commands never load Qt). The command line's
help names those options too, and a tray option followed by anything else
gets a plain sentence instead of argparse's "invalid choice".
"""

from collections.abc import Sequence

TRAY_OPTIONS = ("--host", "--port")

USAGE = "hookflo [--host HOST] [--port PORT]\n       hookflo COMMAND ..."

EPILOG = """\
tray app:
  hookflo [--host HOST] [--port PORT]
                start the tray app (no command); --host and --port choose the
                receiver's address instead of [receiver] in config.toml"""


def is_tray_option(arg: str) -> bool:
    """Return True if ``arg`` is ``--host``/``--port``, with or without ``=``."""
    return arg in TRAY_OPTIONS or arg.startswith(
        tuple(f"{option}=" for option in TRAY_OPTIONS)
    )


def misuse(argv: Sequence[str]) -> str | None:
    """Return why ``argv`` mixes the tray app's options with more, or None."""
    if not argv or not is_tray_option(argv[0]):
        return None
    expect_value = False
    for arg in argv:
        if expect_value:
            expect_value = False
        elif arg in TRAY_OPTIONS:
            expect_value = True
        elif not is_tray_option(arg):
            return (
                f"The tray app takes only --host and --port, not {arg!r}; "
                "a command's options go after the command, as in "
                "`hookflo serve --port 8787`"
            )
    return None
