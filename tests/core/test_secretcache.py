"""The receiver's signing secrets: what is said when they cannot be used."""

import logging

import keyring.backends.fail
import keyring.backends.null
import pytest

from hookflo.core import config, paths
from hookflo.core.config import Environment, Source
from hookflo.core.credentials import Credentials
from hookflo.core.refusal import Reason
from hookflo.core.secretcache import SecretCache
from hookflo.core.server import Server
from hookflo.core.verify import SignedHeaders
from tests.support.clerk import SECRET

CLERK = Source("clerk", Environment.PRODUCTION, "/webhooks/clerk")
NO_KEYRING = "No OS keyring is available"
# Base64 of 8 bytes: well-formed text, far too short a key.
SHORT_SECRET = "whsec_MTIzNDU2Nzg="


def said(caplog, words: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if words in r.getMessage()]


@pytest.mark.expect_log_warnings
async def test_an_unreadable_keyring_is_said_once_across_rereads(caplog):
    caplog.set_level(logging.DEBUG, logger="hookflo")
    credentials = Credentials({}, backend=keyring.backends.fail.Keyring())
    cache = SecretCache(credentials, [CLERK])
    for _ in range(3):
        await cache.load()  # each refused request may re-read
    (line,) = said(caplog, NO_KEYRING)
    assert "set the HOOKFLO_SECRET_CLERK environment variable" in line


@pytest.mark.expect_log_warnings
async def test_serve_without_a_keyring_says_the_sentence_once(hookflo_home, caplog):
    caplog.set_level(logging.INFO, logger="hookflo")
    where = paths.resolve({paths.HOME_VARIABLE: str(hookflo_home)})
    server = Server(
        where,
        config.default_config(),
        Credentials({}, backend=keyring.backends.fail.Keyring()),
        host="127.0.0.1",
        port=0,
        environ={},
    )
    await server.start()
    try:
        assert len(said(caplog, NO_KEYRING)) == 1
        (meaning,) = said(caplog, "Source clerk: ")
        assert meaning == (
            "Source clerk: its deliveries are refused (503, Svix retries) until "
            "its signing secret can be read"
        )
    finally:
        await server.stop()


@pytest.mark.expect_log_warnings
@pytest.mark.parametrize(
    ("environ", "origin", "fix"),
    [
        (
            {"HOOKFLO_SECRET_CLERK": SHORT_SECRET},
            "in HOOKFLO_SECRET_CLERK",
            "Correct the HOOKFLO_SECRET_CLERK environment variable",
        ),
        ({}, "in the keyring", "Set it again with `hookflo secret set clerk`"),
    ],
)
async def test_a_malformed_secret_says_where_it_came_from(caplog, environ, origin, fix):
    backend = keyring.backends.null.Keyring()
    credentials = Credentials(environ, backend=backend)
    if not environ:
        backend.get_password = lambda service, entry: SHORT_SECRET  # type: ignore[method-assign]
    cache = SecretCache(credentials, [CLERK])
    await cache.load()

    (warning,) = said(caplog, "malformed signing secret")
    assert warning.startswith(
        f"Source clerk has 1 malformed signing secret(s) {origin}"
    )
    assert "too short" in warning
    assert SHORT_SECRET not in warning
    headers = SignedHeaders("msg_1", "1700000000", "v1,abc")
    refusal = cache.verifier("clerk").verify(b"{}", headers)
    assert refusal is not None
    assert refusal.reason is Reason.SECRET_MALFORMED
    assert origin in refusal.hint
    assert refusal.hint.endswith(fix)
    assert SECRET not in refusal.hint
