"""Credentials against a real gnome-keyring on a private D-Bus, and bad backends."""

import logging
import threading
import time

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.backends.null
import keyring.core
import pytest

from hookflo.core import channelsecrets
from hookflo.core.credentials import (
    Credentials,
    Origin,
    SecretValues,
    signing_secret_entry,
    signing_secret_variable,
)
from hookflo.core.errors import KeyringUnavailableError
from tests.support.clerk import DEV_SECRET, SECRET, SECRET_B
from tests.support.secretservice import reset_keyring_choice

ALL_SECRETS = (SECRET, SECRET_B, DEV_SECRET)


class PlaintextKeyring(keyring.backend.KeyringBackend):
    """Named like keyrings.alt's plain-file backend; keeps values in a dict."""

    priority = -1  # never chosen by keyring's own detection in other tests

    def __init__(self) -> None:
        super().__init__()
        self.saved: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.saved.get((service, username))

    def set_password(self, service, username, password):
        self.saved[service, username] = password

    def delete_password(self, service, username):
        del self.saved[service, username]


class ChainOf(keyring.backend.KeyringBackend):
    """What keyring's ChainerBackend looks like to HookFlo: a ``backends`` list."""

    priority = -1

    def __init__(self, *backends: keyring.backend.KeyringBackend) -> None:
        super().__init__()
        self.backends = list(backends)

    def get_password(self, *args):
        raise AssertionError("HookFlo must pick one backend of the chain")

    set_password = delete_password = get_password


class HangingKeyring(keyring.backend.KeyringBackend):
    """Blocks like a keyring waiting for a password prompt nobody answers."""

    priority = -1

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, *args):
        self.release.wait(10)

    set_password = delete_password = get_password


@pytest.fixture(autouse=True)
def _no_secret_in_logs(caplog):
    caplog.set_level(logging.DEBUG)
    yield
    for secret in ALL_SECRETS:
        assert secret not in caplog.text
        assert secret.removeprefix("whsec_") not in caplog.text


@pytest.fixture
def credentials(secret_service):
    """Credentials as the product builds them: no overrides, keyring's choice."""
    return Credentials({})


@pytest.fixture
def no_secret_service(tmp_path, monkeypatch):
    """No session bus at all, as on a headless server."""
    for name in ("DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND", "DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    reset_keyring_choice()
    yield
    reset_keyring_choice()


def test_set_get_delete_round_trip(credentials, secret_service, caplog):
    entry = signing_secret_entry("clerk")
    credentials.set(entry, SECRET)
    assert secret_service.stored() == {entry: SECRET}
    assert credentials.get(entry) == SECRET
    assert Credentials({}, backend=secret_service.backend()).get(entry) == SECRET

    assert credentials.delete(entry) is True
    assert credentials.get(entry) is None
    assert secret_service.stored() == {}
    assert f"Stored keyring entry {entry}" in caplog.text


def test_rotation_keeps_both_secrets_in_order(credentials, secret_service):
    credentials.set_signing_secrets("clerk", [SECRET, SECRET_B])
    assert secret_service.stored() == {"signing-secret:clerk": f"{SECRET} {SECRET_B}"}
    assert credentials.signing_secrets("clerk") == SecretValues(
        (SECRET, SECRET_B), Origin.KEYRING
    )


def test_sources_do_not_share_secrets(credentials):
    credentials.set_signing_secrets("clerk", [SECRET])
    credentials.set_signing_secrets("clerk-dev", [DEV_SECRET])
    assert credentials.signing_secrets("clerk").values == (SECRET,)
    assert credentials.signing_secrets("clerk-dev").values == (DEV_SECRET,)
    assert credentials.signing_secrets("other") == SecretValues((), Origin.NONE)


@pytest.mark.parametrize(
    ("source", "variable"),
    [
        ("clerk", "HOOKFLO_SECRET_CLERK"),
        ("clerk-dev", "HOOKFLO_SECRET_CLERK_DEV"),
        ("my-app_2", "HOOKFLO_SECRET_MY_APP_2"),
    ],
)
def test_environment_variable_takes_precedence(secret_service, source, variable):
    assert signing_secret_variable(source) == variable
    Credentials({}).set_signing_secrets(source, [SECRET])

    overridden = Credentials({variable: f" {DEV_SECRET}  {SECRET_B}\n"})
    assert overridden.signing_secrets(source) == SecretValues(
        (DEV_SECRET, SECRET_B), Origin.ENVIRONMENT
    )
    assert secret_service.stored() == {signing_secret_entry(source): SECRET}


@pytest.mark.parametrize(
    ("source", "variable"),
    [("clerk", "HOOKFLO_SECRET_clerk"), ("clerk-dev", "HOOKFLO_SECRET_CLERK-DEV")],
)
def test_variable_spelled_otherwise_is_ignored(secret_service, source, variable):
    Credentials({}).set_signing_secrets(source, [SECRET])
    assert Credentials({variable: DEV_SECRET}).signing_secrets(source) == (
        SecretValues((SECRET,), Origin.KEYRING)
    )


def test_blank_variable_falls_back_to_the_keyring(credentials):
    credentials.set_signing_secrets("clerk", [SECRET])
    blank = Credentials({"HOOKFLO_SECRET_CLERK": "  \n"})
    assert blank.signing_secrets("clerk") == SecretValues((SECRET,), Origin.KEYRING)


def test_delete_of_missing_entry_is_false_and_touches_nothing(
    credentials, secret_service
):
    credentials.set_signing_secrets("clerk", [SECRET])
    assert credentials.delete(signing_secret_entry("clerk-dev")) is False
    assert secret_service.stored() == {"signing-secret:clerk": SECRET}


@pytest.mark.expect_log_warnings
def test_locked_keyring_is_refused_fast_with_a_clear_message(secret_service):
    Credentials({}).set_signing_secrets("clerk", [SECRET])
    secret_service.lock()
    assert secret_service.is_locked()
    credentials = Credentials({}, timeout=5)

    started = time.monotonic()
    with pytest.raises(KeyringUnavailableError) as read:
        credentials.signing_secrets("clerk")
    with pytest.raises(KeyringUnavailableError) as write:
        credentials.set_signing_secrets("clerk", [SECRET_B])
    with pytest.raises(KeyringUnavailableError):
        credentials.delete(signing_secret_entry("clerk"))
    assert time.monotonic() - started < 2

    for err in (read.value, write.value):
        assert "locked" in str(err)
        assert "unlock" in str(err)
    assert secret_service.is_locked()


@pytest.mark.expect_log_warnings
@pytest.mark.usefixtures("no_secret_service")
def test_without_any_keyring_the_error_names_the_variable():
    assert isinstance(keyring.get_keyring(), keyring.backends.fail.Keyring)
    with pytest.raises(KeyringUnavailableError, match="HOOKFLO_SECRET_CLERK "):
        Credentials({}).signing_secrets("clerk")
    with pytest.raises(KeyringUnavailableError, match="No OS keyring"):
        Credentials({}).set_signing_secrets("clerk", [SECRET])


@pytest.mark.expect_log_warnings
@pytest.mark.usefixtures("no_secret_service")
def test_without_any_keyring_each_secret_names_its_own_variable():
    with pytest.raises(KeyringUnavailableError) as dev:
        Credentials({}).signing_secrets("clerk-dev")
    assert "set the HOOKFLO_SECRET_CLERK_DEV environment variable" in str(dev.value)
    assert "<SOURCE>" not in str(dev.value)
    slack = channelsecrets.SLACK_BOT_TOKEN
    with pytest.raises(KeyringUnavailableError) as channel:
        channelsecrets.read(Credentials({}), {}, slack)
    assert f"set the {slack.variable} environment variable" in str(channel.value)


@pytest.mark.usefixtures("no_secret_service")
def test_without_any_keyring_the_variable_still_works():
    headless = Credentials({"HOOKFLO_SECRET_CLERK": SECRET})
    assert headless.signing_secrets("clerk") == SecretValues(
        (SECRET,), Origin.ENVIRONMENT
    )


@pytest.mark.expect_log_warnings
def test_plaintext_backend_is_refused(monkeypatch):
    plaintext = PlaintextKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", plaintext)
    credentials = Credentials({})
    with pytest.raises(KeyringUnavailableError, match="HOOKFLO_SECRET_CLERK "):
        credentials.set_signing_secrets("clerk", [SECRET])
    with pytest.raises(KeyringUnavailableError):
        credentials.signing_secrets("clerk")
    assert plaintext.saved == {}


@pytest.mark.expect_log_warnings
def test_null_backend_is_refused(no_secret_service, monkeypatch):
    # What `keyring --disable` or PYTHON_KEYRING_BACKEND=...null.Keyring give:
    # a backend that forgets every write and finds nothing.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    reset_keyring_choice()
    assert isinstance(keyring.get_keyring(), keyring.backends.null.Keyring)
    with pytest.raises(KeyringUnavailableError, match="HOOKFLO_SECRET_CLERK "):
        Credentials({}).set_signing_secrets("clerk", [SECRET])


def test_chain_with_plaintext_uses_only_the_secret_service(secret_service, monkeypatch):
    plaintext = PlaintextKeyring()
    chain = ChainOf(plaintext, secret_service.backend())
    monkeypatch.setattr(keyring.core, "_keyring_backend", chain)
    credentials = Credentials({})
    credentials.set_signing_secrets("clerk", [SECRET])
    assert credentials.signing_secrets("clerk").values == (SECRET,)
    assert secret_service.stored() == {"signing-secret:clerk": SECRET}
    assert plaintext.saved == {}


@pytest.mark.expect_log_warnings
def test_hanging_backend_gives_up_after_the_timeout():
    hanging = HangingKeyring()
    credentials = Credentials({}, timeout=0.2, backend=hanging)
    try:
        started = time.monotonic()
        with pytest.raises(KeyringUnavailableError) as raised:
            credentials.signing_secrets("clerk")
        elapsed = time.monotonic() - started
    finally:
        hanging.release.set()
    assert 0.2 <= elapsed < 1.0
    assert "0.2 s" in str(raised.value)
    assert "Unlock it" in str(raised.value)
