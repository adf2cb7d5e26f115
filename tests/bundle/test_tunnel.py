"""The built program's tunnel: pyngrok drives the agent, its watchdog guards it.

The stand-in agent (``tests/support/fakengrok``) plays ngrok. The watchdog
must be the bundled program itself (a frozen build has no Python to run a
script with): after ``kill -9`` of HookFlo it still ends the agent.
"""

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from hookflo.core.tunnel import procs, watchdog
from tests.bundle.conftest import clean_environ
from tests.support.clerk import SECRET
from tests.support.ngrokfixtures import TOKEN

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]

WAIT_S = 15.0


def entries(log: Path) -> list[dict[str, Any]]:
    found = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            continue  # a line still being written
    return found


def wait_for(process: subprocess.Popen[bytes], log: Path, event: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = [e for e in entries(log) if e.get("event") == event]
        if found:
            return found[0]
        if process.poll() is not None:
            break
        time.sleep(0.05)
    pytest.fail(f"no {event!r} from the bundle:\n{log.read_text()}")


def wait_until_dead(pid: int) -> None:
    deadline = time.monotonic() + WAIT_S
    while procs.is_alive(pid):
        assert time.monotonic() < deadline, f"process {pid} still runs"
        time.sleep(0.05)


def test_the_bundled_watchdog_ends_the_agent_after_kill_9(bundle, fake_ngrok, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(
        "[channels.desktop]\nenabled = false\n\n"
        f"[tunnel]\nenabled = true\nngrok_path = {json.dumps(str(fake_ngrok.path))}\n",
        encoding="utf-8",
    )
    environ = clean_environ(
        home, HOOKFLO_SECRET_CLERK=SECRET, HOOKFLO_NGROK_AUTHTOKEN=TOKEN
    )
    environ.update(fake_ngrok.environ())
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(bundle / "hookflo"),
                "serve",
                "--port",
                "0",
                "--json-logs",
                "--tunnel",
            ],
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    try:
        up = wait_for(process, log, "tunnel_up")
        assert up["url"].endswith("/webhooks/clerk")
        (agent,) = fake_ngrok.live_agents()
        (guard,) = procs.mine(
            lambda f: f.parent == process.pid and watchdog.COMMAND in f.args
        )
        assert guard.args[0] == str(bundle / "hookflo")

        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
        wait_until_dead(agent)
        wait_until_dead(guard.pid)
    finally:
        if process.poll() is None:
            process.kill()  # by its own pid: only what this test started
            process.wait()
        fake_ngrok.end_agents()
    assert TOKEN not in log.read_text(encoding="utf-8")
    assert "Traceback" not in log.read_text(encoding="utf-8")
