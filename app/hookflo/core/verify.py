"""Verify Svix / Standard Webhooks signatures over the raw body bytes.

A request is accepted exactly when the svix library's ``Webhook.verify`` would
accept it with one of the source's secrets: a ``v1,`` signature equal to the
base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}``, among the space-separated
ones sent, and a timestamp within five minutes of now. HookFlo does the check
itself because the svix package imports its whole API client to offer it (a
test cross-checks the two). When it refuses, HookFlo works out why
(stale timestamp, a clock that is off, the secret of another source) so the
stored attempt carries a useful hint.
"""

import base64
import dataclasses
import hashlib
import hmac
import logging
import math
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from hookflo.core import clockskew, signingsecret
from hookflo.core.errors import SecretFormatError
from hookflo.core.refusal import Reason, Refusal

logger = logging.getLogger(__name__)

TOLERANCE_S = 5 * 60
_TOLERANCE = timedelta(seconds=TOLERANCE_S)
_HASH_CHUNK = 2000
_SKEW_WARNING_INTERVAL_S = 10 * 60
# Far above what Svix sends (a 31-character id, a 10-digit time, one 47-
# character signature per secret), far below what could hurt the store.
MAX_HEADER_CHARS = {"id": 256, "timestamp": 32, "signature": 4096}
# Svix message ids are "msg_" and base62; ids a sender chooses itself are
# letters, digits, '-', '_' and '.'. Nothing else may reach the store: a '#'
# would collide with the ids of derived changes ("<svix_id>#<type>").
ID_PATTERN = re.compile(r"[A-Za-z0-9_.:-]+")


@dataclasses.dataclass(frozen=True, slots=True)
class SignedHeaders:
    """The three signature headers of one request, whichever naming it used."""

    msg_id: str
    timestamp: str
    signature: str


def read_headers(get_all: Callable[[str], list[str]]) -> SignedHeaders | Refusal:
    """Pick the signature headers out of a request.

    Args:
        get_all: returns every value of a header, matched without regard to
            letter case (aiohttp's ``CIMultiDict.getall`` with a default).

    Returns:
        The headers, or the refusal for a request that lacks them. Both the
        ``svix-*`` and the Standard Webhooks ``webhook-*`` names are read;
        several signature header lines are joined as one list.
    """

    def first(name: str) -> list[str]:
        return get_all(f"svix-{name}") or get_all(f"webhook-{name}")

    ids, timestamps, signatures = first("id"), first("timestamp"), first("signature")
    if not ids or not ids[0].strip() or not timestamps:
        missing = "id" if not ids or not ids[0].strip() else "timestamp"
        return Refusal(
            Reason.MISSING_HEADERS,
            f"Missing svix-{missing} header: not a Svix webhook request",
            "Only Svix-signed webhooks are accepted here; point Clerk's endpoint "
            "at this URL rather than calling it by hand",
        )
    signature = " ".join(s.strip() for s in signatures if s.strip())
    if not signature:
        return Refusal(
            Reason.MISSING_SIGNATURE,
            "Missing signature header",
            "The request carries an id and a timestamp but no svix-signature or "
            "webhook-signature header; something on the way may strip it",
        )
    found = SignedHeaders(ids[0].strip(), timestamps[0].strip(), signature)
    return _too_long(found) or _malformed(found) or found


def _too_long(headers: SignedHeaders) -> Refusal | None:
    """Refuse header values far longer than Svix ever sends."""
    values = {
        "id": headers.msg_id,
        "timestamp": headers.timestamp,
        "signature": headers.signature,
    }
    for name, value in values.items():
        limit = MAX_HEADER_CHARS[name]
        if len(value) > limit:
            return Refusal(
                Reason.HEADER_TOO_LONG,
                f"svix-{name} header too long ({len(value)} characters; at most "
                f"{limit})",
                "Svix sends short headers (an id is 'msg_' and about 27 "
                "characters): this request did not come from Clerk",
            )
    return None


def _malformed(headers: SignedHeaders) -> Refusal | None:
    """Refuse an id outside Svix's alphabet, or bytes Svix never sends.

    aiohttp hands bytes that are not UTF-8 over as lone surrogates, which
    cannot be signed, stored or logged as text: they are refused here too.
    """
    if not ID_PATTERN.fullmatch(headers.msg_id):
        return Refusal(
            Reason.MALFORMED_HEADER,
            "svix-id header has characters other than letters, digits, "
            "'_', '.', ':' and '-'",
            "Svix message ids are 'msg_' followed by letters and digits: this "
            "request did not come from Clerk",
        )
    for name, value in (
        ("timestamp", headers.timestamp),
        ("signature", headers.signature),
    ):
        if not (value.isascii() and value.isprintable()):
            return Refusal(
                Reason.MALFORMED_HEADER,
                f"svix-{name} header has characters other than printable ASCII",
                "Svix sends its headers in plain ASCII: this request did not "
                "come from Clerk",
            )
    return None


class SourceVerifier:
    """Verifies requests for one source against its signing secrets.

    Args:
        source_name: used in hints.
        secrets: every secret currently valid for the source (rotation).
        clock: returns the current Unix time; replaceable in tests.
        origin: where the secrets came from ("the keyring", or the
            environment variable's name), said when one is malformed.
    """

    def __init__(
        self,
        source_name: str,
        secrets: Sequence[str],
        clock: Callable[[], float] = time.time,
        *,
        origin: str = "",
    ) -> None:
        self.source_name = source_name
        self._clock = clock
        self._origin = origin
        self._keys: list[bytes] = []
        self._malformed: list[str] = []
        for secret in secrets:
            try:
                key = signingsecret.decode(signingsecret.check(secret))
            except SecretFormatError as err:
                self._malformed.append(str(err))
                continue
            self._keys.append(key)
        if self._malformed:
            logger.warning(
                "Source %s has %d malformed signing secret(s)%s: %s",
                source_name,
                len(self._malformed),
                f" in {origin}" if origin else "",
                "; ".join(self._malformed),
            )

    @property
    def has_secret(self) -> bool:
        """Whether any secret, well-formed or not, is configured."""
        return bool(self._keys or self._malformed)

    def verify(self, body: bytes, headers: SignedHeaders) -> Refusal | None:
        """Return None if one secret's signature matches, else the refusal."""
        if self._accepts(body, headers):
            return None
        return self._explain(body, headers)

    def _accepts(self, body: bytes, headers: SignedHeaders) -> bool:
        """Decide as ``svix.webhooks.Webhook.verify`` does, for each key."""
        if not (self._keys and headers.msg_id and headers.signature):
            return False
        signed_at = _time_in_window(headers.timestamp, self._clock())
        if signed_at is None:
            return False
        # Each sent value is compared whole ("v1,<base64>"), split on single
        # spaces only, exactly as the library does.
        sent = [value.encode() for value in headers.signature.split(" ")]
        for key in self._keys:
            expected = sign(key, headers.msg_id, signed_at, body).encode()
            if any(hmac.compare_digest(expected, value) for value in sent):
                return True
        return False

    def signed_by_us(self, body: bytes, headers: SignedHeaders) -> bool:
        """Whether a v1 signature matches one of our keys, ignoring the time."""
        signed = f"{headers.msg_id}.{headers.timestamp}.".encode() + body
        expected = [
            base64.b64encode(hmac.new(k, signed, hashlib.sha256).digest())
            for k in self._keys
        ]
        for candidate in headers.signature.split():
            version, _, value = candidate.partition(",")
            if version != "v1":
                continue
            raw = value.encode()
            if any(hmac.compare_digest(raw, e) for e in expected):
                return True
        return False

    def _explain(self, body: bytes, headers: SignedHeaders) -> Refusal:
        if not self._keys:
            why = "; ".join(self._malformed)
            where = f" in {self._origin}" if self._origin else ""
            fix = (
                f"Correct the {self._origin} environment variable"
                if self._origin.startswith("HOOKFLO_")
                else f"Set it again with `hookflo secret set {self.source_name}`"
            )
            return Refusal(
                Reason.SECRET_MALFORMED,
                "Signature mismatch (the configured secret is malformed)",
                f"The signing secret set for {self.source_name!r}{where} is not a "
                f"valid Svix secret: {why}. {fix}",
            )
        timestamp = _parse_timestamp(headers.timestamp)
        if timestamp is None:
            return _bad_timestamp(headers.timestamp)
        age = self._clock() - timestamp
        if abs(age) > TOLERANCE_S:
            signature_ok = self.signed_by_us(body, headers)
            return self._out_of_window(age, signature_ok, headers)
        return Refusal(
            Reason.SIGNATURE_MISMATCH,
            "No matching signature found",
            f"No signature matches the signing secret of {self.source_name!r}: "
            "copy the endpoint's Signing Secret from Clerk's dashboard and run "
            f"`hookflo secret set {self.source_name}`",
        )

    def _out_of_window(
        self, age: float, signature_ok: bool, headers: SignedHeaders
    ) -> Refusal:
        minutes = abs(age) / 60
        if age > 0:
            reason, message = Reason.TIMESTAMP_TOO_OLD, "Message timestamp too old"
            direction = f"{minutes:.0f} min old"
        else:
            reason, message = Reason.TIMESTAMP_TOO_NEW, "Message timestamp too new"
            direction = f"{minutes:.0f} min in the future"
        if signature_ok and _skew.add(headers.msg_id, headers.timestamp, age):
            hint = (
                f"The signature is valid but the timestamp is {direction} "
                f"(tolerance {TOLERANCE_S // 60} min): this machine's clock looks "
                "wrong; check the system clock and its time sync"
            )
            _warn_clock_skew(age)
        else:
            hint = _single_request_hint(age, direction, signature_ok)
        return Refusal(reason, message, hint)


def _single_request_hint(age: float, direction: str, signature_ok: bool) -> str:
    """Explain one out-of-window request, old or future, without blaming a clock.

    A delivery sent again can only be old: a timestamp in the future means a
    clock is off on one side, or whoever signed it chose that time.
    """
    window = f"(tolerance {TOLERANCE_S // 60} min)"
    if signature_ok and age > 0:
        # One request cannot tell a wrong clock from an old one sent again.
        return (
            f"The signature is valid but the timestamp is {direction} {window}: "
            "an old delivery sent again, or this machine's clock is wrong; if "
            "Clerk's next deliveries are refused the same way, check the "
            "system clock"
        )
    if signature_ok:
        return (
            f"The signature is valid but the timestamp is {direction} {window}: "
            "the sending machine's clock is ahead (or this one's is behind), or "
            "someone holding the signing secret forged it; if Clerk's next "
            "deliveries are refused the same way, check the system clock"
        )
    if age > 0:
        return (
            f"The timestamp is {direction} {window} and the signature does not "
            "match either: a replayed or forged request, or check this "
            "machine's clock"
        )
    return (
        f"The timestamp is {direction} {window} and the signature does not "
        "match either: a forged request, or a sender whose clock is ahead; "
        "check this machine's clock too"
    )


def find_matching_source(
    body: bytes,
    headers: SignedHeaders,
    verifiers: Sequence[SourceVerifier],
) -> SourceVerifier | None:
    """Return the verifier, among ``verifiers``, whose secret signed the request."""
    for verifier in verifiers:
        if verifier.signed_by_us(body, headers):
            return verifier
    return None


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """Return the ``v1,<base64>`` signature Svix sends for this message."""
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode(), hashlib.sha256)
    # NOTE: keep each update under 2,048 bytes. hashlib lets go of the GIL
    # for longer data, and on the event loop getting it back from the writer
    # thread costs far more than hashing a Clerk body (a 2-4 kB body hashed
    # at once made each request about a fifth dearer under load).
    view = memoryview(body)
    for start in range(0, len(view), _HASH_CHUNK):
        mac.update(view[start : start + _HASH_CHUNK])
    return "v1," + base64.b64encode(mac.digest()).decode("ascii")


def _time_in_window(value: str, now: float) -> int | None:
    """Return the Unix second a timestamp header signs, if within tolerance.

    Read as the svix library reads it: any number ``float`` takes (so
    ``1.7e9`` too), rounded to the microsecond, compared with now to the
    tolerance inclusive, and signed as its whole seconds.
    """
    try:
        moment = datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError):
        return None
    current = datetime.fromtimestamp(now, UTC)
    if not current - _TOLERANCE <= moment <= current + _TOLERANCE:
        return None
    return math.floor(moment.timestamp())


def _parse_timestamp(value: str) -> int | None:
    if not value.isdigit():
        return None
    seconds = int(value)
    # Svix sends seconds; a 13-digit value is milliseconds sent by mistake.
    return None if seconds > 99_999_999_999 else seconds


def _bad_timestamp(value: str) -> Refusal:
    shown = value[:24]
    if value.isdigit():
        hint = (
            f"The timestamp {shown!r} looks like milliseconds; Svix signs with "
            "Unix time in seconds"
        )
    else:
        hint = f"The timestamp {shown!r} is not a Unix time in seconds"
    return Refusal(Reason.BAD_TIMESTAMP, "Invalid signature timestamp", hint)


_last_skew_warning = 0.0
_skew = clockskew.SkewEvidence()


def _warn_clock_skew(age: float) -> None:
    """Tell the user once in a while that the clock, not Clerk, is wrong."""
    global _last_skew_warning
    now = time.monotonic()
    if _last_skew_warning and now - _last_skew_warning < _SKEW_WARNING_INTERVAL_S:
        return
    _last_skew_warning = now
    ahead_or_behind = "behind" if age < 0 else "ahead of"
    logger.warning(
        "This machine's clock looks %s real time by about %.0f min: correctly "
        "signed deliveries are being refused. Fix the system clock",
        ahead_or_behind,
        abs(age) / 60,
    )
