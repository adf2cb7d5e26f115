"""HookFlo's own Svix signature check, cross-checked against the svix library.

The app no longer imports svix (its package pulls in a whole API client), so
the decision must stay the library's: every randomized request here is put to
both, and both must accept or refuse it alike.
"""

import base64
import json
import random
import time
from datetime import UTC, datetime

import pytest
from svix.webhooks import Webhook, WebhookVerificationError

from hookflo.core import clockskew, testevent, verify
from hookflo.core.errors import UserFacingError
from hookflo.core.refusal import Reason
from tests.support.clerk import SECRET, SECRET_B, clerk_body, svix_signature

CASES = 3000
_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def random_secret(rng: random.Random) -> str:
    """A well-formed secret of a random key length, padded or not.

    Only well-formed ones: HookFlo refuses a malformed secret before checking
    any signature (``secret_malformed``), where svix would guess a key.
    """
    encoded = base64.b64encode(rng.randbytes(rng.randint(24, 64))).decode()
    return "whsec_" + (encoded.rstrip("=") if rng.random() < 0.5 else encoded)


def random_body(rng: random.Random) -> bytes:
    choice = rng.random()
    if choice < 0.3:
        return clerk_body("user.created")
    if choice < 0.5:
        return rng.randbytes(rng.randint(1, 300))  # often not UTF-8
    if choice < 0.6:
        return rng.randbytes(rng.randint(1990, 9000))  # hashed in several parts
    return json.dumps({"type": "user.created", "n": rng.random()}).encode()


def random_msg_id(rng: random.Random) -> str:
    return rng.choice(
        [
            f"msg_{rng.randbytes(8).hex()}",
            f"msg_{rng.randint(0, 10**6)}.{rng.randint(0, 9)}",
            "msg_é✓",
            "a b",
        ]
    )


def random_timestamp(rng: random.Random, now: int) -> str:
    """A timestamp header: mostly plausible, sometimes odd, sometimes junk.

    Offsets within two seconds of the five-minute edge are left out: the two
    checks read the clock microseconds apart.
    """
    inside = rng.randint(-297, 297)
    outside = rng.choice([1, -1]) * rng.randint(303, 10_000)
    moment = now + (inside if rng.random() < 0.75 else outside)
    if rng.random() < 0.5:
        return str(moment)
    return rng.choice(
        [
            f"{moment}.{rng.randint(0, 999_999)}",
            f"{moment + rng.random():.7f}",
            f"{moment:e}",
            f"000{moment}",
            f"+{moment}",
            f"{moment:_}",
            str(moment).translate(_ARABIC_DIGITS),
            f" {moment} ",
            f"{moment * 1000}",
            rng.choice(["", "abc", "nan", "inf", "-1", "1e400", "0x10", "१२"]),
        ]
    )


def signed_seconds(timestamp: str) -> int:
    """The whole seconds the svix library signs for a timestamp header."""
    try:
        moment = datetime.fromtimestamp(float(timestamp), UTC)
    except (ValueError, OverflowError, OSError):
        return 0
    return int(moment.timestamp() // 1)


def random_signature(
    rng: random.Random, secrets: list[str], msg_id: str, timestamp: str, body: bytes
) -> str:
    """One or more candidate signatures, right or wrong in assorted ways."""
    seconds = signed_seconds(timestamp)
    moment = datetime.fromtimestamp(seconds, UTC)
    right = Webhook(rng.choice(secrets)).sign(msg_id, moment, body)
    stranger = Webhook(random_secret(rng)).sign(msg_id, moment, body)
    tampered = right[:-3] + ("A" if right[-3] != "A" else "B") + right[-2:]
    if rng.random() < 0.4:
        return right
    candidates = [
        right,
        right,
        stranger,
        tampered,
        "v2," + right[3:],
        "V1," + right[3:],
        right[3:],
        right + "\t",
        right.replace("v1,", "v1, "),
    ]
    # Signed over a neighbouring second: the time is part of what is signed.
    next_second = datetime.fromtimestamp(seconds + 1, UTC)
    candidates.append(Webhook(secrets[0]).sign(msg_id, next_second, body))
    chosen = rng.sample(candidates, rng.randint(1, 3))
    return rng.choice([" ", "  ", " \t"]).join(chosen)


def svix_accepts(secrets: list[str], body: bytes, headers: verify.SignedHeaders):
    sent = {
        "svix-id": headers.msg_id,
        "svix-timestamp": headers.timestamp,
        "svix-signature": headers.signature,
    }
    for secret in secrets:
        try:
            Webhook(secret).verify(body, sent)
        except WebhookVerificationError:
            continue
        return True
    return False


@pytest.mark.expect_log_warnings  # the clock-skew warning, for stale signed ones
def test_the_decision_is_the_svix_librarys_on_randomized_requests():
    rng = random.Random(20261204)
    verdicts = {True: 0, False: 0}
    for case in range(CASES):
        secrets = [random_secret(rng) for _ in range(rng.randint(1, 3))]
        body = random_body(rng)
        msg_id = random_msg_id(rng)
        timestamp = random_timestamp(rng, int(time.time()))
        signature = random_signature(rng, secrets, msg_id, timestamp, body)
        headers = verify.SignedHeaders(msg_id, timestamp, signature)

        ours = verify.SourceVerifier("clerk", secrets).verify(body, headers) is None
        theirs = svix_accepts(secrets, body, headers)

        assert ours == theirs, (case, secrets, body, headers)
        verdicts[ours] += 1
    # Both outcomes must be well represented, or the comparison proves little.
    assert verdicts[True] > CASES // 5
    assert verdicts[False] > CASES // 5


@pytest.mark.parametrize(
    ("timestamp", "accepted"),
    [
        ("{now}", True),
        ("{now}.75", True),
        ("{now}e0", True),
        ("0{now}", True),
        ("{now_ms}", False),
        ("", False),
        ("nan", False),
        ("1e400", False),
    ],
)
def test_odd_timestamps_are_read_as_the_library_reads_them(timestamp, accepted):
    now = int(time.time())
    header = timestamp.format(now=now, now_ms=now * 1000)
    body = clerk_body()
    signature = svix_signature(SECRET, "msg_1", now, body)
    headers = verify.SignedHeaders("msg_1", header, signature)

    ours = verify.SourceVerifier("clerk", [SECRET]).verify(body, headers) is None

    assert ours is accepted
    assert svix_accepts([SECRET], body, headers) is accepted


def test_a_rotated_secret_is_accepted_with_either_key():
    now = int(time.time())
    body = clerk_body()
    verifier = verify.SourceVerifier("clerk", [SECRET, SECRET_B])
    for secret in (SECRET, SECRET_B):
        signature = svix_signature(secret, "msg_2", now, body)
        headers = verify.SignedHeaders("msg_2", str(now), signature)
        assert verifier.verify(body, headers) is None


def test_the_injected_clock_decides_the_window():
    signed_at = 1_700_000_000
    body = clerk_body()
    signature = svix_signature(SECRET, "msg_3", signed_at, body)
    headers = verify.SignedHeaders("msg_3", str(signed_at), signature)

    on_time = verify.SourceVerifier("clerk", [SECRET], clock=lambda: signed_at + 300)
    late = verify.SourceVerifier("clerk", [SECRET], clock=lambda: signed_at + 301)

    assert on_time.verify(body, headers) is None
    refusal = late.verify(body, headers)
    assert refusal is not None
    assert refusal.reason is Reason.TIMESTAMP_TOO_OLD


@pytest.fixture
def fresh_skew(monkeypatch):
    """No earlier refusal counts towards blaming this machine's clock."""
    monkeypatch.setattr(verify, "_skew", clockskew.SkewEvidence())


@pytest.mark.usefixtures("fresh_skew")
@pytest.mark.parametrize("signed", [True, False])
def test_a_future_timestamp_is_never_called_an_old_delivery(signed):
    signed_at = 1_700_000_000
    body = clerk_body()
    good = svix_signature(SECRET, "msg_4", signed_at, body)
    signature = good if signed else svix_signature(SECRET_B, "msg_4", signed_at, body)
    headers = verify.SignedHeaders("msg_4", str(signed_at), signature)
    early = verify.SourceVerifier("clerk", [SECRET], clock=lambda: signed_at - 600)

    refusal = early.verify(body, headers)

    assert refusal is not None
    assert refusal.reason is Reason.TIMESTAMP_TOO_NEW
    assert "10 min in the future" in refusal.hint
    assert "old delivery" not in refusal.hint
    assert "replayed" not in refusal.hint
    assert "clock is ahead" in refusal.hint
    assert "forged" in refusal.hint


@pytest.mark.usefixtures("fresh_skew")
def test_an_old_signed_timestamp_may_be_a_delivery_sent_again():
    signed_at = 1_700_000_000
    body = clerk_body()
    signature = svix_signature(SECRET, "msg_5", signed_at, body)
    headers = verify.SignedHeaders("msg_5", str(signed_at), signature)
    late = verify.SourceVerifier("clerk", [SECRET], clock=lambda: signed_at + 600)

    refusal = late.verify(body, headers)

    assert refusal is not None
    assert refusal.reason is Reason.TIMESTAMP_TOO_OLD
    assert "an old delivery sent again" in refusal.hint


def test_sign_matches_the_library_byte_for_byte():
    rng = random.Random(7)
    for _ in range(200):
        secret = random_secret(rng)
        body = random_body(rng)
        msg_id = random_msg_id(rng)
        seconds = rng.randint(0, 4_000_000_000)
        key = base64.b64decode(secret.removeprefix("whsec_") + "==")
        expected = Webhook(secret).sign(
            msg_id, datetime.fromtimestamp(seconds, UTC), body
        )
        assert verify.sign(key, msg_id, seconds, body) == expected


@pytest.mark.parametrize("secret", [SECRET, "whsec_not*base64*but+svix+reads+it"])
def test_a_test_event_is_signed_as_the_library_would_sign_it(secret):
    event = testevent.build("user.created", secret)

    Webhook(secret).verify(event.body, event.headers)  # raises if it disagrees


def test_a_secret_without_any_key_cannot_sign_a_test_event():
    with pytest.raises(UserFacingError, match="no key"):
        testevent.build("user.created", "whsec_")
