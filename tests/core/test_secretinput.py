"""Secrets typed into the dialogs: tidied, checked, never repeated."""

import pytest

from hookflo.core import channelsecrets, secretinput
from hookflo.core.errors import SecretFormatError
from tests.support.clerk import SECRET, SECRET_B

TOKEN = "2fakeNgrokToken_0123456789abcdefghijkl"


@pytest.mark.parametrize(
    ("pasted", "notes"),
    [
        (SECRET, ()),
        (f"'{SECRET}'", ("Removed the surrounding quotes",)),
        (
            f"export CLERK_WEBHOOK_SECRET={SECRET} # prod",
            ("Kept only the value after",),
        ),
        (f"\ufeff{SECRET}\u200b", ("Removed invisible characters",)),
    ],
)
def test_signing_secrets_are_tidied_with_notes(pasted, notes):
    tidied = secretinput.signing_secret(pasted)
    assert tidied.value == SECRET
    assert len(tidied.notes) == len(notes)
    for note, start in zip(tidied.notes, notes, strict=True):
        assert note.startswith(start)


@pytest.mark.parametrize(
    ("pasted", "notes"),
    [
        (TOKEN, ()),
        (f"ngrok config add-authtoken {TOKEN}", ("Kept only the token",)),
        (
            f"$ ngrok authtoken '{TOKEN}'",
            ("Kept only the token", "Removed the surrounding quotes"),
        ),
    ],
)
def test_ngrok_authtokens_are_tidied(pasted, notes):
    tidied = secretinput.ngrok_authtoken(pasted)
    assert tidied.value == TOKEN
    assert len(tidied.notes) == len(notes)
    for note, start in zip(tidied.notes, notes, strict=True):
        assert note.startswith(start)


@pytest.mark.parametrize("pasted", ["", "two words", "short", "https://ngrok.com/x"])
def test_what_cannot_be_an_authtoken_is_refused_without_repeating_it(pasted):
    with pytest.raises(SecretFormatError) as caught:
        secretinput.ngrok_authtoken(pasted)
    assert not pasted or pasted not in str(caught.value)


def test_values_too_long_for_the_windows_credential_store_are_refused():
    """C35: 2,560 bytes of UTF-16 at most, so ASCII and non-ASCII alike."""
    assert secretinput.size_problem("x" * 1280) is None
    assert "1,281 characters" in (secretinput.size_problem("x" * 1281) or "")
    assert secretinput.size_problem("\U0001f600" * 641) is not None  # surrogates
    with pytest.raises(SecretFormatError, match="Windows credential store"):
        secretinput.channel_secret(channelsecrets.SMTP_PASSWORD, "x" * 1400)
    with pytest.raises(SecretFormatError, match="Windows credential store"):
        secretinput.signing_secret("whsec_" + "A" * 2000)


def test_rotation_helpers_keep_order_and_refuse_duplicates():
    both = secretinput.with_secret([SECRET], SECRET_B)
    assert both == [SECRET, SECRET_B]
    with pytest.raises(SecretFormatError, match="already stored"):
        secretinput.with_secret(both, SECRET)
    old = secretinput.fingerprint(SECRET)
    assert secretinput.without_secret(both, old) == [SECRET_B]
    assert secretinput.without_secret(both, "nothing") == both
