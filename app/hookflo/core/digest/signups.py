"""Count the signups of a period, and the period before, from the store.

A signup is a stored ``user.created`` that is not a test: from Clerk's
webhook, or listed from Clerk after time offline (origin ``caught-up``);
never one HookFlo derived from another event. It counts on the day the user
was created in Clerk (``data.created_at``), so a webhook Svix retried hours
later, or a user caught up days later, lands on its real day; the time it
was stored stands in when the body has no usable ``created_at``. A user
stored twice (caught up, then the late webhook) counts once.
"""

import collections
import dataclasses
import json
import logging
import math
import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

from hookflo.core import eventlinks
from hookflo.core.alerting import jsonread
from hookflo.core.alerting.describe import describe
from hookflo.core.digest.periods import Period

logger = logging.getLogger(__name__)

# A user created in the period was stored no earlier than its creation, give
# or take the clocks; this much slack keeps a skewed clock's rows in view.
_CLOCK_SLACK_S = 3600.0

_METHOD_GROUPS = {
    "": "Unknown",
    "email and password": "Email",
    "an email code": "Email",
    "an email link": "Email",
    "email": "Email",
    "an invitation": "Email",
    "phone and password": "Phone",
    "a phone code": "Phone",
    "a passkey": "Passkey",
    "a web3 wallet": "Web3 wallet",
    "single sign-on": "Single sign-on",
    "a username and password": "Username",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Signup:
    """One person who signed up in the period, as a digest lists them."""

    event_id: int
    user_id: str
    name: str
    email: str
    method: str
    environment: str
    created_at: float
    caught_up: bool

    @property
    def url(self) -> str:
        """The ``hookflo://event/<id>`` link that opens this signup in HookFlo."""
        return eventlinks.event_url(self.event_id)


@dataclasses.dataclass(frozen=True, slots=True)
class Count:
    """A count in this period beside the same count in the period before."""

    label: str
    count: int
    previous: int


@dataclasses.dataclass(frozen=True, slots=True)
class SignupStats:
    """What a digest says about a period.

    Attributes:
        count: signups in the period.
        previous: signups in the period before.
        environments: counts per environment (production first).
        methods: counts per sign-up method, the most used first.
        signups: the period's signups, oldest first.
    """

    count: int
    previous: int
    environments: tuple[Count, ...]
    methods: tuple[Count, ...]
    signups: tuple[Signup, ...]


def method_group(method: str) -> str:
    """Return a sign-up method as a digest groups it: the provider, or "Email"."""
    return _METHOD_GROUPS.get(method, method)


def read(conn: sqlite3.Connection, period: Period) -> SignupStats:
    """Return the signups of ``period`` and of the period before it."""
    rows = conn.execute(
        "SELECT id, source, environment, received_at, body, origin FROM events "
        "WHERE type = 'user.created' AND is_test = 0 AND origin != 'derived' "
        "AND body_is_json = 1 AND received_at >= ? ORDER BY id",
        (period.previous_start - _CLOCK_SLACK_S,),
    )
    current: dict[str, Signup] = {}
    earlier: dict[str, Signup] = {}
    for row in rows:
        signup = _signup(*row)
        if signup is None:
            continue
        if period.start <= signup.created_at < period.end:
            current.setdefault(signup.user_id, signup)
        elif period.previous_start <= signup.created_at < period.start:
            earlier.setdefault(signup.user_id, signup)
    listed = sorted(current.values(), key=lambda s: (s.created_at, s.event_id))
    return SignupStats(
        count=len(current),
        previous=len(earlier),
        environments=_tally(
            current, earlier, lambda s: s.environment, first="production"
        ),
        methods=_tally(current, earlier, lambda s: method_group(s.method)),
        signups=tuple(listed),
    )


def _signup(
    event_id: int,
    source: str,
    environment: str,
    received_at: float,
    body: bytes,
    origin: str,
) -> Signup | None:
    try:
        payload = json.loads(body)
    except ValueError:
        logger.debug("Event %d is not JSON; not counted as a signup", event_id)
        return None
    facts = describe(
        "user.created",
        payload,
        environment=environment,
        is_test=False,
        source=source,
        event_id=event_id,
        received_at=received_at,
    )
    return Signup(
        event_id=event_id,
        user_id=facts.user_id or f"event-{event_id}",
        name=facts.name,
        email=facts.email,
        method=facts.method,
        environment=environment,
        created_at=_created_at(facts.data, received_at),
        caught_up=origin == "caught-up",
    )


def _created_at(data: Mapping[str, Any], fallback: float) -> float:
    """Return Clerk's ``created_at`` (milliseconds) in seconds, else ``fallback``."""
    value = data.get("created_at")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return fallback
    seconds = value / 1000.0
    if not math.isfinite(seconds) or seconds <= 0:
        return fallback
    return seconds


def _tally(
    current: Mapping[str, Signup],
    earlier: Mapping[str, Signup],
    label: Callable[[Signup], str],
    *,
    first: str | None = None,
) -> tuple[Count, ...]:
    now = collections.Counter(label(s) for s in current.values())
    before = collections.Counter(label(s) for s in earlier.values())
    labels = sorted(
        set(now) | set(before),
        key=lambda name: (name != first, -now[name], -before[name], name),
    )
    return tuple(Count(jsonread.text(name), now[name], before[name]) for name in labels)
