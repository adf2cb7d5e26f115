"""``hookflo://event/<id>`` links: made for digests, read back strictly."""

import pytest

from hookflo.core import eventlinks


def test_an_event_link_names_the_event_and_reads_back():
    assert eventlinks.event_url(42) == "hookflo://event/42"
    assert eventlinks.parse_event_url(eventlinks.event_url(42)) == 42
    largest = eventlinks.MAX_EVENT_ID
    assert eventlinks.parse_event_url(eventlinks.event_url(largest)) == largest


@pytest.mark.parametrize("event_id", [0, -3, eventlinks.MAX_EVENT_ID + 1])
def test_no_link_is_made_for_an_impossible_id(event_id):
    with pytest.raises(ValueError, match="Not an event id"):
        eventlinks.event_url(event_id)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hookflo://event/",
        "hookflo://event/0",
        "hookflo://event/007",
        "hookflo://event/-1",
        "hookflo://event/+1",
        "hookflo://event/1.5",
        "hookflo://event/12abc",
        "hookflo://event/42/",
        "hookflo://event/42?x=1",
        "hookflo://event/42#top",
        "hookflo://event/42\n",
        " hookflo://event/42",
        "hookflo://event/٤٢",  # Arabic-Indic digits
        "hookflo://event/9223372036854775808",  # one past SQLite's largest id
        "hookflo://events/42",
        "hookflo://settings/42",
        "hookflo:event/42",
        "hookflo:///event/42",
        "HOOKFLO://event/42",
        "https://event/42",
        "file:///etc/passwd",
    ],
)
def test_anything_but_the_one_form_is_not_an_event_link(text):
    assert eventlinks.parse_event_url(text) is None


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("hookflo://event/42", True),
        ("HookFlo://nonsense", True),
        ("hookflo:event/42", False),
        ("events", False),
        ("--port", False),
    ],
)
def test_a_hookflo_link_is_recognised_by_its_scheme_even_when_wrong(text, meant):
    assert eventlinks.is_hookflo_url(text) is meant
