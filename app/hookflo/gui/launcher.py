"""``hookflo`` with no command: the tray app on one qasync loop.

Builds the QApplication, makes sure only one HookFlo runs per user and home
(a second start brings the first one's window forward and exits), then runs
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

from PySide6.QtWidgets import QApplication, QMessageBox

from hookflo import __version__
from hookflo.cli.status import ExitStatus
from hookflo.core import config, logs, paths
from hookflo.core.credentials import Credentials
from hookflo.core.errors import ConfigError, UserFacingError
from hookflo.gui import icons, instance, qasyncloop
from hookflo.gui.app import APP_NAME, HookfloApp
from hookflo.gui.context import AppContext

logger = logging.getLogger(__name__)


def main(argv: Sequence[str]) -> int:
    """Run the tray app with ``hookflo [--host H] [--port P]``."""
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exit_:  # a wrong option: the usage is printed
        return int(exit_.code or 0)
    missing = _missing_display()
    if missing:
        print(f"hookflo: {missing}", file=sys.stderr)
        return ExitStatus.ERROR
    environ = dict(os.environ)
    where = paths.resolve(environ)
    where.ensure()
    logs.setup(level=logging.INFO, log_file=where.log_file)
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
    if instance.ask_running_to_show(name):
        print("HookFlo is already running; its window was brought forward.")
        return ExitStatus.SUCCESS
    context = AppContext(where, settings, Credentials(environ), environ)
    hookflo = HookfloApp(context, host=args.host, port=args.port, instance_name=name)
    with asyncio.Runner(loop_factory=lambda: qasyncloop.new_loop(app)) as runner:
        try:
            return runner.run(run_until_quit(hookflo, app))
        except UserFacingError as err:
            logger.error("HookFlo could not start: %s", err)
            QMessageBox.critical(None, f"{APP_NAME} — cannot start", str(err))
            return ExitStatus.ERROR


async def run_until_quit(hookflo: HookfloApp, app: QApplication) -> int:
    """Start ``hookflo``, serve until asked to quit, then shut it down.

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
    return parser


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
