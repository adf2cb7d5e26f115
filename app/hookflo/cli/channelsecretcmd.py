"""``hookflo secret set|list|delete`` for the secrets channels need.

``hookflo secret set slack-webhook-url`` (or ``slack-bot-token``,
``smtp-password``, ``ngrok-authtoken``) stores the value in the keyring; it is
never printed.
"""

import getpass

from hookflo.cli.environment import Env
from hookflo.cli.status import ExitStatus
from hookflo.core import channelsecrets
from hookflo.core.channelsecrets import ChannelSecret
from hookflo.core.errors import SecretFormatError


def set_channel_secret(secret: ChannelSecret, env: Env) -> ExitStatus:
    """Read, check and store one channel secret."""
    if env.stdin.isatty():
        pasted = getpass.getpass(f"{secret.label} (not shown): ")
    else:
        pasted = env.stdin.read()
    try:
        value = channelsecrets.tidy(secret, pasted)
    except SecretFormatError as err:
        raise SecretFormatError(f"Not saved: {err}") from err
    env.secrets().set(secret.entry, value)
    env.print(f"Saved the {secret.label} in the keyring.")
    if env.environ.get(secret.variable, "").strip():
        env.error(
            f"Note: {secret.variable} is set and takes precedence over the keyring."
        )
    return ExitStatus.SUCCESS


def delete_channel_secret(secret: ChannelSecret, env: Env) -> ExitStatus:
    """Remove one channel secret from the keyring."""
    removed = env.secrets().delete(secret.entry)
    env.print(
        f"Deleted the {secret.label}."
        if removed
        else f"There was no {secret.label} in the keyring."
    )
    return ExitStatus.SUCCESS


def list_channel_secrets(env: Env) -> None:
    """Say which channel secrets are set and where, never their values."""
    credentials = env.secrets()
    for secret in channelsecrets.ALL:
        if env.environ.get(secret.variable, "").strip():
            where = f"set, from {secret.variable}"
        elif credentials.get(secret.entry):
            where = "set, in the keyring"
        else:
            where = "not set"
        env.print(f"{secret.entry}: {where}")
