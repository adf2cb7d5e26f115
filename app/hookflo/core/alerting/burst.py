"""What a summary of many events says: how many, of what, and who.

A summary of 500 events names only a few of them, so only those few need
describing: the count, the types and the test marks come from ``Kind``s,
which the outbox knows without reading the events' bodies.
"""

import dataclasses
from collections.abc import Sequence
from typing import Any

from hookflo.core.alerting.describe import EventFacts
from hookflo.core.channels.base import ChannelName

NAME_LIMITS = {ChannelName.DESKTOP: 3, ChannelName.SLACK: 60, ChannelName.EMAIL: 100}
"""How many events a summary lists by name on each channel; the rest are counted."""

SHORT_LIMIT = 3
"""How many names a one-line summary (a subject, Slack's text) shows."""

TEST_MARK = "TEST · "

_NOUNS = {
    "user.created": ("new signup", "new signups"),
    "user.deleted": ("deleted user", "deleted users"),
    "session.created": ("sign-in", "sign-ins"),
    "organization.created": ("new organization", "new organizations"),
    "organizationMembership.created": ("new member", "new members"),
    "waitlistEntry.created": ("waitlist signup", "waitlist signups"),
}


@dataclasses.dataclass(frozen=True, slots=True)
class Kind:
    """What a summary must know of every event it counts."""

    event_type: str
    environment: str
    marked_test: bool

    @classmethod
    def of(cls, facts: EventFacts) -> "Kind":
        """Return the kind of a described event."""
        return cls(facts.event_type, facts.environment, facts.marked_test)


def heading(title: str, *, marked_test: bool) -> str:
    """Return ``title`` marked as a test when it is one."""
    return f"{TEST_MARK}{title}" if marked_test else title


def context(
    channel: ChannelName,
    events: Sequence[EventFacts],
    kinds: Sequence[Kind] | None = None,
) -> dict[str, Any]:
    """Return the variables of the summary template for ``events``.

    Only the events the summary names are read from ``events`` (it may
    describe each when first read); ``kinds`` says what the others are, in
    the same order (taken from ``events`` when not given).

    Raises:
        ValueError: ``events`` is empty.
    """
    if not events:
        raise ValueError("A summary needs at least one event")
    if kinds is None:
        kinds = [Kind.of(e) for e in events]
    count = len(events)
    limit = NAME_LIMITS[channel]
    every_test = all(k.marked_test for k in kinds)
    named = range(min(count, max(limit, SHORT_LIMIT)))
    names = [
        _label(events[i], mark=kinds[i].marked_test and not every_test) for i in named
    ]
    types = {k.event_type for k in kinds}
    environments = {k.environment for k in kinds}
    title = _title(events, types)
    return {
        "title": title,
        "heading": heading(title, marked_test=every_test),
        "test": every_test,
        "count": count,
        "events": events,
        "shown": list(events[:limit]),
        "names": names[:limit],
        "more": max(0, count - limit),
        "short_names": names[:SHORT_LIMIT],
        "short_more": max(0, count - SHORT_LIMIT),
        "event_type": types.pop() if len(types) == 1 else "",
        "environment": environments.pop() if len(environments) == 1 else "",
    }


def sentence(context: dict[str, Any]) -> str:
    """Return "12 new signups: Ada Example, Bo Li, Cy Ng and 9 more"."""
    names = ", ".join(context["short_names"])
    more = f" and {context['short_more']} more" if context["short_more"] else ""
    return f"{context['title']}: {names}{more}"


def _title(events: Sequence[EventFacts], types: set[str]) -> str:
    count = len(events)
    if len(types) > 1:
        return f"{count} events"
    (event_type,) = types
    if event_type in _NOUNS:
        one, many = _NOUNS[event_type]
        return f"{count} {one if count == 1 else many}"
    return f"{events[0].title} ({count} events)"


def _label(event: EventFacts, *, mark: bool) -> str:
    label = event.name or event.subject
    return f"{label} (TEST)" if mark else label
