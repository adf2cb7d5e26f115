"""The tray app's start path does not load the command line's commands.

Importing anything under ``hookflo.cli`` runs its ``__init__``, which loads
every command (``serve``, ``send-test`` with its signing, ``digest``, …);
the tray app needs none of them at idle. Each check runs in a fresh
interpreter, since this test process has long imported them all.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import hookflo
from hookflo import exitstatus
from hookflo.cli import status

pytestmark = pytest.mark.slow

CLI_DIR = Path(hookflo.__file__).parent / "cli"

# Imports ``imports`` and prints the hookflo.cli modules then in sys.modules.
_PROBE = """
import json, sys
{imports}
print(json.dumps(sorted(
    m for m in sys.modules if m == "hookflo.cli" or m.startswith("hookflo.cli.")
)))
"""


def cli_modules_after(imports: str) -> list[str]:
    """Return the ``hookflo.cli`` modules a fresh interpreter has after ``imports``."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(imports=imports)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=os.environ | {"QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout)
    return loaded


def command_modules() -> set[str]:
    return {
        f"hookflo.cli.{p.stem}" for p in CLI_DIR.glob("*.py") if p.stem != "__init__"
    }


def test_the_tray_start_path_loads_no_command_module():
    loaded = cli_modules_after("import hookflo.main, hookflo.gui.launcher")
    assert loaded == []


def test_the_probe_sees_the_commands_the_old_import_loaded():
    # The counter-check: the import the launcher used to make loads them all.
    loaded = set(cli_modules_after("import hookflo.cli.status"))
    assert "hookflo.cli.serve" in loaded
    assert command_modules() <= loaded


def test_the_command_line_keeps_its_exit_statuses():
    assert status.ExitStatus is exitstatus.ExitStatus
    assert status.ExitStatus.BROKEN_PIPE == 141
