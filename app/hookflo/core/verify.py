"""Verify Svix / Standard Webhooks signatures over the raw body bytes.

The decision is the svix library's: a request is accepted only when
``svix.webhooks.Webhook.verify`` accepts it with one of the source's secrets.
When it refuses, HookFlo works out why (stale timestamp, a clock that is off,
the secret of another source) so the stored attempt carries a useful hint.
"""

import base64
import dataclasses
import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Sequence

from svix.webhooks import Webhook, WebhookVerificationError

from hookflo.core import signingsecret
from hookflo.core.errors import SecretFormatError
from hookflo.core.refusal import Reason, Refusal

logger = logging.getLogger(__name__)

TOLERANCE_S = 5 * 60
_SKEW_WARNING_INTERVAL_S = 10 * 60


@dataclasses.dataclass(frozen=True, slots=True)
class SignedHeaders:
    """The three signature headers of one request, whichever naming it used."""

    msg_id: str
    timestamp: str
    signature: str

    def as_svix(self) -> dict[str, str]:
        """Return the headers under the names the svix library reads first."""
        return {
            "svix-id": self.msg_id,
            "svix-timestamp": self.timestamp,
            "svix-signature": self.signature,
        }


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
    return SignedHeaders(ids[0].strip(), timestamps[0].strip(), signature)


class SourceVerifier:
    """Verifies requests for one source against its signing secrets.

    Args:
        source_name: used in hints.
        secrets: every secret currently valid for the source (rotation).
        clock: returns the current Unix time; replaceable in tests.
    """

    def __init__(
        self,
        source_name: str,
        secrets: Sequence[str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.source_name = source_name
        self._clock = clock
        self._webhooks: list[Webhook] = []
        self._keys: list[bytes] = []
        self._malformed: list[str] = []
        for secret in secrets:
            try:
                key = signingsecret.decode(signingsecret.check(secret))
            except SecretFormatError as err:
                self._malformed.append(str(err))
                continue
            self._keys.append(key)
            self._webhooks.append(Webhook(secret.strip()))
        if self._malformed:
            logger.warning(
                "Source %s has %d malformed signing secret(s)",
                source_name,
                len(self._malformed),
            )

    @property
    def has_secret(self) -> bool:
        """Whether any secret, well-formed or not, is configured."""
        return bool(self._keys or self._malformed)

    def verify(self, body: bytes, headers: SignedHeaders) -> Refusal | None:
        """Return None if one secret's signature matches, else the refusal."""
        svix_headers = headers.as_svix()
        for webhook in self._webhooks:
            try:
                webhook.verify(body, svix_headers)
            except WebhookVerificationError:
                continue
            return None
        return self._explain(body, headers)

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
            return Refusal(
                Reason.SECRET_MALFORMED,
                "Signature mismatch (the configured secret is malformed)",
                f"The signing secret set for {self.source_name!r} is not a valid "
                f"Svix secret: {why}. Set it again with "
                f"`hookflo secret set {self.source_name}`",
            )
        timestamp = _parse_timestamp(headers.timestamp)
        if timestamp is None:
            return _bad_timestamp(headers.timestamp)
        age = self._clock() - timestamp
        if abs(age) > TOLERANCE_S:
            return self._out_of_window(age, self.signed_by_us(body, headers))
        return Refusal(
            Reason.SIGNATURE_MISMATCH,
            "No matching signature found",
            f"No signature matches the signing secret of {self.source_name!r}: "
            "copy the endpoint's Signing Secret from Clerk's dashboard and run "
            f"`hookflo secret set {self.source_name}`",
        )

    def _out_of_window(self, age: float, signature_ok: bool) -> Refusal:
        minutes = abs(age) / 60
        if age > 0:
            reason, message = Reason.TIMESTAMP_TOO_OLD, "Message timestamp too old"
            direction = f"{minutes:.0f} min old"
        else:
            reason, message = Reason.TIMESTAMP_TOO_NEW, "Message timestamp too new"
            direction = f"{minutes:.0f} min in the future"
        if signature_ok:
            hint = (
                f"The signature is valid but the timestamp is {direction} "
                f"(tolerance {TOLERANCE_S // 60} min): this machine's clock looks "
                "wrong; check the system clock and its time sync"
            )
            _warn_clock_skew(age)
        else:
            hint = (
                f"The timestamp is {direction} (tolerance {TOLERANCE_S // 60} min) "
                "and the signature does not match either: a replayed or forged "
                "request, or check this machine's clock"
            )
        return Refusal(reason, message, hint)


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
