"""Which channels the catch-up's events go to.

Caught-up users get no alert each: one summary per source says what was
missed. The summary goes where the events it sums up would have gone: the
channels of the first ``[[routes]]`` rule matching ``user.created`` when it
counts signups, and of the one matching ``user.updated`` when it counts
updated users.
"""

import logging
from collections.abc import Collection, Sequence

from hookflo.core.alertconfig import Route
from hookflo.core.alerting import jsonread, routing
from hookflo.core.catchup.newevents import SUMMARY_TYPE
from hookflo.core.channels.base import ChannelName
from hookflo.core.eventwriter import NewEvent

logger = logging.getLogger(__name__)


def channels_for(
    routes: Sequence[Route], event: NewEvent, active: Collection[ChannelName]
) -> tuple[ChannelName, ...]:
    """Return the channels a caught-up event is delivered to."""
    if event.type != SUMMARY_TYPE:
        return ()
    data = jsonread.mapping(jsonread.loads_mapping(event.body).get("data"))
    kinds = [
        kind
        for kind, key in (("user.created", "created"), ("user.updated", "updated"))
        if data.get(key)
    ]
    chosen: list[ChannelName] = []
    for kind in kinds:
        for channel in routing.channels_for(
            routes, environment=event.environment, event_type=kind, active=active
        ):
            if channel not in chosen:
                chosen.append(channel)
    logger.debug("The catch-up summary goes to %s", ", ".join(chosen) or "nothing")
    return tuple(chosen)
