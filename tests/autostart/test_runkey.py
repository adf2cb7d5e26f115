"""The Windows Run value, checked on any system against a stand-in winreg.

The stand-in keeps keys and values in dictionaries and fails the way winreg
does (FileNotFoundError for a missing key or value), so the calls RunKey
makes are the ones that would reach the registry.
"""

import contextlib
import subprocess
from collections.abc import Iterator

import pytest

from hookflo.core.autostart.runkey import RUN_KEY, RunKey, command_line


class StandInWinreg:
    """Just enough of winreg: HKCU keys holding string values."""

    HKEY_CURRENT_USER = 0x80000001
    KEY_QUERY_VALUE = 0x0001
    KEY_SET_VALUE = 0x0002
    REG_SZ = 1

    def __init__(self) -> None:
        self.keys: dict[str, dict[str, tuple[str, int]]] = {}
        self.calls: list[tuple[str, ...]] = []

    @contextlib.contextmanager
    def _open(self, root: int, sub_key: str, create: bool) -> Iterator[str]:
        assert root == self.HKEY_CURRENT_USER
        if sub_key not in self.keys:
            if not create:
                raise FileNotFoundError(2, "The system cannot find the file specified")
            self.keys[sub_key] = {}
        yield sub_key

    def OpenKey(self, key, sub_key, reserved, access):  # noqa: N802
        self.calls.append(("OpenKey", sub_key, str(access)))
        return self._open(key, sub_key, create=False)

    def CreateKeyEx(self, key, sub_key, reserved, access):  # noqa: N802
        self.calls.append(("CreateKeyEx", sub_key, str(access)))
        return self._open(key, sub_key, create=True)

    def QueryValueEx(self, key, name):  # noqa: N802
        try:
            return self.keys[key][name]
        except KeyError:
            raise FileNotFoundError(2, "The system cannot find the file") from None

    def SetValueEx(self, key, name, reserved, kind, value):  # noqa: N802
        assert reserved == 0
        self.keys[key][name] = (value, kind)

    def DeleteValue(self, key, name):  # noqa: N802
        if name not in self.keys[key]:
            raise FileNotFoundError(2, "The system cannot find the file")
        del self.keys[key][name]


@pytest.fixture
def registry() -> StandInWinreg:
    return StandInWinreg()


def test_enable_sets_a_string_value_holding_the_quoted_command(registry):
    run = RunKey(registry)
    assert not run.is_enabled()

    run.enable([r"C:\Program Files\HookFlo\hookflo.exe"])

    assert registry.keys[RUN_KEY] == {
        "HookFlo": ('"C:\\Program Files\\HookFlo\\hookflo.exe"', registry.REG_SZ)
    }
    assert run.is_enabled()
    assert run.value() == '"C:\\Program Files\\HookFlo\\hookflo.exe"'
    assert ("CreateKeyEx", RUN_KEY, str(registry.KEY_SET_VALUE)) in registry.calls
    assert run.where == (
        "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\HookFlo"
    )


def test_disable_deletes_only_hookflos_value_and_tolerates_its_absence(registry):
    registry.keys[RUN_KEY] = {"OneDrive": ("onedrive.exe /background", 1)}
    run = RunKey(registry)
    run.enable([r"C:\HookFlo\hookflo.exe"])

    run.disable()
    run.disable()

    assert registry.keys[RUN_KEY] == {"OneDrive": ("onedrive.exe /background", 1)}
    assert not run.is_enabled()


def test_a_missing_run_key_reads_as_disabled_and_is_not_created_by_reading(
    registry,
):
    run = RunKey(registry)

    assert not run.is_enabled()
    run.disable()

    assert RUN_KEY not in registry.keys


@pytest.mark.parametrize(
    "command",
    [
        [r"C:\HookFlo\hookflo.exe"],
        [r"C:\Program Files\Hook Flo\hookflo.exe", "--port", "8787"],
        [r"C:\Python\python.exe", "-m", "hookflo", 'say "hi"'],
    ],
)
def test_command_lines_quote_as_windows_programs_parse_them(command):
    line = command_line(command)
    assert subprocess.list2cmdline(command) == line
    if any(" " in part for part in command):
        assert '"' in line


def test_without_a_stand_in_the_real_winreg_is_loaded_on_first_use(monkeypatch):
    loaded = []

    def import_module(name):
        loaded.append(name)
        return StandInWinreg()

    monkeypatch.setattr("importlib.import_module", import_module)
    run = RunKey()
    assert loaded == []
    assert not run.is_enabled()
    assert loaded == ["winreg"]
