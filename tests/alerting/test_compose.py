"""TemplateComposer: a summary describes only the events it names."""

import json

import pytest

from hookflo.core.alerting import compose
from hookflo.core.alerting.burst import NAME_LIMITS, SHORT_LIMIT
from hookflo.core.alerting.compose import TemplateComposer
from hookflo.core.alerting.outboxstore import Delivery, OutboxStore, State
from hookflo.core.alerting.templates import HEADING_PARTS, Renderer
from hookflo.core.channels.base import ChannelName
from tests.support.clerk import clerk_body

PRODUCTION_SIGNUPS = [("user.created", "production", False)] * 40


def signup_body(index: int) -> bytes:
    payload = json.loads(clerk_body("user.created"))
    payload["data"]["first_name"] = f"Person{index:03d}"
    payload["data"]["last_name"] = "Example"
    return json.dumps(payload).encode()


def delivery(index: int, event_type, environment, is_test) -> Delivery:
    body = signup_body(index) if event_type != "no-json" else b"not json"
    return Delivery(
        id=index + 1,
        event_id=index + 100,
        channel="desktop",
        state=State("pending"),
        tries=0,
        next_try_at=0.0,
        last_error=None,
        updated_at=0.0,
        first_try_at=None,
        sent_at=None,
        answer=None,
        batch=None,
        event_type=None if event_type in ("no-json", None) else event_type,
        source="clerk",
        environment=environment,
        svix_id=f"msg_{index}",
        received_at=1_700_000_000.0 + index,
        is_test=is_test,
        body=body,
        body_is_json=event_type != "no-json",
    )


@pytest.fixture
def outbox(tmp_path):
    store = OutboxStore(tmp_path / "events.sqlite3")
    yield store
    store.close()


@pytest.fixture
def described(monkeypatch) -> list[int]:
    """Count the events ``compose`` describes."""
    seen: list[int] = []
    real = compose.describe

    def counting(*args, **kwargs):
        seen.append(kwargs["event_id"])
        return real(*args, **kwargs)

    monkeypatch.setattr(compose, "describe", counting)
    return seen


@pytest.mark.parametrize("channel", list(ChannelName))
def test_a_summary_of_500_describes_only_the_events_it_names(
    channel, outbox, described
):
    deliveries = [delivery(i, "user.created", "production", False) for i in range(500)]

    parts = TemplateComposer(None).summary(channel, deliveries, outbox).alert.parts

    assert len(described) == max(NAME_LIMITS[channel], SHORT_LIMIT)
    assert "500 new signups" in parts[HEADING_PARTS[channel]]


MIXES = {
    "signups": PRODUCTION_SIGNUPS,
    "one of them a test": [*PRODUCTION_SIGNUPS, ("user.created", "production", True)],
    "development last": [*PRODUCTION_SIGNUPS, ("user.created", "development", False)],
    "all tests": [("session.created", "development", False)] * 7,
    "types mixed": [*PRODUCTION_SIGNUPS[:5], ("session.created", "production", False)],
    "unknown type": [("custom.thing", "production", False)] * 5,
    "a body without type": [("no-json", "production", False)] * 4,
}


@pytest.mark.parametrize("mix", MIXES)
@pytest.mark.parametrize("channel", list(ChannelName))
def test_a_summary_reads_as_if_every_event_were_described(channel, mix, outbox):
    deliveries = [delivery(i, *kind) for i, kind in enumerate(MIXES[mix])]
    every = [compose._facts(d, outbox) for d in deliveries]

    lazily = TemplateComposer(None).summary(channel, deliveries, outbox).alert.parts

    assert lazily == Renderer(None).render_summary(channel, every).parts


def test_warm_compiles_the_templates_a_signup_and_a_summary_use():
    composer = TemplateComposer(None)
    shipped = composer._renderer._shipped
    assert not shipped.cache

    composer.warm(list(ChannelName))

    compiled = {template.name for template in shipped.cache.values()}
    for channel in ChannelName:
        assert f"{channel}/summary.j2" in compiled
