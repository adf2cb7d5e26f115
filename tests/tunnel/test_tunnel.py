"""The tunnel in-process: the real pyngrok driving the stand-in agent.

Each test runs a real receiver on 127.0.0.1:0 and a ``Tunnel`` for it; the
stand-in's public side is a local proxy, so an event "sent through the
tunnel" travels the same path as one from Clerk would.
"""

import asyncio
import logging
import os
import stat

import aiohttp
import pytest
from pyngrok import conf, process

from hookflo.core import logs
from hookflo.core.store import Store
from hookflo.core.tunnel import procs
from hookflo.core.tunnel.status import TunnelState
from tests.support.clerk import clerk_body, signed_headers
from tests.support.ngrokfixtures import FAKE_NGROK, TOKEN

UP_WITHIN_S = 8.0


async def test_start_shows_urls_and_a_signed_event_arrives_through_the_tunnel(
    tunnel_stack, caplog
):
    caplog.set_level(logging.DEBUG, logger="hookflo")
    server = await tunnel_stack.start_server()
    tunnel = tunnel_stack.tunnel()
    seen = []
    tunnel.listeners.append(seen.append)

    await tunnel.start()
    status = await tunnel.wait_for(TunnelState.UP, timeout_s=UP_WITHIN_S)

    assert tunnel.public_url == status.public_url
    assert status.public_url.startswith("http://127.0.0.1:")
    (webhook,) = tunnel.webhook_urls
    assert (webhook.source, webhook.environment) == ("clerk", "production")
    assert webhook.url == status.public_url + "/webhooks/clerk"
    assert states(seen)[:2] == [TunnelState.STARTING, TunnelState.UP]
    (created,) = tunnel_stack.fake.records("create")
    assert created["body"]["upstream"] == {"url": f"http://127.0.0.1:{server.port}"}
    up_lines = [r for r in caplog.records if getattr(r, "event", "") == "tunnel_up"]
    assert [(r.source, r.url) for r in up_lines] == [("clerk", webhook.url)]

    body = clerk_body("user.created")
    headers = signed_headers(body)
    async with (
        aiohttp.ClientSession() as session,
        session.post(webhook.url, data=body, headers=headers) as answer,
    ):
        assert answer.status == 200
        assert await answer.json() == {"status": "stored"}
    store = Store(server._paths.database_file)
    try:
        (event,) = store.events(limit=10)
        assert event.svix_id == headers["svix-id"]
        assert store.attempts(limit=10) == []  # the self-checks are not attempts
    finally:
        store.close()

    pid = status.agent_pid
    await tunnel.stop()
    assert tunnel.state is TunnelState.STOPPED
    assert not procs.is_alive(pid)
    assert list(tunnel_stack.fake.scratch_root.iterdir()) == []
    assert not (server._paths.data_dir / "tunnel.json").exists()
    assert not (server._paths.data_dir / "tunnel-agent.json").exists()


async def test_authtoken_is_in_no_argument_file_or_log(tunnel_stack, caplog):
    caplog.set_level(logging.DEBUG)
    await tunnel_stack.start_server()
    tunnel = tunnel_stack.tunnel()
    await tunnel.start()
    status = await tunnel.wait_for(TunnelState.UP, timeout_s=UP_WITHIN_S)

    (run,) = tunnel_stack.fake.starts()
    assert TOKEN not in " ".join(run["argv"])
    assert "--authtoken" not in run["argv"]
    assert "NGROK_AUTHTOKEN" not in run["env_keys"]
    cmdline = procs.facts(status.agent_pid).args
    assert not [a for a in cmdline if TOKEN in a]
    config_file = next(a for a in run["argv"] if a.endswith("ngrok.yml"))
    assert stat.S_IMODE(os.stat(config_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(config_file)).st_mode) == 0o700
    assert_nowhere_on_disk(TOKEN, tunnel_stack)

    await tunnel.stop()
    assert_nowhere_on_disk(TOKEN, tunnel_stack)
    assert TOKEN not in caplog.text
    assert TOKEN not in logs.redact(f"token {TOKEN} here")


def states(seen):
    """The states a listener saw, each change once."""
    changes = []
    for status in seen:
        if not changes or changes[-1] != status.state:
            changes.append(status.state)
    return changes


def assert_nowhere_on_disk(secret, stack):
    for root in (stack.home, stack.fake.root):
        for path in root.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


async def test_ngrok_path_is_the_stand_in_and_nothing_is_downloaded(tunnel_stack):
    await tunnel_stack.start_server()
    tunnel = tunnel_stack.tunnel()
    await tunnel.start()
    await tunnel.wait_for(TunnelState.UP, timeout_s=UP_WITHIN_S)
    (run,) = tunnel_stack.fake.starts()
    assert run["executable"] == str(FAKE_NGROK)
    assert run["argv"][:4] == ["start", "--none", "--log", "stdout"]


@pytest.mark.expect_log_warnings
async def test_agent_crash_shows_down_since_then_reconnects(tunnel_stack):
    tunnel_stack.fake.control(crash_after="0.5", crash_times="1")
    await tunnel_stack.start_server()
    tunnel = tunnel_stack.tunnel()
    seen = []
    tunnel.listeners.append(seen.append)
    await tunnel.start()
    first = await tunnel.wait_for(TunnelState.UP, timeout_s=UP_WITHIN_S)

    down = await tunnel.wait_for(TunnelState.DOWN, timeout_s=5)
    assert "exited" in down.summary
    assert down.describe().startswith("tunnel down since ")
    again = await tunnel.wait_for(TunnelState.UP, timeout_s=UP_WITHIN_S)

    assert again.agent_pid != first.agent_pid
    assert not procs.is_alive(first.agent_pid)
    assert tunnel_stack.fake.live_agents() == [again.agent_pid]
    assert again.previous_url == first.public_url  # a new random URL


async def test_stop_while_the_agent_starts_leaves_no_agent(tunnel_stack):
    tunnel_stack.fake.control(startup_delay="2")
    await tunnel_stack.start_server()
    tunnel = tunnel_stack.tunnel()
    await tunnel.start()
    deadline = asyncio.get_running_loop().time() + 5
    while not tunnel_stack.fake.live_agents():
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.02)
    (agent,) = tunnel_stack.fake.live_agents()

    began = asyncio.get_running_loop().time()
    await tunnel.stop()

    assert asyncio.get_running_loop().time() - began < 3
    assert tunnel.state is TunnelState.STOPPED
    assert not procs.is_alive(agent)
    assert list(tunnel_stack.fake.scratch_root.iterdir()) == []


def test_pyngrok_puts_a_token_it_saves_on_the_command_line(fake_ngrok, tmp_path):
    """Why HookFlo never calls ``set_auth_token``: the stand-in's record shows it."""
    config = conf.PyngrokConfig(
        ngrok_path=str(fake_ngrok.path), config_path=str(tmp_path / "ngrok.yml")
    )
    process.set_auth_token(config, TOKEN)
    assert "ngrok version 3.99.0-fake" in process.capture_run_process(
        str(fake_ngrok.path), ["--version"]
    )
    saved, _ = fake_ngrok.records("run")
    assert saved["argv"][:3] == ["config", "add-authtoken", TOKEN]
