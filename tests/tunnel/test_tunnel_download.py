"""Downloading the agent when the user asks: progress, failures, pick-up.

Start-up never downloads (``test_tunnel_errors``, C19); here the tunnel's
``install_agent()`` (what the tray's "Download ngrok agent…" runs) and
``hookflo tunnel install`` fetch it. The download comes from a stand-in of
ngrok's server on 127.0.0.1 (``agentmirror``), named in ``[tunnel]
download_url``; the archive holds the stand-in agent, which the real pyngrok
then starts. Nothing here reaches the internet: the ``fake_ngrok`` fixture
fails a test that asks for ngrok's CDN or leaves loopback.
"""

import asyncio
import dataclasses
import io
import logging
import re
import socket
import stat
import threading
import time
import urllib.error

import aiohttp
import pytest
from pyngrok import installer

from hookflo.cli import main
from hookflo.cli.environment import Env
from hookflo.core.tasks import spawn
from hookflo.core.tunnel import download
from hookflo.core.tunnel.errors import Problem, TunnelError
from hookflo.core.tunnel.status import TunnelState
from tests.support.agentmirror import (
    AGENT,
    DAMAGED,
    HOLLOW,
    MISSING,
    STALLED,
    TGZ,
    ZIP,
)
from tests.support.clerk import clerk_body, signed_headers
from tests.support.ngrokfixtures import FAST

UP_WITHIN_S = 10.0
# Without an agent the tunnel says so (at ERROR) before anything is asked.
pytestmark = pytest.mark.expect_log_warnings
_PROGRESS = re.compile(r"^Downloading ngrok agent: (\d{1,3}) %$")


@pytest.fixture
def no_ngrok_on_path(tmp_path, monkeypatch):
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def downloaded_agent(tunnel_stack):
    return tunnel_stack.home / "data" / "ngrok" / "ngrok"


def use_mirror(tunnel_stack, url: str) -> None:
    tunnel_stack.write_config(f'download_url = "{url}"', stand_in=False)


async def deliver(url: str) -> tuple[int, dict[str, str]]:
    body = clerk_body("user.created")
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=signed_headers(body)) as answer,
    ):
        return answer.status, await answer.json()


async def waiting_for_an_agent(tunnel):
    """Start ``tunnel``; return once it says that it has no agent."""
    await tunnel.start()
    status = await tunnel.wait_for(TunnelState.UNAVAILABLE, timeout_s=UP_WITHIN_S)
    assert status.problem is Problem.NO_AGENT
    assert tunnel.agent_installable
    return status


async def test_install_shows_progress_then_starts_the_tunnel_and_events_arrive(
    tunnel_stack, agent_mirror, no_ngrok_on_path
):
    use_mirror(tunnel_stack, agent_mirror.url(TGZ))
    await tunnel_stack.start_server()
    tunnel = tunnel_stack.tunnel()
    await waiting_for_an_agent(tunnel)
    assert agent_mirror.hits == {}  # starting asked nobody for anything
    seen = []
    tunnel.listeners.append(seen.append)

    path = await tunnel.install_agent()
    status = await tunnel.wait_for(TunnelState.UP, timeout_s=UP_WITHIN_S)

    shown = [s.describe() for s in seen if s.download_done is not None]
    percents = [int(_PROGRESS.match(line).group(1)) for line in shown]
    assert percents[0] == 0
    assert percents[-1] == 100
    assert len(percents) >= 5  # the archive came in several chunks
    assert percents == sorted(percents)
    assert {s.download_total for s in seen if s.download_done is not None} == {
        len(agent_mirror.bodies[TGZ])
    }
    assert status.download_done is None  # up: the download is over
    agent = downloaded_agent(tunnel_stack)
    assert path == agent
    assert agent.read_bytes() == AGENT
    assert stat.S_IMODE(agent.stat().st_mode) == 0o700
    assert sorted(p.name for p in agent.parent.iterdir()) == ["ngrok"]
    (run,) = tunnel_stack.fake.starts()
    assert run["executable"] == str(agent)  # pyngrok started the downloaded one
    assert await deliver(tunnel.webhook_urls[0].url) == (200, {"status": "stored"})
    assert agent_mirror.hits[TGZ] == 1


async def test_a_second_start_uses_the_downloaded_copy_without_downloading(
    tunnel_stack, agent_mirror, no_ngrok_on_path
):
    use_mirror(tunnel_stack, agent_mirror.url(TGZ))
    await tunnel_stack.start_server()
    first = tunnel_stack.tunnel()
    await waiting_for_an_agent(first)
    await first.install_agent()
    await first.wait_for(TunnelState.UP, timeout_s=UP_WITHIN_S)
    await first.stop()

    second = tunnel_stack.tunnel()
    seen = []
    second.listeners.append(seen.append)
    await second.start()
    await second.wait_for(TunnelState.UP, timeout_s=UP_WITHIN_S)

    assert agent_mirror.hits[TGZ] == 1
    assert [s for s in seen if s.download_done is not None] == []
    runs = tunnel_stack.fake.starts()
    assert [r["executable"] for r in runs] == [str(downloaded_agent(tunnel_stack))] * 2
    assert await deliver(second.webhook_urls[0].url) == (200, {"status": "stored"})


async def test_a_running_tunnel_picks_up_an_agent_installed_elsewhere(
    tunnel_stack, agent_mirror, no_ngrok_on_path
):
    use_mirror(tunnel_stack, agent_mirror.url(TGZ))
    await tunnel_stack.start_server()
    tunnel = tunnel_stack.tunnel()
    await waiting_for_an_agent(tunnel)

    # What `hookflo tunnel install` in another process leaves behind.
    await asyncio.to_thread(
        download.fetch,
        agent_mirror.url(TGZ),
        downloaded_agent(tunnel_stack),
        stall_timeout_s=5.0,
        on_progress=lambda _progress: None,
        cancel=threading.Event(),
    )
    status = await tunnel.wait_for(TunnelState.UP, timeout_s=UP_WITHIN_S)

    assert await deliver(status.webhook_urls[0].url) == (200, {"status": "stored"})
    assert agent_mirror.hits[TGZ] == 1


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (DAMAGED, "the downloaded archive is damaged"),
        (HOLLOW, "the downloaded archive holds no ngrok agent"),
        (MISSING, "the download server answered HTTP 404"),
    ],
)
async def test_a_failed_download_says_why_once_and_leaves_nothing(
    tunnel_stack, agent_mirror, no_ngrok_on_path, caplog, name, reason
):
    use_mirror(tunnel_stack, agent_mirror.url(name))
    server = await tunnel_stack.start_server()
    tunnel = tunnel_stack.tunnel()
    await waiting_for_an_agent(tunnel)
    caplog.clear()

    with pytest.raises(TunnelError) as raised:
        await tunnel.install_agent()
    await asyncio.sleep(0.5)

    status = tunnel.status
    assert tunnel.state is TunnelState.UNAVAILABLE
    assert agent_mirror.hits[name] == 1  # no retry loop
    assert status.problem is raised.value.problem is Problem.DOWNLOAD_FAILED
    assert status.summary == f"could not download the ngrok agent: {reason}"
    assert "`hookflo tunnel install`" in status.advice
    assert tunnel.agent_installable  # the tray offers it again
    assert list(downloaded_agent(tunnel_stack).parent.iterdir()) == []
    assert tunnel_stack.fake.starts() == []
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(";")[0] for r in loud] == [
        f"Tunnel: Could not download the ngrok agent: {reason}"
    ]
    assert all(r.exc_info is None for r in loud)
    assert await deliver(f"{server.base_url}/webhooks/clerk") == (
        200,
        {"status": "stored"},
    )


async def test_a_server_that_never_answers_times_out(tunnel_stack, no_ngrok_on_path):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        port = silent.getsockname()[1]
        use_mirror(tunnel_stack, f"http://127.0.0.1:{port}/{TGZ}")
        await tunnel_stack.start_server()
        tunnel = tunnel_stack.tunnel(
            timing=dataclasses.replace(FAST, download_stall_s=0.3)
        )
        await waiting_for_an_agent(tunnel)

        with pytest.raises(TunnelError):
            await asyncio.wait_for(tunnel.install_agent(), timeout=5.0)

    assert tunnel.status.summary == (
        "could not download the ngrok agent: no answer within 0.3 s"
    )
    assert list(downloaded_agent(tunnel_stack).parent.iterdir()) == []


async def test_stop_during_the_download_cancels_it(
    tunnel_stack, agent_mirror, no_ngrok_on_path
):
    use_mirror(tunnel_stack, agent_mirror.url(STALLED))
    await tunnel_stack.start_server()
    tunnel = tunnel_stack.tunnel()
    await waiting_for_an_agent(tunnel)
    under_way = asyncio.Event()
    tunnel.listeners.append(
        lambda status: (status.download_done or 0) > 0 and under_way.set()
    )
    install = spawn(tunnel.install_agent(), name="test-install")
    await asyncio.wait_for(agent_mirror.stalled.wait(), timeout=UP_WITHIN_S)
    await asyncio.wait_for(under_way.wait(), timeout=UP_WITHIN_S)

    shown = tunnel_status(tunnel_stack)
    assert shown[0].startswith("Tunnel starting since ")
    percent = int(_PROGRESS.match(shown[1]).group(1))
    assert 30 <= percent < 100

    async with asyncio.timeout(1.0):
        await tunnel.stop()
    with pytest.raises(asyncio.CancelledError):
        await install
    agent_mirror.release.set()  # the rest of the archive arrives: unused
    folder = downloaded_agent(tunnel_stack).parent
    assert await asyncio.to_thread(empties, folder, within_s=5.0)

    assert tunnel.state is TunnelState.STOPPED
    assert tunnel_stack.fake.starts() == []


@pytest.mark.parametrize("name", [TGZ, ZIP])
async def test_fetch_installs_the_agent_from_either_archive(
    tmp_path, agent_mirror, name
):
    target = tmp_path / "ngrok" / "ngrok"
    reports = []

    await asyncio.to_thread(
        download.fetch,
        agent_mirror.url(name),
        target,
        stall_timeout_s=5.0,
        on_progress=reports.append,
        cancel=threading.Event(),
    )

    assert target.read_bytes() == AGENT
    assert reports[-1].done == reports[-1].total == len(agent_mirror.bodies[name])


def test_a_mirror_url_is_logged_without_its_credentials():
    url = "https://user:pa55word@mirror.example.com:8443/ngrok.tgz?token=t0ken#x"

    assert download.shown(url) == "https://mirror.example.com:8443/ngrok.tgz"


def test_a_failed_name_lookup_means_no_network():
    lookup = urllib.error.URLError(socket.gaierror(socket.EAI_NONAME, "unknown"))

    assert download._explain(lookup, 15.0).reason == "no network"


def test_without_download_url_the_agent_comes_from_pyngroks_cdn_table():
    url = download.default_url()

    assert url == installer.get_ngrok_cdn_url("3")
    assert url.startswith(installer.CDN_URL_PREFIX)
    assert url.endswith((".zip", ".tgz"))


def empties(folder, *, within_s: float) -> bool:
    """Whether ``folder`` is (or becomes) empty within ``within_s``."""
    deadline = time.monotonic() + within_s
    while list(folder.iterdir()):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def tunnel_status(tunnel_stack) -> list[str]:
    """What ``hookflo tunnel status`` prints for this stack's HookFlo."""
    out, err = io.StringIO(), io.StringIO()
    env = Env(environ=tunnel_stack.environ, stdout=out, stderr=err)
    main(["tunnel", "status"], env)
    return out.getvalue().splitlines()
