"""Escapers: what a substituted value becomes in each part of each channel."""

import pytest

from hookflo.core.alerting import escaping
from hookflo.core.channels.base import ChannelName

RLO = "\u202e"
# The look-alikes Slack's markup does not know: * _ ~ `
STAR, LOW, TILDE, GRAVE = "\u2217", "\u02cd", "\u223c", "\u02cb"
ALL_ESCAPERS = [
    escaping.plain,
    escaping.plain_line,
    escaping.header,
    escaping.html_text,
    escaping.slack_mrkdwn,
]


@pytest.mark.parametrize("escaper", ALL_ESCAPERS)
@pytest.mark.parametrize(
    "control", ["\u202a", "\u202b", "\u202c", "\u202d", RLO, "\u2066", "\u2069"]
)
def test_every_escaper_drops_bidi_controls(escaper, control):
    assert escaper(f"Zoë{control}Li") == "ZoëLi"


@pytest.mark.parametrize("escaper", ALL_ESCAPERS)
def test_every_escaper_drops_control_and_zero_width_characters(escaper):
    assert escaper("A\x00d\x07a\x1b[31m\u200b\ufeff\x7f\x9b") == "Ada[31m"


@pytest.mark.parametrize("escaper", ALL_ESCAPERS)
def test_every_escaper_keeps_emoji_sequences_and_other_scripts(escaper):
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    text = f"李 小龙 Ольга {family} Ñúñez"
    assert escaper(text) == text


def test_plain_keeps_line_breaks_and_drops_carriage_returns():
    assert escaping.plain("one\r\ntwo\u2028three\tfour") == "one\ntwo\nthree\tfour"


@pytest.mark.parametrize("escaper", [escaping.plain_line, escaping.header])
def test_one_line_escapers_turn_line_breaks_into_spaces(escaper):
    assert "\n" not in escaper("a\nb\r\nc\u2029d\x85e")
    assert "\r" not in escaper("a\nb\r\nc")


def test_header_collapses_whitespace_so_no_line_can_be_injected():
    value = "Ada\r\nBcc: victim@example.com\t  x"
    assert escaping.header(value) == "Ada Bcc: victim@example.com x"


def test_html_escapes_markup_and_quotes():
    assert escaping.html_text("<b>\"Ana\" & 'Bo'</b>") == (
        "&lt;b&gt;&quot;Ana&quot; &amp; &#x27;Bo&#x27;&lt;/b&gt;"
    )


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U0FAKEUSER>", "&lt;@U0FAKEUSER&gt;"),
        ("<#C0FAKECHAN>", "&lt;#C0FAKECHAN&gt;"),
        (
            "<https://evil.example.invalid|Verify>",
            "&lt;https://evil.example.invalid|Verify&gt;",
        ),
        ("&lt;!everyone&gt;", "&amp;lt;!everyone&amp;gt;"),
        ("Ana & Bo", "Ana &amp; Bo"),
        ("first_last@example.com", "first_last@example.com"),
    ],
)
def test_slack_neutralises_mentions_and_links(value, escaped):
    assert escaping.slack_mrkdwn(value) == escaped


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        (
            "*bold* _it_ ~s~ `code`",
            f"{STAR}bold{STAR} {LOW}it{LOW} {TILDE}s{TILDE} {GRAVE}code{GRAVE}",
        ),
        ("Ada *Star* Example", f"Ada {STAR}Star{STAR} Example"),
        ("(_x_) a__b **", f"({LOW}x{LOW}) a{LOW}{LOW}b {STAR}{STAR}"),
        (
            "\uff0aa\uff0a \uff3fb\uff3f \uff40c",
            f"\ufe61a\ufe61 \u2e0fb\u2e0f {GRAVE}c",
        ),
    ],
)
def test_slack_swaps_emphasis_marks_at_word_edges_for_look_alikes(value, escaped):
    assert escaping.slack_mrkdwn(value) == escaped


@pytest.mark.parametrize(
    "value",
    ["first_last@example.com", "msg_2abc", "Zoë_Ñ", ":white_check_mark:", "2*3*4"],
)
def test_slack_keeps_marks_between_letters_or_digits(value):
    assert escaping.slack_mrkdwn(value) == value


@pytest.mark.parametrize("word", ["here", "channel", "everyone", "HERE"])
def test_slack_breaks_bare_broadcast_mentions_with_a_word_joiner(word):
    assert escaping.slack_mrkdwn(f"hi @{word}!") == f"hi @\u2060{word}!"


def test_slack_leaves_ordinary_at_signs_alone():
    text = "@heresy ada@here.example ops@channel.example"
    assert escaping.slack_mrkdwn(text) == text


def test_every_channel_part_has_an_escaper():
    assert set(escaping.PART_ESCAPERS) == set(ChannelName)
    assert set(escaping.PART_ESCAPERS[ChannelName.DESKTOP]) == {"title", "body"}
    assert set(escaping.PART_ESCAPERS[ChannelName.SLACK]) == {"text", "mrkdwn"}
    assert set(escaping.PART_ESCAPERS[ChannelName.EMAIL]) == {
        "subject",
        "text",
        "html",
        "reply_to_name",
        "reply_to_address",
    }
