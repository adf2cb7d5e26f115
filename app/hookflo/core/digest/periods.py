"""Which period a digest covers, and when it is due, in local time.

A digest covers whole local days before the day it goes out: the daily one
at 08:30 on Friday covers Thursday; a weekly one on Monday covers the seven
days before that Monday. The period before it, of the same length, is the
comparison. Days are counted in the local calendar, so a day with a clock
change is 23 or 25 hours long; a send time that does not exist that day
(skipped by the clock going forward) is read as the same clock time before
the change, which Python places an hour later.
"""

import dataclasses
import datetime
from datetime import tzinfo

from hookflo.core.digest.settings import Kind, Schedule


@dataclasses.dataclass(frozen=True, slots=True)
class Period:
    """The days one digest covers, and the days it is compared with.

    Attributes:
        kind: daily or weekly.
        first_day: the first local day covered.
        days: how many days are covered.
        start: the period's start (Unix time).
        end: its end, exclusive (Unix time).
        previous_start: the start of the period before (it ends at ``start``).
        send_at: when this digest is due (Unix time).
    """

    kind: Kind
    first_day: datetime.date
    days: int
    start: float
    end: float
    previous_start: float
    send_at: float

    @property
    def key(self) -> str:
        """The period's name in ``digest_runs``: its first day, ISO."""
        return self.first_day.isoformat()

    @property
    def last_day(self) -> datetime.date:
        """The last local day covered."""
        return self.first_day + datetime.timedelta(days=self.days - 1)


def latest_due(
    kind: Kind, schedule: Schedule, now: float, zone: tzinfo | None
) -> Period:
    """Return the newest period whose send time is at or before ``now``.

    Args:
        kind: daily or weekly.
        schedule: the local send time (and weekday).
        now: Unix time.
        zone: the time zone; None for the computer's local time.
    """
    day = datetime.datetime.fromtimestamp(now, zone).date()
    if schedule.weekday is not None:
        day -= datetime.timedelta(days=(day.weekday() - schedule.weekday) % 7)
    step = datetime.timedelta(days=kind.days)
    if _at(day, schedule, zone) > now:
        day -= step
    return period_sent_on(kind, schedule, day, zone)


def next_send_at(
    kind: Kind, schedule: Schedule, now: float, zone: tzinfo | None
) -> float:
    """Return when the next digest after ``now`` is due (Unix time)."""
    latest = latest_due(kind, schedule, now, zone)
    send_day = latest.first_day + datetime.timedelta(days=2 * kind.days)
    return _at(send_day, schedule, zone)


def period_sent_on(
    kind: Kind, schedule: Schedule, send_day: datetime.date, zone: tzinfo | None
) -> Period:
    """Return the period of the digest that goes out on ``send_day``."""
    first = send_day - datetime.timedelta(days=kind.days)
    before = first - datetime.timedelta(days=kind.days)
    return Period(
        kind=kind,
        first_day=first,
        days=kind.days,
        start=_midnight(first, zone),
        end=_midnight(send_day, zone),
        previous_start=_midnight(before, zone),
        send_at=_at(send_day, schedule, zone),
    )


def _midnight(day: datetime.date, zone: tzinfo | None) -> float:
    return datetime.datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()


def _at(day: datetime.date, schedule: Schedule, zone: tzinfo | None) -> float:
    moment = datetime.datetime(
        day.year, day.month, day.day, schedule.hour, schedule.minute, tzinfo=zone
    )
    return moment.timestamp()
