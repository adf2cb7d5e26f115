"""One bounded send, and what follows a failure: shared by alerts and digests.

A channel answering as scripted stands in for the far end; the real
channels have their own tests against real servers.
"""

import asyncio
import logging

import pytest

from hookflo.core.alerting import sending
from hookflo.core.alerting.pacing import Policy
from hookflo.core.channels.base import Alert, ChannelName, DeliveryError, SendReceipt

ALERT = Alert({"title": "user.created"}, (1,), "msg_1.slack")
POLICY = Policy(
    individual_limit=5,
    window_s=60.0,
    hold_s=20.0,
    first_retry_s=4.0,
    max_retry_s=60.0,
    give_up_after_s=3600.0,
)


class ScriptedChannel:
    """Does what ``outcome`` says: sleep that long, raise it, or accept."""

    name = ChannelName.SLACK

    def __init__(self, outcome: object = None) -> None:
        self.outcome = outcome

    async def send(self, alert: Alert) -> SendReceipt:
        if isinstance(self.outcome, float):
            await asyncio.sleep(self.outcome)
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return SendReceipt(f"accepted {alert.dedupe_key}")

    async def close(self) -> None:
        pass


async def send(outcome: object, **options: object) -> SendReceipt:
    return await sending.send(
        ScriptedChannel(outcome), ALERT, name=ChannelName.SLACK, **options
    )


class TestSend:
    async def test_an_accepted_send_returns_the_channels_answer(self):
        assert await send(None) == SendReceipt("accepted msg_1.slack")

    async def test_a_channels_own_failure_passes_through_unchanged(self):
        refused = DeliveryError("Slack refused the token", permanent=True)
        with pytest.raises(DeliveryError) as caught:
            await send(refused)
        assert caught.value is refused

    async def test_a_channel_that_does_not_answer_is_a_temporary_failure(self):
        with pytest.raises(DeliveryError) as caught:
            await send(5.0, timeout_s=0.05)
        assert not caught.value.permanent
        assert caught.value.message == ("The slack channel did not answer within 0 s")

    @pytest.mark.expect_log_warnings
    async def test_an_unexpected_exception_is_logged_and_temporary(self, caplog):
        with pytest.raises(DeliveryError) as caught:
            await send(KeyError("parts"), what="a digest")
        assert not caught.value.permanent
        assert caught.value.message == "Unexpected KeyError in the slack channel"
        assert isinstance(caught.value.__cause__, KeyError)
        [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert record.getMessage() == (
            "The slack channel failed unexpectedly on a digest"
        )
        assert record.exc_info is not None

    async def test_cancelling_the_send_is_not_turned_into_a_failure(self):
        task = asyncio.ensure_future(send(5.0))  # noqa: TID251 (a test's own task)
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


class TestAfterFailure:
    def test_a_permanent_failure_gives_up_with_its_own_message(self):
        error = DeliveryError("Slack refused the token", permanent=True)
        step = sending.after_failure(
            error, POLICY, tries=1, first_try_at=100.0, now=100.0
        )
        assert step == sending.GiveUp("Slack refused the token")

    def test_a_temporary_failure_is_retried_with_a_growing_jittered_delay(self):
        error = DeliveryError("Slack is busy", permanent=False)
        for tries, base in [(1, 4.0), (2, 8.0), (3, 16.0), (10, 60.0)]:
            step = sending.after_failure(
                error, POLICY, tries=tries, first_try_at=100.0, now=200.0
            )
            assert isinstance(step, sending.Retry)
            assert base * 0.75 <= step.delay_s <= base * 1.25

    def test_a_retry_waits_at_least_what_the_far_end_asked(self):
        error = DeliveryError("rate limited", permanent=False, retry_after=300.0)
        step = sending.after_failure(
            error, POLICY, tries=1, first_try_at=100.0, now=100.0
        )
        assert step == sending.Retry(300.0)

    def test_a_temporary_failure_gives_up_once_the_policy_says_so(self):
        error = DeliveryError("Slack is busy", permanent=False)
        just_before = sending.after_failure(
            error, POLICY, tries=6, first_try_at=100.0, now=100.0 + 3599.0
        )
        at_the_limit = sending.after_failure(
            error, POLICY, tries=7, first_try_at=100.0, now=100.0 + 3600.0
        )
        assert isinstance(just_before, sending.Retry)
        assert at_the_limit == sending.GiveUp("gave up after 7 tries: Slack is busy")
