"""The catch-up's part in a running server: the heartbeat, then the catch-up.

``Server`` starts a ``Watch`` once it listens and stops it before closing
the store. Starting opens this run's span (one small write) and returns; the
heartbeat and the catch-up run in background tasks, so the catch-up never
delays start-up or an answer to Clerk.
"""

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path

from hookflo.core import store
from hookflo.core.catchup import records
from hookflo.core.catchup.runner import CatchUp
from hookflo.core.catchup.spans import Heartbeat, OfflineWindow
from hookflo.core.config import Config
from hookflo.core.credentials import Credentials
from hookflo.core.eventwriter import EventWriter
from hookflo.core.tasks import spawn

logger = logging.getLogger(__name__)


class Watch:
    """Records this run's listening span and catches up after time offline.

    Args:
        config: the sources to catch up.
        credentials: reads the Clerk secret keys.
        environ: where key overrides are read.
        writer: stores the caught-up events.
        database_file: the store.
        clock: wall-clock seconds (tests move it).

    Attributes:
        listeners: called on the loop once this run's span is open and again
            when the catch-up is over (the GUI reads the health then).
        settled: set once this start needs no catch-up, or its catch-up is
            over (done, failed or stopped): what is stored is then complete.
    """

    def __init__(
        self,
        config: Config,
        credentials: Credentials,
        environ: Mapping[str, str],
        writer: EventWriter,
        database_file: Path,
        *,
        clock: Callable[[], float],
    ) -> None:
        self.heartbeat = Heartbeat(database_file, clock=clock)
        self._database_file = database_file
        self._clock = clock
        self.catch_up = CatchUp(
            config, credentials, environ, writer, database_file, clock=clock
        )
        self._task: asyncio.Task[None] | None = None
        self.listeners: list[Callable[[], None]] = []
        self.settled = asyncio.Event()

    async def start(self) -> None:
        """Open this run's span; catch up in the background if it was away."""
        try:
            window = await self.heartbeat.start()
            window = await asyncio.to_thread(self._with_unfinished, window)
        except sqlite3.Error as err:
            logger.warning("Cannot record when HookFlo listens: %s", err)
            self.settled.set()
            return
        self._tell()
        if window is None:
            self.settled.set()
        else:
            self._task = spawn(self._catch_up(window), name="catch-up")

    async def wait(self) -> None:
        """Return once the catch-up of this start is over (for tests)."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def stop(self) -> None:
        """Stop a catch-up under way and record a clean stop."""
        if self._task is not None and not self._task.done():
            logger.info("Stopping the catch-up under way")
            self._task.cancel()
        await self.wait()
        self._task = None
        self.settled.set()
        await self.heartbeat.stop()

    def _with_unfinished(self, window: OfflineWindow | None) -> OfflineWindow | None:
        """Widen ``window`` back to a catch-up cut short before, if any."""
        conn = store.connect(self._database_file)
        try:
            since = records.unfinished_since(conn)
        finally:
            conn.close()
        if since is None:
            return window
        if window is not None and window.start <= since:
            return window
        logger.info("Taking up a catch-up that was cut short")
        end = self._clock() if window is None else window.end
        return OfflineWindow(since, end, clean=False)

    async def _catch_up(self, window: OfflineWindow) -> None:
        try:
            await self.catch_up.run(window)
        finally:
            self.settled.set()
        self._tell()

    def _tell(self) -> None:
        for listener in self.listeners:
            try:
                listener()
            except Exception:
                logger.exception("Catch-up listener %r failed", listener)
