"""Make text from a webhook safe to place in each channel's message parts.

Every value a template substitutes (``{{ name }}``) passes through the escaper
of the part being rendered; the text the template author wrote does not. The
escapers also drop what a reader cannot see but a terminal, mail client or
chat app would act on: control characters and the bidirectional overrides
that can reverse how a name reads (U+202E and friends).

Slack: ``&``, ``<`` and ``>`` become entities, which is all Slack needs to
never read a value as a mention (``<!channel>``, ``<@U…>``, ``<#C…>``) or a
disguised link (``<https://…|text>``); text that is already entity-encoded is
shown as it was typed. A bare ``@here``, ``@channel`` or ``@everyone`` gets a
word joiner after the ``@`` so it cannot ping even if someone later posts with
``link_names`` on.

Slack has no escape for its emphasis marks (``*``, ``_``, ``~``, `````, and
their full-width forms, which it reads as marks too), so a name such as
``Ada *Star* Example`` inside the template's ``*…*`` would end the bold after
"Ada". A zero-width character beside a mark does not help: Slack takes it as
a word break, which makes the mark *more* likely to format. Instead a mark
that touches anything but a letter or digit is swapped for a look-alike
Slack's markup does not know (``*`` becomes U+2217 ASTERISK OPERATOR, ``_``
U+02CD MODIFIER LETTER LOW MACRON, ``~`` U+223C TILDE OPERATOR, ````` U+02CB
MODIFIER LETTER GRAVE ACCENT), so the name reads the same and the bold
around it holds. A mark between two letters or digits is never
emphasis in Slack and stays, so ``first_last@example.com`` and ``msg_2abc``
are unchanged.
"""

import html
import re
from collections.abc import Callable, Mapping

from hookflo.core.channels.base import ChannelName

Escaper = Callable[[str], str]

_BIDI_CONTROLS = [
    0x061C,
    0x200E,
    0x200F,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
]
_INVISIBLE = [0x200B, 0xFEFF]
_LINE_BREAKS = [0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029]
_CONTROLS = [c for c in [*range(0x20), *range(0x7F, 0xA0)] if c != 0x09]


def _table(*, multiline: bool) -> dict[int, str | None]:
    table: dict[int, str | None] = dict.fromkeys(_CONTROLS + _INVISIBLE)
    table.update(dict.fromkeys(_BIDI_CONTROLS))
    table.update(dict.fromkeys(_LINE_BREAKS, "\n" if multiline else " "))
    table[0x09] = "\t" if multiline else " "
    if multiline:
        table[0x0D] = None  # CR LF becomes one line break, a lone CR none.
    return table


_MULTILINE = _table(multiline=True)
_ONE_LINE = _table(multiline=False)
# Not after a word character: ``ops@channel.example`` is an address.
_MENTION_WORD = re.compile(
    r"(?<![\w.+-])@(?=(?:here|channel|everyone)\b)", re.IGNORECASE
)
_WORD_JOINER = "\u2060"
_SLACK_LOOK_ALIKES = {
    "*": "\u2217",  # ASTERISK OPERATOR
    "\uff0a": "\ufe61",  # FULLWIDTH ASTERISK: SMALL ASTERISK
    "_": "\u02cd",  # MODIFIER LETTER LOW MACRON
    "\uff3f": "\u2e0f",  # FULLWIDTH LOW LINE: PARAGRAPHOS
    "~": "\u223c",  # TILDE OPERATOR
    "`": "\u02cb",  # MODIFIER LETTER GRAVE ACCENT
    "\uff40": "\u02cb",  # FULLWIDTH GRAVE ACCENT
}
_MARKS = "".join(_SLACK_LOOK_ALIKES)
# A mark with something other than a letter or digit on either side (or the
# start or end of the value): there Slack may read it as emphasis.
_EDGE_MARK = re.compile(rf"(?<![^\W_])[{_MARKS}]|[{_MARKS}](?![^\W_])")


def clean(text: str, *, multiline: bool = True) -> str:
    """Drop control, bidi-override and zero-width characters from ``text``.

    Line breaks of any kind become newlines when ``multiline``, else spaces.
    """
    return text.translate(_MULTILINE if multiline else _ONE_LINE)


def plain(text: str) -> str:
    """Escape for plain text that may span lines (desktop body, email text)."""
    return clean(text)


def plain_line(text: str) -> str:
    """Escape for plain text on one line (a desktop title)."""
    return clean(text, multiline=False)


def header(text: str) -> str:
    """Escape for an email header value: one line, no control characters."""
    return " ".join(clean(text, multiline=False).split())


def html_text(text: str) -> str:
    """Escape for HTML element content and attribute values."""
    return html.escape(clean(text), quote=True)


def slack_mrkdwn(text: str) -> str:
    """Escape for Slack ``text`` and mrkdwn fields."""
    text = clean(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _EDGE_MARK.sub(lambda mark: _SLACK_LOOK_ALIKES[mark[0]], text)
    return _MENTION_WORD.sub("@" + _WORD_JOINER, text)


PART_ESCAPERS: Mapping[ChannelName, Mapping[str, Escaper]] = {
    ChannelName.DESKTOP: {"title": plain_line, "body": plain},
    ChannelName.SLACK: {"text": slack_mrkdwn, "mrkdwn": slack_mrkdwn},
    ChannelName.EMAIL: {
        "subject": header,
        "text": plain,
        "html": html_text,
        "reply_to_name": header,
        "reply_to_address": header,
    },
}
"""The parts of each channel's message and how values are escaped in each."""
