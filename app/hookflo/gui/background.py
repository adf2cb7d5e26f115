"""The tray app's background work: named, tracked tasks that report failures.

Widgets start every coroutine through ``Background.start`` instead of
qasync's ``asyncSlot`` (which hands the task to Qt, where nothing keeps it, and
sends failures to ``sys.excepthook``). A problem the user can act on
(``UserFacingError``) is logged at ALERT, which the bridge shows in the status
line; anything else is logged with its traceback by ``tasks.spawn``. Shutdown
cancels whatever is still running, so no task outlives the widgets it updates.
"""

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from hookflo.core import tasks
from hookflo.core.errors import UserFacingError
from hookflo.core.logs import ALERT

logger = logging.getLogger(__name__)


class ClosedError(Exception):
    """The resource a task wanted is gone because the app is shutting down."""


class Background:
    """Starts coroutines for the GUI and can cancel all of them at once."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()
        self._closed = False

    def start(
        self, coro: Coroutine[Any, Any, Any], *, name: str
    ) -> asyncio.Task[Any] | None:
        """Run ``coro`` in the background under ``name``; None once closed."""
        if self._closed:
            coro.close()
            return None
        task = tasks.spawn(_reporting(coro, name), name=f"gui-{name}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        # A task cancelled before its first step never starts ``coro``:
        # close it, or Python warns that it was never awaited.
        task.add_done_callback(lambda _task: coro.close())
        return task

    async def close(self) -> None:
        """Cancel every task still running and wait until they are done."""
        self._closed = True
        pending = list(self._running)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


async def _reporting(coro: Coroutine[Any, Any, Any], name: str) -> Any:
    try:
        return await coro
    except UserFacingError as err:
        logger.log(ALERT, "%s", err)
    except ClosedError:
        logger.debug("%s stopped: the app is shutting down", name)
    return None
