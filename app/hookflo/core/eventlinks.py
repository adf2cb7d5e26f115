"""Links that open one stored event in HookFlo: ``hookflo://event/<id>``.

A digest gives one per signup; the desktop hands a click on it to
``hookflo <link>`` (the menu entry registers HookFlo for the scheme), which
shows that event in the window. The parser accepts that one form only, so a
link crafted elsewhere can ask for nothing but an event by its number.
"""

import logging
import re

logger = logging.getLogger(__name__)

# TODO: only Linux (packaging/hookflo.desktop, install-linux.sh) and macOS
# (hookflo.spec) register the scheme; on Windows nothing writes the
# HKCU\Software\Classes\hookflo keys yet, so a digest's links do nothing there.
SCHEME = "hookflo"
PREFIX = f"{SCHEME}://"
# The largest SQLite rowid, so every id fits a signed 64-bit integer.
MAX_EVENT_ID = 2**63 - 1
# Digits only, no sign, no leading zero; nothing before or after, not even a
# slash, a query or a fragment.
_EVENT_URL = re.compile(r"hookflo://event/([1-9][0-9]{0,18})", re.ASCII)


def event_url(event_id: int) -> str:
    """Return the link that opens event ``event_id`` in HookFlo."""
    if not 1 <= event_id <= MAX_EVENT_ID:
        raise ValueError(f"Not an event id: {event_id!r}")
    return f"{PREFIX}event/{event_id}"


def parse_event_url(text: str) -> int | None:
    """Return the event id of a ``hookflo://event/<id>`` link, else None."""
    found = _EVENT_URL.fullmatch(text)
    event_id = int(found.group(1)) if found else 0
    if not 1 <= event_id <= MAX_EVENT_ID:
        logger.debug("Not an event link: %r", text[:200])
        return None
    return event_id


def not_stored(event_id: int) -> str:
    """Return the sentence shown when event ``event_id`` is not in the store.

    A link outlives its event (deleted since the digest went out) and may
    come from a digest of another home (another ``HOOKFLO_HOME``).
    """
    return (
        f"Event {event_id} is not in this HookFlo's store (it may have been "
        "deleted or belong to another HookFlo home)."
    )


def is_hookflo_url(text: str) -> bool:
    """Whether ``text`` is meant as a HookFlo link (valid or not)."""
    return text[: len(PREFIX)].lower() == PREFIX
