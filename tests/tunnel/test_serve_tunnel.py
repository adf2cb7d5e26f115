"""``hookflo serve --tunnel`` as a real process, and ``hookflo tunnel status``.

The agent must never outlive HookFlo: after ``kill -9`` of HookFlo its
watchdog ends the agent; if the watchdog died too, the next start finds the
orphan (by its agent file and its command line) and ends it before starting
its own, so a restart never meets two agents. Every process started here is
ended by its pid.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hookflo.core.tunnel import procs, watchdog
from tests.support.agentmirror import TGZ
from tests.support.clerk import SECRET, clerk_body, signed_headers
from tests.support.ngrokfixtures import TOKEN

pytestmark = pytest.mark.slow

HOOKFLO = Path(sys.executable).with_name("hookflo")
WAIT_S = 10.0
_DROPPED = {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "ngrok_authtoken"}


class Serving:
    """One ``hookflo serve --port 0 --json-logs --tunnel`` and its log."""

    def __init__(self, environ: dict[str, str], log_file: Path) -> None:
        self.log_file = log_file
        with log_file.open("wb") as log:
            self.process = subprocess.Popen(
                [str(HOOKFLO), "serve", "--port", "0", "--json-logs", "--tunnel"],
                env=environ,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )

    def entries(self) -> list[dict[str, Any]]:
        text = self.log_file.read_text(encoding="utf-8", errors="replace")
        found = []
        for line in text.splitlines():
            try:
                found.append(json.loads(line))
            except ValueError:
                found.append({"event": "not-json", "message": line})
        return found

    def wait_for(self, event: str) -> list[dict[str, Any]]:
        """Return the log entries with ``event`` once there is one."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            found = [e for e in self.entries() if e.get("event") == event]
            if found:
                return found
            if self.process.poll() is not None:
                pytest.fail(f"hookflo exited: {self.log_file.read_text()}")
            time.sleep(0.02)
        pytest.fail(f"no {event!r} line in time:\n{self.log_file.read_text()}")

    def watchdog(self) -> int:
        """The pid of this HookFlo's watchdog."""
        (found,) = procs.mine(
            lambda f: f.parent == self.process.pid and watchdog.COMMAND in f.args
        )
        return found.pid


@pytest.fixture
def serve(tmp_path, fake_ngrok):
    """Start ``hookflo serve --tunnel`` on the stand-in; end leftovers by pid."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(
        "[channels.desktop]\nenabled = false\n\n"
        f"[tunnel]\nenabled = true\nngrok_path = {json.dumps(str(fake_ngrok.path))}\n",
        encoding="utf-8",
    )
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HOOKFLO_") and k.lower() not in _DROPPED
    }
    environ.update(fake_ngrok.environ())
    environ.update(
        HOOKFLO_HOME=str(home),
        HOOKFLO_SECRET_CLERK=SECRET,
        HOOKFLO_NGROK_AUTHTOKEN=TOKEN,
    )
    started: list[Serving] = []

    def start(**changes: str | None) -> Serving:
        run_environ = {**environ, **changes}
        run_environ = {k: v for k, v in run_environ.items() if v is not None}
        serving = Serving(run_environ, tmp_path / f"serve-{len(started)}.log")
        started.append(serving)
        return serving

    start.environ = environ  # type: ignore[attr-defined]
    start.home = home  # type: ignore[attr-defined]
    yield start
    for serving in started:
        if serving.process.poll() is None:
            serving.process.kill()
        serving.process.wait(timeout=10)


def hookflo(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HOOKFLO), *args],
        env=environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )


def assert_nowhere_on_disk(secret: str, *roots: Path) -> None:
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


def wait_until_dead(pid: int) -> None:
    deadline = time.monotonic() + WAIT_S
    while procs.is_alive(pid):
        assert time.monotonic() < deadline, f"process {pid} still runs"
        time.sleep(0.02)


async def deliver(url: str) -> tuple[int, dict[str, Any]]:
    body = clerk_body("user.created")
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=signed_headers(body)) as answer,
    ):
        return answer.status, await answer.json()


async def test_kill_9_leaves_no_agent_and_a_restart_finds_one(serve, fake_ngrok):
    first = serve()
    (up,) = first.wait_for("tunnel_up")
    assert up["source"] == "clerk"
    assert up["url"].endswith("/webhooks/clerk")
    assert await deliver(up["url"]) == (200, {"status": "stored"})

    status = hookflo(serve.environ, "tunnel", "status")
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith("Tunnel up since ")
    assert f"  clerk (production): {up['url']}\n" in status.stdout
    shown = json.loads(hookflo(serve.environ, "tunnel", "status", "--json").stdout)
    assert shown["state"] == "up"
    assert shown["webhook_urls"][0]["url"] == up["url"]

    (agent,) = fake_ngrok.live_agents()
    assert shown["agent_pid"] == agent
    watcher = first.watchdog()
    os.kill(first.process.pid, signal.SIGKILL)
    first.process.wait(timeout=5)
    wait_until_dead(agent)
    wait_until_dead(watcher)
    assert list(fake_ngrok.scratch_root.iterdir()) == []  # config removed too
    assert_nowhere_on_disk(TOKEN, serve.home, fake_ngrok.root)
    gone = hookflo(serve.environ, "tunnel", "status")
    assert gone.returncode == 1
    assert gone.stderr.startswith("hookflo: No tunnel is running: start one with ")

    second = serve()
    (again,) = second.wait_for("tunnel_up")
    assert len(fake_ngrok.live_agents()) == 1
    assert await deliver(again["url"]) == (200, {"status": "stored"})
    os.kill(second.process.pid, signal.SIGTERM)
    assert second.process.wait(timeout=10) == 0
    assert fake_ngrok.live_agents() == []
    assert second.wait_for("tunnel_stopped")
    assert not (serve.home / "data" / "tunnel.json").exists()
    for run in (first, second):
        text = run.log_file.read_text(encoding="utf-8")
        assert TOKEN not in text
        assert "Traceback" not in text
        assert not [e for e in run.entries() if e.get("event") == "not-json"]
    for start in fake_ngrok.starts():
        assert TOKEN not in " ".join(start["argv"])


async def test_restart_ends_the_orphan_a_dead_hookflo_and_watchdog_left(
    serve, fake_ngrok
):
    first = serve()
    first.wait_for("tunnel_up")
    (orphan,) = fake_ngrok.live_agents()
    os.kill(first.watchdog(), signal.SIGKILL)  # as if both died at once
    os.kill(first.process.pid, signal.SIGKILL)
    first.process.wait(timeout=5)
    await asyncio.sleep(0.3)
    assert procs.is_alive(orphan)  # nothing else will end it

    second = serve()
    (up,) = second.wait_for("tunnel_up")

    wait_until_dead(orphan)
    assert len(fake_ngrok.live_agents()) == 1
    assert "ERR_NGROK_108" not in second.log_file.read_text(encoding="utf-8")
    ended = [e for e in second.entries() if "left by an earlier run" in e["message"]]
    assert ended
    assert str(orphan) in ended[0]["message"]
    assert await deliver(up["url"]) == (200, {"status": "stored"})


def test_status_says_why_the_tunnel_is_not_available(serve):
    # No token in the environment, and no keyring in this process's world.
    serving = serve(HOOKFLO_NGROK_AUTHTOKEN=None)
    (said,) = serving.wait_for("tunnel_unavailable")
    assert said["level"] == "ERROR"
    assert "HOOKFLO_NGROK_AUTHTOKEN" in said["message"]
    serving.wait_for("listening")

    status = hookflo(serve.environ, "tunnel", "status")

    assert status.returncode == 1
    first, advice = status.stdout.splitlines()[:2]
    assert (
        first == "Tunnel not available: no ngrok authtoken: the keyring cannot be read"
    )
    assert advice.startswith("What to do: No OS keyring is available")
    assert (
        "set HOOKFLO_NGROK_AUTHTOKEN, or add your ngrok authtoken in Settings" in advice
    )
    sent = hookflo(serve.environ, "send-test")
    assert sent.returncode == 0, sent.stderr


async def test_c19_serve_without_an_agent_then_tunnel_install_brings_it_up(
    serve, fake_ngrok, agent_mirror, tmp_path
):
    (serve.home / "config.toml").write_text(
        "[channels.desktop]\nenabled = false\n\n"
        f'[tunnel]\nenabled = true\ndownload_url = "{agent_mirror.url(TGZ)}"\n',
        encoding="utf-8",
    )
    empty = tmp_path / "empty-path"
    empty.mkdir()
    environ = {**serve.environ, "PATH": str(empty)}
    agent = serve.home / "data" / "ngrok" / "ngrok"
    managed = fake_ngrok.root / "xdg-config" / "ngrok" / "ngrok"

    started = time.monotonic()
    serving = serve(PATH=str(empty))
    (said,) = serving.wait_for("tunnel_unavailable")
    assert time.monotonic() - started < 10
    serving.wait_for("listening")
    status = hookflo(environ, "tunnel", "status")
    sent = hookflo(environ, "send-test")

    looked_in = f"looked in PATH, {agent}, {managed}"
    assert said["message"].startswith(
        f"Tunnel: Not available: ngrok agent not found ({looked_in}); run "
        "`hookflo tunnel install`"
    )
    assert status.returncode == 1
    first, advice = status.stdout.splitlines()[:2]
    assert first == f"Tunnel not available: ngrok agent not found ({looked_in})"
    assert advice.startswith("What to do: run `hookflo tunnel install` (it downloads")
    assert sent.returncode == 0, sent.stderr
    assert agent_mirror.hits == {}  # starting asked nobody for anything
    assert not agent.parent.exists()

    # Any request that is not to this machine goes to a dead proxy.
    dead_end = {"https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"}
    installed = await asyncio.to_thread(
        hookflo,
        {**environ, **dead_end, "no_proxy": "127.0.0.1,localhost"},
        "tunnel",
        "install",
    )
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout == f"{agent}\n"
    assert installed.stderr.splitlines()[-1].startswith(
        "Downloading ngrok agent: 100 % ("
    )
    (up,) = await asyncio.to_thread(serving.wait_for, "tunnel_up")  # picked up
    assert await deliver(up["url"]) == (200, {"status": "stored"})
    (run,) = fake_ngrok.starts()
    assert run["executable"] == str(agent)
    assert agent_mirror.hits[TGZ] == 1
    assert "Traceback" not in serving.log_file.read_text(encoding="utf-8")
