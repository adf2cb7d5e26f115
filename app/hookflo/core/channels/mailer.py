"""Email alerts over SMTP, through aiosmtplib.

Each alert gets its own connection: greeting, EHLO, STARTTLS when configured,
one sign-in attempt with one method, one message, QUIT. The settings dialog's
test button and ``hookflo test-channel email`` run the same conversation
without the message (``check_email_settings``).

``security = "starttls"`` insists on STARTTLS and stops if the server does not
offer it; ``"tls"`` speaks TLS from the first byte; ``"none"`` is plain text,
and a password may only cross it to a loopback host. The wait for the greeting
is capped at a few seconds, so a STARTTLS client pointed at an implicit-TLS
port fails fast and is told which setting to use.
"""

import asyncio
import base64
import contextlib
import functools
import ipaddress
import logging
import ssl
import time
from collections.abc import AsyncIterator
from typing import Protocol

import aiosmtplib

from hookflo.core import logs, loopback
from hookflo.core.alertconfig import EmailSettings, Security
from hookflo.core.channels import mailerrors, mailmessage
from hookflo.core.channels.base import Alert, ChannelName, DeliveryError, SendReceipt

logger = logging.getLogger(__name__)

GREETING_TIMEOUT_S = 5.0
PROBE_TIMEOUT_S = 2.0
QUIT_TIMEOUT_S = 2.0
CLOSE_WAIT_S = 1.0
# aiosmtplib wants a name before connecting; the EHLO uses our address literal.
_PLACEHOLDER_NAME = "localhost"


class _Socket(Protocol):
    def fileno(self) -> int: ...


class EmailChannel:
    """Sends each alert as one email from the sender to every recipient.

    Args:
        settings: the ``[channels.email]`` table.
        password: the SMTP password, needed when a username is configured.
        tls_context: how to check the server's certificate (default: the
            system's trusted certificates and the host name; a private CA is
            trusted by pointing OpenSSL's ``SSL_CERT_FILE`` at it before the
            first send, as the end-to-end tests do).
    """

    name: ChannelName = ChannelName.EMAIL

    def __init__(
        self,
        settings: EmailSettings,
        *,
        password: str | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._settings = settings
        self._password = password
        self._tls_context = tls_context
        if password:
            protect_password(settings.username or "", password)

    async def send(self, alert: Alert) -> SendReceipt:
        """Send ``alert`` as one message.

        Raises:
            DeliveryError: it was not delivered; ``permanent`` says whether
                only a change of settings can help.
        """
        sender, recipients = envelope(self._settings)
        utf8 = any(m.needs_utf8 for m in (sender, *recipients))
        message = mailmessage.compose(alert, sender, recipients, utf8=utf8)
        settings = self._settings
        async with _session(settings, self._password, self._tls_context) as smtp:
            if utf8 and not smtp.supports_extension("smtputf8"):
                raise DeliveryError(
                    f"{describe(settings)} does not offer SMTPUTF8, which the "
                    "non-ASCII sender or recipient address needs",
                    permanent=True,
                )
            refused, reply = await smtp.sendmail(
                sender.addr_spec,
                [r.addr_spec for r in recipients],
                message.as_bytes(),
                mail_options=["SMTPUTF8"] if utf8 else [],
            )
        return _receipt(settings, len(recipients), refused, reply)

    async def close(self) -> None:
        """Release nothing: every send opens and closes its own connection."""


async def check_email_settings(
    settings: EmailSettings,
    password: str | None,
    tls_context: ssl.SSLContext | None = None,
) -> str:
    """Connect, secure and sign in as a send would, then QUIT without sending.

    Returns:
        One line saying how far it got, for the settings dialog and the CLI.

    Raises:
        DeliveryError: the same failure a send would report.
    """
    envelope(settings)
    if password:
        protect_password(settings.username or "", password)
    async with _session(settings, password, tls_context) as smtp:
        protection = _protection(smtp, settings.security)
    who = f"signed in as {settings.username}" if settings.username else "no sign-in"
    return f"{describe(settings)} answered: {protection}, {who}; nothing was sent"


def protect_password(username: str, password: str) -> None:
    """Keep the password, and the base64 forms AUTH sends it in, out of logs."""
    user, secret = username.encode(), password.encode()
    logs.register_secret(password)
    for form in (secret, b"\0" + user + b"\0" + secret):
        logs.register_secret(base64.b64encode(form).decode("ascii"))


def envelope(
    settings: EmailSettings,
) -> tuple[mailmessage.Mailbox, list[mailmessage.Mailbox]]:
    """Return the parsed sender and recipients.

    Raises:
        DeliveryError: (permanent) one of them is not a single address.
    """
    sender = mailmessage.parse_mailbox(settings.sender, "sender")
    recipients = [
        mailmessage.parse_mailbox(r, "recipient") for r in settings.recipients
    ]
    return sender, recipients


def describe(settings: EmailSettings) -> str:
    """Name the server for messages: ``SMTP server smtp.example.com:587``."""
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"SMTP server {host}:{settings.port}"


@contextlib.asynccontextmanager
async def _session(
    settings: EmailSettings,
    password: str | None,
    tls_context: ssl.SSLContext | None,
) -> AsyncIterator[aiosmtplib.SMTP]:
    """Yield a connection that is greeted, secured and signed in as configured."""
    _check_sign_in(settings, password)
    context = tls_context or _system_tls_context()
    smtp = aiosmtplib.SMTP(
        hostname=settings.host,
        port=settings.port,
        use_tls=settings.security is Security.TLS,
        start_tls=False,
        tls_context=context,
        timeout=settings.timeout_s,
        local_hostname=_PLACEHOLDER_NAME,
    )
    where = describe(settings)
    logger.debug("Connecting to %s (security %s)", where, settings.security)
    try:
        await _greet(smtp, settings, context)
        connection: _Socket = smtp.get_transport_info("socket")
        try:
            await _hello(smtp)
            if settings.security is Security.STARTTLS:
                await _start_tls(smtp, where)
            if settings.username is not None and password is not None:
                await _sign_in(smtp, settings.username, password, where)
            yield smtp
        except Exception:  # not on cancellation: then just close
            await _hang_up(smtp, connection)
            raise
        await _hang_up(smtp, connection)
    except (aiosmtplib.SMTPException, OSError, TimeoutError, ValueError) as error:
        raise mailerrors.classify(error, where, settings.security) from error
    finally:
        smtp.close()


@functools.cache
def _system_tls_context() -> ssl.SSLContext:
    """The system's trusted certificates, with host name checking (loaded once)."""
    return ssl.create_default_context()


def _check_sign_in(settings: EmailSettings, password: str | None) -> None:
    if settings.username is None:
        return
    if not password:
        raise DeliveryError(
            f"No SMTP password is stored for {settings.username}: set it with "
            "`hookflo secret set smtp-password`",
            permanent=True,
        )
    if settings.security is Security.NONE and not loopback.is_loopback(settings.host):
        raise DeliveryError(
            "Refused to send the password over an unencrypted connection to a "
            f'non-loopback host ({settings.host}); use security = "starttls" or '
            '"tls"',
            permanent=True,
        )


async def _greet(
    smtp: aiosmtplib.SMTP, settings: EmailSettings, context: ssl.SSLContext
) -> None:
    limit = min(settings.timeout_s, GREETING_TIMEOUT_S)
    try:
        await smtp.connect(timeout=limit)
    except aiosmtplib.SMTPConnectTimeoutError as error:
        # The cause tells a silent server apart from a TCP connect timeout.
        silent = isinstance(error.__cause__, aiosmtplib.SMTPTimeoutError)
        if settings.security is Security.TLS or not silent:
            raise
        raise await _no_greeting(settings, context, limit) from error


async def _no_greeting(
    settings: EmailSettings, context: ssl.SSLContext, waited: float
) -> DeliveryError:
    where = describe(settings)
    if await _speaks_tls(settings, context, min(waited, PROBE_TIMEOUT_S)):
        return DeliveryError(
            f"No SMTP greeting from {where} within {waited:g} s: it expects TLS "
            'from the first byte; use security = "tls" (usually port 465)',
            permanent=True,
        )
    return DeliveryError(
        f"No SMTP greeting from {where} within {waited:g} s; if this port "
        'expects TLS from the first byte (usually 465), use security = "tls"',
        permanent=False,
    )


async def _speaks_tls(
    settings: EmailSettings, context: ssl.SSLContext, limit: float
) -> bool:
    """Whether the server answers a TLS handshake (tried once, briefly)."""
    probe = aiosmtplib.SMTP(
        hostname=settings.host,
        port=settings.port,
        use_tls=True,
        start_tls=False,
        tls_context=context,
        local_hostname=_PLACEHOLDER_NAME,
    )
    try:
        await probe.connect(timeout=limit)
        await _hang_up(probe, probe.get_transport_info("socket"))
    except aiosmtplib.SMTPConnectResponseError:
        return True
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
        problem = error.__cause__
        if isinstance(problem, aiosmtplib.SMTPTimeoutError):
            return True  # the handshake worked; only the greeting was missing
        if isinstance(problem, ssl.SSLError):
            plain = problem.reason == "WRONG_VERSION_NUMBER"
            return not plain and not isinstance(problem, ssl.SSLEOFError)
        return False
    finally:
        probe.close()
    return True


async def _hello(smtp: aiosmtplib.SMTP) -> None:
    name = _address_literal(smtp)
    try:
        await smtp.ehlo(hostname=name)
    except aiosmtplib.SMTPHeloError:
        if not smtp.is_connected:
            raise
        await smtp.helo(hostname=name)


def _address_literal(smtp: aiosmtplib.SMTP) -> str:
    """Return our end's address as an EHLO literal, revealing no host name."""
    sockname = smtp.get_transport_info("sockname")
    try:
        address = ipaddress.ip_address(sockname[0])
    except (TypeError, ValueError, IndexError):
        return _PLACEHOLDER_NAME
    return f"[IPv6:{address}]" if address.version == 6 else f"[{address}]"


async def _start_tls(smtp: aiosmtplib.SMTP, where: str) -> None:
    if not smtp.supports_extension("starttls"):
        raise DeliveryError(
            f"{where} does not offer STARTTLS, so nothing was sent in plain text; "
            'use security = "tls" if the port expects TLS from the first byte',
            permanent=True,
        )
    await smtp.starttls()
    await _hello(smtp)


async def _sign_in(
    smtp: aiosmtplib.SMTP, username: str, password: str, where: str
) -> None:
    """Sign in once, with the first method both sides speak.

    aiosmtplib's ``login`` would try every method in turn; providers lock
    accounts after repeated failures, so a rejected password is tried once.
    """
    if not smtp.supports_extension("auth"):
        raise DeliveryError(
            f"{where} does not offer AUTH, but a username is configured",
            permanent=True,
        )
    offered = smtp.server_auth_methods
    methods = (
        ("plain", smtp.auth_plain),
        ("login", smtp.auth_login),
        ("cram-md5", smtp.auth_crammd5),
    )
    for method, sign_in in methods:
        if method in offered:
            await sign_in(username, password)
            logger.debug("Signed in to %s with AUTH %s", where, method.upper())
            return
    raise DeliveryError(
        f"{where} offers no sign-in method HookFlo speaks "
        f"(it offers {', '.join(offered) or 'none'})",
        permanent=True,
    )


async def _hang_up(smtp: aiosmtplib.SMTP, connection: _Socket) -> None:
    """Say QUIT if still connected, close, and wait briefly for the socket to go.

    Closing TLS ends with an exchange of close_notify; waiting for it keeps a
    caller that stops its event loop right after a send from leaking the
    connection.
    """
    if smtp.is_connected:
        try:
            await smtp.quit(timeout=QUIT_TIMEOUT_S)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            logger.debug("QUIT failed, closing anyway: %s", error)
    smtp.close()
    deadline = time.monotonic() + CLOSE_WAIT_S
    # aiosmtplib has no public close-waiter, so poll the socket, briefly.
    while connection.fileno() != -1 and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.005)


def _protection(smtp: aiosmtplib.SMTP, security: Security) -> str:
    cipher = smtp.get_transport_info("cipher")
    if not cipher:
        return "plain text, no TLS"
    how = "STARTTLS" if security is Security.STARTTLS else "TLS from the first byte"
    return f"{how} ({cipher[1]})"


def _receipt(
    settings: EmailSettings,
    wanted: int,
    refused: dict[str, aiosmtplib.SMTPResponse],
    reply: str,
) -> SendReceipt:
    accepted = wanted - len(refused)
    plural = "" if accepted == 1 else "s"
    detail = (
        f"smtp {settings.host}:{settings.port} accepted it for {accepted} "
        f"recipient{plural} ({mailerrors.reply_text(250, reply)})"
    )
    if refused:
        listed = ", ".join(
            f"{address} ({mailerrors.reply_text(r.code, r.message)})"
            for address, r in refused.items()
        )
        detail += f"; refused {listed}"
        logger.warning("Email went out, but %s", detail)
    return SendReceipt(detail)
