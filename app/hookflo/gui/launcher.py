"""``hookflo`` with no command: the tray app on one qasync loop.

Builds the QApplication, makes sure only one HookFlo runs per user and home
(a second start brings the first one's window forward and exits; started
with a ``hookflo://event/<id>`` link, it has that event shown), then runs
``HookfloApp`` on a qasync loop (Qt's event loop is the asyncio loop the
receiver, the alerts and the tunnel run on) until "Quit", SIGTERM, SIGINT or
the end of the desktop session.
"""

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication

from hookflo import __version__
from hookflo.core import config, eventlinks, homelock, logs, paths
from hookflo.core.credentials import Credentials
from hookflo.core.errors import AlreadyRunningError, ConfigError, UserFacingError
from hookflo.exitstatus import ExitStatus
from hookflo.gui import icons, instance, qasyncloop, startnotice
from hookflo.gui.app import APP_NAME, HookfloApp
from hookflo.gui.context import AppContext

logger = logging.getLogger(__name__)

# Marks a log record whose message ``_tell`` also prints on stderr.
_TOLD_ATTRIBUTE = "told_on_stderr"
_TOLD = {_TOLD_ATTRIBUTE: True}


def main(argv: Sequence[str]) -> int:
    """Run the tray app with ``hookflo [--host H] [--port P] [LINK]``."""
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exit_:  # a wrong option: the usage is printed
        return int(exit_.code or 0)
    event_id = None
    if args.link is not None:
        event_id = eventlinks.parse_event_url(args.link)
        if event_id is None:
            print(f"hookflo: {_bad_link(args.link)}", file=sys.stderr)
            return ExitStatus.USAGE
    missing = _missing_display()
    if missing:
        print(f"hookflo: {missing}", file=sys.stderr)
        return ExitStatus.ERROR
    environ = dict(os.environ)
    where = paths.resolve(environ)
    where.ensure()
    logs.setup(level=logging.INFO, log_file=where.log_file)
    _keep_told_lines_off_the_console()
    try:
        settings = config.load(where.config_file)
    except ConfigError as err:
        print(f"hookflo: {err}", file=sys.stderr)
        return ExitStatus.CONFIG

    app = QApplication(sys.argv[:1])
    app.setApplicationName("hookflo")
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("hookflo")
    app.setWindowIcon(icons.app_icon())

    name = instance.socket_name(where)
    if event_id is not None and instance.ask_running_to_open(name, event_id):
        print(f"HookFlo is already running; it was asked to show event {event_id}.")
        return ExitStatus.SUCCESS
    if event_id is None and instance.ask_running_to_show(name):
        print("HookFlo is already running; its window was brought forward.")
        return ExitStatus.SUCCESS
    refused = refuse_second_copy(where)
    if refused is not None:
        return refused
    context = AppContext(where, settings, Credentials(environ), environ)
    hookflo = HookfloApp(context, host=args.host, port=args.port, instance_name=name)
    with asyncio.Runner(loop_factory=lambda: qasyncloop.new_loop(app)) as runner:
        try:
            return runner.run(run_until_quit(hookflo, app, open_event=event_id))
        except AlreadyRunningError as err:  # a `hookflo serve` started meanwhile
            return _report_already_running(str(err))
        except UserFacingError as err:
            logger.error("HookFlo could not start: %s", err, extra=_TOLD)
            _tell(f"{APP_NAME} — cannot start", str(err))
            return ExitStatus.ERROR


def refuse_second_copy(where: paths.Paths) -> int | None:
    """Say who runs on ``where`` and return the exit status, if one does.

    A running tray app answered on the instance socket already; what still
    holds the home is a headless ``hookflo serve``, which has no window to
    bring forward. A second receiver would send every alert twice.
    """
    message = homelock.holder(where)
    if message is None:
        return None
    return _report_already_running(message)


def _report_already_running(message: str) -> int:
    logger.error("HookFlo did not start: %s", message, extra=_TOLD)
    _tell(f"{APP_NAME} — already running", message)
    return ExitStatus.ALREADY_RUNNING


class _NotToldYet(logging.Filter):
    """Lets through only records the user has not been told on stderr."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, _TOLD_ATTRIBUTE, False)


def _keep_told_lines_off_the_console() -> None:
    """Keep a refusal ``_tell`` prints from reaching stderr a second time.

    The log file keeps the record (a start from the desktop menu has no
    terminal); the console handler writes to stderr, where ``_tell`` has
    already put the same sentence as a plain ``hookflo:`` line.
    """
    for handler in logging.getLogger(logs.ROOT_LOGGER).handlers:
        if not isinstance(handler, logging.FileHandler):
            handler.addFilter(_NotToldYet())


def _tell(title: str, message: str) -> None:
    """Say why HookFlo did not start, on stderr and where seen in a box.

    On stderr for a terminal; in a box for a start from the desktop menu,
    which closes itself, so a start no one watches still exits.
    """
    print(f"hookflo: {message}", file=sys.stderr, flush=True)
    if startnotice.can_show_windows():
        startnotice.show_briefly(title, message)


async def run_until_quit(
    hookflo: HookfloApp, app: QApplication, *, open_event: int | None = None
) -> int:
    """Start ``hookflo``, serve until asked to quit, then shut it down.

    ``open_event`` is an event to show in the window once it has started.

    Raises:
        UserFacingError: the receiver could not start.
    """
    loop = asyncio.get_running_loop()
    handled = []
    # Before starting: the tray icon shows during start-up, and a SIGTERM
    # then must quit cleanly too, not kill the process mid-start.
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, hookflo.request_quit)
            handled.append(signum)
    # The desktop session is ending: save and leave as "Quit" does.
    app.commitDataRequest.connect(lambda _manager: hookflo.request_quit())
    app.aboutToQuit.connect(hookflo.request_quit)
    try:
        await hookflo.start()
        if open_event is not None:
            hookflo.show_event(open_event)
        await hookflo.wait_for_quit()
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)
        await hookflo.shutdown()
    return ExitStatus.SUCCESS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hookflo",
        description="Run the HookFlo tray app: receive Clerk webhooks, verify, "
        "store and alert. `hookflo --help` lists the commands.",
    )
    parser.add_argument("--host", help="address to bind (default: config or 127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, help="port to bind, 0 for any (default: config or 8787)"
    )
    parser.add_argument(
        "link",
        nargs="?",
        help="a hookflo://event/<id> link (from a digest) to show that event",
    )
    return parser


def _bad_link(text: str) -> str:
    return (
        f"not a HookFlo event link: {text[:200]!r} "
        f"(expected {eventlinks.PREFIX}event/<number>)"
    )


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is not in 0..65535")
    return port


def _missing_display() -> str:
    """Return why no window can be shown here ("" when one can)."""
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return ""
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return ""
    return (
        "no desktop display found (DISPLAY and WAYLAND_DISPLAY are not set); "
        "use `hookflo serve` to run headless"
    )
