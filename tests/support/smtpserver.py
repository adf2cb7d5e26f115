"""aiosmtpd on 127.0.0.1 as the SMTP server the email tests talk to.

Each stand-in listens on an ephemeral port in its own thread (aiosmtpd's
``Controller``) and is stopped when the test ends. It can offer STARTTLS or
wrap TLS from the first byte, with a certificate from a test CA (trustme)
that only the test's client context trusts. SMTPUTF8 is off and data is kept
as bytes, so raw 8-bit headers would show. A recorder keeps every message as
received, raw and parsed; an authenticator accepts one user and password or
answers a scripted reply, and counts the attempts.
"""

import dataclasses
import email
import email.message
import email.policy
import ssl
import time
from collections.abc import Iterator

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from hookflo.core.alertconfig import EmailSettings, Security

HOST = "127.0.0.1"
USERNAME = "founder@example.com"
PASSWORD = "fake-app-pass-0000"
SENDER = "HookFlo <alerts@example.com>"
RECIPIENT = "founder@example.com"
SERVER_NAME = "mail.hookflo.test"


@dataclasses.dataclass
class Arrival:
    """One message as the server received it."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: email.message.EmailMessage
    over_tls: bool
    authenticated: bool

    @property
    def raw_headers(self) -> bytes:
        return self.raw.split(b"\r\n\r\n", 1)[0]


class Recorder:
    """The aiosmtpd handler: keeps what arrives, answers as scripted."""

    def __init__(self) -> None:
        self.arrivals: list[Arrival] = []
        self.hellos = 0
        self.rcpt_replies: dict[str, str] = {}
        self.data_reply: str | None = None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        session.host_name = hostname
        self.hellos += 1
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        reply = self.rcpt_replies.get(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_reply is not None:
            return self.data_reply
        raw = envelope.original_content
        if envelope.smtp_utf8:  # the bytes parser would not decode UTF-8 headers
            parsed = email.message_from_string(
                raw.decode("utf-8"), policy=email.policy.default
            )
        else:
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
        self.arrivals.append(
            Arrival(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                raw=raw,
                message=parsed,
                over_tls=_encrypted(server, session),
                authenticated=bool(session.authenticated),
            )
        )
        return "250 2.0.0 Ok: queued as FAKE0001"


def _encrypted(server, session) -> bool:
    # session.ssl covers STARTTLS only; implicit TLS shows on the transport.
    if session.ssl is not None:
        return True
    return server.transport.get_extra_info("sslcontext") is not None


class Authenticator:
    """Accepts USERNAME/PASSWORD, or answers ``reply`` to every attempt."""

    def __init__(self, reply: str | None = None) -> None:
        self.reply = reply
        self.attempts: list[str] = []
        self.times: list[float] = []  # time.monotonic() of each attempt

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.attempts.append(mechanism)
        self.times.append(time.monotonic())
        if self.reply is not None:
            return AuthResult(success=False, handled=False, message=self.reply)
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login == USERNAME.encode()
            and auth_data.password == PASSWORD.encode()
        )
        return AuthResult(success=ok, handled=False)


class _EphemeralController(Controller):
    """A Controller bound to port 0 that learns its port before the self-check."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclasses.dataclass
class SmtpStandIn:
    """A running stand-in and what it saw."""

    port: int
    recorder: Recorder
    authenticator: Authenticator
    implicit_tls: bool
    host: str = HOST

    def settings(self, security: str, **changes) -> EmailSettings:
        """Return settings pointing at this server, signing in as USERNAME."""
        settings = EmailSettings(
            host=self.host,
            port=self.port,
            security=Security(security),
            sender=SENDER,
            recipients=(RECIPIENT,),
            username=USERNAME,
            timeout_s=5.0,
        )
        return dataclasses.replace(settings, **changes)


@pytest.fixture(scope="session")
def smtp_ca() -> trustme.CA:
    """The CA that signs the stand-ins' certificate."""
    return trustme.CA()


@pytest.fixture(scope="session")
def smtp_server_tls(smtp_ca) -> ssl.SSLContext:
    """The stand-ins' server context, valid for 127.0.0.1 and localhost."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    smtp_ca.issue_cert(HOST, "localhost").configure_cert(context)
    return context


@pytest.fixture
def smtp_client_tls(smtp_ca) -> ssl.SSLContext:
    """A client context that trusts the test CA (and nothing else)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    smtp_ca.configure_trust(context)
    return context


@pytest.fixture
def smtp_server(smtp_server_tls) -> Iterator:
    """Start stand-ins: ``smtp_server(implicit_tls=..., starttls=..., ...)``.

    Keyword arguments: ``implicit_tls`` wraps TLS from the first byte;
    ``starttls`` offers STARTTLS (ignored with implicit TLS); ``auth_reply``
    scripts the answer to AUTH; ``auth_require_tls`` (default True) hides
    AUTH until the connection is encrypted; ``smtputf8`` offers SMTPUTF8.
    """
    running: list[Controller] = []

    def start(
        *,
        implicit_tls: bool = False,
        starttls: bool = True,
        auth_reply: str | None = None,
        auth_require_tls: bool = True,
        smtputf8: bool = False,
    ) -> SmtpStandIn:
        recorder = Recorder()
        authenticator = Authenticator(auth_reply)
        controller = _EphemeralController(
            recorder,
            hostname=HOST,
            port=0,
            ssl_context=smtp_server_tls if implicit_tls else None,
            server_hostname=SERVER_NAME,
            ident="HookFlo stand-in ESMTP",
            tls_context=smtp_server_tls if starttls and not implicit_tls else None,
            enable_SMTPUTF8=smtputf8,
            decode_data=False,
            authenticator=authenticator,
            # aiosmtpd counts only STARTTLS as encryption, not implicit TLS.
            auth_require_tls=auth_require_tls and not implicit_tls,
        )
        running.append(controller)
        controller.start()
        return SmtpStandIn(controller.port, recorder, authenticator, implicit_tls)

    yield start
    for controller in running:
        controller.stop(no_assert=True)
