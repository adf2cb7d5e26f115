"""Where each alert channel stands, read from the store: sending or stopped.

A permanent failure (Slack's ``channel_not_found``, a refused SMTP password)
stops a channel: the dispatcher records it in ``channel_blocks`` and keeps
that channel's alerts waiting until its settings change or ``hookflo retry``
lifts the stop. This reads those rows and the deliveries still to be sent,
read-only, for ``hookflo status``; the dispatcher's own bookkeeping stays in
``alerting.outboxstore``.
"""

import dataclasses
import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class Failure:
    """The newest failed try among a channel's alerts not sent yet.

    Attributes:
        delivery_id: the delivery it happened to.
        at: when it was recorded.
        error: what the channel answered, as the delivery stores it.
    """

    delivery_id: int
    at: float
    error: str


@dataclasses.dataclass(frozen=True, slots=True)
class ChannelState:
    """One channel's standing.

    Attributes:
        channel: the channel's name ("slack").
        stop_reason: why it was stopped, or None while it may send.
        stopped_since: when it was stopped.
        release_id: the delivery whose ``hookflo retry`` lifts the stop: the
            newest that failed, else the oldest waiting one.
        waiting: alerts due to be sent (pending or retrying).
        failed: alerts that failed for good and wait for ``hookflo retry``.
        last_failure: the newest failure among the alerts not sent yet.
    """

    channel: str
    stop_reason: str | None = None
    stopped_since: float | None = None
    release_id: int | None = None
    waiting: int = 0
    failed: int = 0
    last_failure: Failure | None = None

    @property
    def stopped(self) -> bool:
        """Whether a permanent failure stopped the channel."""
        return self.stop_reason is not None


def read(database_file: Path, channels: Sequence[str]) -> list[ChannelState]:
    """Return the state of ``channels`` and of any other stopped channel.

    A channel stopped while it was configured stays listed after it was
    taken out of the file, so a stop is never hidden. Without a store (or
    with one too old to have the tables) every channel is simply sending.
    """
    if not database_file.exists():
        return [ChannelState(name) for name in channels]
    conn = sqlite3.connect(f"file:{database_file}?mode=ro", uri=True, timeout=5)
    try:
        return gather(conn, channels)
    except sqlite3.OperationalError as err:
        logger.debug("Cannot read the alert channels' state: %s", err)
        return [ChannelState(name) for name in channels]
    finally:
        conn.close()


def gather(conn: sqlite3.Connection, channels: Sequence[str]) -> list[ChannelState]:
    """Read the state of ``channels`` (and stopped ones) through ``conn``."""
    blocks = {
        str(channel): (str(reason), float(since))
        for channel, reason, since in conn.execute(
            "SELECT channel, reason, since FROM channel_blocks"
        )
    }
    counts = _counts(conn)
    names = list(channels) + sorted(set(blocks) - set(channels))
    found = []
    for name in names:
        reason, since = blocks.get(name, (None, None))
        found.append(
            ChannelState(
                channel=name,
                stop_reason=reason,
                stopped_since=since,
                release_id=None if reason is None else _release_id(conn, name),
                waiting=counts.get((name, "waiting"), 0),
                failed=counts.get((name, "failed"), 0),
                last_failure=_last_failure(conn, name),
            )
        )
    return found


def _counts(conn: sqlite3.Connection) -> dict[tuple[str, str], int]:
    """Count each channel's waiting and failed deliveries."""
    counts: dict[tuple[str, str], int] = {}
    rows = conn.execute(
        "SELECT channel, state, count(*) FROM deliveries "
        "WHERE state IN ('pending', 'retrying', 'failed') GROUP BY channel, state"
    )
    for channel, state, number in rows:
        kind = "failed" if state == "failed" else "waiting"
        key = (str(channel), kind)
        counts[key] = counts.get(key, 0) + int(number)
    return counts


def _release_id(conn: sqlite3.Connection, channel: str) -> int | None:
    row = conn.execute(
        "SELECT id FROM deliveries WHERE channel = ? AND state = 'failed' "
        "ORDER BY updated_at DESC, id DESC LIMIT 1",
        (channel,),
    ).fetchone()
    if row is None:
        row = conn.execute(
            "SELECT min(id) FROM deliveries WHERE channel = ? "
            "AND state IN ('pending', 'retrying')",
            (channel,),
        ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def _last_failure(conn: sqlite3.Connection, channel: str) -> Failure | None:
    # Sent deliveries keep no error (a send clears it): only the failures of
    # alerts still to be sent are found.
    row = conn.execute(
        "SELECT id, updated_at, last_error FROM deliveries WHERE channel = ? "
        "AND state IN ('failed', 'retrying') AND last_error IS NOT NULL "
        "ORDER BY updated_at DESC, id DESC LIMIT 1",
        (channel,),
    ).fetchone()
    if row is None:
        return None
    return Failure(delivery_id=int(row[0]), at=float(row[1]), error=str(row[2]))
