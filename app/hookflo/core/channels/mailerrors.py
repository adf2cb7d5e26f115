"""What an SMTP failure means for the person who configured email.

Every failure becomes a ``DeliveryError``: permanent when only a change of
settings (port, security, password, recipient) can help, temporary when a
later try may work. Server replies are quoted, shortened and redacted, so a
password can never ride along in the message.
"""

import socket
import ssl
from typing import TypeVar

import aiosmtplib

from hookflo.core import logs
from hookflo.core.alertconfig import Security
from hookflo.core.channels.base import DeliveryError

_MAX_REPLY = 160
E = TypeVar("E", bound=BaseException)


def classify(error: BaseException, where: str, security: Security) -> DeliveryError:
    """Turn what aiosmtplib or the TLS layer raised into a ``DeliveryError``.

    Args:
        error: the exception caught around the SMTP conversation.
        where: the server as named in messages, e.g. ``SMTP server host:587``.
        security: the configured security, to suggest the other one.
    """
    tls_error = _find(error, ssl.SSLError)
    if tls_error is not None and not isinstance(tls_error, ssl.SSLEOFError):
        return _tls(tls_error, where, security)
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return _auth(error, where)
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return _recipients(error.recipients, where)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return _reply(error, where)
    if isinstance(error, TimeoutError):
        return _error(f"Timed out talking to {where}: {error}", permanent=False)
    if isinstance(error, ValueError):
        return _error(f"Cannot send through {where}: {error}", permanent=True)
    if isinstance(error, aiosmtplib.SMTPServerDisconnected):
        return _error(f"{where} closed the connection unexpectedly", permanent=False)
    return _network(error, where)


def reply_text(code: int, message: str) -> str:
    """Return a server reply as one short line, with secrets removed."""
    text = " ".join(f"{code} {message}".split())
    if len(text) > _MAX_REPLY:
        text = text[: _MAX_REPLY - 1] + "…"
    return logs.redact(text)


def _tls(error: ssl.SSLError, where: str, security: Security) -> DeliveryError:
    if isinstance(error, ssl.SSLCertVerificationError):
        return _error(
            f"The TLS certificate of {where} could not be verified "
            f"({error.verify_message}); fix the host name or the server's "
            "certificate",
            permanent=True,
        )
    if error.reason == "WRONG_VERSION_NUMBER" and security is Security.TLS:
        return _error(
            f"TLS handshake with {where} failed: the server speaks plain SMTP "
            "first ([SSL: WRONG_VERSION_NUMBER]); this port wants "
            'security = "starttls" (usually port 587)',
            permanent=True,
        )
    return _error(
        f"TLS handshake with {where} failed ({error.reason or error})", permanent=True
    )


def _auth(error: aiosmtplib.SMTPAuthenticationError, where: str) -> DeliveryError:
    reply = reply_text(error.code, error.message)
    if error.code == 534 or "5.7.9" in error.message:
        return _error(
            f"{where} needs an app password: create one in the mail account's "
            f"security settings and store it as the SMTP password ({reply})",
            permanent=True,
        )
    if error.code == 535:
        return _error(
            f"{where} rejected the user name or password ({reply})", permanent=True
        )
    if 400 <= error.code < 500:
        return _error(f"{where} could not sign in for now ({reply})", permanent=False)
    return _error(f"{where} refused the sign-in ({reply})", permanent=True)


def _recipients(
    refused: list[aiosmtplib.SMTPRecipientRefused], where: str
) -> DeliveryError:
    listed = "; ".join(
        f"{r.recipient} ({reply_text(r.code, r.message)})" for r in refused
    )
    if all(r.code >= 500 for r in refused):
        return _error(f"{where} refused the recipient {listed}", permanent=True)
    return _error(
        f"{where} did not take the recipient {listed} for now", permanent=False
    )


def _reply(error: aiosmtplib.SMTPResponseException, where: str) -> DeliveryError:
    reply = reply_text(error.code, error.message)
    if isinstance(error, aiosmtplib.SMTPSenderRefused):
        what = f"the sender {error.sender}"
    elif isinstance(error, aiosmtplib.SMTPDataError):
        what = "the message"
    elif isinstance(error, aiosmtplib.SMTPConnectResponseError):
        what = "the connection"
    else:
        what = "a command"
    if 400 <= error.code < 500:
        return _error(f"{where} did not take {what} for now ({reply})", permanent=False)
    return _error(f"{where} refused {what} ({reply})", permanent=True)


def _network(error: BaseException, where: str) -> DeliveryError:
    cause = _find(error, OSError)
    if isinstance(cause, socket.gaierror):
        return _error(f"Cannot look up the host of {where}: {cause}", permanent=False)
    if isinstance(cause, ConnectionRefusedError):
        return _error(
            f"{where} refused the connection (is the host and port right, "
            "and the server running?)",
            permanent=False,
        )
    return _error(f"Cannot talk to {where}: {cause or error}", permanent=False)


def _find(error: BaseException, kind: type[E]) -> E | None:
    """Return the first exception of ``kind`` in the chain, not aiosmtplib's own."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, kind) and not isinstance(
            current, aiosmtplib.SMTPException
        ):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _error(message: str, permanent: bool) -> DeliveryError:
    return DeliveryError(logs.redact(message), permanent=permanent)
