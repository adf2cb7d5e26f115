"""Where a source's Clerk Backend API secret key lives, and its override.

The key (``sk_live_…`` or ``sk_test_…``) lets the catch-up list the users
created while HookFlo was offline. It lives in the keyring under the entry
below; for headless use ``HOOKFLO_CLERK_SECRET_KEY_<SOURCE>`` takes
precedence. Its value is registered with the log redaction as soon as it is
read, and never printed.
"""

import logging
from collections.abc import Mapping

from hookflo.core import channelsecrets, logs
from hookflo.core.channelsecrets import ChannelSecret
from hookflo.core.credentials import Credentials
from hookflo.core.errors import SecretFormatError

logger = logging.getLogger(__name__)

LABEL = "Clerk Backend API secret key"
_PREFIXES = ("sk_live_", "sk_test_")


def entry(source_name: str) -> str:
    """Return the keyring entry holding a source's Clerk secret key."""
    return f"clerk-secret-key:{source_name}"


def variable(source_name: str) -> str:
    """Return the environment variable that overrides a source's key."""
    return "HOOKFLO_CLERK_SECRET_KEY_" + source_name.upper().replace("-", "_")


def secret(source_name: str) -> ChannelSecret:
    """Return where a source's key lives, as the other secrets say it."""
    return ChannelSecret(entry(source_name), variable(source_name), LABEL)


def read(
    credentials: Credentials, environ: Mapping[str, str], source_name: str
) -> str | None:
    """Return a source's Clerk secret key, the environment first.

    Raises:
        KeyringUnavailableError: no override is set and the keyring fails.
    """
    value = channelsecrets.read(credentials, environ, secret(source_name))
    if value is not None:
        logs.register_secret(value)
    return value


def tidy(pasted: str) -> str:
    """Return the pasted key without surrounding space or quotes, if it fits.

    Raises:
        SecretFormatError: it cannot be a Clerk secret key; says why without
            repeating it.
    """
    value = channelsecrets.tidy(secret("any"), pasted)
    if not value.startswith(_PREFIXES):
        raise SecretFormatError(
            "A Clerk secret key starts with 'sk_live_' or 'sk_test_' (Clerk "
            "dashboard → Configure → API keys); a publishable key (pk_…) will "
            "not do"
        )
    return value
