"""Check and tidy Svix signing secrets (``whsec_`` + base64).

The svix library decodes a secret leniently: characters outside base64 are
dropped, so a mistyped or truncated secret silently becomes a short, wrong key
and every delivery fails as a bare "no matching signature". HookFlo checks the
secret itself and says what is wrong. No message here ever contains the value.
"""

import base64
import binascii
import hashlib
import re

from hookflo.core.errors import SecretFormatError

PREFIX = "whsec_"
MIN_KEY_BYTES = 24
MAX_KEY_BYTES = 64
_ASSIGNMENT = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
_QUOTES = "\"'`\u201c\u201d\u2018\u2019"
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"))
_TRAILING_COMMENT = re.compile(r"\s+#.*$")
_MAX_NAME_SHOWN = 40


def check(value: str) -> str:
    """Return ``value`` without surrounding whitespace if it is a valid secret.

    Raises:
        SecretFormatError: the value is not a well-formed Svix secret; the
            message says why without repeating it.
    """
    secret = value.strip()
    if not secret:
        raise SecretFormatError("The signing secret is empty")
    if secret[0] in _QUOTES or secret[-1] in _QUOTES:
        raise SecretFormatError(
            "Remove the quotes around the signing secret: only whsec_… is wanted"
        )
    if secret.startswith("v1,"):
        raise SecretFormatError(
            "This looks like a signature, not a signing secret: 'v1,' belongs to "
            "signatures, and the signing secret starts with 'whsec_'"
        )
    match = None if secret.startswith(PREFIX) else _ASSIGNMENT.match(secret)
    if match:
        name = match.group(1)
        shown = f"the {name}= part" if len(name) <= _MAX_NAME_SHOWN else "a NAME="
        raise SecretFormatError(f"Only the whsec_… value is wanted, not {shown}")
    if any(c.isspace() for c in secret):
        raise SecretFormatError(
            "The signing secret contains spaces or line breaks; paste one secret"
        )
    if not secret.startswith(PREFIX):
        raise SecretFormatError(
            "A Clerk signing secret starts with 'whsec_'; copy it from the "
            "endpoint's page in Clerk's dashboard"
        )
    decode(secret)
    return secret


def decode(secret: str) -> bytes:
    """Return the HMAC key inside a ``whsec_`` secret.

    Raises:
        SecretFormatError: the part after ``whsec_`` is not base64 of a key
            of 24 to 64 bytes.
    """
    body = secret.removeprefix(PREFIX)
    if not body:
        raise SecretFormatError("Nothing follows 'whsec_'; copy the whole secret")
    if not _BASE64.match(body):
        raise SecretFormatError(
            "The part after 'whsec_' must be base64 (letters, digits, '+', '/'); "
            "it has other characters"
        )
    try:
        key = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except binascii.Error as err:
        raise SecretFormatError(
            "The part after 'whsec_' is not valid base64; was it cut off?"
        ) from err
    if len(key) < MIN_KEY_BYTES:
        raise SecretFormatError(
            f"The signing secret is too short ({len(key)} bytes after decoding, "
            f"at least {MIN_KEY_BYTES} expected); it looks cut off when copied"
        )
    if len(key) > MAX_KEY_BYTES:
        raise SecretFormatError(
            f"The signing secret is too long ({len(key)} bytes after decoding, "
            f"at most {MAX_KEY_BYTES} expected)"
        )
    return key


def normalise_pasted(value: str) -> tuple[str, list[str]]:
    """Tidy what people really paste, then check it.

    Surrounding whitespace, invisible characters (a byte-order mark, zero-width
    spaces), one pair of surrounding quotes (straight or curly) and a leading
    ``NAME=`` with a trailing ``;`` or ``# comment`` (a line copied from an
    ``.env`` file) are removed.

    Returns:
        The secret and one sentence per change made, for the user to read.

    Raises:
        SecretFormatError: what is left is not a well-formed secret.
    """
    notes: list[str] = []
    secret = value.translate(_INVISIBLE).strip()
    if len(secret) != len(value.strip()):
        notes.append("Removed invisible characters copied from a web page")
    match = None if secret.startswith(PREFIX) else _ASSIGNMENT.match(secret)
    if match:
        secret = secret[match.end() :].strip()
        secret = _TRAILING_COMMENT.sub("", secret).rstrip(";").strip()
        name = match.group(1)
        shown = f"{name}=" if len(name) <= _MAX_NAME_SHOWN else "NAME="
        notes.append(f"Kept only the value after {shown}")
    if len(secret) >= 2 and secret[0] in _QUOTES and secret[-1] in _QUOTES:
        secret = secret[1:-1].strip()
        notes.append("Removed the surrounding quotes")
    return check(secret), notes


def fingerprint(secret: str) -> str:
    """Return a short, non-reversible label that tells two secrets apart."""
    return hashlib.sha256(decode(secret)).hexdigest()[:8]
