"""Turn a period's signup counts into a digest message for each channel.

The message is rendered by the channel's ``digest.j2`` (overridable like
every alert template, values escaped per part). Its variables:

- ``kind`` (``daily`` or ``weekly``), ``heading`` (e.g. "Daily digest: 14
  signups"), ``headline`` (the whole digest as one sentence);
- ``period`` and ``previous_period``: the days covered, in words, and
  ``previous_name`` ("the day before", "the week before");
- ``count``, ``previous`` and ``change`` ("+5", "-2", "no change");
- ``environments`` and ``methods``: lists of counts, each with ``label``,
  ``count`` and ``previous`` (a sign-up method is the OAuth provider's name,
  "Email", "Phone", "Passkey", "Web3 wallet" …);
- ``shown``: the first signups, each with ``name``, ``email``, ``method``,
  ``environment``, ``user_id``, ``event_id``, ``caught_up`` and ``url`` (the
  ``hookflo://event/<id>`` link that opens it in HookFlo); ``more``: how many
  are not listed;
- ``open_hint``: what the links do.
"""

import datetime
import logging
from typing import Any

from hookflo.core.alerting.templates import Rendered, Renderer
from hookflo.core.channels.base import Alert, ChannelName
from hookflo.core.digest.periods import Period
from hookflo.core.digest.settings import Kind
from hookflo.core.digest.signups import SignupStats

logger = logging.getLogger(__name__)

OPEN_HINT = (
    "Each hookflo://event/ link opens that signup in HookFlo on a computer "
    "where HookFlo is installed."
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def context(period: Period, stats: SignupStats, *, names: int) -> dict[str, Any]:
    """Return the variables of ``digest.j2`` for ``period``."""
    previous_first = period.first_day - datetime.timedelta(days=period.days)
    heading = f"{period.kind.value.capitalize()} digest: {_signups(stats.count)}"
    previous_name = "the day before" if period.kind is Kind.DAILY else "the week before"
    label = describe_days(period.first_day, period.days)
    shown = stats.signups[:names]
    return {
        "kind": period.kind.value,
        "heading": heading,
        "headline": (
            f"{_signups(stats.count)} on {label} ({stats.previous} {previous_name})"
            if period.kind is Kind.DAILY
            else f"{_signups(stats.count)} in {label} "
            f"({stats.previous} {previous_name})"
        ),
        "period": label,
        "previous_period": describe_days(previous_first, period.days),
        "previous_name": previous_name,
        "count": stats.count,
        "previous": stats.previous,
        "change": change(stats.count, stats.previous),
        "environments": list(stats.environments),
        "methods": list(stats.methods),
        "shown": list(shown),
        "more": stats.count - len(shown),
        "open_hint": OPEN_HINT,
    }


def alert(
    renderer: Renderer,
    channel: ChannelName,
    period: Period,
    stats: SignupStats,
    *,
    names: int,
) -> tuple[Alert, Rendered]:
    """Render the digest of ``period`` for ``channel``.

    Returns:
        the alert to send, and the rendering (with a template problem, if any).
    """
    values = context(period, stats, names=names)
    rendered = renderer.render_digest(channel, values)
    made = Alert(
        parts=rendered.parts,
        event_ids=tuple(s.event_id for s in values["shown"]),
        dedupe_key=f"digest.{period.kind}.{period.key}.{channel}",
    )
    return made, rendered


def change(count: int, previous: int) -> str:
    """Return the difference as people write it: ``+5``, ``-2``, ``no change``."""
    if count == previous:
        return "no change"
    return f"{count - previous:+d}"


def describe_days(first: datetime.date, days: int) -> str:
    """Return e.g. "Thursday 3 December 2026" or "30 November to 6 December 2026"."""
    if days == 1:
        return f"{_DAYS[first.weekday()]} {_date(first)}"
    last = first + datetime.timedelta(days=days - 1)
    if first.year == last.year:
        return f"{first.day} {_MONTHS[first.month - 1]} to {_date(last)}"
    return f"{_date(first)} to {_date(last)}"


def _date(day: datetime.date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _signups(count: int) -> str:
    return f"{count} signup" if count == 1 else f"{count} signups"
