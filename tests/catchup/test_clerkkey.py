"""The Clerk secret key: ``hookflo secret … --clerk-secret-key``, real keyring."""

import io
import logging
import os

import pytest

from hookflo.cli import main
from hookflo.cli.environment import Env
from hookflo.cli.status import ExitStatus
from hookflo.core import logs
from hookflo.core.catchup import clerkkey
from hookflo.core.credentials import Credentials

KEY = "sk_live_FounderPastedThisKey00000000000000007"


def hookflo(*argv: str, stdin: str = "", **variables: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    env = Env(
        stdin=io.StringIO(stdin),
        stdout=stdout,
        stderr=stderr,
        environ={**os.environ, **variables},
    )
    status = main(list(argv), env)
    out, err = stdout.getvalue(), stderr.getvalue()
    assert KEY not in out + err
    return status, out, err


@pytest.fixture(autouse=True)
def _key_never_in_logs(caplog):
    caplog.set_level(logging.DEBUG)
    yield
    assert KEY not in caplog.text


@pytest.mark.usefixtures("secret_service")
def test_set_list_and_delete_the_key_in_the_keyring(secret_service):
    status, out, _ = hookflo(
        "secret", "set", "clerk", "--clerk-secret-key", stdin=f'  "{KEY}"\n'
    )
    assert status == ExitStatus.SUCCESS
    assert "Saved the Clerk Backend API secret key for 'clerk'" in out
    assert secret_service.stored()["clerk-secret-key:clerk"] == KEY

    _, out, _ = hookflo("secret", "list")
    assert "clerk: Clerk secret key set, in the keyring" in out

    status, out, _ = hookflo("secret", "delete", "clerk", "--clerk-secret-key")
    assert status == ExitStatus.SUCCESS
    assert "clerk-secret-key:clerk" not in secret_service.stored()
    _, out, _ = hookflo("secret", "list")
    assert "clerk: Clerk secret key not set" in out


@pytest.mark.usefixtures("secret_service")
@pytest.mark.parametrize(
    ("pasted", "why"),
    [
        ("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k", "a publishable key (pk_…) will not do"),
        ("sk_live_two words", "contains spaces"),
        ("", "is empty"),
    ],
)
def test_a_value_that_is_not_a_secret_key_is_not_saved(secret_service, pasted, why):
    status, _, err = hookflo(
        "secret", "set", "clerk", "--clerk-secret-key", stdin=pasted
    )

    assert status == ExitStatus.ERROR
    assert "Not saved" in err
    assert why in err
    assert secret_service.stored() == {}


def test_the_environment_overrides_the_keyring_and_is_registered_for_redaction():
    environ = {clerkkey.variable("clerk-dev"): f" {KEY} "}

    value = clerkkey.read(Credentials(environ), environ, "clerk-dev")

    assert value == KEY
    assert clerkkey.variable("clerk-dev") == "HOOKFLO_CLERK_SECRET_KEY_CLERK_DEV"
    assert logs.redact(f"key={KEY}") == "key=[redacted]"


def test_a_key_shaped_value_is_redacted_even_unregistered():
    unseen = "sk_test_NeverRegisteredAnywhere000000000001"

    assert unseen not in logs.redact(f"Authorization: Bearer {unseen}")
