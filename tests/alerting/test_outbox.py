"""The dispatcher's rules: once, retries, blocks, bursts, restarts.

A scripted channel (our own ``Channel`` interface, answering as told) stands
in for the far end here; the real channels have their own tests against real
servers.
"""

import asyncio
import dataclasses
import itertools
import time

import pytest

from hookflo.core.alerting.outbox import Composed, Dispatcher
from hookflo.core.alerting.outboxstore import OutboxStore, State
from hookflo.core.alerting.pacing import Policy
from hookflo.core.channels.base import (
    Alert,
    ChannelName,
    DeliveryError,
    SendReceipt,
)
from hookflo.core.eventwriter import EventWriter
from tests.support.clerk import signup_event as _event

DESKTOP, SLACK = ChannelName.DESKTOP, ChannelName.SLACK
QUICK = Policy(individual_limit=100, window_s=60, hold_s=0.1, first_retry_s=0.05)


class ScriptedChannel:
    """Answers each send with the next scripted outcome (default: accepted)."""

    def __init__(self, name: ChannelName, *outcomes: object) -> None:
        self.name = name
        self.outcomes = list(outcomes)
        self.sent: list[tuple[float, Alert]] = []
        self.closed = False

    async def send(self, alert: Alert) -> SendReceipt:
        self.sent.append((time.time(), alert))
        outcome = self.outcomes.pop(0) if self.outcomes else "ok"
        if isinstance(outcome, float):
            await asyncio.sleep(outcome)
            outcome = "ok"
        if isinstance(outcome, Exception):
            raise outcome
        return SendReceipt(f"accepted {len(alert.event_ids)}")

    async def close(self) -> None:
        self.closed = True


class IdComposer:
    """Names the events an alert is about; nothing else."""

    def single(self, channel, delivery, outbox):
        alert = Alert(
            {"title": f"event {delivery.event_id}"},
            (delivery.event_id,),
            f"{delivery.svix_id}.{channel}",
        )
        return Composed(alert)

    def summary(self, channel, deliveries, outbox):
        ids = tuple(d.event_id for d in deliveries)
        return Composed(Alert({"title": f"{len(ids)} events"}, ids, f"sum.{ids[0]}"))


@dataclasses.dataclass
class Outbox:
    database_file: object
    writer: EventWriter
    dispatchers: list[Dispatcher]

    async def store_events(self, count: int) -> list[int]:
        saved = await asyncio.gather(
            *(self.writer.save_event(_event()) for _ in range(count))
        )
        return [s.event_id for s in saved]

    async def start(self, channels, policies=None, fingerprints=None) -> Dispatcher:
        dispatcher = Dispatcher(
            self.database_file,
            {c.name: c for c in channels},
            IdComposer(),
            fingerprints=fingerprints,
            policies=policies or dict.fromkeys(ChannelName, QUICK),
        )
        self.writer.listeners.append(lambda _id, _event: dispatcher.wake())
        await dispatcher.start()
        self.dispatchers.append(dispatcher)
        return dispatcher

    async def stop(self, dispatcher: Dispatcher) -> None:
        self.dispatchers.remove(dispatcher)
        await dispatcher.stop()

    def rows(self):
        reader = OutboxStore(self.database_file)
        try:
            return sorted(reader.deliveries(limit=10_000), key=lambda d: d.id)
        finally:
            reader.close()

    async def until(self, check, within: float = 5.0):
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if check(self.rows()):
                return self.rows()
            await asyncio.sleep(0.02)
        raise AssertionError(f"not reached in {within} s: {self.rows()}")


@pytest.fixture
async def outbox(tmp_path):
    database_file = tmp_path / "events.sqlite3"
    writer = EventWriter(
        database_file,
        asyncio.get_running_loop(),
        router=lambda event: [DESKTOP.value, SLACK.value],
    )
    writer.start()
    harness = Outbox(database_file, writer, [])
    yield harness
    for dispatcher in harness.dispatchers:
        await dispatcher.stop()
    await writer.close()


def _all_sent(rows):
    return rows and all(r.state is State.SENT for r in rows)


async def test_each_event_is_sent_once_per_channel(outbox):
    desktop, slack = ScriptedChannel(DESKTOP), ScriptedChannel(SLACK)
    await outbox.start([desktop, slack])
    event_ids = await outbox.store_events(2)
    rows = await outbox.until(_all_sent)
    await asyncio.sleep(0.3)  # nothing more is sent later
    assert sorted(a.event_ids[0] for _, a in desktop.sent) == event_ids
    assert sorted(a.event_ids[0] for _, a in slack.sent) == event_ids
    assert {r.answer for r in rows} == {"accepted 1"}
    assert all(r.tries == 1 for r in rows)


@pytest.mark.expect_log_warnings
async def test_temporary_failure_retries_not_before_retry_after(outbox):
    limited = DeliveryError("Slack is rate limiting", permanent=False, retry_after=0.5)
    slack = ScriptedChannel(SLACK, limited)
    await outbox.start([ScriptedChannel(DESKTOP), slack])
    await outbox.store_events(1)
    rows = await outbox.until(lambda rows: any(r.state is State.RETRYING for r in rows))
    (waiting,) = [r for r in rows if r.channel == "slack"]
    assert waiting.last_error == "Slack is rate limiting"
    assert waiting.next_try_at >= waiting.updated_at + 0.5
    rows = await outbox.until(_all_sent)
    (first, _), (second, _) = slack.sent
    assert second - first >= 0.5
    assert [r.tries for r in rows if r.channel == "slack"] == [2]


@pytest.mark.expect_log_warnings
async def test_permanent_failure_blocks_the_channel_until_retried(outbox):
    refused = DeliveryError("Slack says the token is invalid", permanent=True)
    slack, desktop = ScriptedChannel(SLACK, refused), ScriptedChannel(DESKTOP)
    await outbox.start([desktop, slack])
    (first_id,) = await outbox.store_events(1)
    await outbox.until(lambda rows: any(r.state is State.FAILED for r in rows))
    await outbox.store_events(3)
    await outbox.until(
        lambda rows: (
            sum(r.state is State.SENT and r.channel == "desktop" for r in rows) == 4
        )
    )
    await asyncio.sleep(0.3)
    assert len(slack.sent) == 1, "a blocked channel was tried again"
    rows = outbox.rows()
    failed = [r for r in rows if r.state is State.FAILED]
    assert [(r.event_id, r.last_error) for r in failed] == [
        (first_id, "Slack says the token is invalid")
    ]
    reader = OutboxStore(outbox.database_file)
    try:
        assert "slack" in reader.blocks()
        reader.retry_delivery(failed[0].id, time.time())
    finally:
        reader.close()
    await outbox.until(_all_sent)
    assert len(slack.sent) == 5


async def test_a_hanging_channel_does_not_delay_another(outbox):
    slow = ScriptedChannel(SLACK, 2.0)
    desktop = ScriptedChannel(DESKTOP)
    await outbox.start([desktop, slow])
    started = time.time()
    await outbox.store_events(1)
    await outbox.until(
        lambda rows: any(r.channel == "desktop" and r.state is State.SENT for r in rows)
    )
    assert time.time() - started < 1.0


async def test_a_burst_becomes_a_few_alerts_and_one_summary(outbox):
    policy = Policy(individual_limit=3, window_s=60, hold_s=0.2)
    desktop = ScriptedChannel(DESKTOP)
    await outbox.start(
        [desktop, ScriptedChannel(SLACK)], policies=dict.fromkeys(ChannelName, policy)
    )
    event_ids = await outbox.store_events(50)
    await outbox.until(_all_sent)
    sizes = [len(alert.event_ids) for _, alert in desktop.sent]
    assert sizes[:3] == [1, 1, 1]
    assert len(sizes) <= 5
    told = sorted(i for _, alert in desktop.sent for i in alert.event_ids)
    assert told == sorted(event_ids), "an event was dropped or told twice"


async def test_slack_sends_are_paced(outbox):
    policy = Policy(individual_limit=100, window_s=60, hold_s=0.1, min_interval_s=0.2)
    slack = ScriptedChannel(SLACK)
    await outbox.start([slack], policies=dict.fromkeys(ChannelName, policy))
    await outbox.store_events(3)
    await outbox.until(lambda rows: sum(r.state is State.SENT for r in rows) == 3)
    times = [at for at, _ in slack.sent]
    assert all(b - a >= 0.19 for a, b in itertools.pairwise(times))


@pytest.mark.expect_log_warnings
async def test_send_cut_off_by_a_crash_is_sent_again_on_start(outbox):
    await outbox.store_events(1)
    reader = OutboxStore(outbox.database_file)
    try:
        ids = [d.id for d in reader.deliveries()]
        reader.mark_sending(ids, "batch", time.time())
    finally:
        reader.close()
    desktop, slack = ScriptedChannel(DESKTOP), ScriptedChannel(SLACK)
    await outbox.start([desktop, slack])
    rows = await outbox.until(_all_sent)
    assert [r.tries for r in rows] == [2, 2]
    assert (len(desktop.sent), len(slack.sent)) == (1, 1)


@pytest.mark.expect_log_warnings
async def test_restart_mid_retry_keeps_the_schedule(outbox):
    failing = DeliveryError("SMTP server busy", permanent=False, retry_after=1.0)
    first = await outbox.start([ScriptedChannel(SLACK, failing)])
    await outbox.store_events(1)
    rows = await outbox.until(lambda rows: any(r.state is State.RETRYING for r in rows))
    (due_at,) = [r.next_try_at for r in rows if r.channel == "slack"]
    await outbox.stop(first)
    assert time.time() < due_at - 0.5, "stopping waited for the retry"
    slack = ScriptedChannel(SLACK)
    await outbox.start([slack])
    await outbox.until(
        lambda rows: any(r.channel == "slack" and r.state is State.SENT for r in rows)
    )
    ((sent_at, _),) = slack.sent
    assert sent_at >= due_at, "the retry did not wait after the restart"


@pytest.mark.expect_log_warnings
async def test_gives_up_after_the_policy_window(outbox):
    policy = Policy(
        individual_limit=100,
        window_s=60,
        hold_s=0.1,
        first_retry_s=0.05,
        give_up_after_s=0.3,
    )
    down = DeliveryError("connection refused", permanent=False)
    slack = ScriptedChannel(SLACK, *[down] * 100)
    await outbox.start([slack], policies=dict.fromkeys(ChannelName, policy))
    await outbox.store_events(1)
    rows = await outbox.until(
        lambda rows: any(r.channel == "slack" and r.state is State.FAILED for r in rows)
    )
    (failed,) = [r for r in rows if r.channel == "slack"]
    assert failed.last_error.startswith("gave up after")
    assert "connection refused" in failed.last_error


@pytest.mark.expect_log_warnings
async def test_new_settings_lift_a_block(outbox):
    refused = DeliveryError("bad password", permanent=True)
    first = await outbox.start(
        [ScriptedChannel(SLACK, refused)], fingerprints={SLACK: "old"}
    )
    await outbox.store_events(1)
    await outbox.until(lambda rows: any(r.state is State.FAILED for r in rows))
    await outbox.store_events(1)
    await outbox.stop(first)
    slack = ScriptedChannel(SLACK)
    await outbox.start([slack], fingerprints={SLACK: "new"})
    rows = await outbox.until(
        lambda rows: any(r.channel == "slack" and r.state is State.SENT for r in rows)
    )
    assert len(slack.sent) == 1, "only the waiting delivery goes; the failed one waits"
    assert [r.state for r in rows if r.channel == "slack"] == [State.FAILED, State.SENT]


async def test_paused_alerts_wait_and_go_out_on_resume(outbox):
    desktop = ScriptedChannel(DESKTOP)
    dispatcher = await outbox.start([desktop])
    dispatcher.pause(time.time() + 3600)
    await outbox.store_events(2)
    await asyncio.sleep(0.3)
    assert desktop.sent == []
    assert {r.state for r in outbox.rows() if r.channel == "desktop"} == {State.PENDING}
    dispatcher.resume()
    assert dispatcher.paused_until is None
    await outbox.until(
        lambda rows: all(r.state is State.SENT for r in rows if r.channel == "desktop")
    )
    assert len(desktop.sent) == 2


async def test_a_pause_ends_by_itself(outbox):
    desktop = ScriptedChannel(DESKTOP)
    dispatcher = await outbox.start([desktop])
    dispatcher.pause(time.time() + 0.3)
    started = time.time()
    await outbox.store_events(1)
    await outbox.until(
        lambda rows: any(r.channel == "desktop" and r.state is State.SENT for r in rows)
    )
    ((sent_at, _),) = desktop.sent
    assert sent_at >= started + 0.25


class PreparedChannel(ScriptedChannel):
    """Records when the dispatcher asked it to get ready."""

    def __init__(self, name: ChannelName) -> None:
        super().__init__(name)
        self.prepared_at: float | None = None
        self.ready = asyncio.Event()

    async def prepare(self) -> None:
        self.prepared_at = time.time()
        self.ready.set()


class WarmingComposer(IdComposer):
    """Records the channels the dispatcher asked it to get ready for."""

    def __init__(self) -> None:
        self.warmed: list[ChannelName] = []

    def warm(self, channels) -> None:
        self.warmed.extend(channels)


async def test_channels_and_templates_get_ready_before_the_first_event(outbox):
    desktop, slack = PreparedChannel(DESKTOP), ScriptedChannel(SLACK)
    composer = WarmingComposer()
    dispatcher = Dispatcher(
        outbox.database_file,
        {DESKTOP: desktop, SLACK: slack},
        composer,
        policies=dict.fromkeys(ChannelName, QUICK),
    )
    outbox.dispatchers.append(dispatcher)
    outbox.writer.listeners.append(lambda _id, _event: dispatcher.wake())
    await dispatcher.start()

    await asyncio.wait_for(desktop.ready.wait(), 5)
    await outbox.store_events(1)
    await outbox.until(_all_sent)

    assert sorted(composer.warmed) == sorted([DESKTOP, SLACK])
    assert desktop.prepared_at is not None
    assert desktop.prepared_at <= desktop.sent[0][0]
    assert len(slack.sent) == 1  # a channel with nothing to prepare sends as usual


async def test_a_restart_does_not_grant_a_fresh_allowance_of_single_alerts(outbox):
    policy = Policy(individual_limit=3, window_s=60, hold_s=0.2)
    policies = dict.fromkeys(ChannelName, policy)
    first = ScriptedChannel(DESKTOP)
    dispatcher = await outbox.start([first, ScriptedChannel(SLACK)], policies)
    for _ in range(3):  # one at a time: three single alerts use the window up
        await outbox.store_events(1)
        await outbox.until(lambda rows: all(r.state is State.SENT for r in rows))
    assert [len(alert.event_ids) for _, alert in first.sent] == [1, 1, 1]
    await outbox.stop(dispatcher)
    outbox.writer.listeners.clear()

    again = ScriptedChannel(DESKTOP)
    await outbox.start([again, ScriptedChannel(SLACK)], policies)
    event_ids = await outbox.store_events(5)
    await outbox.until(_all_sent)
    assert [sorted(alert.event_ids) for _, alert in again.sent] == [sorted(event_ids)]


async def test_a_burst_being_summed_up_before_a_restart_stays_summed_up(outbox):
    # Two alerts went out as one summary just before the restart and two more
    # wait: the window is far from full, but the burst was being summed up,
    # so it goes on so.
    policy = Policy(individual_limit=3, window_s=60, hold_s=0.2)
    await outbox.store_events(2)
    reader = OutboxStore(outbox.database_file)
    try:
        ids = [d.id for d in reader.deliveries()]
        reader.mark_sent(ids, "accepted 2", time.time())
    finally:
        reader.close()
    waiting = await outbox.store_events(2)

    desktop = ScriptedChannel(DESKTOP)
    await outbox.start(
        [desktop, ScriptedChannel(SLACK)], dict.fromkeys(ChannelName, policy)
    )
    await outbox.until(_all_sent)
    assert [sorted(alert.event_ids) for _, alert in desktop.sent] == [sorted(waiting)]
