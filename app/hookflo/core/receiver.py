"""The webhook receiver: an aiohttp application, Qt-free.

For each request: find the source by path, check method and size, read the
raw body, verify its Svix signature, store it durably, and only then
answer 2xx. Refusals are answered with a 4xx (or a 503 when the fault is on
this side, so Svix retries) and recorded as attempts, without their body.
Nothing here waits for a channel.
"""

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from hookflo.core import verify
from hookflo.core.config import Config, Source
from hookflo.core.errors import KeyringUnavailableError, StoreError
from hookflo.core.eventwriter import EventWriter, NewAttempt, NewEvent, Outcome
from hookflo.core.refusal import Reason, Refusal
from hookflo.core.secretcache import SecretCache

logger = logging.getLogger(__name__)

TEST_MARKER = "hookflo_test"
HEALTH_PREFIX = "/.hookflo/health/"
_STORED = b'{"status":"stored"}'
_DUPLICATE = b'{"status":"duplicate"}'


class Receiver:
    """Answers webhook requests for the configured sources.

    Args:
        config: the sources and the body limit.
        writer: the durable event writer.
        secrets: the signing secrets per source.
        clock: returns the current Unix time.
        health_token: answered at ``health_path(health_token)`` (the tunnel's
            self-check through the public URL); None serves no such route.
    """

    def __init__(
        self,
        config: Config,
        writer: EventWriter,
        secrets: SecretCache,
        clock: Callable[[], float] = time.time,
        *,
        health_token: str | None = None,
    ) -> None:
        self._health = health_path(health_token) if health_token else None
        self._health_token = health_token
        self._by_path = {source.path: source for source in config.sources}
        self._max_body = config.receiver.max_body_bytes
        self._writer = writer
        self._secrets = secrets
        self._clock = clock

    def application(self) -> web.Application:
        """Build the aiohttp application."""
        app = web.Application(client_max_size=self._max_body)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one request."""
        received_at = self._clock()
        if request.path == self._health and request.method == "GET":
            # The tunnel's self-check: not a delivery, so not an attempt.
            return web.Response(text=self._health_token)
        source = self._by_path.get(request.path.rstrip("/"))
        if source is None:
            return self._refuse(request, received_at, None, self._unknown_source())
        if request.method != "POST":
            refusal = Refusal(
                Reason.METHOD_NOT_ALLOWED,
                f"Method {request.method} not allowed; Svix sends POST",
                "Something other than Svix called this endpoint (a browser or a "
                "health check); Clerk's deliveries are POST requests and are not "
                "affected",
            )
            return self._refuse(request, received_at, source, refusal, allow="POST")
        body = await self._read_body(request)
        if isinstance(body, Refusal):
            return self._refuse(request, received_at, source, body)
        headers = verify.read_headers(lambda name: request.headers.getall(name, []))
        if isinstance(headers, Refusal):
            return self._refuse(request, received_at, source, headers, len(body))
        rejected = await self._verify(source, body, headers)
        if rejected is not None:
            return self._refuse(
                request, received_at, source, rejected, len(body), headers.msg_id
            )
        return await self._store(source, body, headers, received_at)

    async def _read_body(self, request: web.Request) -> bytes | Refusal:
        too_large = Refusal(
            Reason.BODY_TOO_LARGE,
            f"Body larger than {self._max_body} bytes",
            "Clerk's events are far smaller than the limit: this is not a Clerk "
            "delivery, or raise receiver.max_body_bytes in config.toml",
        )
        length = request.content_length
        if length is not None and length > self._max_body:
            return too_large
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return too_large
        if not body:
            return Refusal(
                Reason.EMPTY_BODY,
                "Empty body",
                "A Svix delivery always has a JSON body",
            )
        return body

    async def _verify(
        self, source: Source, body: bytes, headers: verify.SignedHeaders
    ) -> Refusal | None:
        refusal = self._verify_once(source, body, headers)
        if refusal is None or refusal.reason not in _MAY_BE_STALE:
            return refusal
        # The secret may have been set or rotated since the last read.
        if await self._secrets.refresh_if_stale():
            refusal = self._verify_once(source, body, headers)
        return refusal

    def _verify_once(
        self, source: Source, body: bytes, headers: verify.SignedHeaders
    ) -> Refusal | None:
        try:
            verifier = self._secrets.verifier(source.name)
        except KeyringUnavailableError as err:
            return Refusal(
                Reason.KEYRING_UNAVAILABLE,
                "Signing secret unavailable; retry later",
                f"{err}. Svix will retry the delivery",
            )
        if not verifier.has_secret:
            return Refusal(
                Reason.NO_SECRET,
                "No signing secret configured; retry later",
                f"Set the endpoint's signing secret with `hookflo secret set "
                f"{source.name}`; Svix retries the delivery meanwhile",
            )
        refusal = verifier.verify(body, headers)
        if refusal is None or refusal.reason is not Reason.SIGNATURE_MISMATCH:
            return refusal
        other = verify.find_matching_source(
            body, headers, self._secrets.others(source.name)
        )
        if other is None:
            return refusal
        owner = next(s for s in self._by_path.values() if s.name == other.source_name)
        return Refusal(
            refusal.reason,
            refusal.message,
            f"The signature matches the secret of the {owner.environment} source "
            f"{owner.name!r}, not of {source.name!r} ({source.environment}): point "
            f"that Clerk endpoint at {owner.path}, or fix the secret",
        )

    async def _store(
        self,
        source: Source,
        body: bytes,
        headers: verify.SignedHeaders,
        received_at: float,
    ) -> web.Response:
        event_type, is_json, is_test, parsed = _describe(body)
        event = NewEvent(
            source=source.name,
            svix_id=headers.msg_id,
            environment=source.environment.value,
            type=event_type,
            received_at=received_at,
            signed_at=int(float(headers.timestamp)),
            body=body,
            body_is_json=is_json,
            is_test=is_test,
            parsed=parsed,
        )
        try:
            saved = await self._writer.save_event(event)
        except StoreError as err:
            logger.error("Event %s not stored: %s", headers.msg_id, err)
            return _refusal_response(
                Refusal(Reason.STORE_FAILED, "Could not store the event; retry later")
            )
        if saved.outcome is Outcome.DUPLICATE:
            logger.debug(
                "Duplicate %s from %s ignored",
                headers.msg_id,
                source.name,
                extra={"svix_id": headers.msg_id, "source": source.name},
            )
            return web.Response(body=_DUPLICATE, content_type="application/json")
        logger.debug(
            "Stored %s %s from %s",
            event_type,
            headers.msg_id,
            source.name,
            extra={"svix_id": headers.msg_id, "source": source.name},
        )
        return web.Response(body=_STORED, content_type="application/json")

    def _unknown_source(self) -> Refusal:
        known = ", ".join(sorted(self._by_path))
        return Refusal(
            Reason.UNKNOWN_SOURCE,
            "No webhook source at this path",
            f"Configured webhook paths: {known}",
        )

    def _refuse(
        self,
        request: web.Request,
        received_at: float,
        source: Source | None,
        refusal: Refusal,
        body_bytes: int | None = None,
        svix_id: str | None = None,
        allow: str | None = None,
    ) -> web.Response:
        self._writer.record_attempt(
            NewAttempt(
                received_at=received_at,
                method=request.method[:16],
                path=request.path[:200],
                source=source.name if source else None,
                svix_id=svix_id[:120] if svix_id else None,
                status=refusal.status,
                reason=refusal.reason.value,
                message=refusal.message,
                hint=refusal.hint,
                body_bytes=body_bytes,
            )
        )
        logger.debug(
            "Refused %s %s: %s",
            request.method,
            request.path[:200],
            refusal.reason,
            extra={"reason": refusal.reason.value, "svix_id": svix_id},
        )
        response = _refusal_response(refusal)
        if allow:
            response.headers["Allow"] = allow
        return response


def health_path(token: str) -> str:
    """Return the path of the self-check route for ``token``."""
    return HEALTH_PREFIX + token


_MAY_BE_STALE = {
    Reason.SIGNATURE_MISMATCH,
    Reason.SECRET_MALFORMED,
    Reason.NO_SECRET,
    Reason.KEYRING_UNAVAILABLE,
}


def _refusal_response(refusal: Refusal) -> web.Response:
    body = json.dumps({"error": refusal.reason.value, "message": refusal.message})
    return web.Response(
        status=refusal.status, text=body, content_type="application/json"
    )


def _describe(body: bytes) -> tuple[str | None, bool, bool, dict[str, Any] | None]:
    """Return the event type, whether the body is JSON, the test mark, and it parsed."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None, False, False, None
    if not isinstance(payload, dict):
        return None, True, False, None
    event_type = payload.get("type")
    return (
        event_type if isinstance(event_type, str) else None,
        True,
        payload.get(TEST_MARKER) is True,
        payload,
    )
