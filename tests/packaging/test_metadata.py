"""The menu entry and the Windows version resource in packaging/."""

import ast
import importlib.util
from pathlib import Path

import pytest

from hookflo import __version__
from tests.autostart.test_xdg import validate

ROOT = Path(__file__).resolve().parents[2]
DESKTOP_FILE = ROOT / "packaging" / "hookflo.desktop"


def load_versioninfo():
    spec = importlib.util.spec_from_file_location(
        "versioninfo", ROOT / "packaging" / "versioninfo.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_menu_entry_is_valid_and_matches_the_app():
    checked = validate(DESKTOP_FILE)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout == ""
    keys = dict(
        line.split("=", 1)
        for line in DESKTOP_FILE.read_text(encoding="utf-8").splitlines()
        if "=" in line
    )
    assert keys["Name"] == "HookFlo"
    assert keys["Icon"] == "hookflo"  # the icons' name in the hicolor theme
    # The tray app calls QApplication.setDesktopFileName("hookflo").
    assert keys["StartupWMClass"] == DESKTOP_FILE.stem == "hookflo"
    # It opens hookflo:// links (a digest's), handed over in place of %u.
    assert keys["Exec"] == "hookflo %u"
    assert keys["MimeType"] == "x-scheme-handler/hookflo;"


def test_the_macos_bundle_claims_the_hookflo_url_scheme():
    spec = (ROOT / "hookflo.spec").read_text(encoding="utf-8")
    tree = ast.parse(spec)
    (bundle,) = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "BUNDLE"
    ]
    (info_plist,) = [k.value for k in bundle.keywords if k.arg == "info_plist"]
    plist = ast.literal_eval(
        ast.Dict(
            keys=[k for k in info_plist.keys if k is not None],
            values=[
                ast.Constant(None) if isinstance(v, ast.Name) else v
                for v in info_plist.values
            ],
        )
    )
    (url_type,) = plist["CFBundleURLTypes"]
    assert url_type["CFBundleURLSchemes"] == ["hookflo"]
    assert url_type["CFBundleURLName"] == "dev.hookflo.desktop.event-link"


def test_the_version_resource_carries_the_project_version(tmp_path):
    versioninfo = load_versioninfo()
    version = versioninfo.project_version()
    assert version == __version__

    written = versioninfo.write(tmp_path / "version-info.txt", "1.12.3rc1")
    text = written.read_text(encoding="utf-8")

    tree = ast.parse(text, mode="eval")  # PyInstaller eval()s it
    assert isinstance(tree.body, ast.Call)
    assert isinstance(tree.body.func, ast.Name)
    assert tree.body.func.id == "VSVersionInfo"
    assert "filevers=(1, 12, 3, 0)" in text
    assert "prodvers=(1, 12, 3, 0)" in text
    assert "StringStruct('ProductVersion', '1.12.3rc1')" in text
    assert "StringStruct('OriginalFilename', 'hookflo.exe')" in text


@pytest.mark.parametrize(
    ("version", "numbers"),
    [("0.1.0", (0, 1, 0, 0)), ("2", (2, 0, 0, 0)), ("1.2.3.4.5", (1, 2, 3, 4))],
)
def test_windows_gets_four_numbers(version, numbers):
    assert load_versioninfo().version_numbers(version) == numbers


def test_a_version_without_numbers_is_refused():
    with pytest.raises(ValueError, match="Not a release version: 'dev'"):
        load_versioninfo().version_numbers("dev")
