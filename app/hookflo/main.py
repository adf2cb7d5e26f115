"""The ``hookflo`` entry point: choose between the command line and the tray app.

This module stays outside the Qt-free contract so that it alone decides whether
the GUI is loaded; everything it dispatches to is imported lazily.
"""

import sys


def main(argv: list[str] | None = None) -> int:
    """Run HookFlo with ``argv`` (defaults to the process arguments)."""
    from hookflo import cli

    args = sys.argv[1:] if argv is None else argv
    return cli.main(args)
