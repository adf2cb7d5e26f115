"""One send to a channel, bounded in time, and what follows a failure.

The outbox (``outbox``) and the digests (``digest.scheduler``) both send
through here, so both treat a channel the same way: a send that hangs, fails
or raises something unexpected always ends as a ``DeliveryError`` with a
plain message, and ``after_failure`` says whether to try again (and when)
or to give up (and why). Recording the outcome is each caller's own job.
"""

import asyncio
import dataclasses
import logging

from hookflo.core.alerting.pacing import Policy, retry_delay
from hookflo.core.channels.base import (
    Alert,
    Channel,
    ChannelName,
    DeliveryError,
    SendReceipt,
)

logger = logging.getLogger(__name__)

SEND_TIMEOUT_S = 60.0
"""The longest a channel may take to take one message."""


@dataclasses.dataclass(frozen=True, slots=True)
class Retry:
    """Try again after ``delay_s`` seconds."""

    delay_s: float


@dataclasses.dataclass(frozen=True, slots=True)
class GiveUp:
    """Stop trying; ``reason`` says why, for people to read."""

    reason: str


async def send(
    channel: Channel,
    alert: Alert,
    *,
    name: ChannelName,
    what: str | None = None,
    timeout_s: float = SEND_TIMEOUT_S,
) -> SendReceipt:
    """Send ``alert`` through ``channel`` within ``timeout_s``.

    Args:
        channel: where the alert goes.
        alert: the message.
        name: the channel's name, for messages.
        what: what is being sent (``a digest``), for the log line of a bug.
        timeout_s: how long the channel may take.

    Raises:
        DeliveryError: for every failure; a timeout or an unexpected
            exception is a temporary one.
    """
    try:
        return await asyncio.wait_for(channel.send(alert), timeout_s)
    except DeliveryError:
        raise
    except TimeoutError as err:
        raise DeliveryError(
            f"The {name} channel did not answer within {timeout_s:.0f} s",
            permanent=False,
        ) from err
    except Exception as err:
        on = f" on {what}" if what else ""
        logger.exception("The %s channel failed unexpectedly%s", name, on)
        raise DeliveryError(
            f"Unexpected {type(err).__name__} in the {name} channel",
            permanent=False,
        ) from err


def after_failure(
    error: DeliveryError,
    policy: Policy,
    *,
    tries: int,
    first_try_at: float,
    now: float,
) -> Retry | GiveUp:
    """Decide what follows a failed send.

    A permanent failure gives up with its own message. A temporary one is
    tried again after an exponential, jittered delay (at least what the far
    end asked for) until ``policy.give_up_after_s`` has passed since the
    first try.

    Args:
        error: what went wrong.
        policy: the channel's retry rules.
        tries: the number of the try that just failed (1 for the first).
        first_try_at: when the first try was made (wall-clock seconds).
        now: the wall-clock time.
    """
    if error.permanent:
        return GiveUp(error.message)
    if now - first_try_at >= policy.give_up_after_s:
        return GiveUp(f"gave up after {tries} tries: {error.message}")
    return Retry(retry_delay(policy, tries, error.retry_after))
