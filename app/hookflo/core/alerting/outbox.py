"""The dispatcher: sends what the outbox holds, one independent lane per channel.

Each channel gets its own task, so a slow or failing channel never delays
another. A lane takes the deliveries that are due, asks its ``Pacer`` whether
to send one now, wait, or send a summary of a burst, records durably that a
send starts, sends, and records the outcome:

- success: ``sent``, with what the channel answered;
- temporary failure: ``retrying`` with an exponential, jittered delay (at
  least what the far end asked for in ``Retry-After``), until the policy gives
  up; a rate limit pauses the whole lane;
- permanent failure: ``failed`` with the reason, and the channel is blocked
  (its other deliveries wait) until its settings change or someone runs
  ``hookflo retry``, so bad credentials are tried once, not once per event.

A crash between a send and its record leaves the row in ``sending``; the next
start sends it again (at-least-once; email keeps the same Message-ID so the
repeat can be recognised). See ``outboxstore`` for the states.
"""

import asyncio
import concurrent.futures
import dataclasses
import functools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol, TypeVar, runtime_checkable

from hookflo.core import quiethours
from hookflo.core.alerting import sending
from hookflo.core.alerting.outboxstore import Delivery, OutboxStore
from hookflo.core.alerting.pacing import POLICIES, Pacer, Policy
from hookflo.core.channels.base import (
    Alert,
    Channel,
    ChannelName,
    DeliveryError,
    Preparable,
    SendReceipt,
)
from hookflo.core.logs import ALERT
from hookflo.core.tasks import spawn

logger = logging.getLogger(__name__)

POLL_S = 2.0
QUIET_RECHECK_S = 30.0
STOP_GRACE_S = 5.0

T = TypeVar("T")


@dataclasses.dataclass(frozen=True, slots=True)
class Composed:
    """An alert ready to send, and a template problem to show, if any."""

    alert: Alert
    problem: str | None = None


class Composer(Protocol):
    """Renders deliveries into alerts (runs in the outbox's worker thread)."""

    def single(
        self, channel: ChannelName, delivery: Delivery, outbox: OutboxStore
    ) -> Composed:
        """Return the alert about one event."""
        ...

    def summary(
        self, channel: ChannelName, deliveries: Sequence[Delivery], outbox: OutboxStore
    ) -> Composed:
        """Return one alert about a burst of events."""
        ...


@runtime_checkable
class Warmable(Protocol):
    """A composer that can load what it needs ahead of the first alert."""

    def warm(self, channels: Sequence[ChannelName]) -> None:
        """Get ready to compose for ``channels`` (runs in the worker thread)."""
        ...


ChangeListener = Callable[[Sequence[int]], None]


class Dispatcher:
    """Runs the lanes; ``wake`` after new deliveries are committed.

    Args:
        database_file: the store holding the outbox.
        channels: the channels that are set up, by name.
        composer: turns deliveries into alerts.
        fingerprints: a digest of each channel's settings, so a block set by a
            permanent failure lifts when the settings change.
        policies: pacing and retry rules per channel.
        clock: wall-clock seconds (tests may replace it).
        quiet: says when quiet hours hold a channel; what they held goes
            out as one summary when they end (see ``quiethours``).

    Attributes:
        listeners: called on the loop with the ids of deliveries that changed.
        paused_until: while the clock is before this time, nothing is sent
            (deliveries wait and go out, paced, afterwards); None when not
            paused. Set it with ``pause`` and ``resume``.
    """

    def __init__(
        self,
        database_file: Path,
        channels: Mapping[ChannelName, Channel],
        composer: Composer,
        *,
        fingerprints: Mapping[ChannelName, str] | None = None,
        policies: Mapping[ChannelName, Policy] = POLICIES,
        clock: Callable[[], float] = time.time,
        quiet: quiethours.QuietGate | None = None,
    ) -> None:
        self._database_file = database_file
        self._channels = dict(channels)
        self._composer = composer
        self._fingerprints = {c.value: "" for c in channels} | {
            c.value: f for c, f in (fingerprints or {}).items()
        }
        self._policies = policies
        self._clock = clock
        self._quiet = quiet or quiethours.QuietGate(quiethours.QuietHours())
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="hookflo-outbox"
        )
        self._outbox: OutboxStore | None = None
        self._wakes = {name: asyncio.Event() for name in self._channels}
        self._lanes: list[asyncio.Task[None]] = []
        self._stopping = False
        self._stop_requested = asyncio.Event()
        self._told: set[str] = set()
        self.listeners: list[ChangeListener] = []
        self.paused_until: float | None = None

    async def start(self) -> None:
        """Open the outbox, resume interrupted sends and start the lanes."""
        self._outbox = await self._run(OutboxStore, self._database_file)
        await self._db(OutboxStore.recover_interrupted, self._clock())
        await self._db(OutboxStore.clear_stale_blocks, self._fingerprints)
        for name, channel in self._channels.items():
            lane = spawn(self._lane(name, channel), name=f"outbox-{name}")
            self._lanes.append(lane)
        logger.info(
            "Alerts go to: %s", ", ".join(self._channels) or "no channel (none set up)"
        )

    def wake(self) -> None:
        """Look for due deliveries now (new events were stored)."""
        for wake in self._wakes.values():
            wake.set()

    def pause(self, until: float) -> None:
        """Send nothing before ``until`` (wall-clock seconds); keep what is due."""
        self.paused_until = until
        logger.info("Alerts paused until %s", time.ctime(until))
        self.wake()  # lanes asleep for longer re-read the new time

    def resume(self) -> None:
        """Send again now, starting with what waited during the pause."""
        if self.paused_until is not None:
            self.paused_until = None
            logger.info("Alerts resumed")
        self.wake()

    async def stop(self) -> None:
        """Let sends under way finish (briefly), then stop and close."""
        self._stopping = True
        self._stop_requested.set()
        if self._lanes:
            _, pending = await asyncio.wait(self._lanes, timeout=STOP_GRACE_S)
            for lane in pending:
                lane.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self._lanes.clear()
        for channel in self._channels.values():
            try:
                await channel.close()
            except Exception:
                logger.exception("Closing the %s channel failed", channel.name)
        if self._outbox is not None:
            # Sends cut off above are not known to have arrived: due again.
            left = await self._db(OutboxStore.requeue_unfinished, self._clock())
            if left:
                logger.info(
                    "%d alert(s) were being sent when the dispatcher stopped; "
                    "they are sent again on the next start",
                    left,
                )
            await self._run(self._outbox.close)
            self._outbox = None
        self._executor.shutdown(wait=True)

    async def _lane(self, name: ChannelName, channel: Channel) -> None:
        await self._warm(name, channel)
        policy = self._policies[name]
        since = self._clock() - policy.window_s
        sends = await self._db(OutboxStore.recent_sends, name.value, since)
        pacer = Pacer(
            policy,
            [at for at, _ in sends],
            collapsing=any(count > 1 for _, count in sends),
        )
        rate_limited_until = 0.0
        while not self._stopping:
            now = self._clock()
            if self.paused_until is not None and now < self.paused_until:
                await self._sleep(name, self.paused_until - now)
                continue
            held_until = self._quiet.held_until(name, now)
            if held_until is not None:
                # Re-read the wall clock now and then: a suspended laptop's
                # sleep does not count the time it was suspended.
                await self._sleep(name, min(held_until - now, QUIET_RECHECK_S))
                continue
            if now < rate_limited_until:
                await self._sleep(name, rate_limited_until - now, wake_early=False)
                continue
            blocked, next_due = await self._db(_lane_state, name)
            if blocked:
                await self._sleep(name, POLL_S)
                continue
            if next_due is None or next_due > now:
                pacer.caught_up()
                wait = POLL_S if next_due is None else min(POLL_S, next_due - now)
                await self._sleep(name, max(wait, 0.01))
                continue
            plan = pacer.plan(now)
            if plan.wait_until is not None:
                await self._sleep(name, plan.wait_until - now, wake_early=False)
                continue
            held = await self._held_by_quiet(name, pacer, next_due, now)
            # Load bodies only for what is sent now: one, or a summary's worth.
            limit = pacer.policy.summary_size if plan.summary else 1
            due = held or await self._db(OutboxStore.due, name.value, now, limit)
            if not due:
                continue
            batch = due if (plan.summary or held) and len(due) > 1 else due[:1]
            retry_after = await self._send(
                name, channel, pacer, batch, held_quiet=bool(held)
            )
            if retry_after:
                rate_limited_until = self._clock() + retry_after
                logger.info("Pausing %s alerts for %.0f s", name, retry_after)

    async def _held_by_quiet(
        self, name: ChannelName, pacer: Pacer, next_due: float, now: float
    ) -> list[Delivery]:
        """Return what the last quiet hours held, to send as one summary.

        Deliveries that became due during the latest quiet hours and still
        wait were held by them, even across a restart; one alone is sent as
        usual, so the list is empty unless there are several.
        """
        window = self._quiet.last_window(name, now)
        if window is None or not window[0] <= next_due <= window[1]:
            return []
        limit = pacer.policy.summary_size
        held = await self._db(OutboxStore.due, name.value, window[1], limit)
        if len(held) < 2:
            return []
        logger.info("Quiet hours are over: %d %s alerts waited", len(held), name)
        return held

    async def _send(
        self,
        name: ChannelName,
        channel: Channel,
        pacer: Pacer,
        batch: Sequence[Delivery],
        *,
        held_quiet: bool = False,
    ) -> float | None:
        """Send ``batch`` (one delivery or a summary); return a pause, if any."""
        composed = await self._db(self._compose, name, batch)
        if held_quiet:
            alert = quiethours.while_quiet(name, composed.alert)
            composed = dataclasses.replace(composed, alert=alert)
        if composed.problem and composed.problem not in self._told:
            self._told.add(composed.problem)
            logger.log(ALERT, "%s", composed.problem)
        ids = [d.id for d in batch]
        started = self._clock()
        key = composed.alert.dedupe_key
        await self._db(OutboxStore.mark_sending, ids, key, started)
        try:
            receipt = await sending.send(channel, composed.alert, name=name)
        except DeliveryError as err:
            return await self._failed(name, pacer, batch, err)
        pacer.record_send(self._clock())
        await self._db(OutboxStore.mark_sent, ids, _answer(receipt), self._clock())
        logger.info(
            "Sent %s alert for %d event(s): %s",
            name,
            len(batch),
            receipt.detail,
            extra={"event": "delivered"},
        )
        self._changed(ids)
        return None

    async def _failed(
        self,
        name: ChannelName,
        pacer: Pacer,
        batch: Sequence[Delivery],
        error: DeliveryError,
    ) -> float | None:
        now = self._clock()
        ids = [d.id for d in batch]
        if error.permanent:
            await self._db(OutboxStore.mark_failed, ids, error.message, now)
            fingerprint = self._fingerprints.get(name, "")
            await self._db(OutboxStore.block, name, error.message, fingerprint, now)
            logger.log(
                ALERT,
                "%s alerts stopped: %s. Fix the settings; `hookflo retry` sends "
                "the waiting alerts again",
                name.capitalize(),
                error.message,
                extra={"event": "channel_blocked"},
            )
            self._changed(ids)
            return None
        for delivery in batch:
            step = sending.after_failure(
                error,
                pacer.policy,
                tries=delivery.tries + 1,
                first_try_at=delivery.first_try_at or now,
                now=now,
            )
            if isinstance(step, sending.GiveUp):
                await self._db(OutboxStore.mark_failed, [delivery.id], step.reason, now)
                logger.log(ALERT, "A %s alert %s", name, step.reason)
                continue
            next_try = now + step.delay_s
            await self._db(
                OutboxStore.mark_retry, [delivery.id], next_try, error.message, now
            )
        logger.warning(
            "%s alert failed (%s); retrying", name.capitalize(), error.message
        )
        self._changed(ids)
        return error.retry_after

    async def _warm(self, name: ChannelName, channel: Channel) -> None:
        """Pay the first alert's set-up now, before a burst shares the loop.

        Compiling templates and connecting to the notification service take
        tens of milliseconds; paid during the first signups of a burst, they
        delay the receiver's answers to every request meanwhile.
        """
        try:
            if isinstance(self._composer, Warmable):
                await self._run(self._composer.warm, (name,))
            if isinstance(channel, Preparable):
                await channel.prepare()
        except Exception:
            logger.exception("Getting the %s channel ready failed", name)

    def _compose(
        self, outbox: OutboxStore, name: ChannelName, batch: Sequence[Delivery]
    ) -> Composed:
        if len(batch) == 1:
            return self._composer.single(name, batch[0], outbox)
        return self._composer.summary(name, batch, outbox)

    def _changed(self, ids: Sequence[int]) -> None:
        for listener in self.listeners:
            try:
                listener(ids)
            except Exception:
                logger.exception("Delivery listener %r failed", listener)

    async def _sleep(
        self, name: ChannelName, seconds: float, *, wake_early: bool = True
    ) -> None:
        wake = self._wakes[name]
        waits = [spawn(self._stop_requested.wait(), name="outbox-stop-wait")]
        if wake_early:
            waits.append(spawn(wake.wait(), name="outbox-wake-wait"))
        try:
            await asyncio.wait(
                waits, timeout=max(seconds, 0.0), return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiting in waits:
                waiting.cancel()
        wake.clear()

    async def _db(self, work: Callable[..., T], *args: object) -> T:
        """Run ``work(outbox, *args)`` in the outbox's worker thread."""
        outbox = self._outbox
        assert outbox is not None, "the dispatcher is not started"
        return await self._run(work, outbox, *args)

    async def _run(self, work: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(work, *args)
        )


def _lane_state(outbox: OutboxStore, name: ChannelName) -> tuple[bool, float | None]:
    """Return whether ``name`` is blocked, and when its next delivery is due."""
    if name.value in outbox.blocks():
        return True, None
    return False, outbox.next_due_at(name.value)


def _answer(receipt: SendReceipt) -> str:
    return receipt.detail[:500]
