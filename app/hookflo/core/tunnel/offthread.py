"""Run a blocking call (pyngrok, the keyring) off the event loop, with a limit.

Qt-free. Each call gets its own daemon thread. pyngrok reads the agent's
output and probes its API without any time limit, so a call may never
return; it then holds one idle thread, never the loop, and never delays
interpreter exit the way a thread of the loop's default executor would.
"""

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


async def call(fn: Callable[[], T], *, timeout_s: float, name: str) -> T:
    """Return ``fn()``, run in a new thread.

    Raises:
        TimeoutError: ``fn`` did not return within ``timeout_s``; it keeps
            running until whatever it waits for ends (the caller usually
            kills the agent it was talking to).
        BaseException: whatever ``fn`` raised.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]  # fn returned T

    def work() -> None:
        result: T | None = None
        error: BaseException | None = None
        try:
            result = fn()
        except BaseException as err:  # handed to the awaiting coroutine
            error = err
        # RuntimeError: the loop is closed, so nobody waits for this answer.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=work, name=name, daemon=True).start()
    async with asyncio.timeout(timeout_s):
        return await future
