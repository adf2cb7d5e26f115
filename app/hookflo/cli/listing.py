"""``hookflo events`` and ``hookflo attempts``: what was stored and refused."""

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from hookflo.cli.environment import Env
from hookflo.cli.status import ExitStatus
from hookflo.core import store as eventstore
from hookflo.core.alerting import hiddenfields
from hookflo.core.store import Attempt, Store, StoredEvent


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``events`` and ``attempts`` commands."""
    events = commands.add_parser(
        "events",
        help="list stored events, newest first",
        description="List verified, stored events, newest first.",
    )
    events.add_argument("--json", action="store_true", help="print a JSON array")
    events.add_argument("--limit", type=positive_int, default=50, help="at most N (50)")
    events.add_argument("--type", dest="event_type", help="only events of this type")
    events.set_defaults(handler=list_events)

    attempts = commands.add_parser(
        "attempts",
        help="list refused requests with reason and hint",
        description="List refused requests, newest first, with what to do.",
    )
    attempts.add_argument("--json", action="store_true", help="print a JSON array")
    attempts.add_argument(
        "--limit", type=positive_int, default=50, help="at most N (50)"
    )
    attempts.set_defaults(handler=list_attempts)


def list_events(args: argparse.Namespace, env: Env) -> ExitStatus:
    """Print stored events."""
    store = Store(env.paths.database_file)
    try:
        found = store.events(limit=args.limit, event_type=args.event_type)
        caught_up = store.caught_up_ids([e.id for e in found])
    finally:
        store.close()
    if args.json:
        shown = [event_json(e, caught_up=e.id in caught_up) for e in found]
        env.print(json.dumps(shown, ensure_ascii=False, indent=2))
        return ExitStatus.SUCCESS
    if not found:
        kind = f" of type {args.event_type}" if args.event_type else ""
        env.print(f"No events{kind} stored yet.")
        return ExitStatus.SUCCESS
    for event in found:
        mark = (" TEST" if event.is_test else "") + origin_mark(
            event, caught_up=event.id in caught_up
        )
        when = local_time(event.received_at)
        env.print(
            f"{when}  {event.source:<12} {event.environment:<11} "
            f"{_type_label(event):<34} {event.svix_id}{mark}"
        )
    return ExitStatus.SUCCESS


def list_attempts(args: argparse.Namespace, env: Env) -> ExitStatus:
    """Print refused requests."""
    store = Store(env.paths.database_file)
    try:
        found = store.attempts(limit=args.limit)
    finally:
        store.close()
    if args.json:
        env.print(
            json.dumps([attempt_json(a) for a in found], ensure_ascii=False, indent=2)
        )
        return ExitStatus.SUCCESS
    if not found:
        env.print("No refused requests.")
        return ExitStatus.SUCCESS
    for attempt in found:
        env.print(
            f"{local_time(attempt.received_at)}  {attempt.status} {attempt.reason:<20} "
            f"{attempt.method} {attempt.path}  {attempt.message}"
        )
        if attempt.hint:
            env.print(f"    {attempt.hint}")
    return ExitStatus.SUCCESS


def _type_label(event: StoredEvent) -> str:
    if event.type:
        return event.type
    return "(no type)" if event.body_is_json else "(not JSON)"


def origin_mark(event: StoredEvent, *, caught_up: bool = False) -> str:
    """Return what the text listing adds after an event that Clerk did not send.

    ``caught_up`` marks a change read out of a caught-up event as well.
    """
    if event.origin == eventstore.ORIGIN_CAUGHT_UP:
        return " CAUGHT UP"
    if event.origin == eventstore.ORIGIN_DERIVED and event.derived_from is not None:
        late = " CAUGHT UP" if caught_up else ""
        return f" (from event {event.derived_from}){late}"
    return ""


def event_json(event: StoredEvent, *, caught_up: bool = False) -> dict[str, Any]:
    """Return the JSON form of an event (the ``events --json`` contract).

    ``origin`` is ``webhook``, ``caught-up`` or ``derived``; ``derived_from``
    is the id of the event a derived one was read out of, else null.
    ``caught_up`` is true for a caught-up event and for a change read out of
    one (``Store.caught_up_ids``). The payload is shown with sign-in codes
    and links hidden (``hiddenfields``); the stored body keeps them.
    """
    return {
        "id": event.id,
        "svix_id": event.svix_id,
        "source": event.source,
        "environment": event.environment,
        "type": event.type,
        "origin": event.origin,
        "derived_from": event.derived_from,
        "caught_up": caught_up or event.origin == eventstore.ORIGIN_CAUGHT_UP,
        "received_at": iso_time(event.received_at),
        "signed_at": iso_time(event.signed_at),
        "test": event.is_test,
        "payload_is_json": event.body_is_json,
        "payload": hiddenfields.shown_payload(event.type, event.payload()),
    }


def attempt_json(attempt: Attempt) -> dict[str, Any]:
    """Return the JSON form of a refused request."""
    return {
        "id": attempt.id,
        "received_at": iso_time(attempt.received_at),
        "method": attempt.method,
        "path": attempt.path,
        "source": attempt.source,
        "svix_id": attempt.svix_id,
        "status": attempt.status,
        "reason": attempt.reason,
        "message": attempt.message,
        "hint": attempt.hint,
        "body_bytes": attempt.body_bytes,
    }


def iso_time(timestamp: float) -> str:
    """Return a UTC ISO 8601 time with milliseconds and a ``Z``."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def local_time(timestamp: float) -> str:
    """Return a local time for people, to the second."""
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


MAX_NUMBER = 10_000_000


def positive_int(text: str) -> int:
    """Parse a command-line number that must be 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    if value > MAX_NUMBER:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_NUMBER}, got {value}")
    return value
