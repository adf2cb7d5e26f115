"""``hookflo tunnel install``: the agent's download the user asks for.

The real ``main()`` runs in a thread (the stand-in download server,
``agentmirror``, runs on this test's loop), with the test's own streams;
``fake_ngrok`` keeps everything on loopback and away from ngrok's CDN.
``test_serve_tunnel`` runs the command as a process beside a running
``hookflo serve --tunnel``.
"""

import asyncio
import io
import os
import re
import socket

import pytest

from hookflo.cli import main
from hookflo.cli.environment import Env
from hookflo.cli.status import ExitStatus
from tests.support.agentmirror import AGENT, MISSING, TGZ

_STEP = re.compile(
    r"^Downloading ngrok agent: (\d{1,3}) % \((\d+\.\d) of (\d+\.\d) MB\)$"
)


class Terminal(io.StringIO):
    """Standard error as a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def home(tmp_path, fake_ngrok):
    """A HOOKFLO_HOME with no agent anywhere (PATH is empty)."""
    folder = tmp_path / "hookflo-home"
    folder.mkdir()
    (tmp_path / "empty-path").mkdir()
    return folder


def configure(home, tunnel_lines: str) -> None:
    (home / "config.toml").write_text(f"[tunnel]\n{tunnel_lines}\n", encoding="utf-8")


async def install(home, *args: str, stderr: io.StringIO | None = None):
    """Run ``hookflo tunnel install``; return (status, stdout, stderr)."""
    out, err = io.StringIO(), stderr or io.StringIO()
    environ = {"HOOKFLO_HOME": str(home), "PATH": str(home.parent / "empty-path")}
    env = Env(environ=environ, stdout=out, stderr=err)
    status = await asyncio.to_thread(main, ["tunnel", "install", *args], env)
    return status, out.getvalue(), err.getvalue()


def agent_of(home):
    return home / "data" / "ngrok" / "ngrok"


async def test_install_prints_a_line_per_ten_percent_and_the_path(home, agent_mirror):
    configure(home, f'download_url = "{agent_mirror.url(TGZ)}"')

    status, out, err = await install(home)

    assert status == ExitStatus.SUCCESS
    assert out == f"{agent_of(home)}\n"
    steps = [_STEP.match(line) for line in err.splitlines()]
    assert all(steps), err
    percents = [int(m.group(1)) for m in steps]
    assert [p // 10 for p in percents] == list(range(11))  # 0 %, 10 %, … 100 %
    total_mb = len(agent_mirror.bodies[TGZ]) / 1_000_000
    assert {m.group(3) for m in steps} == {f"{total_mb:.1f}"}
    assert agent_of(home).read_bytes() == AGENT
    assert os.access(agent_of(home), os.X_OK)
    assert agent_mirror.hits[TGZ] == 1


async def test_on_a_terminal_the_progress_line_is_rewritten_in_place(
    home, agent_mirror
):
    configure(home, f'download_url = "{agent_mirror.url(TGZ)}"')

    status, _, err = await install(home, stderr=Terminal())

    assert status == ExitStatus.SUCCESS
    assert err.count("\n") == 1  # one line, rewritten, then ended once
    assert err.endswith("\n")
    shown = [part.removesuffix("\x1b[K") for part in err.strip().split("\r") if part]
    assert len(shown) >= 5
    assert shown[-1].startswith("Downloading ngrok agent: 100 % (")


async def test_an_installed_agent_is_named_and_kept_unless_forced(home, agent_mirror):
    configure(home, f'download_url = "{agent_mirror.url(TGZ)}"')
    await install(home)

    again, out, err = await install(home)
    assert again == ExitStatus.SUCCESS
    assert out == f"{agent_of(home)}\n"
    assert err == (
        f"The ngrok agent is already installed: {agent_of(home)} "
        "(--force downloads it again)\n"
    )
    assert agent_mirror.hits[TGZ] == 1

    forced, out, _ = await install(home, "--force")
    assert forced == ExitStatus.SUCCESS
    assert out == f"{agent_of(home)}\n"
    assert agent_mirror.hits[TGZ] == 2


async def test_offline_install_fails_with_one_plain_message_and_leaves_nothing(home):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens there once closed
    configure(home, f'download_url = "http://127.0.0.1:{closed}/{TGZ}"')

    status, out, err = await install(home)

    assert status == ExitStatus.ERROR
    assert out == ""
    assert err.splitlines() == [
        "hookflo: Could not download the ngrok agent: no network; try `hookflo "
        'tunnel install` (or the tray\'s "Download ngrok agent…") again once '
        "online, or install ngrok from https://ngrok.com/download and set "
        "ngrok_path in the [tunnel] table of config.toml"
    ]
    assert list(agent_of(home).parent.iterdir()) == []


async def test_a_missing_archive_is_said_in_the_message(home, agent_mirror):
    configure(home, f'download_url = "{agent_mirror.url(MISSING)}"')

    status, _, err = await install(home)

    assert status == ExitStatus.ERROR
    assert err.startswith(
        "hookflo: Could not download the ngrok agent: the download server "
        "answered HTTP 404; the server answered 404: check download_url in the "
        "[tunnel] table of config.toml, then run `hookflo tunnel install` "
        "again; or install ngrok from "
    )
    assert "again once online" not in err
    assert "Traceback" not in err
    assert not agent_of(home).exists()


async def test_with_ngrok_path_set_nothing_is_downloaded(home, agent_mirror):
    configure(
        home,
        f'ngrok_path = "{home / "bin" / "ngrok"}"\n'
        f'download_url = "{agent_mirror.url(TGZ)}"',
    )

    status, _, err = await install(home)

    assert status == ExitStatus.CONFIG
    assert err.startswith(
        f"hookflo: ngrok_path in the [tunnel] table of config.toml names "
        f"{home / 'bin' / 'ngrok'}, which HookFlo runs instead of a downloaded agent"
    )
    assert agent_mirror.hits == {}
