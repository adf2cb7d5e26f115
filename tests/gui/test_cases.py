"""The shared cases about the tray app's lifecycle: C27, C29 and C30.

C27: closing windows never ends the app; only Quit does. C29: quitting with
alerts in flight is bounded, and what was not sent goes out after the next
start, once. C30: without a tray the app lives in its window and says why,
and picks up a tray that appears later. (C30's missing icon is in
``test_icons``.)
"""

import asyncio
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from hookflo.core.alerting.outboxstore import OutboxStore, State
from hookflo.core.tunnel.status import TunnelState
from hookflo.gui import tray as tray_module
from tests.gui.conftest import TWO_SOURCES, tunnel_config, tunnel_factory, until
from tests.support.cases import load_case
from tests.support.clerk import new_msg_id
from tests.support.fakeslack import BOT_TOKEN, CHANNEL_ID, POST_MESSAGE, Reply
from tests.support.ngrokfixtures import TOKEN
from tests.support.smtpserver import RECIPIENT, SENDER

C01_BODY = load_case("C01")["request"]["body"].encode("utf-8")
C01_NAME = load_case("C01")["expect"]["notification_title_contains"]


def visible_dialogs() -> list[QDialog]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QDialog) and w.isVisible()
    ]


# C27: closing the only window never quits the tray app.


async def test_c27_closing_any_window_leaves_the_app_serving(
    start_app, notify_server, fake_ngrok
):
    async with start_app(
        tray=True,
        config_text=tunnel_config(fake_ngrok),
        extra_environ={"HOOKFLO_NGROK_AUTHTOKEN": TOKEN},
        make_tunnel=tunnel_factory(fake_ngrok),
    ) as running:
        app = running.app
        assert app.tunnel is not None
        await app.tunnel.wait_for(TunnelState.UP, timeout_s=8)

        async def still_serving() -> None:
            before = len(notify_server.calls)
            started = time.monotonic()
            status, _ = await running.post(C01_BODY, msg_id=new_msg_id())
            assert status == 200
            assert time.monotonic() - started < 1.0
            await until(lambda: len(notify_server.calls) > before, what="a popup")
            assert C01_NAME in notify_server.calls[-1].body
            assert not app.quit_requested
            assert app.tunnel is not None
            assert app.tunnel.state is TunnelState.UP

        # 1. Settings from the tray menu, closed unchanged by the window's close
        # button, then by Esc.
        app.menu.settings.trigger()
        (settings,) = visible_dialogs()
        assert settings.windowTitle().startswith("HookFlo")
        settings.close()
        await until(lambda: not visible_dialogs())
        await still_serving()
        app.menu.settings.trigger()
        (settings,) = visible_dialogs()
        QTest.keyClick(settings, Qt.Key.Key_Escape)
        await until(lambda: not visible_dialogs())
        await still_serving()

        # 2. The event window, opened and closed.
        app.menu.open.trigger()
        assert running.window.isVisible()
        running.window.close()
        assert not running.window.isVisible()
        await still_serving()

        # 3. Settings open while an event arrives; 4. closed with Cancel.
        app.menu.settings.trigger()
        (settings,) = visible_dialogs()
        await still_serving()
        settings.cancel_button.click()
        await until(lambda: not visible_dialogs())
        await still_serving()

        # 5. The set-up guide as the only window, closed before finishing.
        app.menu.guide.trigger()
        (guide,) = visible_dialogs()
        assert guide.windowTitle().startswith("HookFlo")
        guide.close()
        await until(lambda: not visible_dialogs())
        await still_serving()

        # Only Quit ends it.
        app.menu.quit.trigger()
        await asyncio.wait_for(app.wait_for_quit(), 1)


# C29: quitting with alerts in flight.


def slow_config(fake_slack, smtp) -> str:
    return TWO_SOURCES + (
        "\n[channels.slack]\n"
        'channel = "#signups"\n'
        f'api_url = "{fake_slack.api_url}"\n'
        "\n[channels.email]\n"
        'host = "127.0.0.1"\n'
        f"port = {smtp.port}\n"
        'security = "none"\n'
        f'sender = "{SENDER}"\n'
        f'recipients = ["{RECIPIENT}"]\n'
    )


@pytest.mark.slow
async def test_c29_quit_with_sends_in_flight_is_bounded_and_resumes_once(
    start_app, fake_slack, smtp_server, notify_server
):
    smtp = smtp_server(starttls=False, auth_require_tls=False)
    answer_data = smtp.recorder.handle_DATA

    async def slow_data(server, session, envelope):
        await asyncio.sleep(10)
        return await answer_data(server, session, envelope)

    smtp.recorder.handle_DATA = slow_data
    slow_ok = Reply(
        json={"ok": True, "channel": CHANNEL_ID, "ts": "1735689600.000001"},
        delay_s=10,
    )
    fake_slack.script(POST_MESSAGE, *[slow_ok] * 5)
    environ = {"HOOKFLO_SLACK_BOT_TOKEN": BOT_TOKEN}
    settings = slow_config(fake_slack, smtp)

    async with start_app(config_text=settings, extra_environ=environ) as running:
        answers = await asyncio.gather(
            *(running.post(C01_BODY, msg_id=new_msg_id()) for _ in range(5))
        )
        assert [status for status, _ in answers] == [200] * 5
        await until(lambda: fake_slack.to(POST_MESSAGE), what="a Slack send under way")

        running.app.menu.quit.trigger()
        started = time.monotonic()
        await running.app.shutdown()
        took = time.monotonic() - started
        assert running.app.quit_requested
    assert took < 6.5, f"quitting took {took:.1f} s"

    # The store was closed cleanly: nothing is left "sending" for ever, and
    # what did not go out waits in the outbox.
    outbox = OutboxStore(running.app.context.paths.database_file)
    try:
        waiting = [d for d in outbox.deliveries(limit=100) if d.state is not State.SENT]
    finally:
        outbox.close()
    assert waiting, "every alert was sent before the quit: the test proves nothing"

    # Start again with the stand-ins answering at once.
    smtp.recorder.handle_DATA = answer_data
    fake_slack._scripts.clear()
    async with start_app(config_text=settings, extra_environ=environ) as again:

        def all_sent() -> bool:
            reader = OutboxStore(again.app.context.paths.database_file)
            try:
                rows = reader.deliveries(limit=100)
            finally:
                reader.close()
            return len(rows) == 15 and all(d.state is State.SENT for d in rows)

        await until(all_sent, within=10, what="every delivery sent")

    assert len(notify_server.calls) == 5  # desktop: once per event
    assert len(smtp.recorder.arrivals) == 5  # email: cut-off DATA never counted
    slack_posts = fake_slack.to(POST_MESSAGE)
    # One post per event, plus the one cut off by the quit and sent again.
    assert len(slack_posts) == 6


# C30: no tray.


async def test_c30_without_a_tray_the_window_opens_with_the_menu_and_a_hint(
    start_app,
):
    async with start_app(tray=False) as running:
        window = running.window
        assert window.isVisible()
        assert window.banner.isVisible()
        assert "AppIndicator and KStatusNotifierItem Support" in window.banner.text()
        menu = window.menuBar().actions()[0].menu()
        assert [a.text() for a in menu.actions() if a.text() == "Quit HookFlo"]

        window.close()  # asks instead of leaving an invisible process
        question = window.question
        assert question is not None
        assert question.windowTitle().startswith("HookFlo")
        keep = next(
            b
            for b in question.buttons()
            if question.buttonRole(b) is QMessageBox.ButtonRole.RejectRole
        )
        keep.click()
        await until(lambda: window.question is None)
        assert not running.app.quit_requested
        status, _ = await running.post()
        assert status == 200

        window.close()
        quit_button = next(
            b
            for b in window.question.buttons()
            if window.question.buttonRole(b) is QMessageBox.ButtonRole.AcceptRole
        )
        quit_button.click()
        await asyncio.wait_for(running.app.wait_for_quit(), 1)


async def test_c30_a_tray_that_appears_later_gets_the_icon(start_app, monkeypatch):
    monkeypatch.setattr(tray_module, "RECHECK_MS", 20)
    appear_at = time.monotonic() + 0.2
    async with start_app(tray=lambda: time.monotonic() > appear_at) as running:
        window = running.window
        assert window.banner.isVisible()
        assert not running.app.tray.visible
        await until(lambda: running.app.tray.visible, what="the icon shown")
        assert not window.banner.isVisible()
        window.close()
        assert window.question is None  # with a tray, closing just hides
        assert not window.isVisible()


async def test_c30_notifications_need_no_tray(start_app, notify_server):
    async with start_app(tray=False) as running:
        await running.store(C01_BODY)
        await until(lambda: notify_server.calls, what="the popup")
        assert C01_NAME in notify_server.calls[0].body
