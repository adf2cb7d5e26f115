"""What the settings dialog reads from and writes to the keyring, and saves.

Qt-free, and every function here blocks: the dialog runs them off the UI
thread. A save writes the keyring changes first and ``config.toml`` last, so
a keyring that fails (locked, gone, timed out) leaves the file as it was.
"""

import dataclasses
import logging
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from hookflo.core import config, configwrite
from hookflo.core.credentials import Credentials, signing_secret_entry
from hookflo.core.errors import ConfigError, KeyringUnavailableError

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class SecretChange:
    """One keyring entry to set (``value``) or remove (``value`` None)."""

    entry: str
    value: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class SaveOutcome:
    """What a save did.

    Attributes:
        written: ``config.toml`` was replaced.
        failed: the keyring change that failed and why; later ones were not
            tried and the file was not written.
        error: why the file could not be written.
        abandoned: the dialog went away before the file was written.
        notes: things to tell the user that did not stop the save.
    """

    written: bool
    failed: tuple[SecretChange, str] | None = None
    error: str | None = None
    abandoned: bool = False
    notes: tuple[str, ...] = ()


def read_entries(credentials: Credentials, entries: Iterable[str]) -> dict[str, str]:
    """Return the stored value of each of ``entries`` that is set.

    Raises:
        KeyringUnavailableError: the keyring cannot be read; said once for
            all entries, since the next would fail (or wait) the same way.
    """
    found = {}
    for entry in entries:
        value = credentials.get(entry)
        if value is not None and value.strip():
            found[entry] = value
    return found


def save(
    credentials: Credentials,
    changes: Sequence[SecretChange],
    config_file: Path,
    settings: config.Config,
    *,
    removed_sources: Sequence[str] = (),
    abandoned: threading.Event | None = None,
) -> SaveOutcome:
    """Apply ``changes`` to the keyring, then write ``settings`` to the file."""
    for change in changes:
        if abandoned is not None and abandoned.is_set():
            return SaveOutcome(written=False, abandoned=True)
        try:
            if change.value is None:
                credentials.delete(change.entry)
            else:
                credentials.set(change.entry, change.value)
        except KeyringUnavailableError as err:
            return SaveOutcome(written=False, failed=(change, str(err)))
    if abandoned is not None and abandoned.is_set():
        return SaveOutcome(written=False, abandoned=True)
    try:
        configwrite.write(config_file, settings)
    except ConfigError as err:
        return SaveOutcome(written=False, error=str(err))
    notes = []
    for name in removed_sources:
        try:
            credentials.delete(signing_secret_entry(name))
        except KeyringUnavailableError as err:
            notes.append(f"The signing secrets of {name!r} stay in the keyring: {err}")
    logger.info("Settings saved to %s", config_file)
    return SaveOutcome(written=True, notes=tuple(notes))
