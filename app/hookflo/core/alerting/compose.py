"""Turns outbox deliveries into alerts: describe the event, render, wrap.

Runs in the outbox's worker thread, so looking up a deleted user's stored
history may read the database.
"""

import logging
from collections.abc import Sequence
from pathlib import Path

from hookflo.core.alerting.describe import EventFacts, describe
from hookflo.core.alerting.outbox import Composed
from hookflo.core.alerting.outboxstore import Delivery, OutboxStore
from hookflo.core.alerting.templates import Renderer
from hookflo.core.channels.base import Alert, ChannelName

logger = logging.getLogger(__name__)


class TemplateComposer:
    """The composer the app uses: default templates, user overrides on top.

    Args:
        override_dir: where the user's templates live (``<config>/templates``).
    """

    def __init__(self, override_dir: Path | None) -> None:
        self._renderer = Renderer(override_dir)

    def single(
        self, channel: ChannelName, delivery: Delivery, outbox: OutboxStore
    ) -> Composed:
        """Render one event for ``channel``."""
        rendered = self._renderer.render(channel, _facts(delivery, outbox))
        alert = Alert(
            parts=rendered.parts,
            event_ids=(delivery.event_id,),
            dedupe_key=f"{delivery.source}.{delivery.svix_id}.{channel}",
            is_test=_is_test(delivery),
        )
        return Composed(alert, rendered.problem)

    def summary(
        self, channel: ChannelName, deliveries: Sequence[Delivery], outbox: OutboxStore
    ) -> Composed:
        """Render a burst of events as one message for ``channel``."""
        facts = [_facts(d, outbox) for d in deliveries]
        rendered = self._renderer.render_summary(channel, facts)
        first, last = deliveries[0], deliveries[-1]
        alert = Alert(
            parts=rendered.parts,
            event_ids=tuple(d.event_id for d in deliveries),
            dedupe_key=f"summary.{channel}.{first.id}-{last.id}.{len(deliveries)}",
            is_test=all(_is_test(d) for d in deliveries),
        )
        return Composed(alert, rendered.problem)


def _is_test(delivery: Delivery) -> bool:
    return delivery.is_test or delivery.environment != "production"


def _facts(delivery: Delivery, outbox: OutboxStore) -> EventFacts:
    return describe(
        delivery.event_type,
        delivery.payload(),
        environment=delivery.environment,
        is_test=delivery.is_test,
        source=delivery.source,
        event_id=delivery.event_id,
        received_at=delivery.received_at,
        lookup_user=outbox.latest_user,
    )
