"""A digest stack: the alert stand-ins, a controlled clock, and stored signups."""

import asyncio
import dataclasses
import datetime
import json
import sqlite3
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hookflo.core.eventwriter import EventWriter, NewEvent
from hookflo.core.server import Server
from tests.support.alertstack import ROOMY_POLICIES, AlertStack, signup
from tests.support.clerk import new_msg_id

PARIS = ZoneInfo("Europe/Paris")


def paris(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> float:
    """Return Unix time of a moment in December 2026, Paris time."""
    moment = datetime.datetime(2026, 12, day, hour, minute, second, tzinfo=PARIS)
    return moment.timestamp()


class Clock:
    """Wall-clock time that only the test moves."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclasses.dataclass(frozen=True)
class Person:
    """A signup to store: who, how, and when Clerk created them."""

    first: str
    created_at: float
    provider: str | None = "oauth_google"
    environment: str = "production"
    is_test: bool = False

    @property
    def user_id(self) -> str:
        return f"user_2hkFAKE{self.first.lower()[:8]:0<8}00000000001"

    def body(self) -> bytes:
        raw = signup(
            self.first,
            "Example",
            f"{self.first.lower()}@example.com",
            provider=self.provider,
            user_id=self.user_id,
        )
        payload = json.loads(raw)
        payload["data"]["created_at"] = int(self.created_at * 1000)
        return json.dumps(payload).encode()


async def write_events(
    database_file, people: Sequence[Person], *, received_at: float
) -> list[int]:
    """Store ``people`` through the store's real writer; return the event ids."""
    writer = EventWriter(database_file, asyncio.get_running_loop())
    writer.start()
    try:
        ids = []
        for person in people:
            saved = await writer.save_event(
                NewEvent(
                    source="clerk"
                    if person.environment == "production"
                    else "clerk-dev",
                    svix_id=new_msg_id(),
                    environment=person.environment,
                    type="user.created",
                    received_at=received_at,
                    signed_at=int(received_at),
                    body=person.body(),
                    body_is_json=True,
                    is_test=person.is_test,
                )
            )
            ids.append(saved.event_id)
        return ids
    finally:
        await writer.close()


def set_origin(database_file, event_id: int, origin: str) -> None:
    """Mark a stored event as caught up or derived, as those writers would."""
    conn = sqlite3.connect(database_file)
    try:
        with conn:
            conn.execute(
                "UPDATE events SET origin = ? WHERE id = ?", (origin, event_id)
            )
    finally:
        conn.close()


def digest_rows(database_file) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(database_file)
    try:
        return conn.execute(
            "SELECT kind, period_start, channel, state, tries FROM digest_runs "
            "ORDER BY period_start, channel"
        ).fetchall()
    finally:
        conn.close()


def enable_digests(stack: AlertStack, *lines: str) -> None:
    """Add a [digests] table to the stack's config.toml."""
    config_file = stack.home / "config.toml"
    text = config_file.read_text(encoding="utf-8")
    body = "\n".join(lines or ('daily = "08:30"', 'channels = ["slack", "email"]'))
    config_file.write_text(
        f'{text}\n[digests]\ntimezone = "Europe/Paris"\n{body}\n', encoding="utf-8"
    )


async def start_server(stack: AlertStack, clock: Clock) -> Server:
    """Start the real server on the stack's config with ``clock``."""
    return await stack.start(ROOMY_POLICIES, clock=clock)


def digest_posts(stack: AlertStack, kind: str = "Daily") -> list[dict[str, Any]]:
    return [p for p in stack.slack_posts() if p["text"].startswith(f"{kind} digest")]


def digest_emails(stack: AlertStack, kind: str = "Daily") -> list[Any]:
    return [
        e
        for e in stack.emails
        if str(e.message["Subject"]).startswith(f"{kind} digest")
    ]


@pytest.fixture
def clock() -> Clock:
    return Clock(paris(4, 8, 30))
