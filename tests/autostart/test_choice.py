"""Which mechanism each system gets, and what an unsupported one says."""

import sys

import pytest

from hookflo.core import autostart
from hookflo.core.autostart.launchagent import LaunchAgent
from hookflo.core.autostart.runkey import RunKey
from hookflo.core.autostart.xdg import XdgAutostart
from hookflo.core.errors import UserFacingError


@pytest.mark.parametrize(
    ("platform", "kind"),
    [
        ("linux", XdgAutostart),
        ("freebsd14", XdgAutostart),
        ("darwin", LaunchAgent),
        ("win32", RunKey),
    ],
)
def test_each_desktop_system_gets_its_own_mechanism(platform, kind, tmp_path):
    chosen = autostart.starter({}, platform=platform, home=tmp_path)
    assert isinstance(chosen, kind)
    assert autostart.unsupported_reason(platform) is None


def test_other_systems_are_told_plainly(monkeypatch):
    assert autostart.starter({}, platform="emscripten") is None
    assert autostart.unsupported_reason("emscripten") == (
        "Starting at login is not supported on this system (emscripten)"
    )
    monkeypatch.setattr(sys, "platform", "emscripten")
    with pytest.raises(UserFacingError, match="not supported"):
        autostart.enable({})
    assert not autostart.is_enabled({})


def test_a_frozen_build_starts_its_own_program(monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/hookflo/hookflo")
    assert autostart.command() == ["/opt/hookflo/hookflo"]


def test_from_source_the_installed_command_or_the_interpreter_starts_it(
    monkeypatch, tmp_path
):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert autostart.command() == [sys.executable, "-m", "hookflo"]
    program = tmp_path / "hookflo"
    program.write_text("#!/bin/sh\n", encoding="utf-8")
    program.chmod(0o755)
    assert autostart.command() == [str(program)]
