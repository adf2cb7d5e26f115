"""When refused deliveries prove that this machine's clock, not Clerk, is wrong.

A correctly signed request whose timestamp is out of the tolerance has two
explanations: a wrong local clock, or an old delivery sent again (a replay,
by a test tool or an attacker). One such request cannot tell them apart, so
it never claims the clock is wrong. A wrong clock shows in every delivery
Svix makes, each signed when it is sent: several different signed requests
whose timestamps are off by about the same amount are the evidence. The same
request sent again adds nothing, and replays of old deliveries are off by
different amounts.

Qt-free; the time is a parameter, so tests control it.
"""

import dataclasses
import logging
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

REQUESTS_NEEDED = 3
AGREEMENT_S = 120.0
MEMORY_S = 3600.0
MAX_REMEMBERED = 1000


@dataclasses.dataclass(frozen=True, slots=True)
class _Sighting:
    seen_at: float
    age_s: float


class SkewEvidence:
    """Collects stale but correctly signed requests; says when they agree.

    Args:
        needed: how many different requests must agree.
        agreement_s: how far their offsets may differ and still agree.
        memory_s: how long a request counts (monotonic seconds).
        clock: monotonic seconds; tests replace it.
    """

    def __init__(
        self,
        *,
        needed: int = REQUESTS_NEEDED,
        agreement_s: float = AGREEMENT_S,
        memory_s: float = MEMORY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._needed = needed
        self._agreement_s = agreement_s
        self._memory_s = memory_s
        self._clock = clock
        self._seen: dict[tuple[str, str], _Sighting] = {}

    def add(self, msg_id: str, timestamp: str, age_s: float) -> bool:
        """Count one stale signed request; return True if the clock is wrong.

        Args:
            msg_id: the request's svix-id.
            timestamp: its svix-timestamp, as sent.
            age_s: how far that timestamp is behind this machine's clock
                (negative: ahead of it).
        """
        now = self._clock()
        self._seen = {
            key: seen
            for key, seen in self._seen.items()
            if now - seen.seen_at < self._memory_s
        }
        if len(self._seen) >= MAX_REMEMBERED:
            oldest = min(self._seen, key=lambda key: self._seen[key].seen_at)
            del self._seen[oldest]
        self._seen[(msg_id, timestamp)] = _Sighting(now, age_s)
        agreeing = [
            seen
            for seen in self._seen.values()
            if (seen.age_s > 0) == (age_s > 0)
            and abs(seen.age_s - age_s) <= self._agreement_s
        ]
        proven = len(agreeing) >= self._needed
        logger.debug(
            "Stale signed request %s (%.0f s); %d agree", msg_id, age_s, len(agreeing)
        )
        return proven
