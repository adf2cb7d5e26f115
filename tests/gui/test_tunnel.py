"""The tray app with the ngrok tunnel: the public URL in the menu, the
tunnel's trouble in the icon, and the agent gone after Quit.

The agent is the stand-in of ``tests.support.ngrokfixtures``; its public
side is a local proxy, so an event sent "through the tunnel" takes the path
Clerk's would.
"""

import asyncio
import re
import time

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from hookflo.core.tunnel import procs
from hookflo.core.tunnel.errors import Problem
from hookflo.core.tunnel.status import TunnelState
from hookflo.gui.firstrun import FirstRunGuide
from hookflo.gui.settings.dialog import SettingsDialog
from hookflo.gui.settings.tunnelpage import TunnelPage
from hookflo.gui.status import TrayState
from tests.gui.conftest import (
    PROD_PATH,
    TWO_SOURCES,
    tunnel_config,
    tunnel_factory,
    until,
)
from tests.support.agentmirror import STALLED, TGZ
from tests.support.ngrokfixtures import TOKEN

UP_WITHIN_S = 8.0


async def test_the_menu_offers_the_public_url_and_quit_ends_the_agent(
    start_app, fake_ngrok
):
    async with start_app(
        config_text=tunnel_config(fake_ngrok),
        extra_environ={"HOOKFLO_NGROK_AUTHTOKEN": TOKEN},
        make_tunnel=tunnel_factory(fake_ngrok),
    ) as running:
        tunnel = running.app.tunnel
        assert running.app.context.tunnel is tunnel
        status = await tunnel.wait_for(TunnelState.UP, timeout_s=UP_WITHIN_S)
        menu = running.app.menu
        webhook = status.public_url.rstrip("/") + PROD_PATH
        await until(lambda: menu.endpoint_url == webhook, what="the public URL")
        assert menu.endpoint.text() == webhook
        menu.copy_endpoint.trigger()
        assert QGuiApplication.clipboard().text() == webhook

        through = fake_ngrok.proxy_for(status.public_url)
        answer = await running.post(base=through)
        assert answer == (200, {"status": "stored"})
        await until(running.event_ids, what="the event from the tunnel listed")
        assert running.app.tracker.status.state is not TrayState.PROBLEM
        pid = status.agent_pid
    assert not procs.is_alive(pid), "the ngrok agent outlived Quit"
    assert running.app.context.tunnel is None


@pytest.mark.expect_log_warnings  # the tunnel logs that it cannot start
async def test_a_tunnel_that_cannot_start_shows_as_a_problem(start_app, fake_ngrok):
    async with start_app(
        config_text=tunnel_config(fake_ngrok), make_tunnel=tunnel_factory(fake_ngrok)
    ) as running:
        await running.app.tunnel.wait_for(
            TunnelState.UNAVAILABLE, timeout_s=UP_WITHIN_S
        )
        tracker = running.app.tracker
        await until(lambda: tracker.status.tunnel, what="the tunnel problem")
        assert tracker.status.state is TrayState.PROBLEM
        assert tracker.status.headline().startswith(
            "The tunnel is down: no ngrok authtoken. "
        )
        assert (
            "local only: tunnel: no ngrok authtoken" in running.app.menu.endpoint.text()
        )
        status, _ = await running.post()  # the receiver keeps working
        assert status == 200


def no_agent_config(tmp_path, monkeypatch, archive_url: str) -> str:
    """config.toml with the tunnel on, no agent anywhere, and a download source."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return TWO_SOURCES + f'\n[tunnel]\nenabled = true\ndownload_url = "{archive_url}"\n'


async def offered(running):
    """Wait until the tunnel waits for an agent and the menu offers it."""
    status = await running.app.tunnel.wait_for(
        TunnelState.UNAVAILABLE, timeout_s=UP_WITHIN_S
    )
    assert status.problem is Problem.NO_AGENT
    action = running.app.menu.download_agent
    await until(action.isVisible, what="Download ngrok agent… offered")
    return action


def answer(question: QMessageBox, role: QMessageBox.ButtonRole) -> None:
    (button,) = [b for b in question.buttons() if question.buttonRole(b) is role]
    button.click()


@pytest.mark.expect_log_warnings  # the tunnel says that it has no agent
async def test_download_asks_first_shows_progress_then_the_tunnel_comes_up(
    start_app, fake_ngrok, agent_mirror, tmp_path, monkeypatch
):
    config = no_agent_config(tmp_path, monkeypatch, agent_mirror.url(STALLED))
    async with start_app(
        config_text=config,
        extra_environ={"HOOKFLO_NGROK_AUTHTOKEN": TOKEN},
        make_tunnel=tunnel_factory(fake_ngrok),
    ) as running:
        app = running.app
        action = await offered(running)
        assert action.text() == "Download ngrok agent…"
        assert action.isEnabled()
        assert app.tracker.status.headline().startswith(
            "The tunnel is down: not available: ngrok agent not found (looked in "
        )
        assert agent_mirror.hits == {}  # nothing was fetched before asking

        action.trigger()
        question = await until(lambda: app.agent_question, what="the question")
        assert question.windowTitle() == "HookFlo — Download ngrok agent?"
        agent = app.context.paths.data_dir / "ngrok" / "ngrok"
        assert str(agent) in question.informativeText()
        assert "about 10 MB" in question.informativeText()
        answer(question, QMessageBox.ButtonRole.AcceptRole)

        await asyncio.wait_for(agent_mirror.stalled.wait(), timeout=UP_WITHIN_S)
        shown = await until(
            lambda: re.fullmatch(r"Downloading ngrok agent: (\d+) %", action.text()),
            what="the download's progress in the menu",
        )
        assert 30 <= int(shown.group(1)) < 100
        assert not action.isEnabled()
        assert app.tracker.status.state is not TrayState.PROBLEM
        agent_mirror.release.set()

        status = await app.tunnel.wait_for(TunnelState.UP, timeout_s=UP_WITHIN_S)
        through = fake_ngrok.proxy_for(status.public_url)
        assert await running.post(base=through) == (200, {"status": "stored"})
        (run,) = fake_ngrok.starts()
        assert run["executable"] == str(agent)
        await until(lambda: not action.isVisible(), what="the offer withdrawn")
        assert agent_mirror.hits[STALLED] == 1


@pytest.mark.expect_log_warnings  # the tunnel says that it has no agent
async def test_not_now_downloads_nothing_and_keeps_the_offer(
    start_app, fake_ngrok, agent_mirror, tmp_path, monkeypatch
):
    config = no_agent_config(tmp_path, monkeypatch, agent_mirror.url(TGZ))
    async with start_app(
        config_text=config,
        extra_environ={"HOOKFLO_NGROK_AUTHTOKEN": TOKEN},
        make_tunnel=tunnel_factory(fake_ngrok),
    ) as running:
        app = running.app
        action = await offered(running)
        action.trigger()
        question = await until(lambda: app.agent_question, what="the question")
        answer(question, QMessageBox.ButtonRole.RejectRole)
        await until(lambda: app.agent_question is None, what="the question closed")

        # Settings → Tunnel offers the same, and asks the same question.
        app.open_settings()
        dialog = await until(settings_dialog, what="the settings dialog")
        page = dialog.page(TunnelPage)
        assert not page.download_button.isHidden()
        assert page.state.text().startswith(
            "The tunnel is not available: ngrok agent not found (looked in PATH, "
        )
        page.download_button.click()
        question = await until(lambda: app.agent_question, what="the question again")
        answer(question, QMessageBox.ButtonRole.RejectRole)
        await until(lambda: app.agent_question is None, what="the question closed")
        dialog.close()

        # The set-up guide says what is missing, not to set the authtoken.
        app.open_first_run()
        guide = await until(first_run_guide, what="the set-up guide")
        await until(lambda: "ngrok agent not found" in guide.tunnel_message.text())
        assert "hookflo tunnel install" in guide.tunnel_message.text()
        guide.close()
        await asyncio.sleep(0.3)

        assert agent_mirror.hits == {}
        assert action.isVisible()
        assert action.isEnabled()
        assert app.tunnel.state is TunnelState.UNAVAILABLE
        status, _ = await running.post()  # the receiver keeps working
        assert status == 200


@pytest.mark.expect_log_warnings  # the tunnel says that it has no agent
async def test_quit_during_the_download_cancels_it(
    start_app, fake_ngrok, agent_mirror, tmp_path, monkeypatch
):
    config = no_agent_config(tmp_path, monkeypatch, agent_mirror.url(STALLED))
    async with start_app(
        config_text=config,
        extra_environ={"HOOKFLO_NGROK_AUTHTOKEN": TOKEN},
        make_tunnel=tunnel_factory(fake_ngrok),
    ) as running:
        app = running.app
        (await offered(running)).trigger()
        question = await until(lambda: app.agent_question, what="the question")
        answer(question, QMessageBox.ButtonRole.AcceptRole)
        await asyncio.wait_for(agent_mirror.stalled.wait(), timeout=UP_WITHIN_S)
        folder = app.context.paths.data_dir / "ngrok"
    agent_mirror.release.set()  # the rest arrives, after Quit: it goes unused
    assert await asyncio.to_thread(empties, folder, within_s=5.0)
    assert fake_ngrok.starts() == []


def settings_dialog() -> SettingsDialog | None:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, SettingsDialog)]
    return next((w for w in found if w.isVisible()), None)


def first_run_guide() -> FirstRunGuide | None:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, FirstRunGuide)]
    return next((w for w in found if w.isVisible()), None)


def empties(folder, *, within_s: float) -> bool:
    """Whether ``folder`` is (or becomes) empty within ``within_s``."""
    deadline = time.monotonic() + within_s
    while list(folder.iterdir()):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
