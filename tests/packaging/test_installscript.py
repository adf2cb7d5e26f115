"""``packaging/install-linux.sh`` registers HookFlo for hookflo:// links.

Runs the script on a stand-in bundle (a shell program in the bundle's
layout), so it needs no PyInstaller build; the real ``xdg-mime`` and
``desktop-file-validate`` check what it wrote. tests/bundle runs it on the
real bundle.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.autostart.test_xdg import exec_arguments, validate

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "install-linux.sh"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
URL_TYPE = "x-scheme-handler/hookflo"


def fake_bundle(folder: Path) -> Path:
    """A folder laid out like dist/hookflo, with a shell script as program."""
    share = folder / "_internal" / "share"
    (share / "applications").mkdir(parents=True)
    (share / "icons").mkdir()
    shutil.copy(ROOT / "packaging" / "hookflo.desktop", share / "applications")
    for size in SIZES:
        (share / "icons" / f"hookflo-{size}.png").write_bytes(b"png")
    (share / "icons" / "hookflo.svg").write_text("<svg/>", encoding="utf-8")
    program = folder / "hookflo"
    program.write_text('#!/bin/sh\necho "$@"\n', encoding="utf-8")
    program.chmod(0o755)
    return folder


def xdg_mime() -> str:
    found = shutil.which("xdg-mime")
    if found is None:
        pytest.fail("xdg-mime not found; install xdg-utils", pytrace=False)
    return found


def run(home: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess:
    environ = {
        "PATH": path or os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
    }
    return subprocess.run(
        [*args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_install_makes_hookflo_open_its_links_and_uninstall_forgets_it(tmp_path):
    bundle = fake_bundle(tmp_path / "bundle")
    home = tmp_path / "home"
    home.mkdir()
    mimeapps = home / ".config" / "mimeapps.list"
    mimeapps.parent.mkdir()
    mimeapps.write_text(
        "[Default Applications]\ntext/html=firefox.desktop\n", encoding="utf-8"
    )

    installed = run(home, "bash", str(SCRIPT), str(bundle))

    assert installed.returncode == 0, installed.stderr
    entry = home / ".local" / "share" / "applications" / "hookflo.desktop"
    checked = validate(entry)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    program = home / ".local" / "opt" / "hookflo" / "hookflo"
    # The desktop puts the link where %u stands.
    assert exec_arguments(entry.read_text(encoding="utf-8")) == [str(program), "%u"]
    assert f"MimeType={URL_TYPE};" in entry.read_text(encoding="utf-8").splitlines()
    handler = run(home, xdg_mime(), "query", "default", URL_TYPE)
    assert handler.stdout.strip() == "hookflo.desktop", handler.stderr
    assert "text/html=firefox.desktop" in mimeapps.read_text(encoding="utf-8")

    removed = run(home, "bash", str(SCRIPT), "--uninstall")

    assert removed.returncode == 0, removed.stderr
    assert "hookflo" not in mimeapps.read_text(encoding="utf-8")
    assert "text/html=firefox.desktop" in mimeapps.read_text(encoding="utf-8")
    assert run(home, xdg_mime(), "query", "default", URL_TYPE).stdout.strip() == ""


def test_without_xdg_mime_install_says_links_will_not_open(tmp_path):
    bundle = fake_bundle(tmp_path / "bundle")
    home = tmp_path / "home"
    home.mkdir()
    tools = tmp_path / "tools"  # the few programs the script needs, no xdg-mime
    tools.mkdir()
    for name in ("bash", "cp", "rm", "mv", "mkdir", "ln", "dirname"):
        found = shutil.which(name)
        assert found is not None, name
        (tools / name).symlink_to(found)

    installed = run(home, "bash", str(SCRIPT), str(bundle), path=str(tools))

    assert installed.returncode == 0, installed.stderr
    assert "xdg-mime not found: hookflo:// links" in installed.stdout
    assert (home / ".local" / "share" / "applications" / "hookflo.desktop").is_file()
    assert not (home / ".config" / "mimeapps.list").exists()
