"""The ``hookflo`` command line (Qt-free).

Every user mistake or environment problem ends as one plain sentence on
stderr and a non-zero exit status; only bugs show a traceback.
"""

import argparse
import contextlib
import logging
from collections.abc import Callable, Sequence

from hookflo import __version__
from hookflo.cli import (
    deliveriescmd,
    listing,
    secretcmd,
    sendtest,
    serve,
    testchannel,
)
from hookflo.cli.environment import Env
from hookflo.cli.status import ExitStatus
from hookflo.core import errors

logger = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace, Env], ExitStatus]


def main(argv: Sequence[str], env: Env | None = None) -> int:
    """Run one command; return the process exit status."""
    env = env or Env()
    parser = build_parser()
    try:
        # argparse prints usage, errors and --version to sys.stdout/sys.stderr;
        # send them to this run's streams instead.
        with (
            contextlib.redirect_stdout(env.stdout),
            contextlib.redirect_stderr(env.stderr),
        ):
            args = parser.parse_args(list(argv))
    except SystemExit as exit_:
        return int(exit_.code or 0)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(env.stdout)
        return ExitStatus.USAGE
    try:
        return int(handler(args, env))
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED
    except errors.UserFacingError as err:
        env.error(f"hookflo: {err}")
        return int(_status_of(err))


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="hookflo",
        description="Receive Clerk webhooks, verify and store them, and alert you.",
    )
    parser.add_argument("--version", action="version", version=f"hookflo {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    serve.register(commands)
    listing.register(commands)
    deliveriescmd.register(commands)
    sendtest.register(commands)
    testchannel.register(commands)
    secretcmd.register(commands)
    return parser


def _status_of(error: errors.UserFacingError) -> ExitStatus:
    if isinstance(error, errors.ConfigError):
        return ExitStatus.CONFIG
    if isinstance(error, errors.KeyringUnavailableError):
        return ExitStatus.KEYRING
    if isinstance(error, sendtest.RefusedError | testchannel.ChannelTestError):
        return ExitStatus.REFUSED
    return ExitStatus.ERROR
