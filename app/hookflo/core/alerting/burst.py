"""What a summary of many events says: how many, of what, and who.

The heading counts each kind in plain words, most important first ("3 new
signups, 1 account locked, 3 updates"); names are listed per kind, each kind
named in turn so none hides behind another. A summary of 500 events names
only a few of them, so only those few need describing: the counts, the types
and the test marks come from ``Kind``s, which the outbox knows without
reading the events' bodies. A catch-up's summary event is described by its
own counts, never listed as a name.
"""

import collections
import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from hookflo.core.alerting.describe import EventFacts
from hookflo.core.channels.base import ChannelName

NAME_LIMITS = {ChannelName.DESKTOP: 3, ChannelName.SLACK: 60, ChannelName.EMAIL: 100}
"""How many events a summary lists by name on each channel; the rest are counted."""

SHORT_LIMIT = 3
"""How many names a one-line summary (a subject, Slack's text) shows."""

TEST_MARK = "TEST · "

# How a summary counts each type, most important first: signups, then what
# an account owner should look at, then the rest. Other types are "other
# events", unless a summary holds nothing else.
_NOUNS = {
    "user.created": ("new signup", "new signups"),
    "user.banned": ("account banned", "accounts banned"),
    "user.locked": ("account locked", "accounts locked"),
    "user.two_factor_disabled": ("two-factor turned off", "two-factor turned off"),
    "user.password_removed": ("password removed", "passwords removed"),
    "user.deleted": ("deleted user", "deleted users"),
    "user.email_verified": ("email verified", "emails verified"),
    "user.phone_verified": ("phone verified", "phones verified"),
    "user.email_added": ("email added", "emails added"),
    "user.phone_added": ("phone added", "phones added"),
    "user.password_set": ("password set", "passwords set"),
    "user.two_factor_enabled": ("two-factor turned on", "two-factor turned on"),
    "user.unlocked": ("account unlocked", "accounts unlocked"),
    "user.unbanned": ("account unbanned", "accounts unbanned"),
    "user.renamed": ("name changed", "names changed"),
    "session.created": ("sign-in", "sign-ins"),
    "organization.created": ("new organization", "new organizations"),
    "organizationMembership.created": ("new member", "new members"),
    "waitlistEntry.created": ("waitlist signup", "waitlist signups"),
    "user.updated": ("update", "updates"),
}
_OTHERS = ("other event", "other events")
_TIMES = "\u00d7"  # the multiplication sign, before how often a name repeats
# Events HookFlo writes to sum up others (the catch-up's "hookflo.caught_up"):
# they are described by their own counts, never listed as a name.
_SUMMARY_FAMILY = "hookflo"


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


@dataclasses.dataclass(frozen=True, slots=True)
class Group:
    """The events of one kind in a summary.

    Attributes:
        label: the kind counted in words ("3 new signups").
        names: who the named ones are, a repeated name once with its count
            ("Robert Seq" and the times sign, 3); none for a catch-up's
            summary.
        more: how many of this kind go unnamed.
        shown: the events of this kind the channel lists.
        summary: it is a catch-up's summary, which speaks for itself.
    """

    label: str
    names: tuple[str, ...]
    more: int
    shown: tuple[EventFacts, ...]
    summary: bool = False


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
    describe each when first read), and any catch-up summaries among them;
    ``kinds`` says what the others are, in the same order (taken from
    ``events`` when not given).

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
    positions = _by_kind(kinds)
    named = _take_turns(positions, limit)
    short = _take_turns(positions, SHORT_LIMIT)

    def label(i: int) -> str:
        return _label(events[i], mark=kinds[i].marked_test and not every_test)

    groups = [
        _group(key, found, named.get(key, []), events, label)
        for key, found in positions.items()
    ]
    nameable = sum(len(v) for k, v in positions.items() if not _is_summary(k))
    types = {k.event_type for k in kinds}
    environments = {k.environment for k in kinds}
    title = _title(events, groups, list(positions), types)
    flat = [i for key in positions for i in named.get(key, [])]
    flat_short = [i for key in positions for i in short.get(key, [])]
    return {
        "title": title,
        "heading": heading(title, marked_test=every_test),
        "test": every_test,
        "count": count,
        "events": events,
        "groups": groups,
        "shown": [event for group in groups for event in group.shown],
        "names": [label(i) for i in flat],
        "more": nameable - len(flat),
        "short_names": _collapsed([label(i) for i in flat_short]),
        "short_more": nameable - len(flat_short),
        "event_type": types.pop() if len(types) == 1 else "",
        "environment": environments.pop() if len(environments) == 1 else "",
    }


def sentence(context: dict[str, Any]) -> str:
    """Return "12 new signups: Ada Example, Bo Li, Cy Ng and 9 more"."""
    names = ", ".join(context["short_names"])
    more = f" and {context['short_more']} more" if context["short_more"] else ""
    return f"{context['title']}: {names}{more}" if names else context["title"]


def _by_kind(kinds: Sequence[Kind]) -> dict[str, list[int]]:
    """Return the positions of each kind, most important kind first.

    A summary event is a kind of its own, keyed by its position.
    """
    found: dict[str, list[int]] = {}
    for position, kind in enumerate(kinds):
        key = kind.event_type
        if _is_summary(key):
            key = f"{key}#{position}"
        elif key not in _NOUNS:
            key = ""
        found.setdefault(key, []).append(position)
    order = {key: rank for rank, key in enumerate(_NOUNS)}
    return dict(sorted(found.items(), key=lambda item: _rank(item[0], order)))


def _rank(key: str, order: dict[str, int]) -> float:
    if _is_summary(key):
        return 0.5  # what a catch-up found comes right after the signups
    return order.get(key, len(order))


def _is_summary(key: str) -> bool:
    return key.partition(".")[0] == _SUMMARY_FAMILY


def _take_turns(positions: dict[str, list[int]], limit: int) -> dict[str, list[int]]:
    """Return which events to name: one of each kind in turn, up to ``limit``.

    So a locked account is named even in a summary led by many signups.
    """
    taken: dict[str, list[int]] = {}
    queues = [(k, v) for k, v in positions.items() if not _is_summary(k)]
    total, turn = 0, 0
    while total < limit and any(turn < len(v) for _, v in queues):
        for key, found in queues:
            if turn < len(found) and total < limit:
                taken.setdefault(key, []).append(found[turn])
                total += 1
        turn += 1
    return taken


def _group(
    key: str,
    found: list[int],
    named: list[int],
    events: Sequence[EventFacts],
    label: Callable[[int], str],
) -> Group:
    if _is_summary(key):
        summary = events[found[0]]
        said = " ".join(p for p in (summary.subject, summary.predicate) if p)
        return Group(said or summary.title, (), 0, (summary,), summary=True)
    one, many = _NOUNS.get(key, _OTHERS)
    counted = f"{len(found)} {one if len(found) == 1 else many}"
    names = _collapsed([label(i) for i in named])
    return Group(
        counted, tuple(names), len(found) - len(named), tuple(events[i] for i in named)
    )


def _collapsed(names: list[str]) -> list[str]:
    """Return ``names`` with a repeated one said once, with its count."""
    counts = collections.Counter(names)
    return [
        f"{name} {_TIMES}{counts[name]}" if counts[name] > 1 else name
        for name in dict.fromkeys(names)
    ]


def _title(
    events: Sequence[EventFacts],
    groups: Sequence[Group],
    keys: Sequence[str],
    types: set[str],
) -> str:
    if list(keys) == [""]:  # only types HookFlo has no noun for
        if len(types) == 1:
            return f"{events[0].title} ({len(events)} events)"
        return f"{len(events)} events"
    return ", ".join(group.label for group in groups)


def _label(event: EventFacts, *, mark: bool) -> str:
    label = event.name or event.subject
    return f"{label} (TEST)" if mark else label
