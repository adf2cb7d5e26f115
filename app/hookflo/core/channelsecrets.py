"""The secrets channels and the tunnel need: where each lives, its override.

Each is a keyring entry under the service ``hookflo``; for headless use an
environment variable with the name below takes precedence.
"""

import dataclasses
import hashlib
from collections.abc import Mapping

from hookflo.core.credentials import Credentials
from hookflo.core.errors import SecretFormatError


@dataclasses.dataclass(frozen=True, slots=True)
class ChannelSecret:
    """One secret a channel needs."""

    entry: str
    variable: str
    label: str


SLACK_WEBHOOK_URL = ChannelSecret(
    "slack-webhook-url", "HOOKFLO_SLACK_WEBHOOK_URL", "Slack incoming-webhook URL"
)
SLACK_BOT_TOKEN = ChannelSecret(
    "slack-bot-token", "HOOKFLO_SLACK_BOT_TOKEN", "Slack bot token"
)
SMTP_PASSWORD = ChannelSecret("smtp-password", "HOOKFLO_SMTP_PASSWORD", "SMTP password")
NGROK_AUTHTOKEN = ChannelSecret(
    "ngrok-authtoken", "HOOKFLO_NGROK_AUTHTOKEN", "ngrok authtoken"
)

ALL = (SLACK_WEBHOOK_URL, SLACK_BOT_TOKEN, SMTP_PASSWORD, NGROK_AUTHTOKEN)


def by_entry(entry: str) -> ChannelSecret | None:
    """Return the channel secret stored under ``entry``, if it is one."""
    return next((s for s in ALL if s.entry == entry), None)


def read(
    credentials: Credentials, environ: Mapping[str, str], secret: ChannelSecret
) -> str | None:
    """Return the secret's value: the environment first, then the keyring.

    Raises:
        KeyringUnavailableError: no override is set and the keyring fails.
    """
    override = environ.get(secret.variable, "").strip()
    if override:
        return override
    stored = credentials.get(secret.entry, variable=secret.variable)
    return stored.strip() if stored and stored.strip() else None


def change_marker(value: str | None) -> str:
    """Return a short digest that changes when ``value`` changes.

    Only 16 bits are kept: enough to notice a new password, too little to
    say anything about it.
    """
    if not value:
        return "-"
    return hashlib.sha256(value.encode()).hexdigest()[:4]


def tidy(secret: ChannelSecret, pasted: str) -> str:
    """Return the pasted value without surrounding space or quotes, if it fits.

    Raises:
        SecretFormatError: the value cannot be this secret; says why without
            repeating it.
    """
    value = pasted.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    if not value:
        raise SecretFormatError(f"The {secret.label} is empty")
    if secret is SMTP_PASSWORD:
        if "\n" in value or "\r" in value:
            raise SecretFormatError("The SMTP password contains a line break")
        return value
    if any(c.isspace() for c in value):
        raise SecretFormatError(f"The {secret.label} contains spaces or line breaks")
    if secret is SLACK_BOT_TOKEN and not value.startswith(("xoxb-", "xoxp-")):
        raise SecretFormatError(
            "A Slack bot token starts with 'xoxb-' (OAuth & Permissions page of "
            "your Slack app)"
        )
    if secret is SLACK_WEBHOOK_URL and not value.startswith(("https://", "http://")):
        raise SecretFormatError(
            "A Slack webhook URL starts with https://hooks.slack.com/ (Incoming "
            "Webhooks page of your Slack app)"
        )
    return value
