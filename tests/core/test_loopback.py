"""Telling loopback hosts and plain http to other machines apart."""

import pytest

from hookflo.core import loopback


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LocalHost.", True),
        ("10.0.0.1", False),
        ("smtp.example.com", False),
        ("localhost.example.com", False),
    ],
)
def test_loopback_hosts(host, expected):
    assert loopback.is_loopback(host) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://api.clerk.com", True),
        ("HTTP://10.0.0.1:80/x", True),
        ("http://127.0.0.1:8000", False),
        ("http://[::1]:8000", False),
        ("http://localhost/v1", False),
        ("https://api.clerk.com", False),
    ],
)
def test_plain_http_elsewhere(url, expected):
    assert loopback.is_plain_http_elsewhere(url) is expected
