"""The receiver, in-process on aiohttp's test server with a real SQLite store."""

import asyncio
import json
import time

import pytest

from tests.support.clerk import (
    DEV_SECRET,
    SECRET,
    SECRET_B,
    clerk_body,
    new_msg_id,
    signed_headers,
)
from tests.support.receiverfixtures import make_source


async def test_signed_event_is_stored_and_answered_200(make_receiver):
    harness = await make_receiver()
    body = clerk_body("user.created")
    headers = signed_headers(body)
    response = await harness.client.post("/webhooks/clerk", data=body, headers=headers)
    assert response.status == 200
    assert await response.json() == {"status": "stored"}
    (event,) = harness.events()
    assert event.svix_id == headers["svix-id"]
    assert event.type == "user.created"
    assert event.environment == "production"
    assert event.body == body
    assert not event.is_test


async def test_same_message_id_twice_stores_once(make_receiver):
    harness = await make_receiver()
    body = clerk_body()
    headers = signed_headers(body)
    first = await harness.client.post("/webhooks/clerk", data=body, headers=headers)
    again = await harness.client.post("/webhooks/clerk", data=body, headers=headers)
    assert (first.status, again.status) == (200, 200)
    assert await again.json() == {"status": "duplicate"}
    assert len(harness.events()) == 1


async def test_wrong_secret_is_401_and_nothing_stored(make_receiver):
    harness = await make_receiver()
    body = clerk_body()
    headers = signed_headers(body, SECRET_B)
    response = await harness.client.post("/webhooks/clerk", data=body, headers=headers)
    assert response.status == 401
    assert (await response.json())["error"] == "signature_mismatch"
    assert harness.events() == []
    (attempt,) = await harness.attempts()
    assert attempt.reason == "signature_mismatch"
    assert attempt.svix_id == headers["svix-id"]
    assert "hookflo secret set clerk" in attempt.hint


async def test_refused_requests_are_reported_to_attempt_listeners(make_receiver):
    harness = await make_receiver()
    heard = []
    harness.writer.attempt_listeners.append(heard.append)
    body = clerk_body()
    headers = signed_headers(body, SECRET_B)
    await harness.client.post("/webhooks/clerk", data=body, headers=headers)
    await harness.writer.flush()
    await asyncio.sleep(0)
    assert [(a.reason, a.svix_id) for a in heard] == [
        ("signature_mismatch", headers["svix-id"])
    ]


async def test_header_names_match_in_any_letter_case(make_receiver):
    harness = await make_receiver()
    body = clerk_body()
    headers = {k.upper(): v for k, v in signed_headers(body).items()}
    response = await harness.client.post("/webhooks/clerk", data=body, headers=headers)
    assert response.status == 200


@pytest.mark.parametrize(
    ("timestamp_offset", "status", "reason"),
    [
        (0, 200, None),
        (-299, 200, None),
        (299, 200, None),
        (-301, 401, "timestamp_too_old"),
        (301, 401, "timestamp_too_new"),
    ],
)
@pytest.mark.expect_log_warnings
async def test_five_minute_tolerance_both_ways(
    make_receiver, timestamp_offset, status, reason
):
    harness = await make_receiver()
    body = clerk_body()
    headers = signed_headers(body, timestamp=int(time.time()) + timestamp_offset)
    response = await harness.client.post("/webhooks/clerk", data=body, headers=headers)
    assert response.status == status
    if reason:
        (attempt,) = await harness.attempts()
        assert attempt.reason == reason
        assert "clock" in attempt.hint


async def test_unknown_source_is_404_and_recorded(make_receiver):
    harness = await make_receiver()
    body = clerk_body()
    response = await harness.client.post(
        "/webhooks/nope", data=body, headers=signed_headers(body)
    )
    assert response.status == 404
    (attempt,) = await harness.attempts()
    assert attempt.reason == "unknown_source"
    assert "/webhooks/clerk" in attempt.hint


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
async def test_other_methods_are_405(make_receiver, method):
    harness = await make_receiver()
    response = await harness.client.request(method, "/webhooks/clerk")
    assert response.status == 405
    assert response.headers["Allow"] == "POST"


async def test_concurrent_deliveries_with_duplicates_store_each_once(make_receiver):
    harness = await make_receiver()
    bodies = [clerk_body("user.created")] * 60
    ids = [new_msg_id() for _ in range(60)]
    # 100 requests: 60 distinct messages, 40 of them repeated.
    plan = [(ids[i], bodies[i]) for i in range(60)] + [
        (ids[i], bodies[i]) for i in range(40)
    ]

    async def deliver(msg_id, body):
        headers = signed_headers(body, msg_id=msg_id)
        response = await harness.client.post(
            "/webhooks/clerk", data=body, headers=headers
        )
        return response.status, (await response.json())["status"]

    results = await asyncio.gather(*(deliver(m, b) for m, b in plan))
    assert all(status == 200 for status, _ in results)
    outcomes = [outcome for _, outcome in results]
    assert outcomes.count("stored") == 60
    assert outcomes.count("duplicate") == 40
    stored = harness.events()
    assert sorted(e.svix_id for e in stored) == sorted(ids)


async def test_dev_signed_event_on_prod_path_hints_at_dev_source(make_receiver):
    dev = make_source("clerk-dev", "development")
    prod = make_source("clerk-prod", "production")
    harness = await make_receiver(
        sources=[dev, prod],
        secrets={"clerk-dev": [DEV_SECRET], "clerk-prod": [SECRET]},
    )
    body = clerk_body()
    headers = signed_headers(body, DEV_SECRET)
    response = await harness.client.post(
        "/webhooks/clerk-prod", data=body, headers=headers
    )
    assert response.status == 401
    (attempt,) = await harness.attempts()
    assert "'clerk-dev'" in attempt.hint
    assert "development" in attempt.hint
    assert json.loads(await response.text())["error"] == "signature_mismatch"


@pytest.mark.parametrize(
    ("header", "value", "words"),
    [
        ("svix-id", "msg_" + "x" * 4996, "svix-id header too long (5000 characters"),
        ("svix-timestamp", "1" * 40, "svix-timestamp header too long (40"),
        ("svix-signature", "v1," + "A" * 5000, "svix-signature header too long"),
    ],
)
async def test_over_long_svix_headers_are_400_with_a_stored_reason(
    make_receiver, header, value, words
):
    harness = await make_receiver()
    body = clerk_body()
    headers = signed_headers(body)
    headers[header] = value
    response = await harness.client.post("/webhooks/clerk", data=body, headers=headers)
    assert response.status == 400
    answer = await response.json()
    assert answer["error"] == "header_too_long"
    assert answer["message"].startswith(words)
    assert value not in json.dumps(answer)
    assert harness.events() == []
    (attempt,) = await harness.attempts()
    assert attempt.reason == "header_too_long"
    assert "did not come from Clerk" in attempt.hint


async def test_a_svix_id_of_256_characters_is_still_accepted(make_receiver):
    harness = await make_receiver()
    body = clerk_body()
    headers = signed_headers(body, msg_id="msg_" + "a" * 252)
    response = await harness.client.post("/webhooks/clerk", data=body, headers=headers)
    assert response.status == 200


async def test_a_signed_svix_id_with_a_hash_is_refused(make_receiver):
    # "<svix_id>#<type>" is the id of a derived change; a sender must not
    # be able to take it.
    harness = await make_receiver()
    body = clerk_body()
    headers = signed_headers(body, msg_id="msg_2hkFAKE#user.deleted")
    response = await harness.client.post("/webhooks/clerk", data=body, headers=headers)
    assert response.status == 400
    answer = await response.json()
    assert answer["error"] == "malformed_header"
    assert answer["message"].startswith("svix-id header has characters other than")
    assert harness.events() == []
    (attempt,) = await harness.attempts()
    assert (attempt.status, attempt.reason) == (400, "malformed_header")
    assert "did not come from Clerk" in attempt.hint


@pytest.mark.parametrize(
    "msg_id", ["msg_2hkFAKEc01000000000000001", "evt-1.2_3", "tenant:event-9"]
)
async def test_ids_in_svix_alphabet_are_accepted(make_receiver, msg_id):
    harness = await make_receiver()
    body = clerk_body()
    headers = signed_headers(body, msg_id=msg_id)
    response = await harness.client.post("/webhooks/clerk", data=body, headers=headers)
    assert response.status == 200
    (event,) = harness.events()
    assert event.svix_id == msg_id


@pytest.mark.parametrize(
    ("header", "raw_value"),
    [
        (b"svix-id", b"msg_\xfc"),
        (b"svix-timestamp", b"17\xfc"),
        (b"svix-signature", b"v1,\xfcAAAA"),
    ],
)
async def test_a_header_that_is_not_utf8_is_400_and_stored(
    make_receiver, header, raw_value
):
    harness = await make_receiver()
    body = clerk_body()
    headers = signed_headers(body)
    lines = b"".join(
        name.encode()
        + b": "
        + (raw_value if name == header.decode() else value.encode())
        + b"\r\n"
        for name, value in headers.items()
    )
    request = (
        b"POST /webhooks/clerk HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        + lines
        + b"Content-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", harness.client.port)
    try:
        writer.write(request)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert json.loads(payload)["error"] == "malformed_header"
    assert b"\xfc" not in answer
    assert harness.events() == []
    (attempt,) = await harness.attempts()
    assert (attempt.status, attempt.reason, attempt.svix_id) == (
        400,
        "malformed_header",
        None,
    )
