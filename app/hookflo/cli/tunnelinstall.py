"""``hookflo tunnel install``: download the ngrok agent, showing progress.

The one way, with the tray's "Download ngrok agent…", that HookFlo fetches
the agent: never at start-up. The agent goes to HookFlo's data directory,
where ``hookflo serve --tunnel`` and the tray app find it (a running one
within seconds). Progress goes to stderr: one line rewritten in place on a
terminal, a plain line per 10 % otherwise; the path goes to stdout.
"""

import argparse
import logging
import threading
from typing import TextIO

from hookflo.cli.environment import Env
from hookflo.cli.status import ExitStatus
from hookflo.core.errors import ConfigError
from hookflo.core.tunnel import download, errors, locate
from hookflo.core.tunnel.status import progress_line

logger = logging.getLogger(__name__)

STALL_TIMEOUT_S = 15.0
_STEP_PERCENT = 10
_STEP_BYTES = 1_000_000  # a plain line per MB when the size is unknown


def register(actions: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``tunnel install``."""
    install = actions.add_parser(
        "install",
        help="download the ngrok agent into HookFlo's data folder",
        description=(
            "Download the ngrok agent (about "
            f"{download.ABOUT_MB} MB) from ngrok, or from [tunnel] download_url, "
            "into HookFlo's data folder, showing progress, and print its path. "
            "Does nothing when an agent is already installed."
        ),
    )
    install.add_argument(
        "--force", action="store_true", help="download again even if one is installed"
    )
    install.set_defaults(handler=install_agent)


def install_agent(args: argparse.Namespace, env: Env) -> ExitStatus:
    """Download the agent unless one is found; print where it is."""
    settings = env.load_config().tunnel
    if settings.ngrok_path is not None:
        raise ConfigError(
            f"ngrok_path in the [tunnel] table of config.toml names "
            f"{settings.ngrok_path}, which HookFlo runs instead of a downloaded "
            "agent: remove ngrok_path to use one, or install ngrok there"
        )
    target = download.agent_path(env.paths.data_dir)
    found = locate.find_agent(None, env.environ, downloaded=target)
    if found is not None and not args.force:
        env.error(
            f"The ngrok agent is already installed: {found} (--force downloads "
            "it again)"
        )
        env.print(str(found))
        return ExitStatus.SUCCESS
    url = download.source_url(settings.download_url)
    logger.info("Downloading the ngrok agent from %s", download.shown(url))
    progress = ProgressLine(env.stderr)
    try:
        download.fetch(
            url,
            target,
            stall_timeout_s=STALL_TIMEOUT_S,
            on_progress=progress,
            cancel=threading.Event(),
        )
    except download.DownloadError as err:
        logger.info("Downloading the ngrok agent failed: %s", err)
        raise errors.download_failed(
            err.reason,
            http_status=err.http_status,
            mirror=settings.download_url is not None,
        ) from err
    finally:
        progress.close()
    logger.info("Downloaded the ngrok agent to %s", target)
    if found is not None and found != target:
        env.error(f"Note: the agent at {found} is used before this one")
    env.print(str(target))
    return ExitStatus.SUCCESS


class ProgressLine:
    """Shows a download's progress on ``stream`` (a terminal or a log)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._live = _is_terminal(stream)
        self._last_step: int | None = None
        self._open = False

    def __call__(self, progress: download.Progress) -> None:
        """Show ``progress`` (on a log, only each new step)."""
        text = describe(progress)
        if self._live:
            self._stream.write(f"\r{text}\x1b[K")
            self._open = True
        else:
            step = _step(progress)
            if step == self._last_step:
                return
            self._last_step = step
            self._stream.write(text + "\n")
        self._stream.flush()

    def close(self) -> None:
        """End the line rewritten in place, if one is open."""
        if self._open:
            self._stream.write("\n")
            self._stream.flush()
            self._open = False


def describe(progress: download.Progress) -> str:
    """Return e.g. "Downloading ngrok agent: 43 % (4.3 of 10.0 MB)"."""
    return progress_line(progress.done, progress.total, sizes=True)


def _step(progress: download.Progress) -> int:
    if progress.total:
        return min(100, progress.done * 100 // progress.total) // _STEP_PERCENT
    return progress.done // _STEP_BYTES


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
