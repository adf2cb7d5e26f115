"""Why a request was refused: the status, a stable reason code and a hint.

The reason codes and messages are short and stable because Clerk's dashboard
shows the response body; the hint tells a person what to do about it.
"""

import dataclasses
import enum
from http import HTTPStatus


class Reason(enum.StrEnum):
    """Stable codes for refused requests, stored with each attempt."""

    UNKNOWN_SOURCE = "unknown_source"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    BODY_TOO_LARGE = "body_too_large"
    EMPTY_BODY = "empty_body"
    MISSING_HEADERS = "missing_headers"
    HEADER_TOO_LONG = "header_too_long"
    MALFORMED_HEADER = "malformed_header"
    MISSING_SIGNATURE = "missing_signature"
    BAD_TIMESTAMP = "bad_timestamp"
    TIMESTAMP_TOO_OLD = "timestamp_too_old"
    TIMESTAMP_TOO_NEW = "timestamp_too_new"
    SIGNATURE_MISMATCH = "signature_mismatch"
    SECRET_MALFORMED = "secret_malformed"
    NO_SECRET = "no_secret"
    KEYRING_UNAVAILABLE = "keyring_unavailable"
    STORE_FAILED = "store_failed"


STATUS_OF: dict[Reason, HTTPStatus] = {
    Reason.UNKNOWN_SOURCE: HTTPStatus.NOT_FOUND,
    Reason.METHOD_NOT_ALLOWED: HTTPStatus.METHOD_NOT_ALLOWED,
    Reason.BODY_TOO_LARGE: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    Reason.EMPTY_BODY: HTTPStatus.BAD_REQUEST,
    Reason.MISSING_HEADERS: HTTPStatus.BAD_REQUEST,
    Reason.HEADER_TOO_LONG: HTTPStatus.BAD_REQUEST,
    Reason.MALFORMED_HEADER: HTTPStatus.BAD_REQUEST,
    Reason.MISSING_SIGNATURE: HTTPStatus.UNAUTHORIZED,
    Reason.BAD_TIMESTAMP: HTTPStatus.UNAUTHORIZED,
    Reason.TIMESTAMP_TOO_OLD: HTTPStatus.UNAUTHORIZED,
    Reason.TIMESTAMP_TOO_NEW: HTTPStatus.UNAUTHORIZED,
    Reason.SIGNATURE_MISMATCH: HTTPStatus.UNAUTHORIZED,
    Reason.SECRET_MALFORMED: HTTPStatus.UNAUTHORIZED,
    # Nothing was wrong with the request itself: Svix should retry later,
    # once the secret is set or the keyring unlocked, so nothing is lost.
    Reason.NO_SECRET: HTTPStatus.SERVICE_UNAVAILABLE,
    Reason.KEYRING_UNAVAILABLE: HTTPStatus.SERVICE_UNAVAILABLE,
    Reason.STORE_FAILED: HTTPStatus.SERVICE_UNAVAILABLE,
}


@dataclasses.dataclass(frozen=True, slots=True)
class Refusal:
    """A refused request: what to answer and what to tell the user.

    Attributes:
        reason: the stable code.
        message: the short text sent back in the response body.
        hint: what a person can do about it; stored, never sent.
    """

    reason: Reason
    message: str
    hint: str = ""

    @property
    def status(self) -> int:
        """The HTTP status to answer with."""
        return int(STATUS_OF[self.reason])
