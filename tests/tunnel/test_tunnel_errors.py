"""Agent errors become one plain message each, and the receiver keeps working.

The values come from the shared cases C19, C20, C21 and C23: the stand-in
prints exactly the lines they name, and the tests check the state and the
message they expect.
"""

import asyncio
import json
import logging
import re
import subprocess

import aiohttp
import pytest

from hookflo.core.tunnel.errors import Problem
from hookflo.core.tunnel.status import TunnelState
from tests.support.agentmirror import TGZ
from tests.support.cases import load_case
from tests.support.clerk import clerk_body, signed_headers
from tests.support.ngrokfixtures import FAKE_NGROK, TOKEN

SETTLE_S = 8.0
QUIET_S = 0.6  # long enough for several retries, were there a loop
_STAMP = re.compile(r"^t=\S+ ")

pytestmark = pytest.mark.expect_log_warnings


async def local_delivery_works(server) -> bool:
    """Whether a signed event posted to 127.0.0.1 is still stored."""
    body = clerk_body("user.created")
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{server.base_url}/webhooks/clerk", data=body, headers=signed_headers(body)
        ) as answer,
    ):
        return answer.status == 200 and (await answer.json())["status"] == "stored"


def loud_lines(caplog):
    return [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("hookflo")
    ]


def without_stamp(line: str) -> str:
    return _STAMP.sub("", line)


async def unavailable(tunnel):
    await tunnel.start()
    status = await tunnel.wait_for(TunnelState.UNAVAILABLE, timeout_s=SETTLE_S)
    await asyncio.sleep(QUIET_S)
    assert tunnel.state is TunnelState.UNAVAILABLE  # no retry loop
    return status


async def test_c20_no_authtoken_never_starts_the_agent(tunnel_stack, caplog):
    case = load_case("C20")["variants"][0]
    assert case["keyring_ngrok_authtoken"] is None
    server = await tunnel_stack.start_server()

    status = await unavailable(tunnel_stack.tunnel(authtoken=None))

    assert tunnel_stack.fake.starts() == []
    assert status.problem is Problem.NO_AUTHTOKEN
    assert "add your ngrok authtoken in Settings" in status.advice
    assert "hookflo secret set ngrok-authtoken" in status.advice
    (line,) = loud_lines(caplog)
    assert line.exc_info is None
    assert "add your ngrok authtoken in Settings" in line.getMessage()
    assert await local_delivery_works(server)


@pytest.mark.parametrize(
    ("variant", "code", "why"),
    [(1, "ERR_NGROK_105", "does not look like"), (2, "ERR_NGROK_107", "revoked")],
    ids=["malformed", "revoked"],
)
async def test_c20_rejected_authtoken_is_one_message_and_no_loop(
    tunnel_stack, caplog, variant, code, why
):
    case = load_case("C20")["variants"][variant]
    token = case["keyring_ngrok_authtoken"]
    tunnel_stack.fake.control(
        fail_lines=case["stand_in_prints"], fail_exit=str(case.get("exit_code", 1))
    )
    server = await tunnel_stack.start_server()
    tunnel = tunnel_stack.tunnel(authtoken=token)

    status = await unavailable(tunnel)

    assert status.describe() == f"tunnel: authtoken rejected ({code})"
    assert why in status.advice
    assert len(tunnel_stack.fake.starts()) == 1
    (line,) = loud_lines(caplog)
    assert line.exc_info is None
    assert f"Authtoken rejected ({code})" in line.getMessage()
    printed = [r["line"] for r in tunnel_stack.fake.records("printed")]
    assert printed == case["stand_in_prints"]
    assert await local_delivery_works(server)
    for text in (caplog.text, json.dumps(status.to_json()), line.getMessage()):
        assert token not in text
    assert not [r for r in tunnel_stack.fake.starts() if token in " ".join(r["argv"])]

    tunnel.retry()  # e.g. after a new token was saved in Settings
    await asyncio.sleep(QUIET_S)
    await tunnel.wait_for(TunnelState.UNAVAILABLE, timeout_s=SETTLE_S)
    assert len(tunnel_stack.fake.starts()) == 2


@pytest.fixture
def other_agent(fake_ngrok, tmp_path):
    """Someone else's ngrok agent on the same account, started by hand."""
    config_file = tmp_path / "someone-else.yml"
    config_file.write_text(
        json.dumps({"version": "3", "agent": {"authtoken": TOKEN}}), encoding="utf-8"
    )
    agent = subprocess.Popen(
        [
            str(FAKE_NGROK),
            "start",
            "--none",
            "--log",
            "stdout",
            "--config",
            config_file,
        ],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        for line in agent.stdout:
            if "tunnel session started" in line:
                break
        yield agent
    finally:
        agent.kill()
        agent.wait(timeout=5)
        agent.stdout.close()


async def test_c21_someone_elses_agent_is_named_not_killed(
    tunnel_stack, other_agent, caplog
):
    case = load_case("C21")
    server = await tunnel_stack.start_server()
    tunnel = tunnel_stack.tunnel()

    status = await unavailable(tunnel)

    assert status.problem is Problem.SESSION_LIMIT
    assert status.summary == "another ngrok agent is using your account (ERR_NGROK_108)"
    assert "https://dashboard.ngrok.com/agents" in status.advice
    on_this_machine = status.advice.split("ngrok runs as pid ")[1]
    assert str(other_agent.pid) in on_this_machine.split(", ")
    assert other_agent.poll() is None  # not killed
    assert len(tunnel_stack.fake.starts()) == 1 + 2  # by hand, then one retry
    (line,) = loud_lines(caplog)
    assert "ERR_NGROK_108" in line.getMessage()
    printed = [without_stamp(r["line"]) for r in tunnel_stack.fake.records("printed")]
    expected = [without_stamp(x) for x in case["stand_in_prints_for_second_agent"]]
    assert printed == expected * 2
    assert await local_delivery_works(server)


async def test_domain_not_reserved_is_one_message_without_fallback(
    tunnel_stack, caplog
):
    tunnel_stack.fake.control(reserved_domains="someone-else.ngrok-free.app")
    tunnel_stack.write_config('domain = "hookflo-fake-example.ngrok-free.app"')
    server = await tunnel_stack.start_server()

    status = await unavailable(tunnel_stack.tunnel())

    assert status.problem is Problem.DOMAIN_NOT_RESERVED
    assert status.summary == (
        "the domain hookflo-fake-example.ngrok-free.app is not reserved for this "
        "ngrok account (ERR_NGROK_320)"
    )
    assert "https://dashboard.ngrok.com/domains" in status.advice
    assert status.public_url is None
    assert tunnel_stack.fake.records("endpoint") == []
    assert len(tunnel_stack.fake.records("create")) == 1
    (line,) = loud_lines(caplog)
    assert line.exc_info is None
    assert tunnel_stack.fake.live_agents() == []  # the agent was ended
    assert await local_delivery_works(server)


async def test_c23_new_random_url_says_clerk_points_at_the_old_one(
    tunnel_stack, caplog
):
    caplog.set_level(logging.DEBUG, logger="hookflo")
    case = load_case("C23")
    variant = case["config_variants"][0]
    old = variant["clerk_endpoint_url_recorded_at_setup"]
    run_1 = "https://a1b2-198-51-100-7.ngrok-free.app"
    run_2 = "https://c3d4-198-51-100-7.ngrok-free.app"
    assert old == run_1 + "/webhooks/clerk-prod"
    tunnel_stack.write_config(
        sources='[sources.clerk-prod]\nenvironment = "production"\n'
    )
    await tunnel_stack.start_server()
    probe = tunnel_stack.fake.probe()

    for url in (run_1, run_2):
        tunnel_stack.fake.control(public_url=url)
        tunnel = tunnel_stack.tunnel(probe=probe)
        await tunnel.start()
        status = await tunnel.wait_for(TunnelState.UP, timeout_s=SETTLE_S)
        await tunnel.stop()

    assert status.public_url == run_2
    assert status.previous_url == run_1
    assert [w.url for w in status.webhook_urls] == [run_2 + "/webhooks/clerk-prod"]
    assert not status.reserved_domain
    changed = [
        r for r in caplog.records if r.__dict__.get("event") == "tunnel_url_changed"
    ]
    (notice,) = changed
    assert run_1 in notice.getMessage()
    assert run_2 in notice.getMessage()
    assert "ERR_NGROK_3200" in notice.getMessage()
    assert notice.levelname == "ALERT"


async def test_c23_reserved_domain_is_asked_for_and_stays_the_same(
    tunnel_stack, caplog
):
    caplog.set_level(logging.DEBUG, logger="hookflo")
    variant = load_case("C23")["config_variants"][1]
    domain = variant["static_domain"]
    tunnel_stack.write_config(f'domain = "{domain}"')
    await tunnel_stack.start_server()
    probe = tunnel_stack.fake.probe()

    urls = []
    for _ in range(2):
        tunnel = tunnel_stack.tunnel(probe=probe)
        await tunnel.start()
        urls.append(await tunnel.wait_for(TunnelState.UP, timeout_s=SETTLE_S))
        await tunnel.stop()

    assert [s.public_url for s in urls] == [f"https://{domain}"] * 2
    assert urls[1].previous_url is None
    assert urls[1].reserved_domain
    asked = [r["body"].get("url") for r in tunnel_stack.fake.records("create")]
    assert asked == [f"https://{domain}"] * 2
    assert not [r for r in caplog.records if r.levelno > logging.INFO]
    assert (
        len([r for r in caplog.records if r.__dict__.get("event") == "tunnel_up"]) == 2
    )


async def test_c23_domain_online_elsewhere_is_said_and_no_random_fallback(
    tunnel_stack, caplog
):
    variant = load_case("C23")["config_variants"][2]
    domain = variant["static_domain"]
    tunnel_stack.fake.control(online_domains=domain)
    tunnel_stack.write_config(f'domain = "{domain}"')
    await tunnel_stack.start_server()
    tunnel = tunnel_stack.tunnel(probe=tunnel_stack.fake.probe())

    await tunnel.start()
    status = await tunnel.wait_for(TunnelState.DOWN, timeout_s=SETTLE_S)
    await asyncio.sleep(QUIET_S)

    assert status.problem is Problem.DOMAIN_IN_USE
    assert status.summary == (
        f"the domain {domain} is already online in another ngrok session "
        "(ERR_NGROK_334)"
    )
    assert "does not fall back to a random URL" in status.advice
    assert tunnel.state is TunnelState.DOWN  # retrying, with growing pauses
    assert tunnel_stack.fake.records("endpoint") == []
    assert {r["body"].get("url") for r in tunnel_stack.fake.records("create")} == {
        f"https://{domain}"
    }
    printed = [without_stamp(r["line"]) for r in tunnel_stack.fake.records("printed")]
    assert printed[0] == without_stamp(variant["stand_in_error"])
    (line,) = loud_lines(caplog)  # said once, however often retried
    assert "ERR_NGROK_334" in line.getMessage()

    tunnel_stack.fake.control()  # the other session went away
    recovered = await tunnel.wait_for(TunnelState.UP, timeout_s=SETTLE_S)
    assert recovered.public_url == f"https://{domain}"


async def test_c19_no_agent_is_said_at_once_naming_where_and_nothing_is_fetched(
    tunnel_stack, agent_mirror, tmp_path, monkeypatch, caplog
):
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    # A download source is even configured: starting must still not use it.
    tunnel_stack.write_config(
        f'download_url = "{agent_mirror.url(TGZ)}"', stand_in=False
    )
    server = await tunnel_stack.start_server()
    managed = tunnel_stack.fake.root / "xdg-config" / "ngrok" / "ngrok"
    downloaded = tunnel_stack.home / "data" / "ngrok" / "ngrok"

    started = asyncio.get_running_loop().time()
    status = await unavailable(tunnel_stack.tunnel())

    assert asyncio.get_running_loop().time() - started < 10
    assert status.problem is Problem.NO_AGENT
    assert status.describe() == (
        "tunnel: not available: ngrok agent not found "
        f"(looked in PATH, {downloaded}, {managed})"
    )
    assert status.advice.startswith(
        "run `hookflo tunnel install` (it downloads the agent, about 10 MB, "
        'showing progress) or choose "Download ngrok agent…" in the tray menu; '
        "or install ngrok from https://ngrok.com/download and set ngrok_path in "
        "the [tunnel] table of config.toml"
    )
    assert agent_mirror.hits == {}  # no request at all
    assert not downloaded.parent.exists()  # no agent, not even a partial one
    assert not managed.parent.exists()
    assert tunnel_stack.fake.starts() == []
    (line,) = loud_lines(caplog)
    assert line.exc_info is None
    assert "Traceback" not in line.getMessage()
    assert await local_delivery_works(server)


async def test_c19_configured_path_missing_names_that_path(tunnel_stack, tmp_path):
    missing = tmp_path / "nowhere" / "ngrok"
    tunnel_stack.write_config(f'ngrok_path = "{missing}"', stand_in=False)
    await tunnel_stack.start_server()

    status = await unavailable(tunnel_stack.tunnel())

    assert (
        status.summary == f"not available: ngrok agent not found (looked in {missing})"
    )
    assert tunnel_stack.fake.starts() == []
