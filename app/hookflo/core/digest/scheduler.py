"""Send each due digest once per period and channel, late rather than never.

Qt-free: ``hookflo serve`` and the tray app both run it (``core.server``).
Every tick looks for the newest period of each scheduled digest whose send
time has passed, and sends it to each digest channel that has no record of
it yet. Ticks come at the next send time, or at least every minute, so a
digest goes out on time while HookFlo runs; on start, and after the computer
wakes (the clock jumped well past the expected tick), the first tick sends
what came due meanwhile. Only the newest due period is sent: after days off
there is one digest, late, not one per missed day.

Each send is claimed in ``digest_runs`` before it starts and recorded after,
so a digest is sent once even when HookFlo restarts at the send time. A
failing channel is retried with the outbox's backoff until its policy gives
up or a newer period replaces the digest; the other channels go on.
"""

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TypeVar

from hookflo.core.alerting import sending
from hookflo.core.alerting.pacing import POLICIES, Policy
from hookflo.core.alerting.templates import Renderer
from hookflo.core.channels.base import Channel, ChannelName, DeliveryError
from hookflo.core.digest import compose, periods, signups
from hookflo.core.digest.periods import Period
from hookflo.core.digest.runs import Claim, DigestRuns
from hookflo.core.digest.settings import DigestSettings
from hookflo.core.logs import ALERT
from hookflo.core.tasks import spawn

logger = logging.getLogger(__name__)

TICK_S = 60.0
"""The longest wait between two looks at the schedule."""

WAKE_JUMP_S = 300.0
"""A tick this much later than planned means the computer slept."""

FIRST_TICK_WAIT_S = 120.0
"""How long the first tick waits for the catch-up after time offline."""

STALE_SENDING_S = 2 * sending.SEND_TIMEOUT_S
"""A claim older than this, still ``sending``, was cut off by a stop or crash."""

STOP_GRACE_S = 5.0

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@dataclasses.dataclass(frozen=True, slots=True)
class Outcome:
    """What one tick did with one digest for one channel."""

    kind: str
    period: str
    channel: ChannelName
    state: str
    detail: str


class DigestScheduler:
    """Sends the digests ``settings`` asks for through ``channels``.

    Args:
        database_file: the event store (events and ``digest_runs``).
        settings: the ``[digests]`` table.
        channels: the channels digests go to, by name (closed on stop).
        renderer: renders ``digest.j2`` with the user's overrides.
        clock: wall-clock seconds (tests move it).
        sleep: waits between ticks (tests replace it to move the clock);
            by default a wait that ``stop`` cuts short.
        policies: retry rules per channel.
    """

    def __init__(
        self,
        database_file: Path,
        settings: DigestSettings,
        channels: Mapping[ChannelName, Channel],
        renderer: Renderer,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Sleep | None = None,
        policies: Mapping[ChannelName, Policy] = POLICIES,
    ) -> None:
        self._database_file = database_file
        self._settings = settings
        self._zone = settings.zone()
        self._channels = dict(channels)
        self._renderer = renderer
        self._clock = clock
        self._sleep = sleep or self._wait
        self._policies = policies
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="hookflo-digest"
        )
        self._runs: DigestRuns | None = None
        self._lock = asyncio.Lock()
        self._stopped = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self.wakes_seen = 0

    async def start(self, *, after: asyncio.Event | None = None) -> None:
        """Open ``digest_runs`` and start ticking.

        Args:
            after: the first tick waits for it (at most ``FIRST_TICK_WAIT_S``):
                the catch-up after time offline, so that a digest due at
                start counts the users it stores.
        """
        self._runs = await self._run(DigestRuns, self._database_file)
        self._loop_task = spawn(self._loop(after), name="digest-scheduler")
        logger.info(
            "Digests: %s, to %s",
            ", ".join(f"{k} at {s}" for k, s in self._settings.schedules()),
            ", ".join(self._channels) or "no channel (none set up)",
        )

    async def stop(self) -> None:
        """Stop ticking, let a send under way finish briefly, and close."""
        self._stopped.set()
        if self._loop_task is not None:
            done, _ = await asyncio.wait({self._loop_task}, timeout=STOP_GRACE_S)
            if not done:
                self._loop_task.cancel()
                await asyncio.gather(self._loop_task, return_exceptions=True)
            self._loop_task = None
        for channel in self._channels.values():
            try:
                await channel.close()
            except Exception:
                logger.exception("Closing the %s digest channel failed", channel.name)
        if self._runs is not None:
            await self._run(self._runs.close)
            self._runs = None
        self._executor.shutdown(wait=True)

    async def tick(self) -> list[Outcome]:
        """Send every digest that is due now and not yet sent; say what was done."""
        async with self._lock:
            outcomes: list[Outcome] = []
            for kind, schedule in self._settings.schedules():
                now = self._clock()
                period = periods.latest_due(kind, schedule, now, self._zone)
                outcomes.extend(await self._send_period(period, now))
            return outcomes

    async def _send_period(self, period: Period, now: float) -> list[Outcome]:
        stale_before = now - STALE_SENDING_S
        replaced = await self._db(
            functools.partial(DigestRuns.supersede, stale_before=stale_before),
            period.kind.value,
            period.key,
            now,
        )
        if replaced:
            logger.info(
                "%d older %s digest(s) not sent: the digest of %s replaces them",
                replaced,
                period.kind,
                period.key,
            )
        claims: dict[ChannelName, Claim] = {}
        for name in self._channels:
            claim = await self._db(
                functools.partial(DigestRuns.claim, stale_before=stale_before),
                period.kind.value,
                period.key,
                name.value,
                now,
            )
            if claim is not None:
                claims[name] = claim
        if not claims:
            return []
        late_s = now - period.send_at
        if late_s > TICK_S:
            logger.info(
                "Sending the %s digest of %s %.0f min late (HookFlo was off or asleep "
                "at the send time)",
                period.kind,
                period.key,
                late_s / 60,
            )
        stats = await self._db(_read_stats, period)
        sends = [
            self._deliver(name, period, stats, claim) for name, claim in claims.items()
        ]
        return list(await asyncio.gather(*sends))

    async def _deliver(
        self,
        name: ChannelName,
        period: Period,
        stats: signups.SignupStats,
        claim: Claim,
    ) -> Outcome:
        made, rendered = await self._run(
            functools.partial(compose.alert, names=self._settings.names),
            self._renderer,
            name,
            period,
            stats,
        )
        if rendered.problem:
            logger.log(ALERT, "%s", rendered.problem)
        try:
            receipt = await sending.send(
                self._channels[name], made, name=name, what="a digest"
            )
        except DeliveryError as err:
            return await self._failed(name, period, claim, err)
        await self._db(DigestRuns.mark_sent, claim.id, receipt.detail, self._clock())
        logger.info(
            "Sent the %s digest of %s to %s: %s",
            period.kind,
            period.key,
            name,
            receipt.detail,
            extra={"event": "digest_sent"},
        )
        return Outcome(period.kind, period.key, name, "sent", receipt.detail)

    async def _failed(
        self, name: ChannelName, period: Period, claim: Claim, error: DeliveryError
    ) -> Outcome:
        now = self._clock()
        step = sending.after_failure(
            error,
            self._policies[name],
            tries=claim.tries,
            first_try_at=claim.first_try_at,
            now=now,
        )
        if isinstance(step, sending.GiveUp):
            await self._db(DigestRuns.mark_failed, claim.id, step.reason, now)
            logger.log(
                ALERT,
                "The %s digest of %s could not go to %s: %s",
                period.kind,
                period.key,
                name,
                step.reason,
                extra={"event": "digest_failed"},
            )
            return Outcome(period.kind, period.key, name, "failed", step.reason)
        next_try = now + step.delay_s
        await self._db(DigestRuns.mark_retry, claim.id, next_try, error.message, now)
        logger.warning(
            "The %s digest to %s failed (%s); retrying in %.0f s",
            period.kind,
            name,
            error.message,
            step.delay_s,
        )
        return Outcome(period.kind, period.key, name, "retrying", error.message)

    async def _loop(self, after: asyncio.Event | None) -> None:
        if after is not None:
            try:
                await asyncio.wait_for(after.wait(), FIRST_TICK_WAIT_S)
            except TimeoutError:
                logger.info("The catch-up is still going; digests do not wait")
        expected_at: float | None = None
        while not self._stopped.is_set():
            now = self._clock()
            if expected_at is not None and now - expected_at > WAKE_JUMP_S:
                self.wakes_seen += 1
                logger.info(
                    "The clock moved %.0f s past the planned tick (the computer "
                    "slept?); looking for digests that came due",
                    now - expected_at,
                )
            wait = TICK_S
            try:
                await self.tick()
                wait = await self._next_wait()
            except Exception:
                logger.exception("Looking for due digests failed; trying again later")
            expected_at = self._clock() + wait
            await self._sleep(wait)

    async def _next_wait(self) -> float:
        now = self._clock()
        times = [
            periods.next_send_at(kind, schedule, now, self._zone)
            for kind, schedule in self._settings.schedules()
        ]
        retry_at = await self._db(DigestRuns.next_retry_at)
        if retry_at is not None:
            times.append(retry_at)
        soonest = min(times, default=now + TICK_S)
        return min(TICK_S, max(soonest - now, 1.0))

    async def _wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), seconds)

    async def _db(self, work: Callable[..., T], *args: object) -> T:
        """Run ``work(runs, *args)`` in the worker thread."""
        runs = self._runs
        assert runs is not None, "the digest scheduler is not started"
        return await self._run(work, runs, *args)

    async def _run(self, work: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(work, *args)
        )


def _read_stats(runs: DigestRuns, period: Period) -> signups.SignupStats:
    return signups.read(runs.connection, period)
