"""Where the tunnel's agent comes from: the disk, or a download the user asked for.

Qt-free; used by the supervisor on the event loop. Finding the agent only
looks at the disk (``locate``); downloading it (``launch.download_agent``)
happens only through ``download``, which the supervisor calls when the user
asks (``Tunnel.install_agent``), never at start-up.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from hookflo.core.tunnel import board, download, launch, locate
from hookflo.core.tunnel.errors import TunnelError
from hookflo.core.tunnelconfig import TunnelSettings

logger = logging.getLogger(__name__)


class AgentSupply:
    """Finds the agent binary, and downloads it on request, showing progress.

    Args:
        settings: the ``[tunnel]`` table (``ngrok_path``, ``download_url``).
        environ: where PATH is read.
        data_dir: HookFlo's data directory, where a downloaded agent lives.
        status: the board that shows the download's progress.
        stall_timeout_s: give up when no byte arrives for this long.
        limit_s: give up when the whole download takes longer.
    """

    def __init__(
        self,
        settings: TunnelSettings,
        environ: Mapping[str, str],
        *,
        data_dir: Path,
        status: board.StatusBoard,
        stall_timeout_s: float,
        limit_s: float,
    ) -> None:
        self._settings = settings
        self._environ = environ
        self._target = download.agent_path(data_dir)
        self._data_dir = data_dir
        self._board = status
        self._stall_timeout_s = stall_timeout_s
        self._limit_s = limit_s

    def require(self) -> Path:
        """Return the agent binary to run.

        Raises:
            TunnelError: there is none (Problem.NO_AGENT).
        """
        return locate.require_agent(
            self._settings.ngrok_path, self._environ, downloaded=self._target
        )

    def find(self) -> Path | None:
        """Return the agent binary, or None while there is none."""
        try:
            return locate.find_agent(
                self._settings.ngrok_path, self._environ, downloaded=self._target
            )
        except TunnelError:
            return None  # the configured one is still missing

    async def download(self, *, show: bool) -> Path:
        """Download the agent; ``show`` its progress (and failure) on the board.

        Raises:
            TunnelError: the download failed (Problem.DOWNLOAD_FAILED).
        """
        if show:
            self._board.starting()
        try:
            return await launch.download_agent(
                self._settings,
                data_dir=self._data_dir,
                stall_timeout_s=self._stall_timeout_s,
                limit_s=self._limit_s,
                on_progress=self._board.downloading,
            )
        except TunnelError as err:
            if show:
                self._board.unavailable(err)
            raise

    async def wait(
        self, retried: asyncio.Event, *, poll_s: float, busy: Callable[[], bool]
    ) -> None:
        """Return once ``retried`` is set or an agent is on the disk.

        ``busy`` says whether a download of this HookFlo is still under way;
        its own end (``retried``) starts the tunnel then.
        """
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(poll_s):
                    await retried.wait()
                    return
            found = self.find()
            if found is not None and not busy():
                logger.info("Found the ngrok agent at %s: starting the tunnel", found)
                return
