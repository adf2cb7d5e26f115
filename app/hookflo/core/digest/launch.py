"""Build the digest scheduler the server runs, from the settings and channels.

The digests get channel objects of their own (built from the same plan as
the alerts), so a digest never waits behind a burst of alerts, nor they
behind it.
"""

import dataclasses
import logging
import time
from collections.abc import Callable
from pathlib import Path

from hookflo.core.alerting import channelset
from hookflo.core.alerting.channelset import ChannelPlan
from hookflo.core.alerting.templates import Renderer
from hookflo.core.channels.base import ChannelName
from hookflo.core.digest.scheduler import DigestScheduler
from hookflo.core.digest.settings import DigestSettings

logger = logging.getLogger(__name__)


def digest_channels(
    settings: DigestSettings, active: frozenset[ChannelName]
) -> tuple[ChannelName, ...]:
    """Return where digests go: the chosen channels that are set up.

    With no ``channels`` chosen, every channel that is set up.
    """
    if not settings.channels:
        return tuple(c for c in ChannelName if c in active)
    for name in settings.channels:
        if name not in active:
            logger.warning(
                "Digests are set to go to %s, but that channel is not set up; "
                "they go to the others",
                name,
            )
    return tuple(c for c in settings.channels if c in active)


def build(
    settings: DigestSettings,
    channel_plan: ChannelPlan,
    database_file: Path,
    template_dir: Path | None,
    *,
    clock: Callable[[], float] = time.time,
    on_clicked: Callable[[int], None] | None = None,
) -> DigestScheduler | None:
    """Return the scheduler for ``settings``; None when no digest is scheduled."""
    if not settings.enabled:
        return None
    chosen = frozenset(digest_channels(settings, channel_plan.active))
    plan = dataclasses.replace(channel_plan, active=chosen)
    channels = channelset.build(plan, on_clicked=on_clicked)
    return DigestScheduler(
        database_file,
        settings,
        channels,
        Renderer(template_dir),
        clock=clock,
    )
