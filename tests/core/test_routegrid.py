"""The routing grid: read from rules, written back as rules that route the same."""

from hookflo.core import alertconfig, routegrid
from hookflo.core.alertconfig import Route
from hookflo.core.alerting import routing
from hookflo.core.channels.base import ChannelName
from hookflo.core.config import Environment

D, S, E = ChannelName.DESKTOP, ChannelName.SLACK, ChannelName.EMAIL
PROD, DEV = Environment.PRODUCTION, Environment.DEVELOPMENT


def test_default_rules_read_as_signups_everywhere_and_the_rest_on_the_desktop():
    routes = alertconfig.default_routes()
    types = routegrid.event_types(routes)
    prod = routegrid.grid_from_routes(routes, PROD, types)
    dev = routegrid.grid_from_routes(routes, DEV, types)
    assert prod["user.created"] == {D, S, E}
    assert prod["session.created"] == {D}
    assert prod[routegrid.ANY_OTHER] == {D}
    assert set(dev.values()) == {frozenset({D})}


def test_rules_from_a_grid_route_every_type_as_the_grid_says():
    types = ["user.created", "user.deleted", "session.created"]
    grids = {
        PROD: {
            "user.created": frozenset({S, E}),
            "user.deleted": frozenset({S, E}),
            "session.created": frozenset(),
            routegrid.ANY_OTHER: frozenset({D}),
        },
        DEV: {t: frozenset({D}) for t in [*types, routegrid.ANY_OTHER]},
    }
    routes = routegrid.routes_from_grid(grids)
    assert routes[0] == Route(("user.created", "user.deleted"), (S, E), "production")
    for environment, grid in grids.items():
        assert routegrid.grid_from_routes(routes, environment, types) == grid
        assert routing.channels_for(
            routes,
            environment=environment.value,
            event_type="x.y",
            active=set(ChannelName),
        ) == tuple(c for c in ChannelName if c in grid[routegrid.ANY_OTHER])


def test_patterns_and_rules_without_environment_show_what_they_do():
    routes = (Route(("user.*",), (E,), None), Route(("*",), (), "production"))
    prod = routegrid.grid_from_routes(routes, PROD, ["user.updated", "role.created"])
    assert prod == {
        "user.updated": {E},
        "role.created": frozenset(),
        routegrid.ANY_OTHER: frozenset(),
    }
    assert "user.*" not in routegrid.event_types(routes)
