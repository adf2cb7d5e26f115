"""Times of day as ``config.toml`` and the settings dialog write them.

One form, ``"HH:MM"`` on a 24-hour clock, read by quiet hours and digests
alike; a TOML local time (``08:30:00``) is taken too, its seconds dropped.
"""

import datetime
import re

_PATTERN = re.compile(r"^(?P<hour>[01]?[0-9]|2[0-3]):(?P<minute>[0-5][0-9])$")


def parse(text: str) -> datetime.time | None:
    """Return the time ``"HH:MM"`` stands for, or None."""
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
