"""Reading ``Retry-After``: delta-seconds, HTTP dates, and what says nothing."""

import email.utils
import time

import pytest
from multidict import CIMultiDict

from hookflo.core import retryafter

NOW = 1_790_000_000.0  # a fixed wall-clock time, so dates give exact waits


def http_date(at: float) -> str:
    return email.utils.formatdate(at, usegmt=True)


@pytest.mark.parametrize(
    ("value", "wait"),
    [
        ("0", 0.0),
        ("3", 3.0),
        ("120", 120.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),  # not RFC 9110, but servers send it
        ("0007", 7.0),
    ],
)
def test_delta_seconds_are_read(value, wait):
    assert retryafter.seconds(value, now=NOW) == wait


def test_an_http_date_gives_the_seconds_until_it():
    assert retryafter.seconds(http_date(NOW + 90), now=NOW) == 90.0


@pytest.mark.parametrize(
    "value",
    [
        "Sunday, 06-Nov-94 08:49:37 GMT",  # RFC 850 form
        "Sun Nov  6 08:49:37 1994",  # asctime form, no zone: GMT
        "Sun, 06 Nov 1994 08:49:37 -0000",  # "-0000" parses without a zone
    ],
)
def test_the_obsolete_date_forms_are_read_as_gmt(value):
    sunday_gmt = 784_111_777.0  # Sun, 06 Nov 1994 08:49:37 GMT
    assert retryafter.seconds(value, now=sunday_gmt - 30) == 30.0


def test_a_date_in_the_past_means_now():
    assert retryafter.seconds(http_date(NOW - 3600), now=NOW) == 0.0


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "-5",
        "-0.5",
        "soon",
        "1e9",
        "inf",
        "nan",
        "0x10",
        "5 s",
        "\u0663",  # an Arabic-Indic three: not an ASCII digit
        "Mon, 99 Foo 2026 99:99:99 GMT",
    ],
)
def test_negative_or_garbage_says_nothing(value):
    assert retryafter.seconds(value, now=NOW) is None


def test_an_absurd_wait_is_cut_to_the_cap():
    assert retryafter.seconds("9" * 400, now=NOW) == retryafter.CAP_S
    far = http_date(NOW + 30 * 86400)
    assert retryafter.seconds(far, now=NOW) == retryafter.CAP_S


def test_the_caller_can_lower_the_cap():
    assert retryafter.seconds("600", now=NOW, cap_s=120.0) == 120.0
    assert retryafter.seconds("60", now=NOW, cap_s=120.0) == 60.0


def test_an_http_date_is_measured_from_the_real_clock_by_default():
    # No ``now``: a date an hour ahead of the real clock is about an hour away.
    wait = retryafter.seconds(http_date(time.time() + 3600), cap_s=7200.0)
    assert wait is not None
    assert 3590.0 <= wait <= 3600.0


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "4"},
        {"retry-after": "4"},
        {"RETRY-AFTER": "4", "Content-Type": "application/json"},
        CIMultiDict([("Retry-After", "4"), ("Retry-After", "99")]),
    ],
)
def test_the_header_is_found_whatever_its_case(headers):
    assert retryafter.from_headers(headers, now=NOW) == 4.0


@pytest.mark.parametrize(
    "headers", [None, {}, {"Content-Type": "text/plain"}, {"Retry-After": "x"}]
)
def test_no_usable_header_says_nothing(headers):
    assert retryafter.from_headers(headers, now=NOW) is None
