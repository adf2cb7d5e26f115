"""How fast each channel may speak, how bursts collapse, and retry delays.

A channel may send ``individual_limit`` messages per ``window_s``. Past that,
waiting deliveries are held for ``hold_s`` and then go out together as one
summary, so 50 signups in a minute give a few messages and one "and 47 more"
instead of 50. ``min_interval_s`` spaces consecutive sends (Slack asks for
about one message a second per channel).

Once a burst has been held, the channel keeps collapsing until nothing waits:
every later send is a summary after another hold, even when a slot in the
window has come free meanwhile. Otherwise a long backlog (a replay, a restart
after hours away) would leak out as one message per freed slot, for hours.
The sends of the last window are read back at start, so a restart does not
hand a channel a fresh allowance of single messages.
"""

import collections
import dataclasses
import random
from collections.abc import Iterable

from hookflo.core.channels.base import ChannelName


@dataclasses.dataclass(frozen=True, slots=True)
class Policy:
    """The pacing, coalescing and retry rules of one channel."""

    individual_limit: int
    window_s: float
    hold_s: float
    min_interval_s: float = 0.0
    first_retry_s: float = 5.0
    max_retry_s: float = 30 * 60.0
    give_up_after_s: float = 24 * 3600.0
    summary_size: int = 500


POLICIES: dict[ChannelName, Policy] = {
    ChannelName.DESKTOP: Policy(
        individual_limit=3, window_s=30.0, hold_s=10.0, give_up_after_s=3600.0
    ),
    ChannelName.SLACK: Policy(
        individual_limit=5, window_s=60.0, hold_s=20.0, min_interval_s=1.0
    ),
    ChannelName.EMAIL: Policy(individual_limit=3, window_s=600.0, hold_s=60.0),
}


@dataclasses.dataclass(frozen=True, slots=True)
class Plan:
    """What a lane does next: wait, send one, or send a summary of many."""

    wait_until: float | None = None
    summary: bool = False


class Pacer:
    """Remembers a channel's recent sends and decides the next step.

    Args:
        policy: the channel's rules.
        recent_sends: when the channel sent during the last window (from the
            store, after a restart), in any order.
        collapsing: a burst was being summed up (one of those sends was a
            summary), so the next send is a summary too.
    """

    def __init__(
        self,
        policy: Policy,
        recent_sends: Iterable[float] = (),
        *,
        collapsing: bool = False,
    ) -> None:
        self.policy = policy
        self._sent_at: collections.deque[float] = collections.deque(
            sorted(recent_sends)
        )
        self._holding_since: float | None = None
        self._collapsing = collapsing
        self._last_send = self._sent_at[-1] if self._sent_at else float("-inf")

    def plan(self, now: float) -> Plan:
        """Decide what to do with the deliveries due at ``now``."""
        ready_at = self._last_send + self.policy.min_interval_s
        if now < ready_at:
            return Plan(wait_until=ready_at)
        while self._sent_at and self._sent_at[0] <= now - self.policy.window_s:
            self._sent_at.popleft()
        full = len(self._sent_at) >= self.policy.individual_limit
        if self._holding_since is None and (self._collapsing or full):
            self._holding_since = now
            self._collapsing = True
        if self._holding_since is None:
            return Plan()
        release = self._holding_since + self.policy.hold_s
        if now < release:
            return Plan(wait_until=release)
        return Plan(summary=True)

    def record_send(self, now: float) -> None:
        """Count a send (single or summary) made at ``now``."""
        self._sent_at.append(now)
        self._last_send = now
        self._holding_since = None

    def caught_up(self) -> None:
        """Nothing waits any more: the burst is over, single sends may resume."""
        self._collapsing = False


def retry_delay(policy: Policy, tries: int, retry_after: float | None) -> float:
    """Return the wait before try ``tries + 1``: exponential, jittered.

    Never shorter than ``retry_after``, what the far end asked for.
    """
    base = policy.first_retry_s * 2.0 ** max(0, tries - 1)
    delay = min(policy.max_retry_s, base) * random.uniform(0.75, 1.25)
    return max(delay, retry_after or 0.0)
