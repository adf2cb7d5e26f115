"""The clock warning needs several different deliveries, not one replay."""

import logging
import time

import pytest

from hookflo.core import clockskew, verify
from hookflo.core.clockskew import SkewEvidence
from tests.support.clerk import clerk_body, new_msg_id, signed_headers


class Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_request_sent_again_and_again_proves_nothing():
    evidence = SkewEvidence(clock=Ticker())
    assert not any(evidence.add("msg_1", "1700000000", 900.0) for _ in range(10))


def test_three_different_requests_off_by_the_same_amount_prove_it():
    evidence = SkewEvidence(clock=Ticker())
    assert not evidence.add("msg_1", "1700000000", 420.0)
    assert not evidence.add("msg_1", "1700000030", 425.0)  # Svix's retry
    assert evidence.add("msg_2", "1700000060", 418.0)


def test_replays_of_old_deliveries_disagree_and_prove_nothing():
    evidence = SkewEvidence(clock=Ticker())
    assert not evidence.add("msg_1", "1700000000", 3 * 3600.0)
    assert not evidence.add("msg_2", "1700009000", 40 * 60.0)
    assert not evidence.add("msg_3", "1700012000", 9 * 60.0)
    assert not evidence.add("msg_4", "1700013000", -20 * 60.0)


def test_old_sightings_are_forgotten():
    ticker = Ticker()
    evidence = SkewEvidence(clock=ticker)
    evidence.add("msg_1", "1", 400.0)
    evidence.add("msg_2", "2", 400.0)
    ticker.now += clockskew.MEMORY_S + 1
    assert not evidence.add("msg_3", "3", 400.0)


@pytest.fixture
def fresh_evidence(monkeypatch):
    monkeypatch.setattr(verify, "_last_skew_warning", 0.0)
    monkeypatch.setattr(verify, "_skew", SkewEvidence())


@pytest.mark.usefixtures("fresh_evidence")
async def test_a_replayed_request_never_warns_about_the_clock(make_receiver, caplog):
    harness = await make_receiver()
    body = clerk_body()
    stale = signed_headers(body, msg_id=new_msg_id(), timestamp=int(time.time()) - 3600)
    for _ in range(4):
        response = await harness.client.post(
            "/webhooks/clerk", data=body, headers=stale
        )
        assert response.status == 401
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    attempts = await harness.attempts()
    assert {a.reason for a in attempts} == {"timestamp_too_old"}
    for attempt in attempts:
        assert "an old delivery sent again" in attempt.hint
        assert "clock looks wrong" not in attempt.hint
