"""Checking and tidying signing secrets as people really paste them."""

import base64
import hashlib
import re

import pytest

from hookflo.core import signingsecret
from hookflo.core.errors import SecretFormatError
from tests.support.clerk import DEV_SECRET, SECRET, SECRET_B

BODY = SECRET.removeprefix("whsec_")


def secret_of(key_bytes: int) -> str:
    """Return a well-formed secret whose key is ``key_bytes`` long."""
    return "whsec_" + base64.b64encode(bytes(range(key_bytes))).decode().rstrip("=")


def refusal(function, pasted: str) -> str:
    """Return the message ``function`` refuses ``pasted`` with, checking it."""
    with pytest.raises(SecretFormatError) as raised:
        function(pasted)
    message = str(raised.value)
    for key_like in re.findall(r"[A-Za-z0-9+/]{16,}", pasted):
        assert key_like not in message
    return message


class TestCheck:
    @pytest.mark.parametrize(
        "pasted", [SECRET, f"  {SECRET}\n", f"\r\n{SECRET}\r\n", f"\t{SECRET} "]
    )
    def test_surrounding_whitespace_is_dropped(self, pasted):
        assert signingsecret.check(pasted) == SECRET

    @pytest.mark.parametrize("key_bytes", [24, 32, 33, 48, 64])
    def test_every_allowed_key_length_is_accepted(self, key_bytes):
        secret = secret_of(key_bytes)
        assert signingsecret.check(secret) == secret
        assert len(signingsecret.decode(secret)) == key_bytes

    @pytest.mark.parametrize(
        ("pasted", "why"),
        [
            ("", "The signing secret is empty"),
            (" \n\t", "The signing secret is empty"),
            (f'"{SECRET}"', "Remove the quotes"),
            (f"'{SECRET}'", "Remove the quotes"),
            (f"`{SECRET}`", "Remove the quotes"),
            (f'"{SECRET}', "Remove the quotes"),
            (f"CLERK_WEBHOOK_SECRET={SECRET}", "not the CLERK_WEBHOOK_SECRET= part"),
            (f"export CLERK_WEBHOOK_SECRET={SECRET}", "not the CLERK_WEBHOOK_SECRET="),
            (f"{SECRET} {SECRET_B}", "contains spaces or line breaks"),
            (f"{SECRET}\n{SECRET_B}", "contains spaces or line breaks"),
            (BODY, "starts with 'whsec_'"),
            (f"WHSEC_{BODY}", "starts with 'whsec_'"),
            (f"whsec-{BODY}", "starts with 'whsec_'"),
            (f"{SECRET}!", "must be base64"),
            (f"whsec_{BODY[:12]}-_{BODY[14:]}", "must be base64"),
            (f"{SECRET}a", "not valid base64; was it cut off?"),
            (SECRET[:-1], "too short (23 bytes after decoding, at least 24"),
            (secret_of(5), "too short (5 bytes after decoding"),
            (secret_of(65), "too long (65 bytes after decoding, at most 64"),
        ],
    )
    def test_refusal_says_why(self, pasted, why):
        assert why in refusal(signingsecret.check, pasted)

    @pytest.mark.parametrize(
        "signature",
        [
            f"v1,{BODY}",
            "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
            "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1,bm9wZQ==",
        ],
    )
    def test_signature_pasted_instead_of_secret(self, signature):
        message = refusal(signingsecret.check, signature)
        assert "looks like a signature, not a signing secret" in message
        assert "whsec_" in message

    def test_padded_secret_is_accepted(self):
        padded = "whsec_" + base64.b64encode(bytes(range(32))).decode()
        assert padded.endswith("=")
        assert signingsecret.check(padded) == padded


class TestNormalisePasted:
    @pytest.mark.parametrize(
        ("pasted", "notes"),
        [
            (SECRET, []),
            (f"  {SECRET}\r\n", []),
            (f'"{SECRET}"', ["Removed the surrounding quotes"]),
            (f"'{SECRET}'\n", ["Removed the surrounding quotes"]),
            (f"`{SECRET}`", ["Removed the surrounding quotes"]),
            (f'"  {SECRET}\n"', ["Removed the surrounding quotes"]),
            (
                f"CLERK_WEBHOOK_SECRET={SECRET}",
                ["Kept only the value after CLERK_WEBHOOK_SECRET="],
            ),
            (
                f"CLERK_WEBHOOK_SECRET = {SECRET}\n",
                ["Kept only the value after CLERK_WEBHOOK_SECRET="],
            ),
            (
                f"clerk_webhook_secret: {SECRET}",
                ["Kept only the value after clerk_webhook_secret="],
            ),
            (
                f'CLERK_WEBHOOK_SECRET="{SECRET}"',
                [
                    "Kept only the value after CLERK_WEBHOOK_SECRET=",
                    "Removed the surrounding quotes",
                ],
            ),
            (
                f"export CLERK_WEBHOOK_SECRET='{SECRET}'\n",
                [
                    "Kept only the value after CLERK_WEBHOOK_SECRET=",
                    "Removed the surrounding quotes",
                ],
            ),
            (
                f"export\tHOOKFLO_SECRET_CLERK={SECRET}",
                ["Kept only the value after HOOKFLO_SECRET_CLERK="],
            ),
            (f"\u201c{SECRET}\u201d", ["Removed the surrounding quotes"]),
            (
                f"\ufeff{SECRET}\u200b",
                ["Removed invisible characters copied from a web page"],
            ),
            (
                f'CLERK_WEBHOOK_SECRET="{SECRET}";',
                [
                    "Kept only the value after CLERK_WEBHOOK_SECRET=",
                    "Removed the surrounding quotes",
                ],
            ),
            (
                f"CLERK_WEBHOOK_SECRET={SECRET}  # prod",
                ["Kept only the value after CLERK_WEBHOOK_SECRET="],
            ),
        ],
    )
    def test_tidies_what_people_paste(self, pasted, notes):
        assert signingsecret.normalise_pasted(pasted) == (SECRET, notes)

    @pytest.mark.parametrize(
        ("pasted", "why"),
        [
            ("", "The signing secret is empty"),
            ('""', "The signing secret is empty"),
            ("CLERK_WEBHOOK_SECRET=", "The signing secret is empty"),
            (f"\"'{SECRET}'\"", "Remove the quotes"),
            (f"CLERK_WEBHOOK_SECRET={BODY}", "starts with 'whsec_'"),
            ("whsec_", "Nothing follows 'whsec_'"),
            (f"{SECRET} # production", "contains spaces or line breaks"),
            (f"{SECRET}\n{SECRET_B}\n", "contains spaces or line breaks"),
            (f'"{BODY}"', "starts with 'whsec_'"),
            (f"v1,{BODY}", "looks like a signature"),
            (f"'{SECRET[:-4]}'", "too short"),
            (f"CLERK_WEBHOOK_SECRET={secret_of(80)}", "too long"),
            (f"{SECRET[:-3]}", "not valid base64"),
        ],
    )
    def test_what_cannot_be_tidied_is_refused_with_the_reason(self, pasted, why):
        assert why in refusal(signingsecret.normalise_pasted, pasted)


class TestFingerprint:
    def test_is_eight_hex_digits_of_the_key_hash(self):
        key = base64.b64decode(BODY)
        expected = hashlib.sha256(key).hexdigest()[:8]
        assert signingsecret.fingerprint(SECRET) == expected

    def test_tells_secrets_apart(self):
        prints = {signingsecret.fingerprint(s) for s in (SECRET, SECRET_B, DEV_SECRET)}
        assert len(prints) == 3

    def test_is_the_same_for_a_tidied_paste(self):
        tidied, _ = signingsecret.normalise_pasted(f'export X="{SECRET}"\n')
        assert signingsecret.fingerprint(tidied) == signingsecret.fingerprint(SECRET)

    def test_of_a_malformed_secret_is_refused(self):
        assert "too short" in refusal(signingsecret.fingerprint, SECRET[:-4])
