"""``hookflo secret set|list|delete``: signing secrets in the OS keyring."""

import argparse
import getpass

from hookflo.cli import channelsecretcmd, clerkkeycmd
from hookflo.cli.environment import Env
from hookflo.cli.status import ExitStatus
from hookflo.core import channelsecrets, signingsecret
from hookflo.core.credentials import (
    Credentials,
    Origin,
    signing_secret_entry,
    signing_secret_variable,
)
from hookflo.core.errors import SecretFormatError, UserFacingError

MAX_SECRETS = 4


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``secret`` command and its sub-commands."""
    parser = commands.add_parser(
        "secret",
        help="manage secrets in the OS keyring",
        description=(
            "Manage the secrets HookFlo keeps in the OS keyring: each source's "
            "Svix signing secrets, the Slack webhook URL or bot token and the "
            "SMTP password the alert channels use, the ngrok authtoken, and each "
            "source's Clerk secret key (for the catch-up after time offline)."
        ),
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)

    set_ = actions.add_parser(
        "set", help="set a secret (prompted without echo, or read from stdin)"
    )
    set_.add_argument(
        "source",
        help="a source name (e.g. clerk), or slack-webhook-url, slack-bot-token, "
        "smtp-password, ngrok-authtoken",
    )
    set_.add_argument(
        "--add",
        action="store_true",
        help="keep the current secret(s) too, for a rotation",
    )
    set_.add_argument(
        "--clerk-secret-key",
        action="store_true",
        help="set the source's Clerk Backend API secret key (sk_live_…) instead",
    )
    set_.set_defaults(handler=set_secret)

    list_ = actions.add_parser("list", help="show which secrets are set (never values)")
    list_.set_defaults(handler=list_secrets)

    delete = actions.add_parser("delete", help="remove a source's signing secret(s)")
    delete.add_argument("source", help="a source name, or a channel secret's name")
    delete.add_argument(
        "--fingerprint", help="remove only the secret with this fingerprint"
    )
    delete.add_argument(
        "--clerk-secret-key",
        action="store_true",
        help="remove the source's Clerk Backend API secret key instead",
    )
    delete.set_defaults(handler=delete_secret)


def set_secret(args: argparse.Namespace, env: Env) -> ExitStatus:
    """Prompt for (or read) a secret, check it and save it."""
    channel_secret = channelsecrets.by_entry(args.source)
    if channel_secret is not None:
        return channelsecretcmd.set_channel_secret(channel_secret, env)
    source = env.load_config().source(args.source)
    if args.clerk_secret_key:
        return clerkkeycmd.set_key(source, env)
    pasted = _read_value(env, source.name)
    try:
        secret, notes = signingsecret.normalise_pasted(pasted)
    except SecretFormatError as err:
        raise SecretFormatError(f"Not saved: {err}") from err
    for note in notes:
        env.error(f"Note: {note}.")
    credentials = env.secrets()
    values = [secret]
    if args.add:
        kept = _stored_secrets(credentials, source.name)
        values = [v for v in kept if v != secret] + [secret]
        if len(values) > MAX_SECRETS:
            raise UserFacingError(
                f"{source.name!r} already has {len(values) - 1} secrets; delete an "
                "old one with `hookflo secret delete --fingerprint` first"
            )
    credentials.set_signing_secrets(source.name, values)
    env.print(
        f"Saved the signing secret for {source.name!r} in the keyring "
        f"(fingerprint {signingsecret.fingerprint(secret)}; "
        f"{len(values)} secret{'s' if len(values) > 1 else ''} in use)."
    )
    variable = signing_secret_variable(source.name)
    if env.environ.get(variable, "").strip():
        env.error(f"Note: {variable} is set and takes precedence over the keyring.")
    return ExitStatus.SUCCESS


def list_secrets(args: argparse.Namespace, env: Env) -> ExitStatus:
    """Show, per source, where its secrets come from and their fingerprints."""
    config = env.load_config()
    credentials = env.secrets()
    for source in config.sources:
        found = credentials.signing_secrets(source.name)
        if not found.values:
            env.print(f"{source.name} ({source.environment}): no signing secret")
            continue
        labels = ", ".join(_label(value) for value in found.values)
        where = (
            signing_secret_variable(source.name)
            if found.origin is Origin.ENVIRONMENT
            else "keyring"
        )
        env.print(f"{source.name} ({source.environment}): {labels} from {where}")
    for source in config.sources:
        described = clerkkeycmd.describe_key(source, env)
        env.print(f"{source.name}: Clerk secret key {described}")
    channelsecretcmd.list_channel_secrets(env)
    return ExitStatus.SUCCESS


def delete_secret(args: argparse.Namespace, env: Env) -> ExitStatus:
    """Remove every secret of a source, or the one with a fingerprint."""
    channel_secret = channelsecrets.by_entry(args.source)
    if channel_secret is not None:
        return channelsecretcmd.delete_channel_secret(channel_secret, env)
    source = env.load_config().source(args.source)
    if args.clerk_secret_key:
        return clerkkeycmd.delete_key(source, env)
    credentials = env.secrets()
    if args.fingerprint is None:
        removed = credentials.delete(signing_secret_entry(source.name))
        env.print(
            f"Deleted the signing secrets of {source.name!r}."
            if removed
            else f"{source.name!r} had no signing secret in the keyring."
        )
        return ExitStatus.SUCCESS
    current = _stored_secrets(credentials, source.name)
    kept = [v for v in current if _label(v) != args.fingerprint]
    if len(kept) == len(current):
        raise UserFacingError(
            f"No keyring secret of {source.name!r} has fingerprint "
            f"{args.fingerprint!r}; `hookflo secret list` shows them"
        )
    if kept:
        credentials.set_signing_secrets(source.name, kept)
    else:
        credentials.delete(signing_secret_entry(source.name))
    env.print(f"Deleted secret {args.fingerprint} of {source.name!r}.")
    return ExitStatus.SUCCESS


def _stored_secrets(credentials: Credentials, source_name: str) -> list[str]:
    """Return a source's secrets in the keyring, whatever the environment says."""
    stored = credentials.get(signing_secret_entry(source_name))
    return stored.split() if stored else []


def _read_value(env: Env, source_name: str) -> str:
    if env.stdin.isatty():
        return getpass.getpass(
            f"Signing secret for {source_name!r} (whsec_…, not shown): "
        )
    return env.stdin.read()


def _label(value: str) -> str:
    try:
        return signingsecret.fingerprint(value)
    except SecretFormatError:
        return "malformed"
