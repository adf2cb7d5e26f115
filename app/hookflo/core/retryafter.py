"""Read an HTTP ``Retry-After`` value: how long a server asks us to wait.

RFC 9110 (section 10.2.3) allows two forms: a whole number of seconds
(``120``) or an HTTP date (``Wed, 21 Oct 2026 07:28:00 GMT``). A date in the
past means "now" (0 s). A decimal such as ``1.5`` is not in the RFC, but some
servers send one, so it is read too. Anything else (a negative number, an
empty value, garbage) says nothing usable and reads as None, so each caller
falls back to its own default. A wait longer than the cap (an hour unless
the caller says otherwise) is cut to the cap: a broken or hostile server
must not stop HookFlo for days.
"""

import datetime
import email.utils
import logging
import re
import time
from collections.abc import Mapping

logger = logging.getLogger(__name__)

HEADER = "Retry-After"
CAP_S = 3600.0
"""The longest wait a ``Retry-After`` value can ask for, unless a caller says."""

_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def seconds(
    value: str | None, *, now: float | None = None, cap_s: float = CAP_S
) -> float | None:
    """Return the wait ``value`` asks for, in seconds, or None if it says none.

    Args:
        value: the header's value, as received.
        now: the wall-clock time to measure an HTTP date from (default: now).
        cap_s: the longest wait returned; longer ones are cut to it.
    """
    text = (value or "").strip()
    if not text:
        return None
    wait: float | None
    if _SECONDS.fullmatch(text):
        wait = float(text)
    else:
        wait = _until_date(text, time.time() if now is None else now)
    if wait is None:
        logger.debug("Ignoring a Retry-After value that is not a wait: %.40r", text)
        return None
    return min(max(wait, 0.0), cap_s)


def from_headers(
    headers: Mapping[str, str] | None,
    *,
    now: float | None = None,
    cap_s: float = CAP_S,
) -> float | None:
    """Return the wait the ``Retry-After`` header in ``headers`` asks for.

    The name is matched whatever its case; the first such header counts.
    None when there is no such header or it says nothing usable.
    """
    if not headers:
        return None
    wanted = HEADER.lower()
    value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return seconds(value, now=now, cap_s=cap_s)


def _until_date(text: str, now: float) -> float | None:
    """Return the seconds from ``now`` until the HTTP date ``text``, or None."""
    try:
        when = email.utils.parsedate_to_datetime(text)
        if when.tzinfo is None:  # the asctime form, or "-0000": HTTP dates are GMT
            when = when.replace(tzinfo=datetime.UTC)
        return when.timestamp() - now
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None
