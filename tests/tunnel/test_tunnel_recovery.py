"""The tunnel through sleep, network changes and a hanging agent (case C24).

The stand-in is switched while it runs (its control file): it stops
forwarding and prints the case's reconnect errors, then its local API
accepts connections and never answers, then it recovers.
"""

import asyncio
import dataclasses
import time

import aiohttp
import pytest

from hookflo.core.tunnel import supervisor
from hookflo.core.tunnel.errors import Problem
from hookflo.core.tunnel.status import TunnelState
from hookflo.core.tunnelconfig import TunnelSettings
from tests.support.cases import load_case
from tests.support.clerk import clerk_body, signed_headers
from tests.support.ngrokfixtures import FAST, TOKEN
from tests.support.receiverfixtures import make_source

pytestmark = pytest.mark.expect_log_warnings


async def deliver(url: str) -> int:
    body = clerk_body("user.created")
    timeout = aiohttp.ClientTimeout(total=5)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(url, data=body, headers=signed_headers(body)) as answer,
    ):
        return answer.status


async def test_c24_outage_is_shown_with_its_reason_and_recovers(tunnel_stack):
    case = load_case("C24")
    lines = case["sequence"][1]["lines"]
    server = await tunnel_stack.start_server()
    timing = dataclasses.replace(FAST, reconnect_grace_s=5.0, startup_timeout_s=1.0)
    tunnel = tunnel_stack.tunnel(timing=timing)
    seen = []
    tunnel.listeners.append(seen.append)
    await tunnel.start()
    up = await tunnel.wait_for(TunnelState.UP, timeout_s=8)
    assert await deliver(up.webhook_urls[0].url) == 200

    # Sleep or a network change: no forwarding, reconnect errors every "2 s".
    tunnel_stack.fake.control(offline=True, offline_lines=lines, offline_every="0.2")
    began = time.monotonic()
    down = await tunnel.wait_for(TunnelState.DOWN, timeout_s=30)
    assert time.monotonic() - began < 30
    assert down.describe().startswith("tunnel down since ")
    await asyncio.sleep(0.6)
    reasons = {s.problem for s in seen if s.state is TunnelState.DOWN}
    assert {Problem.DOMAIN_IN_USE, Problem.TLS_INTERCEPTED} <= reasons
    summaries = " | ".join(s.summary for s in seen if s.summary)
    assert "session (ERR_NGROK_334)" in summaries
    assert "TLS connection is intercepted (x509" in summaries
    local = f"{server.base_url}/webhooks/clerk"
    assert await deliver(local) == 200  # still accepted on 127.0.0.1

    # The agent's API accepts connections and never answers.
    tunnel_stack.fake.control(
        offline=True, offline_lines=lines, offline_every="0.2", api_hang=True
    )
    lag = await loop_lag_during(1.5)
    assert lag < 0.25, f"the event loop stalled for {lag:.2f} s"
    assert await deliver(local) == 200
    assert tunnel.state is TunnelState.DOWN
    assert tunnel.status.since == down.since  # the outage's start, kept

    tunnel_stack.fake.control()  # it recovers
    again = await tunnel.wait_for(TunnelState.UP, timeout_s=10)
    assert await deliver(again.webhook_urls[0].url) == 200
    assert tunnel_stack.fake.live_agents() == [again.agent_pid]


async def loop_lag_during(seconds: float) -> float:
    """Return the longest the event loop was late over ``seconds``."""
    worst = 0.0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        before = time.monotonic()
        await asyncio.sleep(0.01)
        worst = max(worst, time.monotonic() - before - 0.01)
    return worst


async def test_check_now_finds_an_outage_without_waiting_for_the_interval(
    tunnel_stack,
):
    await tunnel_stack.start_server()
    timing = dataclasses.replace(FAST, health_interval_s=600.0)
    tunnel = tunnel_stack.tunnel(timing=timing)
    await tunnel.start()
    await tunnel.wait_for(TunnelState.UP, timeout_s=8)
    tunnel_stack.fake.control(offline=True, offline_lines=[])  # silent outage

    await asyncio.sleep(0.3)
    assert tunnel.state is TunnelState.UP  # not noticed before the next check
    tunnel.check_now()  # e.g. the GUI saw the network change
    down = await tunnel.wait_for(TunnelState.DOWN, timeout_s=3)

    assert down.problem is Problem.UNREACHABLE
    assert "ERR_NGROK_3200" in down.summary
    tunnel_stack.fake.control()
    await tunnel.wait_for(TunnelState.UP, timeout_s=8)


async def test_a_wake_up_is_noticed_by_the_jump_of_the_clock(tunnel_stack):
    server = await tunnel_stack.start_server()
    slept = [0.0]
    tunnel = supervisor.Tunnel(
        TunnelSettings(ngrok_path=tunnel_stack.fake.path),
        upstream=server.base_url,
        sources=[make_source()],
        health_token=server.health_token,
        read_authtoken=lambda: TOKEN,
        data_dir=tunnel_stack.home / "data",
        scratch_root=tunnel_stack.fake.scratch_root,
        timing=dataclasses.replace(FAST, health_interval_s=600.0),
        wall_clock=lambda: time.time() + slept[0],
    )
    tunnel_stack.tunnels.append(tunnel)
    await tunnel.start()
    await tunnel.wait_for(TunnelState.UP, timeout_s=8)
    tunnel_stack.fake.control(offline=True, offline_lines=[])  # gone while asleep

    await asyncio.sleep(0.3)
    assert tunnel.state is TunnelState.UP
    slept[0] = 3600.0  # an hour passed on the wall, none on the monotonic clock
    down = await tunnel.wait_for(TunnelState.DOWN, timeout_s=3)

    assert down.problem is Problem.UNREACHABLE
