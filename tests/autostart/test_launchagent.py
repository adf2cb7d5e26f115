"""The macOS LaunchAgent, checked on any system through plistlib."""

import plistlib
import re
from pathlib import Path

from hookflo.core.autostart import base
from hookflo.core.autostart.launchagent import LaunchAgent, plist_bytes

SPEC = Path(__file__).resolve().parents[2] / "hookflo.spec"


def test_the_plist_runs_the_command_at_login_in_the_gui_session():
    command = ["/Applications/HookFlo.app/Contents/MacOS/hookflo"]

    job = plistlib.loads(plist_bytes(command))

    assert job == {
        "Label": "dev.hookflo.desktop",
        "ProgramArguments": command,
        "RunAtLoad": True,
        "LimitLoadToSessionType": "Aqua",
        "ProcessType": "Interactive",
    }
    assert plist_bytes(command).startswith(b"<?xml")  # launchd reads XML plists


def test_enable_and_disable_write_and_remove_the_agent_file(tmp_path):
    agent = LaunchAgent(tmp_path)
    target = tmp_path / "Library" / "LaunchAgents" / "dev.hookflo.desktop.plist"
    assert agent.where == str(target)
    assert not agent.is_enabled()

    agent.enable(["/Apps/Hook Flo.app/Contents/MacOS/hookflo", "--port", "0"])

    assert agent.is_enabled()
    job = plistlib.loads(target.read_bytes())
    assert job["ProgramArguments"] == [
        "/Apps/Hook Flo.app/Contents/MacOS/hookflo",
        "--port",
        "0",
    ]
    assert list(target.parent.iterdir()) == [target]  # no temporary file left
    agent.disable()
    assert not target.exists()
    agent.disable()


def test_the_label_is_the_bundle_identifier_of_the_spec():
    spec = SPEC.read_text(encoding="utf-8")
    (identifier,) = re.findall(r'^BUNDLE_ID = "([^"]+)"$', spec, re.MULTILINE)
    assert identifier == base.BUNDLE_ID
    assert "bundle_identifier=BUNDLE_ID" in spec
    assert '"LSUIElement": True' in spec
