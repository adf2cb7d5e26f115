"""Times of day as ``config.toml`` and the settings dialog write them.

One form is written, ``"HH:MM"`` on a 24-hour clock, read by quiet hours and
digests alike. ``"HH:MM:SS"`` and a TOML local time (``08:30:00``) are taken
too, their seconds dropped: alerts and digests keep minutes.

TOML has no time without seconds, so an unquoted ``start = 22:00`` is not
TOML at all; ``quote_hint`` turns such a line into the fix to make.
"""

import datetime
import re

_PATTERN = re.compile(
    r"^(?P<hour>[01]?[0-9]|2[0-3]):(?P<minute>[0-5][0-9])(?::[0-5][0-9])?$"
)
# ``key = value # comment`` whose unquoted value holds a clock time
# ("22:00", "8:30", "monday 08:30").
_UNQUOTED_TIME = re.compile(
    r"^\s*(?P<key>[A-Za-z0-9_.-]{1,60})\s*=\s*"
    r"(?P<value>[A-Za-z ]{0,12}[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)\s*(?:#.*)?$"
)


def parse(text: str) -> datetime.time | None:
    """Return the time ``"HH:MM"`` (or ``"HH:MM:SS"``) stands for, or None."""
    match = _PATTERN.match(text.strip())
    if match is None:
        return None
    return datetime.time(int(match["hour"]), int(match["minute"]))


def from_config(value: object) -> datetime.time | None:
    """Return the time a config value gives (text or TOML local time), or None."""
    if isinstance(value, datetime.time) and value.tzinfo is None:
        return value.replace(second=0, microsecond=0)
    return parse(value) if isinstance(value, str) else None


def show(moment: datetime.time) -> str:
    """Return ``moment`` as ``"HH:MM"``."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def quote_hint(line: str) -> str | None:
    """Return the fix for a config line with an unquoted time, else None.

    ``start = 22:00`` gives ``start = "22:00"``.
    """
    found = _UNQUOTED_TIME.match(line)
    if found is None:
        return None
    return f'{found["key"]} = "{found["value"].strip()}"'
