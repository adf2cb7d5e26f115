"""The built program under test: ``$HOOKFLO_BUNDLE/hookflo``.

These tests run the PyInstaller bundle, not the source tree. A plain
``pytest`` run skips them; ``./dev test`` builds the bundle and sets
``HOOKFLO_BUNDLE=dist/hookflo``, and then a missing or broken bundle fails.
"""

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

# The desktop session of the GUI end-to-end tests (Xvfb, a private bus, a
# StatusNotifierItem tray host and a notification server), for the tray test.
from tests.gui.test_desktop_e2e import desktop, x_display  # noqa: F401

BUNDLE_VARIABLE = "HOOKFLO_BUNDLE"
COMMAND_TIMEOUT_S = 30.0
# Variables that would point the program at the machine's own desktop.
_OUTSIDE = ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", "PYTHONPATH")


@pytest.fixture(scope="session")
def bundle() -> Path:
    """The bundle folder; skip when none is asked for, fail when it is broken."""
    where = os.environ.get(BUNDLE_VARIABLE, "").strip()
    if not where:
        pytest.skip(f"set {BUNDLE_VARIABLE}=dist/hookflo to test the built program")
    program = Path(where).absolute() / "hookflo"
    if not (program.is_file() and os.access(program, os.X_OK)):
        pytest.fail(
            f"{BUNDLE_VARIABLE}={where} holds no program 'hookflo'; "
            "build it with ./dev bundle",
            pytrace=False,
        )
    return program.parent


def clean_environ(home: Path, **extra: str) -> dict[str, str]:
    """The environment of the built program: no outside desktop, own home."""
    environ = {
        name: value
        for name, value in os.environ.items()
        if name not in _OUTSIDE and not name.startswith("HOOKFLO_")
    }
    environ["HOOKFLO_HOME"] = str(home)
    environ.update(extra)
    return environ


def run(
    bundle: Path, environ: Mapping[str, str], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run the built ``hookflo ARGS`` to completion."""
    return subprocess.run(
        [str(bundle / "hookflo"), *args],
        env=dict(environ),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )
