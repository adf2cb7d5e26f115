"""Build ``EventFacts`` from fixture bodies and case requests, for alert tests."""

import json
from typing import Any

from hookflo.core import samples
from hookflo.core.alerting.describe import EventFacts, describe
from hookflo.core.alerting.draft import Lookup
from tests.support.cases import load_case

RECEIVED = 1735689600.0  # 2025-01-01 00:00 UTC


def facts_of(
    payload: object,
    *,
    event_type: str | None = None,
    environment: str = "production",
    is_test: bool = False,
    event_id: int = 1,
    lookup_user: Lookup | None = None,
) -> EventFacts:
    """Describe ``payload`` as if it had just been stored."""
    if event_type is None and isinstance(payload, dict):
        found = payload.get("type")
        event_type = found if isinstance(found, str) else None
    return describe(
        event_type,
        payload,
        environment=environment,
        is_test=is_test,
        source="clerk",
        event_id=event_id,
        received_at=RECEIVED,
        lookup_user=lookup_user,
    )


def sample(event_type: str) -> dict[str, Any]:
    """Return the shipped fixture body of ``event_type``, parsed."""
    parsed: dict[str, Any] = json.loads(samples.sample_body(event_type))
    return parsed


def case_payloads(case_id: str) -> list[dict[str, Any]]:
    """Return the parsed bodies of a shared case's requests, in order."""
    case = load_case(case_id)
    return [json.loads(request["body"]) for request in case["requests_in_order"]]
