"""Gather the endpoint's health from the store: attempts, events and spans.

Per source: when the last verified event from Clerk arrived, and how many of
the last hour's requests were refused and mostly why. For the endpoint: the
latest time Clerk could not deliver, either because HookFlo was not
listening (the listening spans) or because it refused every delivery (no
verified event since the first refusal). ``advice`` turns these into words.
"""

import collections
import dataclasses
import enum
import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from hookflo.core.catchup import records, spans
from hookflo.core.catchup.records import CatchUpRecord
from hookflo.core.config import Source

logger = logging.getLogger(__name__)

WINDOW_S = 3600.0
# Refusals only count as "Clerk cannot deliver" once they have lasted a bit:
# a single bad request is not an outage.
REFUSING_FOR_S = 300.0


class Cause(enum.StrEnum):
    """Why Clerk could not deliver."""

    OFFLINE = "offline"
    REFUSING = "refusing"


@dataclasses.dataclass(frozen=True, slots=True)
class SourceHealth:
    """What one source's recent traffic says.

    Attributes:
        source: the source's name.
        environment: its Clerk instance's environment.
        last_verified_at: when the newest event Clerk sent was stored.
        accepted: verified events from Clerk in the last hour.
        refused: requests to the source refused in the last hour.
        main_reason: the most frequent refusal reason code, if any.
    """

    source: str
    environment: str
    last_verified_at: float | None
    accepted: int
    refused: int
    main_reason: str | None

    @property
    def refused_share(self) -> float | None:
        """Return the refused share of the last hour's requests, or None."""
        total = self.accepted + self.refused
        return None if total == 0 else self.refused / total


@dataclasses.dataclass(frozen=True, slots=True)
class Outage:
    """A time Clerk's deliveries could not arrive.

    Attributes:
        cause: not listening, or refusing every delivery.
        start: when it began.
        end: when it ended, or None while it lasts.
    """

    cause: Cause
    start: float
    end: float | None

    def seconds(self, now: float) -> float:
        """Return how long it lasted (or has lasted, until ``now``)."""
        return max(0.0, (now if self.end is None else self.end) - self.start)


@dataclasses.dataclass(frozen=True, slots=True)
class Facts:
    """Everything the health report is made of, read at ``checked_at``."""

    checked_at: float
    running: bool
    listening_since: float | None
    sources: tuple[SourceHealth, ...]
    outage: Outage | None
    delivered_since_outage: bool
    catchups: tuple[CatchUpRecord, ...]


def gather(
    conn: sqlite3.Connection, sources: Sequence[Source], now: float, *, running: bool
) -> Facts:
    """Read the health facts at ``now``; ``running``: a receiver listens now."""
    latest = spans.latest(conn)
    outage = _offline(conn, latest, now, running=running)
    refusing = _refusing(conn, now) if running else None
    if refusing is not None and (outage is None or outage.end is not None):
        outage = refusing
    delivered = outage is not None and _verified_since(conn, outage.end)
    return Facts(
        checked_at=now,
        running=running,
        listening_since=latest.started_at if running and latest else None,
        sources=tuple(_source(conn, s, now) for s in sources),
        outage=outage,
        delivered_since_outage=delivered,
        catchups=tuple(records.latest(conn)),
    )


def _offline(
    conn: sqlite3.Connection, latest: spans.Span | None, now: float, *, running: bool
) -> Outage | None:
    if latest is None:
        return None
    gap = spans.gap_before(conn, latest)
    past = None if gap is None else Outage(Cause.OFFLINE, gap.start, gap.end)
    if running:
        return past
    # Not running now: the longer of this time away and the one before the
    # last run (a short run after days away does not undo what was lost).
    current = Outage(Cause.OFFLINE, latest.ended_at, None)
    if past is not None and past.seconds(now) > current.seconds(now):
        return past
    return current


def _refusing(conn: sqlite3.Connection, now: float) -> Outage | None:
    """Return the refusals of Clerk's deliveries since the last verified event."""
    last = _last_verified(conn, None)
    row = conn.execute(
        "SELECT min(received_at) FROM attempts WHERE svix_id IS NOT NULL "
        "AND received_at > ?",
        (last or 0.0,),
    ).fetchone()
    if row[0] is None or now - float(row[0]) < REFUSING_FOR_S:
        return None
    return Outage(Cause.REFUSING, float(row[0]), None)


def _source(conn: sqlite3.Connection, source: Source, now: float) -> SourceHealth:
    since = now - WINDOW_S
    accepted = conn.execute(
        "SELECT count(*) FROM events WHERE source = ? AND received_at >= ? "
        f"AND {_FROM_CLERK}",
        (source.name, since),
    ).fetchone()[0]
    reasons = collections.Counter(
        reason
        for (reason,) in conn.execute(
            "SELECT reason FROM attempts WHERE source = ? AND received_at >= ?",
            (source.name, since),
        )
    )
    main = reasons.most_common(1)[0][0] if reasons else None
    return SourceHealth(
        source=source.name,
        environment=source.environment.value,
        last_verified_at=_last_verified(conn, source.name),
        accepted=int(accepted),
        refused=sum(reasons.values()),
        main_reason=main,
    )


# What Clerk itself delivered and HookFlo verified: not test events from
# `hookflo send-test`, not events caught up or derived by HookFlo.
_FROM_CLERK = "origin = 'webhook' AND is_test = 0"


def _last_verified(conn: sqlite3.Connection, source: str | None) -> float | None:
    # Newest first by row id, which follows arrival: the walk stops at the
    # first event from Clerk instead of reading the whole table. (``+source``
    # keeps SQLite off the (source, svix_id) index, which would visit every
    # event of the source and sort them.)
    if source is None:
        row = conn.execute(
            f"SELECT received_at FROM events WHERE {_FROM_CLERK} "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
    else:
        row = conn.execute(
            f"SELECT received_at FROM events WHERE +source = ? AND {_FROM_CLERK} "
            "ORDER BY id DESC LIMIT 1",
            (source,),
        ).fetchone()
    return None if row is None else float(row[0])


def _verified_since(conn: sqlite3.Connection, moment: float | None) -> bool:
    if moment is None:
        return False
    last = _last_verified(conn, None)
    return last is not None and last >= moment


def read(
    database_file: Path, sources: Sequence[Source], now: float, *, running: bool
) -> Facts | None:
    """Open the store read-only and gather; None when there is no store yet."""
    if not database_file.exists():
        return None
    conn = sqlite3.connect(f"file:{database_file}?mode=ro", uri=True, timeout=5)
    try:
        return gather(conn, sources, now, running=running)
    except sqlite3.OperationalError as err:
        # An older HookFlo's store has no spans table yet: nothing to say.
        logger.debug("Cannot read the endpoint health: %s", err)
        return None
    finally:
        conn.close()
