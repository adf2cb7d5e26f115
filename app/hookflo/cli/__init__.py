"""The ``hookflo`` command line (Qt-free).

Every user mistake or environment problem ends as one plain sentence on
stderr and a non-zero exit status; only bugs show a traceback.
"""

import argparse
import contextlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence

from hookflo import __version__
from hookflo.cli import (
    deliveriescmd,
    digestcmd,
    listing,
    secretcmd,
    sendtest,
    serve,
    statuscmd,
    testchannel,
    trayargs,
    tunnelcmd,
)
from hookflo.cli.environment import Env
from hookflo.cli.status import ExitStatus
from hookflo.core import errors, logs

logger = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace, Env], ExitStatus]


def main(argv: Sequence[str], env: Env | None = None) -> int:
    """Run one command; return the process exit status.

    A reader that stops early (``hookflo events | head -1``) ends the run
    quietly with ExitStatus.BROKEN_PIPE, as a command killed by SIGPIPE would.
    """
    env = env or Env()
    try:
        status = _run(argv, env)
        env.stdout.flush()  # a closed pipe shows here, not at interpreter exit
    except BrokenPipeError:
        _drop_stdout(env)
        return ExitStatus.BROKEN_PIPE
    return status


def _drop_stdout(env: Env) -> None:
    """Point stdout at the null device, so the flush at exit cannot fail again."""
    logger.debug("The reader of stdout closed it; output stopped")
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(devnull, env.stdout.fileno())
    except (OSError, ValueError):
        pass  # not a real file (a test's buffer): nothing is flushed at exit
    finally:
        os.close(devnull)


def _run(argv: Sequence[str], env: Env) -> int:
    misuse = trayargs.misuse(argv)
    if misuse:
        env.error(f"hookflo: {misuse}")
        return ExitStatus.USAGE
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
        with _logging_to_file(env, enabled=handler is not serve.run):
            return int(handler(args, env))
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED
    except errors.UserFacingError as err:
        env.error(f"hookflo: {err}")
        return int(_status_of(err))
    except BrokenPipeError:
        raise  # the reader is gone: ``main`` ends the run quietly
    except OSError as err:
        # A file HookFlo needs is missing, unwritable or not a directory.
        where = f": {err.filename}" if err.filename else ""
        env.error(f"hookflo: {err.strerror or err}{where}")
        return ExitStatus.ERROR


@contextlib.contextmanager
def _logging_to_file(env: Env, *, enabled: bool) -> Iterator[None]:
    """Keep the core's log lines of this run in the log file, redacted.

    ``serve`` sets up its own logging. Other commands say what went wrong in
    one sentence on stderr; the details go to the log file, and never through
    Python's bare fallback handler, which redacts nothing.
    """
    if not enabled:
        yield
        return
    handler: logging.Handler
    try:
        env.paths.log_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler = logging.FileHandler(env.paths.log_file, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setLevel(logging.INFO)
    handler.setFormatter(
        logs.RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger(logs.ROOT_LOGGER)
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="hookflo",
        usage=trayargs.USAGE,
        description="Receive Clerk webhooks, verify and store them, and alert you.",
        epilog=trayargs.EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"hookflo {__version__}")
    # Sub-commands' usage starts "hookflo serve", not the tray line above.
    commands = parser.add_subparsers(
        title="commands", metavar="COMMAND", prog="hookflo"
    )
    serve.register(commands)
    listing.register(commands)
    deliveriescmd.register(commands)
    digestcmd.register(commands)
    sendtest.register(commands)
    testchannel.register(commands)
    secretcmd.register(commands)
    tunnelcmd.register(commands)
    statuscmd.register(commands)
    return parser


def _status_of(error: errors.UserFacingError) -> ExitStatus:
    if isinstance(error, errors.ConfigError):
        return ExitStatus.CONFIG
    if isinstance(error, errors.KeyringUnavailableError):
        return ExitStatus.KEYRING
    if isinstance(error, errors.AlreadyRunningError):
        return ExitStatus.ALREADY_RUNNING
    if isinstance(
        error,
        sendtest.RefusedError
        | testchannel.ChannelTestError
        | digestcmd.DigestSendError,
    ):
        return ExitStatus.REFUSED
    return ExitStatus.ERROR
