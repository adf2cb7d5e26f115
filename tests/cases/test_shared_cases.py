"""The shared failure cases (tests/cases/C*.json) against the real receiver."""

import asyncio
import base64
import hashlib
import hmac
import io
import logging
import time

import pytest

from hookflo.core import clockskew, verify
from hookflo.core.tasks import spawn
from tests.support.cases import load_case, request_headers, resolve_time
from tests.support.clerk import (
    SECRET,
    hmac_signature,
    new_msg_id,
    signed_headers,
    svix_signature,
)
from tests.support.receiverfixtures import make_source

FROZEN = 1735689600


def _raw_hmac(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """Sign over a timestamp string as sent, even one that is not a number."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return (
        "v1,"
        + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    )


@pytest.mark.parametrize("case_id", ["C01", "C02", "C04", "C13"])
def test_frozen_clock_signature_matches_svix_and_plain_hmac(case_id):
    case = load_case(case_id)
    request = case.get("request") or case["request_signed_with_correct_secret"]
    body = request["body"].encode("utf-8")
    sign = request["sign"]
    expected = request["frozen_clock_example"]["signature"]
    assert svix_signature(sign["secret"], sign["msg_id"], FROZEN, body) == expected
    assert hmac_signature(sign["secret"], sign["msg_id"], FROZEN, body) == expected


async def test_c01_raw_bytes_verified_and_stored_byte_identical(make_receiver):
    request = load_case("C01")["request"]
    harness = await make_receiver()
    body = request["body"].encode("utf-8")
    response = await harness.client.post(
        "/webhooks/clerk", data=body, headers=request_headers(request)
    )
    assert 200 <= response.status < 300
    (event,) = harness.events()
    assert event.body == body
    assert event.payload()["data"]["first_name"] == "Zoë"
    assert await harness.attempts() == []


@pytest.mark.expect_log_warnings
async def test_c02_secret_with_v1_prefix_is_refused_as_malformed(make_receiver):
    case = load_case("C02")
    request = case["request_signed_with_correct_secret"]
    body = request["body"].encode("utf-8")
    forced = await make_receiver(secrets={"clerk": [case["secret_as_entered_by_user"]]})
    response = await forced.client.post(
        "/webhooks/clerk", data=body, headers=request_headers(request)
    )
    assert response.status == 401
    assert forced.events() == []
    (attempt,) = await forced.attempts()
    assert attempt.reason == "secret_malformed"
    assert "signature mismatch" in attempt.message.lower()
    assert "malformed" in attempt.message

    correct = await make_receiver(secrets={"clerk": [case["correct_secret"]]})
    response = await correct.client.post(
        "/webhooks/clerk", data=body, headers=request_headers(request)
    )
    assert 200 <= response.status < 300
    assert len(correct.events()) == 1


@pytest.mark.expect_log_warnings
@pytest.mark.parametrize("variant", range(5))
async def test_c04_pasted_secret_never_causes_a_500(make_receiver, variant, caplog):
    case = load_case("C04")
    pasted = case["secrets_as_pasted"][variant]["value"]
    request = case["request"]
    harness = await make_receiver(secrets={"clerk": [pasted]})
    body = request["body"].encode("utf-8")
    response = await harness.client.post(
        "/webhooks/clerk", data=body, headers=request_headers(request)
    )
    if pasted.strip() == SECRET:
        assert 200 <= response.status < 300
        assert len(harness.events()) == 1
    else:
        assert response.status == 401
        assert harness.events() == []
        (attempt,) = await harness.attempts()
        assert attempt.reason == "secret_malformed"
        assert pasted.strip().strip('"') not in attempt.hint
    assert pasted.strip().strip('"') not in caplog.text


async def test_c06_standard_webhooks_headers_accepted_and_deduped(make_receiver):
    case = load_case("C06")
    harness = await make_receiver()
    first, retry = case["requests_in_order"]
    statuses = []
    for request in (first, retry):
        response = await harness.client.post(
            "/webhooks/clerk",
            data=request["body"].encode("utf-8"),
            headers=request_headers(request),
        )
        statuses.append((response.status, (await response.json())["status"]))
    assert statuses == [(200, "stored"), (200, "duplicate")]
    (event,) = harness.events()
    assert event.svix_id == first["headers"]["webhook-id"]

    partial = {
        k: v
        for k, v in request_headers(first).items()
        if k in case["partial_headers_variant"]["headers_present"]
    }
    partial["webhook-id"] = new_msg_id()
    response = await harness.client.post(
        "/webhooks/clerk", data=first["body"].encode("utf-8"), headers=partial
    )
    assert response.status == 401
    assert len(harness.events()) == 1
    (attempt,) = await harness.attempts()
    assert attempt.message == "Missing signature header"


@pytest.mark.parametrize("variant", range(5))
async def test_c07_rotation_and_several_signatures(make_receiver, variant):
    case = load_case("C07")
    spec = case["variants"][variant]
    secrets = [case["secrets"][name] for name in spec["configured"]]
    harness = await make_receiver(secrets={"clerk": secrets})
    body = case["body"].encode("utf-8")
    now = str(int(time.time()))
    bare = {
        label: svix_signature(
            case["secrets"][name], case["msg_id"], int(now), body
        ).removeprefix("v1,")
        for label, name in (("A", "A_old"), ("B", "B_new"))
    }
    header = spec["svix-signature"].replace("${SIG:A}", bare["A"])
    header = header.replace("${SIG:B}", bare["B"])
    headers = {
        "svix-id": case["msg_id"],
        "svix-timestamp": now,
        "svix-signature": header,
        "content-type": "application/json",
    }
    response = await harness.client.post("/webhooks/clerk", data=body, headers=headers)
    expected = spec["expect_status"]
    if expected == "2xx":
        assert 200 <= response.status < 300
        assert len(harness.events()) == 1
    elif expected == 401:
        assert response.status == 401
        assert harness.events() == []
    else:  # "2xx or 401, but never 500"
        assert response.status in {200, 401}


@pytest.mark.expect_log_warnings
@pytest.mark.parametrize("variant", range(7))
async def test_c08_timestamp_window(make_receiver, variant):
    case = load_case("C08")
    template = case["request_template"]
    spec = case["variants"][variant]
    harness = await make_receiver()
    body = template["body"].encode("utf-8")
    msg_id = new_msg_id()
    stamp = resolve_time(spec["svix-timestamp"])
    headers = {
        "svix-id": msg_id,
        "svix-timestamp": stamp,
        "svix-signature": _raw_hmac(template["sign"]["secret"], msg_id, stamp, body),
        "content-type": "application/json",
    }
    response = await harness.client.post("/webhooks/clerk", data=body, headers=headers)
    if spec["expect_status"] == "2xx":
        assert 200 <= response.status < 300
        assert len(harness.events()) == 1
        return
    assert response.status == 401
    assert harness.events() == []
    (attempt,) = await harness.attempts()
    assert "timestamp" in attempt.reason
    assert "timestamp" in attempt.hint.lower()


@pytest.mark.expect_log_warnings
async def test_c08_clock_seven_minutes_slow_warns_once(
    make_receiver, caplog, monkeypatch
):
    monkeypatch.setattr(verify, "_last_skew_warning", 0.0)
    monkeypatch.setattr(verify, "_skew", clockskew.SkewEvidence())
    harness = await make_receiver()
    body = load_case("C08")["request_template"]["body"].encode("utf-8")
    ahead = int(time.time()) + 7 * 60  # Clerk's clock, as seen from a slow laptop
    for _ in range(5):
        headers = signed_headers(body, timestamp=ahead)
        response = await harness.client.post(
            "/webhooks/clerk", data=body, headers=headers
        )
        assert response.status == 401
    attempts = await harness.attempts()
    assert {a.reason for a in attempts} == {"timestamp_too_new"}
    # Two deliveries could come from a sender whose clock is ahead; from the
    # third on, this machine's clock is wrong.
    hints = [a.hint for a in sorted(attempts, key=lambda a: a.id)]
    assert all("sending machine's clock is ahead" in h for h in hints[:2])
    assert all("clock looks wrong" in h for h in hints[2:])
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "clock" in warnings[0].getMessage()
    assert "7 min" in warnings[0].getMessage()


async def test_c13_answer_does_not_wait_for_slow_listeners(make_receiver):
    request = load_case("C13")["request"]
    harness = await make_receiver()
    hung: list[asyncio.Task] = []

    def slow_channel(event_id, event):
        hung.append(spawn(asyncio.sleep(20), name=f"slow-channel-{event_id}"))

    harness.writer.listeners.append(slow_channel)
    body = request["body"].encode("utf-8")
    for msg_id in (request["sign"]["msg_id"], new_msg_id()):
        headers = signed_headers(body, request["sign"]["secret"], msg_id=msg_id)
        started = time.monotonic()
        response = await harness.client.post(
            "/webhooks/clerk", data=body, headers=headers
        )
        assert 200 <= response.status < 300
        assert time.monotonic() - started < 1.0
    assert len(harness.events()) == 2
    assert len(hung) == 2
    assert not any(t.done() for t in hung)
    for task in hung:
        task.cancel()


async def test_c14_dev_event_on_prod_path_refused_dev_path_stored(make_receiver):
    case = load_case("C14")
    sources = [
        make_source(s["name"], s["environment"], s["path"])
        for s in case["config"]["sources"]
    ]
    secrets = {s["name"]: s["secrets"] for s in case["config"]["sources"]}
    harness = await make_receiver(sources=sources, secrets=secrets)
    wrong, right = case["requests"]
    response = await harness.client.post(
        wrong["path"],
        data=wrong["body"].encode("utf-8"),
        headers=request_headers(wrong),
    )
    assert response.status == 401
    assert harness.events() == []
    (attempt,) = await harness.attempts()
    assert "'clerk-dev'" in attempt.hint

    response = await harness.client.post(
        right["path"],
        data=right["body"].encode("utf-8"),
        headers=request_headers(right),
    )
    assert 200 <= response.status < 300
    (event,) = harness.events()
    assert (event.source, event.environment) == ("clerk-dev", "development")


async def test_c17_oversized_bodies_refused_then_normal_event_accepted(make_receiver):
    case = load_case("C17")
    sized, chunked, truncated, _normal = case["requests"]
    harness = await make_receiver()

    response = await harness.client.post(
        "/webhooks/clerk",
        data=io.BytesIO(b"x" * (2 * 1024 * 1024)),
        headers={k: resolve_time(v) for k, v in sized["headers"].items()},
    )
    assert response.status == 413

    async def chunks():
        for _ in range(40):
            yield b"x" * (64 * 1024)

    headers = {
        k: resolve_time(v)
        for k, v in chunked["headers"].items()
        if k != "transfer-encoding"
    }
    response = await harness.client.post(
        "/webhooks/clerk", data=chunks(), headers=headers
    )
    assert response.status == 413

    response = await harness.client.post(
        "/webhooks/clerk",
        data=truncated["body"].encode("utf-8"),
        headers={"content-type": "application/json"},
    )
    assert response.status == 400

    body = load_case("C13")["request"]["body"].encode("utf-8")
    response = await harness.client.post(
        "/webhooks/clerk", data=body, headers=signed_headers(body)
    )
    assert 200 <= response.status < 300
    assert len(harness.events()) == 1
    attempts = await harness.attempts()
    assert sorted(a.reason for a in attempts) == [
        "body_too_large",
        "body_too_large",
        "missing_headers",
    ]
    assert all(a.status != 500 for a in attempts)
