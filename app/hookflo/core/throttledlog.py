"""Say a repeated warning at most once a period, with how often it happened.

A flood of connections or of failed accepts must not become a flood of log
lines: the first occurrence is logged at once, later ones are counted and
logged together when the period ends.
"""

import asyncio
import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

PERIOD_S = 60.0


class Throttled:
    """Calls ``say`` with a count, at most once every ``period_s``.

    Args:
        say: logs the line; gets how many occurrences it covers.
        loop: the loop that runs the end-of-period timer.
        period_s: the shortest time between two lines.
    """

    def __init__(
        self,
        say: Callable[[int], None],
        loop: asyncio.AbstractEventLoop,
        *,
        period_s: float = PERIOD_S,
    ) -> None:
        self._say = say
        self._loop = loop
        self._period_s = period_s
        self._pending = 0
        self._timer: asyncio.TimerHandle | None = None

    def note(self) -> None:
        """Count one occurrence; log now unless a line went out this period."""
        self._pending += 1
        if self._timer is None:
            self._flush()

    def close(self) -> None:
        """Log what is still counted and stop the timer."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._pending:
            self._say(self._pending)
            self._pending = 0

    def _flush(self) -> None:
        if not self._pending:
            self._timer = None
            return
        count, self._pending = self._pending, 0
        self._timer = self._loop.call_later(self._period_s, self._flush)
        self._say(count)
