"""The freedesktop autostart entry, written and removed for real on Linux."""

import shutil
import subprocess
import sys

import pytest

from hookflo import __version__
from hookflo.core import autostart
from hookflo.core.autostart.xdg import XdgAutostart, entry_text
from hookflo.core.errors import UserFacingError

INSTALL_HINT = "install it with: apt-get install desktop-file-utils, or ./dev setup"


def exec_arguments(entry: str) -> list[str]:
    """Read the Exec key back as the Desktop Entry Specification says."""
    (line,) = [x for x in entry.splitlines() if x.startswith("Exec=")]
    value = line.removeprefix("Exec=").replace("\\\\", "\\")
    arguments: list[str] = []
    current: str | None = None
    quoted = escaped = False
    for char in value:
        if escaped:
            assert char in '"`$\\', f"{char!r} may not be escaped"
            current, escaped = (current or "") + char, False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted, current = not quoted, current or ""
        elif char == " " and not quoted:
            if current is not None:
                arguments.append(current)
            current = None
        else:
            current = (current or "") + char
    assert not quoted, value
    assert not escaped, value
    if current is not None:
        arguments.append(current)
    return [argument.replace("%%", "%") for argument in arguments]


def validate(path) -> subprocess.CompletedProcess[str]:
    program = shutil.which("desktop-file-validate")
    if program is None:
        pytest.fail(f"desktop-file-validate not found; {INSTALL_HINT}", pytrace=False)
    return subprocess.run(
        [program, str(path)], capture_output=True, text=True, timeout=20, check=False
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")
def test_enable_writes_a_valid_entry_that_starts_hookflo_and_disable_removes_it(
    tmp_path,
):
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    entry = tmp_path / "config" / "autostart" / "hookflo.desktop"
    assert not autostart.is_enabled(environ)

    where = autostart.enable(environ)

    assert where == str(entry)
    assert autostart.is_enabled(environ)
    checked = validate(entry)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout == ""  # no hints or warnings either
    arguments = exec_arguments(entry.read_text(encoding="utf-8"))
    assert arguments == autostart.command()
    started = subprocess.run(
        [*arguments, "--version"], capture_output=True, text=True, timeout=30
    )
    assert started.stdout == f"hookflo {__version__}\n", started.stderr

    autostart.disable(environ)
    assert not entry.exists()
    assert not autostart.is_enabled(environ)
    autostart.disable(environ)  # removing twice is no error


def test_without_xdg_config_home_the_entry_goes_to_dot_config(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert (
        XdgAutostart({}).file == tmp_path / ".config" / "autostart" / "hookflo.desktop"
    )
    assert XdgAutostart({"XDG_CONFIG_HOME": " "}).file.parent.parent == (
        tmp_path / ".config"
    )


def test_awkward_command_paths_survive_the_round_trip(tmp_path):
    command = ["/opt/Hook Flo/bin/hook$flo", "--port", "100%", 'say "hi"\\']
    entry = tmp_path / "hookflo.desktop"
    entry.write_text(entry_text(command), encoding="utf-8")

    assert exec_arguments(entry.read_text(encoding="utf-8")) == command
    checked = validate(entry)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_an_unwritable_place_is_a_plain_error(tmp_path):
    blocker = tmp_path / "config"
    blocker.write_text("a file where the directory should be", encoding="utf-8")

    with pytest.raises(UserFacingError, match=r"^Cannot write .*hookflo"):
        autostart.enable({"XDG_CONFIG_HOME": str(blocker)})
