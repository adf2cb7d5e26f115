"""Quiet hours: the ``[quiet_hours]`` table of ``config.toml``, and when they hold.

Every day from ``start`` to ``end`` (local wall-clock times, ``"22:00"``; a
window that ends before it starts runs past midnight) the alerts of the
chosen channels are held: events are still received and stored, and their
deliveries wait in the outbox, durably, so nothing pops up or sounds. When
the window ends, the dispatcher sends what waited as one summary per channel
("While quiet: 7 new signups") instead of one alert per event.

Only desktop alerts are held unless ``channels`` says otherwise: a popup or a
sound at 3 a.m. wakes someone, while a Slack message or an email waits
silently until it is read, and muting them would hide production signups
from everyone else who reads that channel.

Qt-free. Every function takes the time as a parameter (Unix seconds), so
tests control the clock. Wall-clock times become instants through the time
zone ``tz`` (None: the system's), so a night across a DST change ends when
the clock on the wall says ``end``.
"""

import dataclasses
import datetime
import logging
from collections.abc import Callable, Iterator
from typing import Any

from hookflo.core import clocktime
from hookflo.core.channels.base import Alert, ChannelName

logger = logging.getLogger(__name__)

Fail = Callable[[str, str, object], Exception]

DEFAULT_START = datetime.time(22, 0)
DEFAULT_END = datetime.time(7, 0)
DEFAULT_CHANNELS = (ChannelName.DESKTOP,)
HELD_PREFIX = "While quiet: "
_KEYS = {"enabled", "start", "end", "channels"}
# The part of each channel's alert that names it in a list or a popup.
_TITLE_PARTS = {
    ChannelName.DESKTOP: ("title",),
    ChannelName.SLACK: ("text",),
    ChannelName.EMAIL: ("subject",),
}


@dataclasses.dataclass(frozen=True, slots=True)
class QuietHours:
    """``[quiet_hours]``: when alerts are held, every day, and on which channels.

    Attributes:
        enabled: hold alerts between ``start`` and ``end``.
        start: when the quiet begins, local wall-clock time.
        end: when it ends; at or before ``start`` means the next day.
        channels: the channels held (desktop only by default).
    """

    enabled: bool = False
    start: datetime.time = DEFAULT_START
    end: datetime.time = DEFAULT_END
    channels: tuple[ChannelName, ...] = DEFAULT_CHANNELS

    def holds(self, channel: ChannelName) -> bool:
        """Return True if quiet hours apply to ``channel`` at all."""
        return self.enabled and channel in self.channels


def parse_quiet_hours(raw: dict[str, Any], fail: Fail) -> QuietHours:
    """Parse the ``[quiet_hours]`` table (empty when absent)."""
    for key in raw:
        if key not in _KEYS:
            raise fail(f"quiet_hours.{key}", f"one of {', '.join(sorted(_KEYS))}", key)
    enabled = raw.get("enabled", False)
    if not isinstance(enabled, bool):
        raise fail("quiet_hours.enabled", "true or false", enabled)
    start = _clock(raw, "start", DEFAULT_START, fail)
    end = _clock(raw, "end", DEFAULT_END, fail)
    if start == end:
        raise fail(
            "quiet_hours.end",
            f"a time other than the start ({clocktime.show(start)})",
            clocktime.show(end),
        )
    channels = raw.get("channels", [c.value for c in DEFAULT_CHANNELS])
    known = {c.value for c in ChannelName}
    choices = ", ".join(repr(c.value) for c in ChannelName)
    if (
        not isinstance(channels, list)
        or not channels
        or not all(isinstance(c, str) and c in known for c in channels)
    ):
        raise fail("quiet_hours.channels", f"a list of {choices}", channels)
    held = tuple(c for c in ChannelName if c.value in channels)
    return QuietHours(enabled=enabled, start=start, end=end, channels=held)


def to_table(settings: QuietHours) -> dict[str, Any]:
    """Return ``settings`` as the ``[quiet_hours]`` table ({} when default)."""
    if settings == QuietHours():
        return {}
    table: dict[str, Any] = {"enabled": settings.enabled}
    table["start"] = clocktime.show(settings.start)
    table["end"] = clocktime.show(settings.end)
    if settings.channels != DEFAULT_CHANNELS:
        table["channels"] = [c.value for c in settings.channels]
    return table


def quiet_until(
    settings: QuietHours, now: float, *, tz: datetime.tzinfo | None = None
) -> float | None:
    """Return when the quiet hours around ``now`` end, or None outside them."""
    if not settings.enabled:
        return None
    for start, end in _windows(settings, now, tz):
        if start <= now < end:
            return end
    return None


def last_window(
    settings: QuietHours, now: float, *, tz: datetime.tzinfo | None = None
) -> tuple[float, float] | None:
    """Return the start and end of the latest quiet hours over by ``now``."""
    if not settings.enabled:
        return None
    over = [(start, end) for start, end in _windows(settings, now, tz) if end <= now]
    return max(over, key=lambda window: window[1], default=None)


def quiet_line(
    settings: QuietHours, now: float, *, tz: datetime.tzinfo | None = None
) -> str:
    """Return "Quiet until 07:00" during quiet hours, else ""."""
    if quiet_until(settings, now, tz=tz) is None:
        return ""
    return f"Quiet until {clocktime.show(settings.end)}"


def describe(settings: QuietHours) -> str:
    """Return the setting in words: "22:00 to 07:00, desktop alerts held"."""
    if not settings.enabled:
        return "off"
    held = ", ".join(c.value for c in settings.channels)
    span = f"{clocktime.show(settings.start)} to {clocktime.show(settings.end)}"
    return f"{span}, {held} alerts held"


def while_quiet(channel: ChannelName, alert: Alert) -> Alert:
    """Return ``alert`` (a summary of held events) titled as what waited."""
    parts = dict(alert.parts)
    for name in _TITLE_PARTS[channel]:
        if name in parts:
            parts[name] = HELD_PREFIX + parts[name]
    return dataclasses.replace(alert, parts=parts)


class QuietGate:
    """What the dispatcher asks each round: hold this channel, or release it.

    Args:
        settings: the quiet hours from ``config.toml``.
        tz: the time zone of the wall-clock times (None: the system's).
    """

    def __init__(
        self, settings: QuietHours, *, tz: datetime.tzinfo | None = None
    ) -> None:
        self.settings = settings
        self._tz = tz

    def held_until(self, channel: ChannelName, now: float) -> float | None:
        """Return until when ``channel`` is held at ``now``, or None."""
        if not self.settings.holds(channel):
            return None
        return quiet_until(self.settings, now, tz=self._tz)

    def last_window(
        self, channel: ChannelName, now: float
    ) -> tuple[float, float] | None:
        """Return the latest quiet hours over for ``channel``, if it is held."""
        if not self.settings.holds(channel):
            return None
        return last_window(self.settings, now, tz=self._tz)


def _clock(
    raw: dict[str, Any], key: str, default: datetime.time, fail: Fail
) -> datetime.time:
    value = raw.get(key)
    if value is None:
        return default
    parsed = clocktime.from_config(value)
    if parsed is None:
        raise fail(f"quiet_hours.{key}", "a time such as '22:00' (24-hour)", value)
    return parsed


def _windows(
    settings: QuietHours, now: float, tz: datetime.tzinfo | None
) -> Iterator[tuple[float, float]]:
    """Yield the quiet hours that began on the three days up to ``now``'s."""
    today = datetime.datetime.fromtimestamp(now, tz).date()
    overnight = settings.end <= settings.start
    for back in (2, 1, 0):
        day = today - datetime.timedelta(days=back)
        end_day = day + datetime.timedelta(days=1) if overnight else day
        start = _instant(day, settings.start, tz)
        end = _instant(end_day, settings.end, tz)
        if end > start:  # a window inside a DST gap has no length
            yield start, end


def _instant(
    day: datetime.date, moment: datetime.time, tz: datetime.tzinfo | None
) -> float:
    """Return the Unix time at which the wall clock of ``tz`` shows ``moment``.

    A time skipped by a DST change is taken as that long after the jump
    (02:30 on a night that jumps from 02:00 to 03:00 is 03:30); a time shown
    twice counts from its first showing.
    """
    local = datetime.datetime.combine(day, moment, tzinfo=tz)
    return local.timestamp()
