"""Fixtures for the settings dialog and the first-run guide: context, waits."""

import asyncio
import os
import time
from pathlib import Path

import keyring.backend
import pytest
from PySide6.QtWidgets import QApplication, QWidget

from hookflo.core import config, paths
from hookflo.core.credentials import Credentials
from hookflo.gui.context import AppContext

WAIT_S = 5.0


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring in a dict, for tests that are not about the keyring."""

    priority = -1  # never chosen by keyring's own detection

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        self.entries.pop((service, username))


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def make_context(hookflo_home):
    """Return a factory of app contexts on this test's HookFlo home."""

    def factory(credentials: Credentials, **kwargs) -> AppContext:
        where = paths.resolve({paths.HOME_VARIABLE: str(hookflo_home)})
        where.ensure()
        environ = kwargs.pop("environ", {})
        settings = kwargs.pop("config", None) or config.load(where.config_file)
        return AppContext(where, settings, credentials, environ, **kwargs)

    return factory


@pytest.fixture
def context(make_context, memory_keyring) -> AppContext:
    """A context whose keyring is a dict."""
    return make_context(Credentials({}, backend=memory_keyring, timeout=2.0))


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where screenshots go: $HOOKFLO_SCREENSHOTS, else the test's tmp dir."""
    chosen = os.environ.get("HOOKFLO_SCREENSHOTS", "").strip()
    folder = Path(chosen) if chosen else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(widget: QWidget, folder: Path, name: str) -> Path:
    """Save a picture of ``widget`` as ``name``.png and check it has content."""
    widget.show()
    QApplication.processEvents()
    target = folder / f"{name}.png"
    picture = widget.grab()
    assert not picture.isNull()
    assert picture.save(str(target))
    assert target.stat().st_size > 1000
    return target


async def until(predicate, within: float = WAIT_S, what: str = "") -> None:
    """Wait for ``predicate`` on the running loop.

    Async tests under tests/gui run on qasync (see tests/gui/conftest.py), so
    sleeping lets Qt deliver the dialogs' results as it does in the app.
    """
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out waiting for {what or predicate}")
        await asyncio.sleep(0.01)
