"""Routing as a grid: for each environment, which channels each event type uses.

Qt-free; the settings dialog shows the grid and saves what it returns. The
grid is read from the rules by asking the router (so patterns and rules
without an environment show as what they do), and written back as one rule
per group of types that differ from the "any other event" row, then a ``*``
rule for that row, per environment.
"""

from collections.abc import Iterable, Mapping, Sequence

from hookflo.core import samples
from hookflo.core.alertconfig import EVENT_PATTERN, Route
from hookflo.core.alerting import routing
from hookflo.core.channels.base import ChannelName
from hookflo.core.config import Environment

ANY_OTHER = "*"
"""The row for every event type not listed."""

_UNLISTED_PROBE = "unlisted.event"

Grid = dict[str, frozenset[ChannelName]]
"""Channels per event type (and ``ANY_OTHER``) for one environment."""


def event_types(routes: Iterable[Route]) -> list[str]:
    """Return the rows: every type HookFlo has a sample of, and those routed."""
    named = {
        pattern
        for route in routes
        for pattern in route.events
        if pattern != ANY_OTHER and not pattern.endswith(".*")
    }
    return sorted(set(samples.event_types()) | named)


def grid_from_routes(
    routes: Sequence[Route], environment: Environment, types: Sequence[str]
) -> Grid:
    """Return what the rules send where, for the listed types and any other."""
    every = set(ChannelName)
    grid: Grid = {}
    for row in (*types, ANY_OTHER):
        probe = _UNLISTED_PROBE if row == ANY_OTHER else row
        chosen = routing.channels_for(
            routes, environment=environment.value, event_type=probe, active=every
        )
        grid[row] = frozenset(chosen)
    return grid


def routes_from_grid(grids: Mapping[Environment, Grid]) -> tuple[Route, ...]:
    """Return rules that route as ``grids`` say, production first.

    Raises:
        ValueError: a row is not an event type, or a grid lacks ``ANY_OTHER``.
    """
    routes: list[Route] = []
    for environment in (Environment.PRODUCTION, Environment.DEVELOPMENT):
        grid = grids.get(environment)
        if grid is None:
            continue
        if ANY_OTHER not in grid:
            raise ValueError(f"The {environment} grid has no {ANY_OTHER!r} row")
        other = grid[ANY_OTHER]
        groups: dict[frozenset[ChannelName], list[str]] = {}
        for row, channels in grid.items():
            if row == ANY_OTHER or channels == other:
                continue
            if not EVENT_PATTERN.match(row):
                raise ValueError(f"Not an event type: {row!r}")
            groups.setdefault(channels, []).append(row)
        for channels, rows in groups.items():
            routes.append(Route(tuple(rows), _ordered(channels), environment.value))
        routes.append(Route((ANY_OTHER,), _ordered(other), environment.value))
    return tuple(routes)


def _ordered(channels: frozenset[ChannelName]) -> tuple[ChannelName, ...]:
    return tuple(c for c in ChannelName if c in channels)
