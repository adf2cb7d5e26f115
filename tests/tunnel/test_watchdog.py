"""The watchdog runs as the ``hookflo`` program itself, frozen build or not.

A frozen (PyInstaller) build has no Python to run a script with, so HookFlo
starts its watchdog as ``<hookflo> _tunnel-watchdog <pid>``. Here the
installed ``hookflo`` command plays the frozen executable: ``sys.frozen`` is
set and ``sys.executable`` points at it, exactly what the bundle shows.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hookflo.core.tunnel import guard, procs, watchdog

pytestmark = pytest.mark.slow

HOOKFLO = Path(sys.executable).with_name("hookflo")


@pytest.fixture
def stand_in_agent():
    """A process in its own session, standing in for an ngrok agent."""
    agent = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"],
        start_new_session=True,
    )
    yield agent
    if agent.poll() is None:
        agent.kill()
    agent.wait(timeout=5)


def test_watchdog_started_as_the_frozen_program_ends_the_agent(
    tmp_path, monkeypatch, stand_in_agent
):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(HOOKFLO))
    scratch = tmp_path / "hookflo-ngrok-scratch"
    scratch.mkdir()
    watched = guard.AgentGuard(tmp_path / "data")

    watched.preparing(scratch)
    watched.started(stand_in_agent.pid)
    (watcher,) = procs.mine(
        lambda f: f.parent == os.getpid() and watchdog.COMMAND in f.args
    )
    running = stand_in_agent.poll()
    watched.close()  # as HookFlo's end: the watchdog sees its input close
    ended = stand_in_agent.wait(timeout=5)

    assert watcher.args[-3:] == (str(HOOKFLO), watchdog.COMMAND, str(os.getpid()))
    assert running is None
    assert ended == -signal.SIGTERM
    assert not scratch.exists()
    assert not procs.is_alive(watcher.pid)


def test_the_command_line_is_the_hookflo_program_either_way(monkeypatch):
    pid = str(os.getpid())
    assert guard.watchdog_command(os.getpid()) == [
        sys.executable,
        "-P",
        "-m",
        "hookflo",
        watchdog.COMMAND,
        pid,
    ]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert guard.watchdog_command(os.getpid()) == [
        sys.executable,
        watchdog.COMMAND,
        pid,
    ]


def test_the_hidden_command_is_not_in_the_help():
    shown = subprocess.run(
        [str(HOOKFLO), "--help"], capture_output=True, text=True, timeout=20
    )

    assert shown.returncode == 0
    assert "tunnel" in shown.stdout
    assert watchdog.COMMAND not in shown.stdout
