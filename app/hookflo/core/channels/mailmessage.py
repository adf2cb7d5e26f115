"""One email alert as one MIME message whose raw headers are plain ASCII.

Non-ASCII subjects and display names become RFC 2047 encoded-words and
domains become IDNA, so the address itself never sits inside an encoded-word.
A local part outside ASCII needs an SMTPUTF8 server: the message is then
written with UTF-8 headers instead. No header takes a line break or another
control character from the alert's parts; such an alert is refused, never
sent with a broken header.
"""

import dataclasses
import datetime
import email.errors
import email.headerregistry
import email.message
import email.policy
import email.utils
import hashlib
import logging
import re
from collections.abc import Sequence

from hookflo.core.channels.base import Alert, DeliveryError

logger = logging.getLogger(__name__)

# Bodies go out as quoted-printable or base64, never raw 8-bit: the server
# need not offer 8BITMIME.
ASCII_POLICY = email.policy.SMTP.clone(cte_type="7bit")
UTF8_POLICY = email.policy.SMTPUTF8.clone(cte_type="7bit")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = re.compile(rf"^{_ATOM}(\.{_ATOM})*$")
_MAX_ID_LEFT = 64
_NON_ASCII_LOCAL = email.errors.NonASCIILocalPartDefect


@dataclasses.dataclass(frozen=True, slots=True)
class Mailbox:
    """An address ready for the envelope and the headers.

    Attributes:
        display_name: the name shown with the address, possibly empty.
        local: the part before the ``@``, as given.
        domain: the part after it, in ASCII (IDNA) form.
    """

    display_name: str
    local: str
    domain: str

    @property
    def addr_spec(self) -> str:
        """The bare address, as used in MAIL FROM and RCPT TO."""
        return self.header().addr_spec

    @property
    def needs_utf8(self) -> bool:
        """Whether the address can only be written with SMTPUTF8."""
        return not self.local.isascii()

    def header(self) -> email.headerregistry.Address:
        """Return the address for a From, To or Reply-To header."""
        return email.headerregistry.Address(
            display_name=self.display_name, username=self.local, domain=self.domain
        )


def parse_mailbox(text: str, what: str) -> Mailbox:
    """Parse one address such as ``HookFlo <alerts@example.com>``.

    Raises:
        DeliveryError: (permanent) ``text`` is not exactly one valid address.
    """
    refuse_control_characters(what, text)
    address = _one_address(text)
    if address is None:
        raise DeliveryError(f"The {what} {text!r} is not one address", permanent=True)
    return _mailbox(address.display_name, address, what)


def reply_to(alert: Alert) -> Mailbox | None:
    """Return the Reply-To of ``alert``, or None when it has none or a bad one.

    Raises:
        DeliveryError: (permanent) the name or address holds a line break.
    """
    text = alert.parts.get("reply_to_address", "").strip()
    name = alert.parts.get("reply_to_name", "").strip()
    refuse_control_characters("reply-to address", text)
    refuse_control_characters("reply-to name", name)
    if not text:
        return None
    address = _one_address(text)
    if address is not None:
        try:
            return _mailbox(name, address, "reply-to address")
        except DeliveryError:
            pass
    logger.debug("Leaving out Reply-To: %r is not a usable address", text)
    return None


def compose(
    alert: Alert, sender: Mailbox, recipients: Sequence[Mailbox], *, utf8: bool
) -> email.message.EmailMessage:
    """Build the message for ``alert``: text, and HTML when the alert has it.

    ``utf8`` writes UTF-8 headers (for a server that offers SMTPUTF8);
    otherwise a Reply-To that needs UTF-8 is left out.

    Raises:
        DeliveryError: (permanent) a part is missing or would break a header.
    """
    subject = _required(alert, "subject")
    text = _required(alert, "text")
    html = alert.parts.get("html", "")
    refuse_control_characters("subject", subject)
    answer_to = reply_to(alert)

    policy = UTF8_POLICY if utf8 else ASCII_POLICY
    message = email.message.EmailMessage(policy=policy)
    message["Subject"] = subject
    message["From"] = sender.header()
    message["To"] = [r.header() for r in recipients]
    if answer_to is not None and (utf8 or not answer_to.needs_utf8):
        message["Reply-To"] = _unambiguous(answer_to, policy)
    now = datetime.datetime.now(datetime.UTC)
    message["Date"] = email.utils.format_datetime(now)
    message["Message-ID"] = message_id(alert.dedupe_key, sender.domain)
    message["Auto-Submitted"] = "auto-generated"
    if alert.is_test:
        message["X-HookFlo-Test"] = "yes"

    message.set_content(text)
    if html.strip():
        message.add_alternative(html, subtype="html")
    return message


def message_id(dedupe_key: str, domain: str) -> str:
    """Return a Message-ID that stays the same for every try of one delivery.

    A key that is not a plain dot-atom is replaced by a digest of itself.
    """
    left = dedupe_key
    if len(left) > _MAX_ID_LEFT or not _DOT_ATOM.match(left):
        left = hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]
    return f"<hookflo.{left}@{domain}>"


def refuse_control_characters(what: str, value: str) -> None:
    """Refuse a header value holding a line break or another control character.

    Raises:
        DeliveryError: (permanent) ``value`` would break the header.
    """
    found = _CONTROL.search(value)
    if found:
        raise DeliveryError(
            f"The {what} contains a line break or control character "
            f"({found.group()!r}); refusing to put it in an email header",
            permanent=True,
        )


def _one_address(text: str) -> email.headerregistry.Address | None:
    header = email.policy.default.header_factory("To", text)
    addresses: tuple[email.headerregistry.Address, ...]
    addresses = getattr(header, "addresses", ())
    defects = [d for d in header.defects if not isinstance(d, _NON_ASCII_LOCAL)]
    if len(addresses) != 1 or defects:
        return None
    address = addresses[0]
    return address if address.username and address.domain else None


def _mailbox(
    display_name: str, address: email.headerregistry.Address, what: str
) -> Mailbox:
    domain = address.domain
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise DeliveryError(
                f"The {what} has a domain that cannot be written in ASCII: {domain!r}",
                permanent=True,
            ) from None
    return Mailbox(display_name, address.username, domain)


def _unambiguous(
    mailbox: Mailbox, policy: "email.policy.EmailPolicy[email.message.EmailMessage]"
) -> email.headerregistry.Address:
    """Return the header for ``mailbox``, without its name if that would mislead.

    The display name comes from the signup. Python 3.11's header folding drops
    the quotes around a display name when it folds a long one, so a name such
    as ``Ng, Zoe …`` or ``Eve <x@evil.example>, …`` would become a second
    address: the header is rendered, read back, and the name left out unless
    it reads back as exactly this one mailbox.
    """
    address = mailbox.header()
    if not address.display_name:
        return address
    folded = policy.header_factory("Reply-To", address).fold(policy=policy)
    value = folded.split(":", 1)[1].replace("\r\n", "").replace("\n", "")
    parsed: tuple[email.headerregistry.Address, ...] = getattr(
        email.policy.default.header_factory("Reply-To", value), "addresses", ()
    )
    if len(parsed) == 1:
        (read_back,) = parsed
        same_name = read_back.display_name.split() == address.display_name.split()
        if same_name and read_back.addr_spec == address.addr_spec:
            return address
    logger.debug("Leaving the name out of Reply-To: it would not read back as one")
    return email.headerregistry.Address(username=mailbox.local, domain=mailbox.domain)


def _required(alert: Alert, part: str) -> str:
    value = alert.parts.get(part)
    if value is None:
        raise DeliveryError(f"The email alert has no {part!r} part", permanent=True)
    return value
