"""Turns outbox deliveries into alerts: describe the event, render, wrap.

Runs in the outbox's worker thread, so looking up a deleted user's stored
history may read the database. A summary describes only the events it names.
"""

import logging
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import overload

from hookflo.core import samples
from hookflo.core.alerting.burst import Kind
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
        facts = _FactsOnDemand(deliveries, outbox)
        kinds = [_kind(d, facts, i) for i, d in enumerate(deliveries)]
        rendered = self._renderer.render_summary(channel, facts, kinds)
        first, last = deliveries[0], deliveries[-1]
        alert = Alert(
            parts=rendered.parts,
            event_ids=tuple(d.event_id for d in deliveries),
            dedupe_key=f"summary.{channel}.{first.id}-{last.id}.{len(deliveries)}",
            is_test=all(_is_test(d) for d in deliveries),
        )
        return Composed(alert, rendered.problem)

    def warm(self, channels: Iterable[ChannelName]) -> None:
        """Load and compile the templates of a signup and of a summary.

        The first alert after a start then costs what any other does.
        """
        started = time.perf_counter()
        facts = describe(
            "user.created",
            samples.sample_payload("user.created"),
            environment="production",
            is_test=False,
            source="",
            event_id=0,
            received_at=time.time(),
        )
        for channel in channels:
            self._renderer.render(channel, facts)
            self._renderer.render_summary(channel, [facts, facts])
        logger.debug(
            "Templates ready in %.0f ms", 1000 * (time.perf_counter() - started)
        )


class _FactsOnDemand(Sequence[EventFacts]):
    """The facts of each delivery, described when first read."""

    def __init__(self, deliveries: Sequence[Delivery], outbox: OutboxStore) -> None:
        self._deliveries = deliveries
        self._outbox = outbox
        self._facts: dict[int, EventFacts] = {}

    def __len__(self) -> int:
        return len(self._deliveries)

    @overload
    def __getitem__(self, index: int) -> EventFacts: ...

    @overload
    def __getitem__(self, index: slice) -> list[EventFacts]: ...

    def __getitem__(self, index: int | slice) -> EventFacts | list[EventFacts]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        position = range(len(self))[index]  # IndexError past the end
        if position not in self._facts:
            delivery = self._deliveries[position]
            self._facts[position] = _facts(delivery, self._outbox)
        return self._facts[position]


def _kind(delivery: Delivery, facts: _FactsOnDemand, position: int) -> Kind:
    if delivery.event_type is None:  # the type is then read from the body
        return Kind.of(facts[position])
    environment = delivery.environment
    marked_test = delivery.is_test or environment != "production"
    return Kind(delivery.event_type, environment, marked_test)


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
