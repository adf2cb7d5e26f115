"""The email channel against aiosmtpd on loopback (STARTTLS, implicit TLS, AUTH).

Covers the shared cases C41 (wrong security for the port), C44 (non-ASCII
subjects and display names) and C45 (AUTH replies and the password's secrecy).
"""

import base64
import dataclasses
import json
import logging
import socket
import ssl
import time

import aiosmtplib
import pytest

from hookflo.core import logs
from hookflo.core.alertconfig import EmailSettings, Security
from hookflo.core.channels import mailer, mailerrors, mailmessage
from hookflo.core.channels.base import Alert, ChannelName, DeliveryError
from hookflo.core.channels.mailer import EmailChannel, check_email_settings
from tests.support.cases import load_case
from tests.support.smtpserver import PASSWORD, RECIPIENT, USERNAME

PLAIN_BLOB = base64.b64encode(f"\0{USERNAME}\0{PASSWORD}".encode()).decode()
SECRET_FORMS = (PASSWORD, PLAIN_BLOB, base64.b64encode(PASSWORD.encode()).decode())


def _chained(error: BaseException, cause: BaseException) -> BaseException:
    error.__cause__ = cause
    return error


def body(message, kind: str) -> str:
    """Return a body part's text with LF line ends (it travels with CRLF)."""
    content = message.get_body((kind,)).get_content()
    return content.replace("\r\n", "\n").rstrip("\n")


def make_alert(**parts: str) -> Alert:
    values = {
        "subject": "New signup: Ada Example",
        "text": "Ada Example signed up with Google · ada@example.com",
        "html": "<p>Ada Example signed up with <b>Google</b></p>",
        "reply_to_name": "Ada Example",
        "reply_to_address": "ada@example.com",
    }
    values.update(parts)
    return Alert(parts=values, event_ids=(1,), dedupe_key="delivery-1-email")


@pytest.fixture
def starttls_server(smtp_server):
    return smtp_server()


@pytest.fixture
def tls_server(smtp_server):
    return smtp_server(implicit_tls=True)


@pytest.fixture
def no_connections(monkeypatch):
    """Fail the test if the channel tries to connect anywhere."""

    async def refuse(*args, **kwargs):
        raise AssertionError("the channel tried to connect")

    monkeypatch.setattr(aiosmtplib.SMTP, "connect", refuse)


async def send(server, security, tls, alert=None, **changes):
    settings = server.settings(security, **changes)
    channel = EmailChannel(settings, password=PASSWORD, tls_context=tls)
    try:
        return await channel.send(alert or make_alert())
    finally:
        await channel.close()


async def test_sends_over_starttls_with_auth(starttls_server, smtp_client_tls):
    receipt = await send(starttls_server, "starttls", smtp_client_tls)

    assert receipt.detail.startswith(
        f"smtp 127.0.0.1:{starttls_server.port} accepted it for 1 recipient (250 "
    )
    [arrival] = starttls_server.recorder.arrivals
    assert arrival.over_tls
    assert arrival.authenticated
    assert starttls_server.authenticator.attempts == ["PLAIN"]
    assert arrival.mail_from == "alerts@example.com"
    assert arrival.rcpt_tos == [RECIPIENT]
    message = arrival.message
    assert message["Subject"] == "New signup: Ada Example"
    assert message["From"] == "HookFlo <alerts@example.com>"
    assert message["To"] == RECIPIENT
    assert message["Reply-To"] == "Ada Example <ada@example.com>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"] is not None
    assert message["X-HookFlo-Test"] is None
    assert message.get_content_type() == "multipart/alternative"
    assert body(message, "plain") == make_alert().parts["text"]
    assert body(message, "html") == make_alert().parts["html"]


async def test_sends_over_implicit_tls(tls_server, smtp_client_tls):
    receipt = await send(tls_server, "tls", smtp_client_tls)

    assert "accepted it for 1 recipient" in receipt.detail
    [arrival] = tls_server.recorder.arrivals
    assert arrival.over_tls
    assert arrival.authenticated
    assert arrival.message["Subject"] == "New signup: Ada Example"


async def test_text_only_alert_is_a_single_part(starttls_server, smtp_client_tls):
    await send(starttls_server, "starttls", smtp_client_tls, make_alert(html=""))

    message = starttls_server.recorder.arrivals[0].message
    assert message.get_content_type() == "text/plain"


async def test_message_id_is_stable_for_one_dedupe_key(
    starttls_server, smtp_client_tls
):
    first = make_alert()
    retry = dataclasses.replace(first, parts={**first.parts, "text": "again"})
    other = dataclasses.replace(first, dedupe_key="delivery-2-email")
    for alert in (first, retry, other):
        await send(starttls_server, "starttls", smtp_client_tls, alert)

    ids = [a.message["Message-ID"] for a in starttls_server.recorder.arrivals]
    assert ids[0] == ids[1] == "<hookflo.delivery-1-email@example.com>"
    assert ids[2] != ids[0]


def test_message_id_of_an_awkward_key_is_a_digest():
    made = mailmessage.message_id("a key <with> spaces@", "example.com")
    assert made == mailmessage.message_id("a key <with> spaces@", "example.com")
    assert made.startswith("<hookflo.")
    assert made.endswith("@example.com>")
    assert " " not in made
    assert made.count("<") == 1


async def test_test_alert_is_marked_and_subject_kept(starttls_server, smtp_client_tls):
    alert = dataclasses.replace(make_alert(subject="TEST · New signup"), is_test=True)
    await send(starttls_server, "starttls", smtp_client_tls, alert)

    message = starttls_server.recorder.arrivals[0].message
    assert message["X-HookFlo-Test"] == "yes"
    assert message["Subject"] == "TEST · New signup"


# C41: the wrong security for the port fails fast, with the right advice.


def c41_variants():
    return {(v["port"], v["security"]): v for v in load_case("C41")["config_variants"]}


async def test_c41_implicit_tls_against_a_plain_port(starttls_server, smtp_client_tls):
    variant = c41_variants()[("A", "implicit_tls")]
    settings = starttls_server.settings("tls", timeout_s=15.0)
    channel = EmailChannel(settings, password=PASSWORD, tls_context=smtp_client_tls)

    for attempt in (
        channel.send(make_alert()),
        check_email_settings(settings, PASSWORD, smtp_client_tls),
    ):
        started = time.monotonic()
        with pytest.raises(DeliveryError) as caught:
            await attempt
        assert time.monotonic() - started < variant["max_seconds"]
        assert caught.value.permanent
        assert "[SSL: WRONG_VERSION_NUMBER]" in caught.value.message
        assert "plain SMTP first" in caught.value.message
        assert 'security = "starttls"' in caught.value.message
    assert starttls_server.recorder.arrivals == []


async def test_c41_starttls_against_an_implicit_tls_port(tls_server, smtp_client_tls):
    variant = c41_variants()[("B", "starttls")]
    # The default timeout (15 s) on purpose: the greeting wait is capped anyway.
    settings = tls_server.settings("starttls", timeout_s=15.0)
    channel = EmailChannel(settings, password=PASSWORD, tls_context=smtp_client_tls)

    started = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        await channel.send(make_alert())
    elapsed = time.monotonic() - started

    assert elapsed < variant["max_seconds"]
    assert elapsed >= mailer.GREETING_TIMEOUT_S - 0.5
    assert caught.value.permanent
    assert "No SMTP greeting" in caught.value.message
    assert "expects TLS from the first byte" in caught.value.message
    assert 'security = "tls"' in caught.value.message
    assert tls_server.authenticator.attempts == []


async def test_c41_settings_check_reports_a_missing_greeting(
    tls_server, smtp_client_tls
):
    settings = tls_server.settings("starttls", timeout_s=1.0)

    started = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        await check_email_settings(settings, PASSWORD, smtp_client_tls)

    assert time.monotonic() - started < 4
    assert caught.value.permanent
    assert "No SMTP greeting" in caught.value.message
    assert 'security = "tls"' in caught.value.message


async def test_silent_server_is_a_temporary_failure(smtp_client_tls):
    # A listener that accepts and never says anything, TLS or otherwise.
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        settings = EmailSettings(
            host="127.0.0.1",
            port=port,
            security=Security.STARTTLS,
            sender="alerts@example.com",
            recipients=(RECIPIENT,),
            timeout_s=0.5,
        )
        with pytest.raises(DeliveryError) as caught:
            await EmailChannel(settings, tls_context=smtp_client_tls).send(make_alert())

    assert not caught.value.permanent
    assert "No SMTP greeting" in caught.value.message


async def test_c41_password_over_plain_text_to_a_remote_host(
    starttls_server, no_connections
):
    settings = starttls_server.settings("none", host="mail.example.com")

    for attempt in (
        EmailChannel(settings, password=PASSWORD).send(make_alert()),
        check_email_settings(settings, PASSWORD),
    ):
        with pytest.raises(DeliveryError) as caught:
            await attempt
        assert caught.value.permanent
        assert (
            "refused to send the password over an unencrypted connection to a "
            "non-loopback host" in caught.value.message.lower()
        )


async def test_c41_password_over_plain_text_to_loopback(smtp_server):
    server = smtp_server(starttls=False, auth_require_tls=False)

    receipt = await send(server, "none", None)

    assert "accepted it for 1 recipient" in receipt.detail
    [arrival] = server.recorder.arrivals
    assert arrival.authenticated
    assert not arrival.over_tls


async def test_c41_the_right_settings_send(
    starttls_server, tls_server, smtp_client_tls
):
    variants = c41_variants()
    assert variants[("A", "starttls")]["expect"] == "sent"
    assert variants[("B", "implicit_tls")]["expect"] == "sent"

    await send(starttls_server, "starttls", smtp_client_tls)
    await send(tls_server, "tls", smtp_client_tls)

    assert len(starttls_server.recorder.arrivals) == 1
    assert len(tls_server.recorder.arrivals) == 1


# C44: non-ASCII subjects and names, encoded-words only, one Reply-To address.


def c44_signups():
    case = load_case("C44")
    signups = []
    for request in case["requests_in_order"]:
        data = json.loads(request["body"])["data"]
        name = " ".join(p for p in (data["first_name"], data["last_name"]) if p)
        address = data["email_addresses"][0]["email_address"]
        signups.append((name, address))
    return signups, case["expect"]["subjects_after_decoding"]


async def test_c44_non_ascii_subjects_and_reply_to(starttls_server, smtp_client_tls):
    signups, expected_subjects = c44_signups()
    for name, address in signups:
        alert = make_alert(
            subject=f"New signup: {name}",
            text=f"{name} signed up · {address}",
            html=f"<p>{name}</p>",
            reply_to_name=name,
            reply_to_address=address,
        )
        await send(starttls_server, "starttls", smtp_client_tls, alert)

    arrivals = starttls_server.recorder.arrivals
    assert [a.message["Subject"] for a in arrivals] == expected_subjects
    for arrival, (name, address) in zip(arrivals, signups, strict=True):
        arrival.raw.decode("ascii")  # headers and bodies: 7-bit only
        assert b"=?utf-8?" in arrival.raw_headers
        [reply_to] = arrival.message["Reply-To"].addresses
        assert reply_to.display_name == name
        assert reply_to.addr_spec == address
        assert f"<{address}>".encode() in arrival.raw_headers
        assert body(arrival.message, "plain") == f"{name} signed up · {address}"


async def test_c44_comma_in_an_ascii_name_is_quoted(starttls_server, smtp_client_tls):
    alert = make_alert(reply_to_name="Ng, Zoe", reply_to_address="user1@example.com")
    await send(starttls_server, "starttls", smtp_client_tls, alert)

    arrival = starttls_server.recorder.arrivals[0]
    assert b'Reply-To: "Ng, Zoe" <user1@example.com>' in arrival.raw_headers
    assert len(arrival.message["Reply-To"].addresses) == 1


@pytest.mark.parametrize(
    "name",
    [
        "Ng, Zoe " + "a" * 70,
        "Eve <evil@evil.example>, " + "b" * 60,
        "Zoë, <evil@evil.example> " + "c" * 60,
        '"quoted" ' + "d" * 80,
    ],
    ids=["comma", "address-ascii", "address-utf8", "quotes"],
)
@pytest.mark.parametrize("smtputf8", [False, True], ids=["7bit", "smtputf8"])
async def test_a_long_name_never_adds_a_reply_to_address(
    smtp_server, smtp_client_tls, name, smtputf8
):
    # Python 3.11 drops a display name's quotes when it folds the header.
    server = smtp_server(smtputf8=smtputf8)
    alert = make_alert(reply_to_name=name, reply_to_address="eve@example.com")
    settings = {"recipients": ("zoë@example.com",)} if smtputf8 else {}
    await send(server, "starttls", smtp_client_tls, alert, **settings)

    [arrival] = server.recorder.arrivals
    [reply_to] = arrival.message["Reply-To"].addresses
    assert reply_to.addr_spec == "eve@example.com"
    assert reply_to.display_name in ("", name)


async def test_non_ascii_domains_go_out_as_idna(starttls_server, smtp_client_tls):
    await send(
        starttls_server,
        "starttls",
        smtp_client_tls,
        make_alert(reply_to_address="zoe@bücher.example"),
        recipients=("Zoë Ñúñez <founder@bücher.example>",),
    )

    arrival = starttls_server.recorder.arrivals[0]
    arrival.raw.decode("ascii")
    assert arrival.rcpt_tos == ["founder@xn--bcher-kva.example"]
    [to] = arrival.message["To"].addresses
    assert (to.display_name, to.domain) == ("Zoë Ñúñez", "xn--bcher-kva.example")
    assert arrival.message["Reply-To"].addresses[0].domain == "xn--bcher-kva.example"


async def test_non_ascii_local_part_needs_smtputf8(starttls_server, smtp_client_tls):
    with pytest.raises(DeliveryError) as caught:
        await send(
            starttls_server,
            "starttls",
            smtp_client_tls,
            recipients=("zoë@example.com",),
        )

    assert caught.value.permanent
    assert "SMTPUTF8" in caught.value.message
    assert starttls_server.recorder.arrivals == []


async def test_non_ascii_local_part_over_smtputf8(smtp_server, smtp_client_tls):
    server = smtp_server(smtputf8=True)
    alert = make_alert(reply_to_name="Zoë", reply_to_address="zoë@example.com")

    await send(
        server, "starttls", smtp_client_tls, alert, recipients=("zoë@example.com",)
    )

    [arrival] = server.recorder.arrivals
    assert arrival.rcpt_tos == ["zoë@example.com"]
    assert "zoë@example.com".encode() in arrival.raw_headers
    assert arrival.message["Reply-To"].addresses[0].username == "zoë"
    assert arrival.message["Subject"] == "New signup: Ada Example"


async def test_reply_to_that_needs_utf8_is_left_out(starttls_server, smtp_client_tls):
    alert = make_alert(reply_to_address="zoë@example.com")
    await send(starttls_server, "starttls", smtp_client_tls, alert)

    assert starttls_server.recorder.arrivals[0].message["Reply-To"] is None


# C45: AUTH replies, one attempt per send, and the password stays secret.


def c45_replies():
    case = load_case("C45")
    assert case["config"] == {
        "username": USERNAME,
        "password_in_keyring": PASSWORD,
    }
    return [
        pytest.param(r["reply"], "permanent" in r["class"], id=r["reply"][:3])
        for r in case["replies_to_script"]
    ]


@pytest.mark.parametrize(("reply", "permanent"), c45_replies())
async def test_c45_auth_replies(smtp_server, smtp_client_tls, caplog, reply, permanent):
    for name in (None, "aiosmtplib", "hookflo", "asyncio", "mail.log"):
        caplog.set_level(logging.DEBUG, logger=name)
    server = smtp_server(auth_reply=reply)
    settings = server.settings("starttls")
    channel = EmailChannel(settings, password=PASSWORD, tls_context=smtp_client_tls)

    errors = []
    for _ in range(2):
        with pytest.raises(DeliveryError) as caught:
            await channel.send(make_alert())
        errors.append(caught.value)
        assert len(server.authenticator.attempts) == len(errors)
    with pytest.raises(DeliveryError) as checked:
        await check_email_settings(settings, PASSWORD, smtp_client_tls)
    errors.append(checked.value)

    assert server.authenticator.attempts == ["PLAIN"] * 3
    assert server.recorder.arrivals == []
    for error in errors:
        assert error.permanent is permanent
        assert reply in error.message
    code = reply[:3]
    message = errors[0].message
    if code == "535":
        assert "rejected the user name or password" in message
    elif code == "534":
        assert "needs an app password" in message
    else:
        assert "for now" in message
    written = caplog.text + "".join(_chain_text(e) for e in errors)
    for form in SECRET_FORMS:
        assert form not in written


def _chain_text(error: BaseException | None) -> str:
    parts = []
    while error is not None:
        parts.append(f"{error!s} {error!r} {error.args!r}")
        error = error.__cause__ or error.__context__
    return " ".join(parts)


async def test_password_absent_from_debug_logs_of_a_good_send(
    starttls_server, smtp_client_tls, caplog
):
    for name in (None, "aiosmtplib", "hookflo"):
        caplog.set_level(logging.DEBUG, logger=name)

    await send(starttls_server, "starttls", smtp_client_tls)

    assert starttls_server.recorder.arrivals[0].authenticated
    assert "Signed in to SMTP server" in caplog.text  # the logs were captured
    for form in SECRET_FORMS:
        assert form not in caplog.text


def test_password_forms_are_registered_for_redaction():
    mailer.protect_password(USERNAME, PASSWORD)

    for form in SECRET_FORMS:
        assert form not in logs.redact(f"AUTH PLAIN {form}")


# Header injection: user text never adds a header or a recipient.


@pytest.mark.parametrize(
    "parts",
    [
        {"subject": "New signup: Eve\r\nBcc: evil@example.com"},
        {"subject": "New signup: Eve\nBcc: evil@example.com"},
        {"reply_to_name": "Eve\r\nBcc: evil@example.com"},
        {"reply_to_address": "eve@example.com\r\nBcc: evil@example.com"},
    ],
    ids=["subject-crlf", "subject-lf", "reply-to-name", "reply-to-address"],
)
async def test_line_breaks_never_reach_a_header(
    starttls_server, smtp_client_tls, parts
):
    with pytest.raises(DeliveryError) as caught:
        await send(starttls_server, "starttls", smtp_client_tls, make_alert(**parts))

    assert caught.value.permanent
    assert "line break" in caught.value.message
    assert starttls_server.recorder.arrivals == []
    assert starttls_server.recorder.hellos == 0  # refused before connecting


async def test_header_like_text_stays_inside_the_subject(
    starttls_server, smtp_client_tls
):
    alert = make_alert(
        subject="Hi Bcc: evil@example.com",
        reply_to_name="Eve Bcc: evil@example.com",
    )
    await send(starttls_server, "starttls", smtp_client_tls, alert)

    [arrival] = starttls_server.recorder.arrivals
    assert arrival.rcpt_tos == [RECIPIENT]
    assert arrival.message["Bcc"] is None
    assert arrival.message["Subject"] == "Hi Bcc: evil@example.com"
    [reply_to] = arrival.message["Reply-To"].addresses
    assert reply_to.addr_spec == "ada@example.com"


# Other failures and their classes.


async def test_server_without_starttls_is_refused(smtp_server, smtp_client_tls):
    server = smtp_server(starttls=False)

    with pytest.raises(DeliveryError) as caught:
        await send(server, "starttls", smtp_client_tls)

    assert caught.value.permanent
    assert "does not offer STARTTLS" in caught.value.message
    assert server.authenticator.attempts == []


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_untrusted_certificate_is_permanent(smtp_server, security):
    server = smtp_server(implicit_tls=security == "tls")
    untrusting = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)

    with pytest.raises(DeliveryError) as caught:
        await send(server, security, untrusting)

    assert caught.value.permanent
    assert "certificate" in caught.value.message
    assert "could not be verified" in caught.value.message
    assert server.authenticator.attempts == []


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [("550 5.1.1 No such user", True), ("450 4.2.1 Mailbox busy", False)],
)
async def test_refused_recipient(smtp_server, smtp_client_tls, reply, permanent):
    server = smtp_server()
    server.recorder.rcpt_replies[RECIPIENT] = reply

    with pytest.raises(DeliveryError) as caught:
        await send(server, "starttls", smtp_client_tls)

    assert caught.value.permanent is permanent
    assert RECIPIENT in caught.value.message
    assert reply in caught.value.message


@pytest.mark.expect_log_warnings
async def test_one_refused_recipient_of_two_is_in_the_receipt(
    smtp_server, smtp_client_tls
):
    server = smtp_server()
    server.recorder.rcpt_replies["gone@example.com"] = "550 5.1.1 No such user"

    receipt = await send(
        server,
        "starttls",
        smtp_client_tls,
        recipients=(RECIPIENT, "gone@example.com"),
    )

    assert "accepted it for 1 recipient" in receipt.detail
    assert "refused gone@example.com (550 5.1.1 No such user)" in receipt.detail
    assert server.recorder.arrivals[0].rcpt_tos == [RECIPIENT]


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [("451 4.3.0 Try again later", False), ("554 5.7.1 Rejected as spam", True)],
)
async def test_data_reply(smtp_server, smtp_client_tls, reply, permanent):
    server = smtp_server()
    server.recorder.data_reply = reply

    with pytest.raises(DeliveryError) as caught:
        await send(server, "starttls", smtp_client_tls)

    assert caught.value.permanent is permanent
    assert reply in caught.value.message


async def test_connection_refused_is_temporary(smtp_client_tls):
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
    settings = EmailSettings(
        host="127.0.0.1",
        port=port,
        security=Security.TLS,
        sender="alerts@example.com",
        recipients=(RECIPIENT,),
    )

    with pytest.raises(DeliveryError) as caught:
        await EmailChannel(settings, tls_context=smtp_client_tls).send(make_alert())

    assert not caught.value.permanent
    assert "refused the connection" in caught.value.message


async def test_username_without_password_is_permanent(starttls_server, no_connections):
    channel = EmailChannel(starttls_server.settings("starttls"), password=None)

    with pytest.raises(DeliveryError) as caught:
        await channel.send(make_alert())

    assert caught.value.permanent
    assert "hookflo secret set smtp-password" in caught.value.message


async def test_missing_part_is_permanent(starttls_server, no_connections):
    alert = Alert(parts={"text": "no subject"}, event_ids=(1,), dedupe_key="k")
    channel = EmailChannel(starttls_server.settings("starttls"), password=PASSWORD)

    with pytest.raises(DeliveryError) as caught:
        await channel.send(alert)

    assert caught.value.permanent
    assert "'subject'" in caught.value.message


# The settings dialog's test button.


async def test_check_email_settings_signs_in_without_sending(
    starttls_server, smtp_client_tls
):
    settings = starttls_server.settings("starttls")

    described = await check_email_settings(settings, PASSWORD, smtp_client_tls)

    assert described.startswith(f"SMTP server 127.0.0.1:{starttls_server.port}")
    assert "STARTTLS (TLSv1." in described
    assert f"signed in as {USERNAME}" in described
    assert "nothing was sent" in described
    assert starttls_server.authenticator.attempts == ["PLAIN"]
    assert starttls_server.recorder.arrivals == []


def test_channel_name():
    settings = EmailSettings(
        host="127.0.0.1",
        port=25,
        security=Security.NONE,
        sender="alerts@example.com",
        recipients=(RECIPIENT,),
    )
    assert EmailChannel(settings).name is ChannelName.EMAIL


def test_envelope_is_parsed_from_settings():
    settings = EmailSettings(
        host="127.0.0.1",
        port=25,
        security=Security.NONE,
        sender='"HookFlo, alerts" <alerts@example.com>',
        recipients=("a@example.com", "Bo <b@example.com>"),
    )
    sender, recipients = mailer.envelope(settings)

    assert (sender.display_name, sender.addr_spec) == (
        "HookFlo, alerts",
        "alerts@example.com",
    )
    assert [r.addr_spec for r in recipients] == ["a@example.com", "b@example.com"]


# Classification of failures that need no server to show.


@pytest.mark.parametrize(
    ("error", "permanent", "words"),
    [
        (
            aiosmtplib.SMTPConnectError("Error connecting"),
            False,
            "Cannot talk to",
        ),
        (
            _chained(
                aiosmtplib.SMTPConnectError("x"), socket.gaierror(-2, "Name unknown")
            ),
            False,
            "Cannot look up the host",
        ),
        (aiosmtplib.SMTPServerDisconnected("gone"), False, "closed the connection"),
        (aiosmtplib.SMTPReadTimeoutError("slow"), False, "Timed out"),
        (aiosmtplib.SMTPResponseException(421, "4.3.2 Shutting down"), False, "421"),
        (aiosmtplib.SMTPAuthenticationError(530, "5.7.0 Must auth"), True, "530"),
        (aiosmtplib.SMTPAuthenticationError(454, "4.7.0 Try later"), False, "454"),
        (aiosmtplib.SMTPSenderRefused(553, "5.7.1 Not yours", "a@x"), True, "a@x"),
        (ValueError("bad address"), True, "bad address"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else None,
)
def test_classification(error, permanent, words):
    made = mailerrors.classify(error, "SMTP server smtp.example.com:587", Security.TLS)

    assert made.permanent is permanent
    assert words in made.message
