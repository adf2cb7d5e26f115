"""The body of a Slack message: Block Kit with a plain-text fallback.

The template parts arrive already escaped for Slack (``&``, ``<`` and ``>``
in substituted values are entities), so nothing here escapes or unescapes:
text is only cut to Slack's limits, and never inside an entity such as
``&amp;`` or a ``<…>`` link the template author wrote.
"""

import dataclasses
import unicodedata
from typing import Any

from hookflo.core.channels.base import Alert

# Slack truncates a message's top-level text beyond 40,000 characters and
# refuses a section whose text exceeds 3,000; a message holds at most 50 blocks.
TEXT_LIMIT = 39_000
SECTION_LIMIT = 3_000
MAX_SECTIONS = 10
ELLIPSIS = "…"
TEST_NOTE = "TEST · sent by send-test or from a development instance"

# How far back from the limit a cut may move to land on a line or word break.
_LINE_SLACK = 200
_WORD_SLACK = 40
_ENTITY_REACH = 8
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}


@dataclasses.dataclass(frozen=True, slots=True)
class SlackMessage:
    """What goes on the wire, apart from the channel.

    Attributes:
        text: the fallback Slack shows in notifications and old clients.
        blocks: the Block Kit layout, empty when the template gave no mrkdwn.
    """

    text: str
    blocks: tuple[dict[str, Any], ...]

    def payload(self, *, with_blocks: bool = True) -> dict[str, Any]:
        """Return the JSON body fields (no ``link_names``, no ``parse``)."""
        body: dict[str, Any] = {
            "text": self.text,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if with_blocks and self.blocks:
            body["blocks"] = [dict(block) for block in self.blocks]
        return body


def build(alert: Alert) -> SlackMessage | None:
    """Lay out ``alert``; None when its Slack parts are both empty."""
    text = alert.parts.get("text", "")
    mrkdwn = alert.parts.get("mrkdwn", "")
    if not text.strip():
        text = mrkdwn
    if not text.strip():
        return None
    sections = split(mrkdwn, SECTION_LIMIT, MAX_SECTIONS)
    # verbatim: Slack must not turn bare names, channels or URLs into links
    # or mentions on its own; links the template wrote still work.
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": s, "verbatim": True}}
        for s in sections
    ]
    if blocks and alert.is_test:
        note = {"type": "plain_text", "text": TEST_NOTE, "emoji": False}
        blocks.append({"type": "context", "elements": [note]})
    return SlackMessage(shorten(text, TEXT_LIMIT), tuple(blocks))


def split(text: str, limit: int, max_parts: int) -> list[str]:
    """Cut ``text`` into at most ``max_parts`` pieces of ``limit`` characters.

    Pieces break between lines; a single line longer than ``limit`` is
    shortened. Blank pieces are dropped.
    """
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        line = shorten(line, limit)
        joined = f"{current}\n{line}" if current else line
        if len(joined) <= limit:
            current = joined
            continue
        parts.append(current)
        current = line
    parts.append(current)
    parts = [p for p in parts if p.strip()]
    if len(parts) > max_parts:
        parts = parts[:max_parts]
        parts[-1] = shorten(f"{parts[-1]}\n{ELLIPSIS}", limit)
    return parts


def shorten(text: str, limit: int) -> str:
    """Return ``text`` cut to ``limit`` characters, ending in an ellipsis.

    The cut never splits an entity (``&amp;``), a ``<…>`` span, or a
    character from the combining marks or joiners that follow it, and moves
    back to a line or word break when one is near.
    """
    if len(text) <= limit:
        return text
    end = limit - len(ELLIPSIS)
    while end > 0 and _clings(text, end):
        end -= 1
    head = text[:end]
    amp = head.rfind("&")
    if amp != -1 and len(head) - amp <= _ENTITY_REACH and ";" not in head[amp:]:
        head = head[:amp]
    lt = head.rfind("<")
    if lt > head.rfind(">"):
        head = head[:lt]
    head = _at_break(head)
    return head.rstrip() + ELLIPSIS


def _clings(text: str, index: int) -> bool:
    """Tell whether the character at ``index`` belongs to the one before."""
    if index >= len(text):
        return False
    char = text[index]
    return (
        bool(unicodedata.combining(char))
        or char in _JOINERS
        or text[index - 1] == "\u200d"
    )


def _at_break(head: str) -> str:
    for mark, reach in (("\n", _LINE_SLACK), (" ", _WORD_SLACK)):
        where = head.rfind(mark)
        if where > 0 and len(head) - where <= reach:
            return head[:where]
    return head
