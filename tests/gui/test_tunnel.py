"""The tray app with the ngrok tunnel: the public URL in the menu, the
tunnel's trouble in the icon, and the agent gone after Quit.

The agent is the stand-in of ``tests.support.ngrokfixtures``; its public
side is a local proxy, so an event sent "through the tunnel" takes the path
Clerk's would.
"""

import pytest
from PySide6.QtGui import QGuiApplication

from hookflo.core.tunnel import procs
from hookflo.core.tunnel.status import TunnelState
from hookflo.gui.status import TrayState
from tests.gui.conftest import PROD_PATH, tunnel_config, tunnel_factory, until
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
