"""``hookflo deliveries`` and ``hookflo retry``: where each alert stands."""

import argparse
import json
import re
import time
from datetime import UTC, datetime
from typing import Any

from hookflo.cli.environment import Env
from hookflo.cli.listing import iso_time, local_time, positive_int
from hookflo.cli.status import ExitStatus
from hookflo.core import quiethours
from hookflo.core.alerting.outboxstore import Block, Delivery, OutboxStore, State
from hookflo.core.channels.base import ChannelName
from hookflo.core.errors import UserFacingError


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``deliveries`` and ``retry`` commands."""
    listing = commands.add_parser(
        "deliveries",
        help="list alert deliveries and their status, newest first",
        description="List alert deliveries (one per event and channel) and status.",
    )
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.add_argument(
        "--limit", type=positive_int, default=50, help="at most N (50)"
    )
    listing.add_argument(
        "--event", type=positive_int, help="only the deliveries of this event id"
    )
    listing.set_defaults(handler=list_deliveries)

    retry = commands.add_parser(
        "retry",
        help="send a failed or waiting alert again",
        description=(
            "Queue alerts to be sent again now: a delivery id (from `hookflo "
            "deliveries`), an event as event:ID, or an event's Svix message id "
            "(msg_…). A running `hookflo serve` picks them up within seconds."
        ),
    )
    retry.add_argument("target", help="DELIVERY_ID, event:EVENT_ID or msg_…")
    retry.add_argument(
        "--again",
        action="store_true",
        help="send a delivery that was already sent once more",
    )
    retry.set_defaults(handler=retry_deliveries)


def list_deliveries(args: argparse.Namespace, env: Env) -> ExitStatus:
    """Print deliveries with a status a person can read."""
    quiet = quiethours.QuietGate(env.load_config().quiet_hours)
    outbox = OutboxStore(env.paths.database_file)
    try:
        found = outbox.deliveries(limit=args.limit, event_id=args.event)
        blocks = outbox.blocks()
    finally:
        outbox.close()
    held = held_channels(quiet, time.time())
    if args.json:
        rows = [delivery_json(d, blocks, held) for d in found]
        env.print(json.dumps(rows, ensure_ascii=False, indent=2))
        return ExitStatus.SUCCESS
    if not found:
        env.print("No deliveries yet.")
        return ExitStatus.SUCCESS
    for delivery in found:
        env.print(
            f"#{delivery.id:<5} {local_time(delivery.updated_at)}  "
            f"event {delivery.event_id:<5} {delivery.event_type or '(not JSON)':<28} "
            f"{delivery.channel:<8} {status_text(delivery, blocks, held)}"
        )
    return ExitStatus.SUCCESS


def retry_deliveries(args: argparse.Namespace, env: Env) -> ExitStatus:
    """Make the chosen deliveries due now."""
    target = args.target.strip()
    outbox = OutboxStore(env.paths.database_file)
    try:
        now = time.time()
        if re.fullmatch(r"\d+", target):
            _refuse_if_sent(outbox.delivery(int(target)), again=args.again)
            delivery = outbox.retry_delivery(int(target), now)
            if delivery is None:
                raise UserFacingError(
                    f"No delivery #{target}; see `hookflo deliveries`"
                )
            queued = [delivery]
        else:
            event_id = _event_id(outbox, target)
            found = outbox.retry_event(event_id, now)
            if not found:
                derived = outbox.derived_with_deliveries(event_id)
                env.print(_no_alerts_of_its_own(event_id, derived))
                return ExitStatus.SUCCESS
            queued = [d for d in found if d.state is not State.SENT]
            if not queued:
                env.print(f"Every alert of event {event_id} was already sent.")
                return ExitStatus.SUCCESS
    finally:
        outbox.close()
    for delivery in queued:
        env.print(
            f"Queued #{delivery.id} ({delivery.channel}, event {delivery.event_id}) "
            "to be sent again."
        )
    return ExitStatus.SUCCESS


def _no_alerts_of_its_own(event_id: int, derived: list[int]) -> str:
    """Say that an event alerted nothing itself, naming what alerted for it."""
    if not derived:
        return (
            f"Event {event_id} had no alerts of its own, and nothing derived "
            "from it alerted."
        )
    names = ", ".join(str(d) for d in derived)
    noun = "event" if len(derived) == 1 else "events"
    return (
        f"Event {event_id} had no alerts of its own; the derived {noun} {names} "
        f"alerted instead (retry one with `hookflo retry event:{derived[0]}`)."
    )


def _refuse_if_sent(delivery: Delivery | None, *, again: bool) -> None:
    """Refuse to repeat an alert that arrived, unless asked to (``--again``)."""
    if delivery is None or delivery.state is not State.SENT or again:
        return
    when = local_time(delivery.sent_at or delivery.updated_at)
    raise UserFacingError(
        f"Delivery #{delivery.id} ({delivery.channel}, event {delivery.event_id}) "
        f"was already sent at {when}; add --again to send it once more"
    )


def _event_id(outbox: OutboxStore, target: str) -> int:
    if match := re.fullmatch(r"event:(\d+)", target):
        return int(match.group(1))
    if target.startswith("msg_"):
        found = outbox.event_id_for(target)
        if found is None:
            raise UserFacingError(f"No stored event has the message id {target}")
        return found
    raise UserFacingError(
        f"Not a delivery or event: {target!r}; give a delivery id, event:ID or msg_…"
    )


def held_channels(quiet: quiethours.QuietGate, now: float) -> dict[str, float]:
    """Return until when each channel held by quiet hours at ``now`` waits."""
    held: dict[str, float] = {}
    for channel in ChannelName:
        until = quiet.held_until(channel, now)
        if until is not None:
            held[channel.value] = until
    return held


def status_text(
    delivery: Delivery, blocks: dict[str, Block], held: dict[str, float]
) -> str:
    """Return the delivery's status as a person reads it.

    Args:
        delivery: the delivery.
        blocks: the channels stopped until a person acts.
        held: until when each channel held by quiet hours waits.
    """
    state = delivery.state
    if state is State.SENT:
        return f"sent ({delivery.answer})" if delivery.answer else "sent"
    if state is State.FAILED:
        return f"failed permanently: {delivery.last_error}"
    if state is State.SENDING:
        return "sending"
    block = blocks.get(delivery.channel)
    if block is not None:
        return f"waiting: {delivery.channel} is stopped ({block.reason})"
    until = _held_until(delivery, held)
    if until is not None:
        text = f"held (quiet hours until {datetime.fromtimestamp(until):%H:%M})"
        if state is State.RETRYING:
            text += f", then try {delivery.tries + 1}: {delivery.last_error}"
        return text
    if state is State.RETRYING and delivery.next_try_at is not None:
        moment = datetime.fromtimestamp(delivery.next_try_at, tz=UTC)
        return (
            f"retrying (next try at {moment:%H:%M:%S} UTC, try {delivery.tries + 1}): "
            f"{delivery.last_error}"
        )
    return "pending"


def delivery_json(
    delivery: Delivery, blocks: dict[str, Block], held: dict[str, float]
) -> dict[str, Any]:
    """Return the JSON form of a delivery (the ``deliveries --json`` contract).

    ``held_until`` is when quiet hours that hold the delivery end, else null.
    """
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "svix_id": delivery.svix_id,
        "event_type": delivery.event_type,
        "source": delivery.source,
        "environment": delivery.environment,
        "channel": delivery.channel,
        "state": delivery.state.value,
        "status": status_text(delivery, blocks, held),
        "tries": delivery.tries,
        "next_try_at": _maybe_iso(delivery.next_try_at),
        "held_until": _maybe_iso(_held_until(delivery, held)),
        "last_error": delivery.last_error,
        "sent_at": _maybe_iso(delivery.sent_at),
        "answer": delivery.answer,
        "summary": delivery.batch is not None and delivery.batch.startswith("summary"),
        "updated_at": iso_time(delivery.updated_at),
    }


def _held_until(delivery: Delivery, held: dict[str, float]) -> float | None:
    """When quiet hours stop holding a delivery still to be sent, else None."""
    if delivery.state not in (State.PENDING, State.RETRYING):
        return None
    return held.get(delivery.channel)


def _maybe_iso(timestamp: float | None) -> str | None:
    return None if timestamp is None else iso_time(timestamp)
