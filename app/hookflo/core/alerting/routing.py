"""Which channels an event goes to: the first rule that matches decides.

Rules come from ``[[routes]]`` in ``config.toml`` (or the defaults in
``alertconfig``). A rule matches an event when its environment is unset or
equal to the source's, and one of its event patterns matches the type:
``*`` matches everything, ``user.*`` every ``user.…`` type, anything else
the exact type. Channels that are not set up are dropped from the answer.
"""

import logging
from collections.abc import Collection, Sequence

from hookflo.core.alertconfig import Route
from hookflo.core.channels.base import ChannelName

logger = logging.getLogger(__name__)


def pattern_matches(pattern: str, event_type: str) -> bool:
    """Return True if ``pattern`` (``*``, ``user.*`` or a type) matches."""
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def channels_for(
    routes: Sequence[Route],
    *,
    environment: str,
    event_type: str | None,
    active: Collection[ChannelName],
) -> tuple[ChannelName, ...]:
    """Return the active channels the first matching rule names."""
    kind = event_type or ""
    route = first_match(routes, environment=environment, event_type=kind)
    if route is None:
        return ()
    chosen = tuple(c for c in route.channels if c in active)
    logger.debug(
        "%s event %s goes to %s",
        environment,
        kind or "(untyped)",
        ", ".join(chosen) or "no channel",
    )
    return chosen


def first_match(
    routes: Sequence[Route], *, environment: str, event_type: str
) -> Route | None:
    """Return the rule that decides where an event goes, None if none matches."""
    for route in routes:
        if route.environment not in (None, environment):
            continue
        if any(pattern_matches(p, event_type) for p in route.events):
            return route
    return None
