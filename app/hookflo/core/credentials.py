"""Secrets in the OS keyring, with environment overrides for headless use.

Every secret lives in the keyring under the service ``hookflo``, one entry per
purpose. A matching environment variable (``HOOKFLO_SECRET_CLERK`` for the
signing secrets of the source ``clerk``) takes precedence, for servers and
tests.

Keyring calls can block for ever (a locked collection with a display opens a
password prompt), so each runs in its own thread with a time limit. Every
failure becomes a ``KeyringUnavailableError`` with a plain message; none is
ever taken as "no secret, accept the request".
"""

import dataclasses
import enum
import logging
import os
import queue
import threading
from collections.abc import Callable, Mapping
from typing import TypeVar

import keyring
import keyring.backend
import keyring.backends.null
import keyring.errors

from hookflo.core.errors import KeyringUnavailableError

logger = logging.getLogger(__name__)

SERVICE = "hookflo"
DEFAULT_TIMEOUT_S = 10.0
_PLAINTEXT_BACKENDS = {"PlaintextKeyring", "EncryptedKeyring"}

T = TypeVar("T")
Backend = keyring.backend.KeyringBackend


class Origin(enum.StrEnum):
    """Where a secret came from."""

    ENVIRONMENT = "environment"
    KEYRING = "keyring"
    NONE = "none"


@dataclasses.dataclass(frozen=True, slots=True)
class SecretValues:
    """The values of one secret entry, possibly several during rotation."""

    values: tuple[str, ...]
    origin: Origin


def signing_secret_entry(source_name: str) -> str:
    """Return the keyring entry name holding a source's signing secrets."""
    return f"signing-secret:{source_name}"


def signing_secret_variable(source_name: str) -> str:
    """Return the environment variable that overrides a source's secrets."""
    return "HOOKFLO_SECRET_" + source_name.upper().replace("-", "_")


class Credentials:
    """Reads and writes HookFlo's secrets.

    Args:
        environ: the environment to read overrides from (default: the process's).
        timeout: seconds to wait for the keyring before giving up.
        backend: a keyring backend to use instead of the system's choice.
    """

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        backend: keyring.backend.KeyringBackend | None = None,
    ) -> None:
        self._environ = os.environ if environ is None else environ
        self._timeout = timeout
        self._backend = backend

    def signing_secrets(self, source_name: str) -> SecretValues:
        """Return a source's signing secrets, the environment first.

        Raises:
            KeyringUnavailableError: no override is set and the keyring fails.
        """
        override = self._environ.get(signing_secret_variable(source_name), "")
        if override.strip():
            return SecretValues(tuple(override.split()), Origin.ENVIRONMENT)
        stored = self.get(
            signing_secret_entry(source_name),
            variable=signing_secret_variable(source_name),
        )
        if stored is None or not stored.strip():
            return SecretValues((), Origin.NONE)
        return SecretValues(tuple(stored.split()), Origin.KEYRING)

    def set_signing_secrets(self, source_name: str, values: list[str]) -> None:
        """Store a source's signing secrets (space-separated) in the keyring."""
        self.set(signing_secret_entry(source_name), " ".join(values))

    def get(self, entry: str, *, variable: str | None = None) -> str | None:
        """Return the keyring value of ``entry``, or None when it is not set.

        Args:
            entry: the keyring entry.
            variable: the environment variable that stands in for the entry,
                named when the keyring fails; None when the failure is said
                for several entries at once.
        """
        return self._call(
            "read", lambda b: b.get_password(SERVICE, entry), variable=variable
        )

    def set(self, entry: str, value: str) -> None:
        """Store ``value`` under ``entry`` in the keyring."""
        self._call(
            "write",
            lambda b: b.set_password(SERVICE, entry, value),
            variable=_variable_for(entry),
        )
        logger.debug("Stored keyring entry %s", entry)

    def delete(self, entry: str) -> bool:
        """Remove ``entry`` from the keyring; return False if it was not there."""

        def remove(backend: keyring.backend.KeyringBackend) -> bool:
            if backend.get_password(SERVICE, entry) is None:
                return False
            backend.delete_password(SERVICE, entry)
            return True

        removed = self._call("delete", remove, variable=_variable_for(entry))
        logger.debug("Keyring entry %s removed: %s", entry, removed)
        return removed

    def _call(
        self,
        action: str,
        operation: Callable[[keyring.backend.KeyringBackend], T],
        *,
        variable: str | None = None,
    ) -> T:
        """Run ``operation`` on the backend in a thread, within the time limit."""
        outcome: queue.SimpleQueue[tuple[bool, object]] = queue.SimpleQueue()

        def work() -> None:
            try:
                outcome.put((True, operation(self._resolve_backend())))
            except BaseException as err:  # reported to the caller below
                outcome.put((False, err))

        threading.Thread(target=work, name=f"keyring-{action}", daemon=True).start()
        try:
            ok, result = outcome.get(timeout=self._timeout)
        except queue.Empty:
            logger.warning("Keyring %s timed out after %g s", action, self._timeout)
            raise KeyringUnavailableError(
                f"The keyring did not answer within {self._timeout:g} s; it may be "
                "waiting for a password prompt. Unlock it and try again"
            ) from None
        if ok:
            return result  # type: ignore[return-value]  # operation returned T
        assert isinstance(result, BaseException)
        raise _explain(action, result, variable) from result

    def _resolve_backend(self) -> keyring.backend.KeyringBackend:
        if self._backend is None:
            self._backend = _safe_backend(keyring.get_keyring())
        return self._backend


def _safe_backend(
    chosen: keyring.backend.KeyringBackend,
) -> keyring.backend.KeyringBackend:
    """Refuse backends that would write secrets to a plain file or drop them."""
    candidates: list[Backend] = list(getattr(chosen, "backends", [chosen]))
    safe = [
        b
        for b in candidates
        if type(b).__name__ not in _PLAINTEXT_BACKENDS
        and not isinstance(b, keyring.backends.null.Keyring)
    ]
    if not safe:
        raise keyring.errors.NoKeyringError("only plain-file keyrings are available")
    logger.debug("Using keyring backend %s", type(safe[0]).__module__)
    return safe[0]


def _variable_for(entry: str) -> str | None:
    """Return the variable standing in for ``entry``, if it is a signing secret's."""
    prefix = signing_secret_entry("")
    if entry.startswith(prefix) and len(entry) > len(prefix):
        return signing_secret_variable(entry.removeprefix(prefix))
    return None


def _explain(
    action: str, error: BaseException, variable: str | None
) -> KeyringUnavailableError:
    """Turn a backend failure into one sentence for the user."""
    logger.warning("Keyring %s failed: %s", action, type(error).__name__)
    if isinstance(error, keyring.errors.NoKeyringError):
        instead = (
            f"set the {variable} environment variable"
            if variable
            else "give the secrets in their environment variables instead"
        )
        return KeyringUnavailableError(
            "No OS keyring is available (on Linux: no Secret Service such as "
            f"gnome-keyring on the session bus). Start one, or for headless use "
            f"{instead}"
        )
    if isinstance(error, keyring.errors.KeyringLocked):
        return KeyringUnavailableError(
            "The keyring is locked; unlock it (log in to the desktop) and try again"
        )
    if isinstance(error, keyring.errors.InitError):
        return KeyringUnavailableError(
            f"The keyring could not be opened ({error}); check that it is unlocked"
        )
    if type(error).__module__.startswith("secretstorage"):
        return KeyringUnavailableError(
            f"The Secret Service is not reachable ({type(error).__name__}); is a "
            "keyring daemon running on the session bus?"
        )
    return KeyringUnavailableError(
        f"The keyring refused to {action} ({type(error).__name__}: {error})"
    )
