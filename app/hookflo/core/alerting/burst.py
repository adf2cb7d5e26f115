"""What a summary of many events says: how many, of what, and who."""

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


def heading(title: str, *, marked_test: bool) -> str:
    """Return ``title`` marked as a test when it is one."""
    return f"{TEST_MARK}{title}" if marked_test else title


def context(channel: ChannelName, events: Sequence[EventFacts]) -> dict[str, Any]:
    """Return the variables of the summary template for ``events``.

    Raises:
        ValueError: ``events`` is empty.
    """
    if not events:
        raise ValueError("A summary needs at least one event")
    count = len(events)
    limit = NAME_LIMITS[channel]
    every_test = all(e.marked_test for e in events)
    names = [_label(e, mark=e.marked_test and not every_test) for e in events]
    types = {e.event_type for e in events}
    environments = {e.environment for e in events}
    title = _title(events)
    return {
        "title": title,
        "heading": heading(title, marked_test=every_test),
        "test": every_test,
        "count": count,
        "events": list(events),
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


def _title(events: Sequence[EventFacts]) -> str:
    count = len(events)
    types = {e.event_type for e in events}
    if len(types) > 1:
        return f"{count} events"
    only = events[0]
    if only.event_type in _NOUNS:
        one, many = _NOUNS[only.event_type]
        return f"{count} {one if count == 1 else many}"
    return f"{only.title} ({count} events)"


def _label(event: EventFacts, *, mark: bool) -> str:
    label = event.name or event.subject
    return f"{label} (TEST)" if mark else label
