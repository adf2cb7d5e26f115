"""``hookflo secret set|delete SOURCE --clerk-secret-key``: the Backend API key.

The key lets HookFlo list the users created while it was offline. It is read
without echo (or from stdin), checked for its shape and stored in the
keyring; it is never printed.
"""

import getpass

from hookflo.cli.environment import Env
from hookflo.cli.status import ExitStatus
from hookflo.core.catchup import clerkkey
from hookflo.core.config import Source
from hookflo.core.errors import SecretFormatError


def set_key(source: Source, env: Env) -> ExitStatus:
    """Read, check and store ``source``'s Clerk secret key."""
    if env.stdin.isatty():
        pasted = getpass.getpass(
            f"Clerk secret key for {source.name!r} (sk_live_… or sk_test_…, "
            "not shown): "
        )
    else:
        pasted = env.stdin.read()
    try:
        value = clerkkey.tidy(pasted)
    except SecretFormatError as err:
        raise SecretFormatError(f"Not saved: {err}") from err
    env.secrets().set(clerkkey.entry(source.name), value)
    env.print(
        f"Saved the {clerkkey.LABEL} for {source.name!r} in the keyring; after "
        "time offline HookFlo lists the users created meanwhile."
    )
    variable = clerkkey.variable(source.name)
    if env.environ.get(variable, "").strip():
        env.error(f"Note: {variable} is set and takes precedence over the keyring.")
    return ExitStatus.SUCCESS


def delete_key(source: Source, env: Env) -> ExitStatus:
    """Remove ``source``'s Clerk secret key from the keyring."""
    removed = env.secrets().delete(clerkkey.entry(source.name))
    env.print(
        f"Deleted the {clerkkey.LABEL} of {source.name!r}."
        if removed
        else f"{source.name!r} had no {clerkkey.LABEL} in the keyring."
    )
    return ExitStatus.SUCCESS


def describe_key(source: Source, env: Env) -> str:
    """Return where ``source``'s key comes from, never its value."""
    variable = clerkkey.variable(source.name)
    if env.environ.get(variable, "").strip():
        return f"set, from {variable}"
    if env.secrets().get(clerkkey.entry(source.name)):
        return "set, in the keyring"
    return "not set (no catch-up after time offline)"
