"""``packaging/install-linux.sh`` installs the built bundle and removes it."""

import os
import subprocess
from pathlib import Path

import pytest

from hookflo import __version__
from tests.autostart.test_xdg import exec_arguments, validate

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[2] / "packaging" / "install-linux.sh"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def script(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_install_puts_program_menu_entry_and_icons_in_place_and_uninstall_removes_them(
    bundle, tmp_path
):
    home = tmp_path / "Home of $Ada"  # a space and a dollar to quote
    home.mkdir()

    installed = script(home, str(bundle))

    assert installed.returncode == 0, installed.stderr
    program = home / ".local" / "opt" / "hookflo" / "hookflo"
    link = home / ".local" / "bin" / "hookflo"
    assert link.resolve() == program.resolve()
    shown = subprocess.run(
        [str(link), "--version"], capture_output=True, text=True, timeout=30
    )
    assert shown.stdout == f"hookflo {__version__}\n", shown.stderr
    entry = home / ".local" / "share" / "applications" / "hookflo.desktop"
    checked = validate(entry)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert exec_arguments(entry.read_text(encoding="utf-8")) == [str(program), "%u"]
    icons = home / ".local" / "share" / "icons" / "hicolor"
    for size in SIZES:
        assert (icons / f"{size}x{size}" / "apps" / "hookflo.png").is_file()
    assert (icons / "scalable" / "apps" / "hookflo.svg").is_file()

    removed = script(home, "--uninstall")

    assert removed.returncode == 0, removed.stderr
    left = [p for p in home.rglob("*") if "hookflo" in p.name]
    assert left == []


def test_install_refuses_a_folder_without_a_bundle(tmp_path):
    refused = script(tmp_path, str(tmp_path / "nothing"))
    assert refused.returncode == 1
    assert "no bundle at" in refused.stderr
    assert not (tmp_path / ".local").exists()
