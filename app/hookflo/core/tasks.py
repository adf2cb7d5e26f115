"""The one place that starts background asyncio tasks.

asyncio keeps only a weak reference to a task, so a task nobody holds can be
garbage-collected mid-flight. ``spawn`` keeps a strong reference until the task
ends and logs a failure instead of letting it vanish.
"""

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger(__name__)

_running: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
    """Run ``coro`` in the background under ``name``, keeping it alive."""
    # The only sanctioned call: everything else goes through spawn().
    task = asyncio.create_task(coro, name=name)  # noqa: TID251
    _running.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _running.discard(task)
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        logger.error("Background task %s failed", task.get_name(), exc_info=error)
