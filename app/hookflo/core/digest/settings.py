"""Settings for digests: the ``[digests]`` table of ``config.toml``.

Without the table, or with neither ``daily`` nor ``weekly`` in it, no digest
is sent. Times are local wall-clock times (the computer's time zone unless
``timezone`` names another). Parsing reports faults through the caller's
``fail`` so every message names the file and the key.
"""

import dataclasses
import datetime
import enum
import zoneinfo
from collections.abc import Callable
from typing import Any

from hookflo.core import clocktime
from hookflo.core.channels.base import ChannelName

Fail = Callable[[str, str, object], Exception]

DEFAULT_NAMES = 5
MAX_NAMES = 50
WEEKDAYS = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_KEYS = {"daily", "weekly", "channels", "names", "timezone"}


class Kind(enum.StrEnum):
    """How long a digest's period is."""

    DAILY = "daily"
    WEEKLY = "weekly"

    @property
    def days(self) -> int:
        """The length of the period in days."""
        return 1 if self is Kind.DAILY else 7


@dataclasses.dataclass(frozen=True, slots=True)
class Schedule:
    """When a digest goes out: a local time, and a weekday for weekly ones.

    Attributes:
        hour: 0 to 23.
        minute: 0 to 59.
        weekday: 0 (Monday) to 6 (Sunday) for a weekly digest; None daily.
    """

    hour: int
    minute: int
    weekday: int | None = None

    @property
    def clock(self) -> str:
        """The time of day, ``"HH:MM"``."""
        return clocktime.show(datetime.time(self.hour, self.minute))

    def __str__(self) -> str:
        if self.weekday is None:
            return self.clock
        return f"{WEEKDAYS[self.weekday]} {self.clock}"


@dataclasses.dataclass(frozen=True, slots=True)
class DigestSettings:
    """``[digests]``: which digests go out, when, where, and how long they are.

    Attributes:
        daily: when the daily digest goes out; None for no daily digest.
        weekly: when the weekly digest goes out; None for none.
        channels: where digests go; empty means every channel that is set up.
        names: how many signups a digest lists by name.
        timezone: the IANA zone the times are in; None for the computer's.
    """

    daily: Schedule | None = None
    weekly: Schedule | None = None
    channels: tuple[ChannelName, ...] = ()
    names: int = DEFAULT_NAMES
    timezone: str | None = None

    @property
    def enabled(self) -> bool:
        """Whether any digest is scheduled."""
        return self.daily is not None or self.weekly is not None

    def schedules(self) -> list[tuple[Kind, Schedule]]:
        """Return the scheduled digests, daily first."""
        found = [(Kind.DAILY, self.daily), (Kind.WEEKLY, self.weekly)]
        return [(kind, when) for kind, when in found if when is not None]

    def zone(self) -> zoneinfo.ZoneInfo | None:
        """Return the time zone to read times in; None for the computer's."""
        return None if self.timezone is None else zoneinfo.ZoneInfo(self.timezone)


def parse_digests(raw: dict[str, Any], fail: Fail) -> DigestSettings:
    """Parse the ``[digests]`` table (empty when absent)."""
    for key in raw:
        if key not in _KEYS:
            raise fail(f"digests.{key}", f"one of {', '.join(sorted(_KEYS))}", key)
    daily = weekly = None
    if "daily" in raw:
        daily = _daily(raw["daily"], fail)
    if "weekly" in raw:
        weekly = _weekly(raw["weekly"], fail)
    return DigestSettings(
        daily=daily,
        weekly=weekly,
        channels=_channels(raw.get("channels", []), fail),
        names=_names(raw.get("names", DEFAULT_NAMES), fail),
        timezone=_timezone(raw.get("timezone"), fail),
    )


def to_table(settings: DigestSettings) -> dict[str, Any]:
    """Return ``settings`` as the ``[digests]`` table, defaults left out."""
    table: dict[str, Any] = {}
    if settings.daily is not None:
        table["daily"] = str(settings.daily)
    if settings.weekly is not None:
        table["weekly"] = str(settings.weekly)
    if settings.channels:
        table["channels"] = [c.value for c in settings.channels]
    if settings.names != DEFAULT_NAMES:
        table["names"] = settings.names
    if settings.timezone is not None:
        table["timezone"] = settings.timezone
    return table


def _daily(value: object, fail: Fail) -> Schedule:
    moment = clocktime.from_config(value)
    if moment is None:
        raise fail("digests.daily", "a local time such as '08:30' (24-hour)", value)
    return Schedule(moment.hour, moment.minute)


def _weekly(value: object, fail: Fail) -> Schedule:
    expected = "a weekday and a local time such as 'monday 08:30'"
    if not isinstance(value, str):
        raise fail("digests.weekly", expected, value)
    day, _, clock = value.strip().partition(" ")
    weekday = _weekday(day)
    moment = clocktime.parse(clock)
    if weekday is None or moment is None:
        raise fail("digests.weekly", expected, value)
    return Schedule(moment.hour, moment.minute, weekday=weekday)


def _weekday(text: str) -> int | None:
    text = text.strip().lower()
    for index, name in enumerate(WEEKDAYS):
        if text in (name, name[:3]):
            return index
    return None


def _channels(value: object, fail: Fail) -> tuple[ChannelName, ...]:
    names = {c.value for c in ChannelName}
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(v in names for v in value):
        raise fail(
            "digests.channels", f"a list drawn from {', '.join(sorted(names))}", value
        )
    return tuple(dict.fromkeys(ChannelName(v) for v in value))


def _names(value: object, fail: Fail) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail("digests.names", f"a number from 0 to {MAX_NAMES}", value)
    if not 0 <= value <= MAX_NAMES:
        raise fail("digests.names", f"a number from 0 to {MAX_NAMES}", value)
    return value


def _timezone(value: object, fail: Fail) -> str | None:
    if value is None:
        return None
    expected = "a time zone name such as 'Europe/Paris'"
    if not isinstance(value, str) or not value.strip():
        raise fail("digests.timezone", expected, value)
    try:
        zoneinfo.ZoneInfo(value.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise fail("digests.timezone", expected, value) from None
    return value.strip()
