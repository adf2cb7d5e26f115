"""Check secrets typed or pasted into the settings dialog and the first-run guide.

Qt-free. Each check tidies what people really paste, says what it changed,
and refuses what cannot be the secret, with a message that never repeats the
value. Every value must also fit the smallest keyring HookFlo runs on: the
Windows Credential Manager keeps at most 2,560 bytes of UTF-16 (about 1,280
characters) and fails with an error that says nothing about size.
"""

import dataclasses
import re
from collections.abc import Sequence

from hookflo.core import channelsecrets, signingsecret
from hookflo.core.channelsecrets import ChannelSecret
from hookflo.core.errors import SecretFormatError

WINDOWS_LIMIT_BYTES = 2560
_NGROK_COMMAND = re.compile(
    r"^(?:\$\s*)?ngrok\s+(?:config\s+add-authtoken|authtoken)\s+"
)
_NGROK_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,200}$")
_QUOTES = "\"'`\u201c\u201d\u2018\u2019"


@dataclasses.dataclass(frozen=True, slots=True)
class Tidied:
    """A secret ready to store, and one sentence per change made to it."""

    value: str
    notes: tuple[str, ...] = ()


def size_problem(value: str) -> str | None:
    """Return why ``value`` is too long for every keyring, or None."""
    if len(value.encode("utf-16-le")) <= WINDOWS_LIMIT_BYTES:
        return None
    return (
        f"Too long for the Windows credential store ({len(value):,} characters; "
        f"max ~{WINDOWS_LIMIT_BYTES // 2:,} characters)"
    )


def signing_secret(pasted: str) -> Tidied:
    """Return the Svix signing secret in ``pasted``, and what was tidied.

    Raises:
        SecretFormatError: it is not a well-formed ``whsec_`` secret.
    """
    _refuse_oversized(pasted)
    value, notes = signingsecret.normalise_pasted(pasted)
    return Tidied(value, tuple(notes))


def channel_secret(secret: ChannelSecret, pasted: str) -> Tidied:
    """Return a channel's secret from ``pasted`` (see ``channelsecrets.tidy``).

    Raises:
        SecretFormatError: it cannot be this secret, or is too long.
    """
    _refuse_oversized(pasted.strip())
    value = channelsecrets.tidy(secret, pasted)
    notes = ("Removed the surrounding quotes",) if _was_quoted(pasted) else ()
    return Tidied(value, notes)


def ngrok_authtoken(pasted: str) -> Tidied:
    """Return the ngrok authtoken in ``pasted``, or a whole copied command.

    ngrok's dashboard shows ``ngrok config add-authtoken <token>``; pasting
    that line keeps only the token.

    Raises:
        SecretFormatError: what is left does not look like an authtoken.
    """
    value = pasted.strip()
    notes = []
    match = _NGROK_COMMAND.match(value)
    if match:
        value = value[match.end() :].strip()
        notes.append("Kept only the token from the copied ngrok command")
    if len(value) >= 2 and value[0] in _QUOTES and value[-1] in _QUOTES:
        value = value[1:-1].strip()
        notes.append("Removed the surrounding quotes")
    if not value:
        raise SecretFormatError("The ngrok authtoken is empty")
    _refuse_oversized(value)
    if not _NGROK_TOKEN.match(value):
        raise SecretFormatError(
            "An ngrok authtoken is one word of letters, digits, '_' and '-' (copy "
            "it from the Your Authtoken page of the ngrok dashboard)"
        )
    return Tidied(value, tuple(notes))


def fingerprint(secret: str) -> str:
    """Return a short label telling stored signing secrets apart.

    A stored value that is not a well-formed secret gets a label that says
    so, never a part of it.
    """
    try:
        return signingsecret.fingerprint(signingsecret.check(secret))
    except SecretFormatError:
        return "malformed"


def with_secret(secrets: Sequence[str], new: str) -> list[str]:
    """Return ``secrets`` with ``new`` added last (the newest is used to sign).

    Raises:
        SecretFormatError: ``new`` is there already.
    """
    if new in secrets:
        raise SecretFormatError(
            f"This signing secret ({fingerprint(new)}) is already stored"
        )
    return [*secrets, new]


def without_secret(secrets: Sequence[str], label: str) -> list[str]:
    """Return ``secrets`` without the one whose ``fingerprint`` is ``label``."""
    return [s for s in secrets if fingerprint(s) != label]


def _refuse_oversized(value: str) -> None:
    problem = size_problem(value)
    if problem:
        raise SecretFormatError(problem)


def _was_quoted(pasted: str) -> bool:
    value = pasted.strip()
    return len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'"
