"""The tray icon and its menu, with every action triggered on a running app."""

import asyncio
import sys
import time
import types
from datetime import datetime, timedelta

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from hookflo.gui import app as app_module
from hookflo.gui import menu as menu_module
from hookflo.gui.status import TrayState
from tests.gui.conftest import PROD_PATH, TWO_SOURCES, until
from tests.support.clerk import SECRET_B, clerk_body

EXPECTED_MENU = [
    "Listening; all is well",
    "-",
    "http://127.0.0.1:{port}/webhooks/clerk (local only: no tunnel)",
    "Copy endpoint URL",
    "-",
    "No events yet",
    "-",
    "Send test event to clerk (production)",
    "Send test event to clerk-dev (development)",
    "Pause alerts",
    "-",
    "Open HookFlo",
    "Settings…",
    "Set-up guide…",
    "-",
    "Quit HookFlo",
]


def texts(menu: QMenu) -> list[str]:
    """The menu as the user sees it: visible entries, "-" for separators."""
    return [
        "-" if action.isSeparator() else action.text()
        for action in menu.actions()
        if action.isVisible()
    ]


def tray_menu(running) -> QMenu:
    return running.app.tray.icon.contextMenu()


async def test_the_menu_lists_status_endpoint_events_and_commands(start_app):
    async with start_app() as running:
        await until(lambda: running.app.menu.recent_header.text() == "No events yet")
        expected = [t.format(port=running.server.port) for t in EXPECTED_MENU]
        assert texts(tray_menu(running)) == expected
        window_menu = running.window.menuBar().actions()[0].menu()
        assert texts(window_menu) == expected  # the same menu without a tray
        pause = next(a.menu() for a in tray_menu(running).actions() if a.menu())
        assert texts(pause) == [
            "For 1 hour",
            "Until tomorrow, 08:00",
            "-",
            "Resume alerts",
        ]


async def test_open_hookflo_and_a_click_on_the_icon_show_the_window(start_app):
    async with start_app(tray=True) as running:
        window = running.window
        assert not window.isVisible()
        running.app.menu.open.trigger()
        assert window.isVisible()
        window.close()
        assert not window.isVisible()
        assert not running.app.quit_requested
        running.app.tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
        assert window.isVisible()


async def test_recent_events_list_the_last_five_and_open_one(start_app):
    async with start_app(tray=True) as running:
        for _ in range(6):
            await running.store()
        menu = running.app.menu
        await until(lambda: menu.recent[4].isVisible(), what="five recent events")
        await until(lambda: len(running.event_ids()) == 6)
        ids = running.event_ids()
        assert menu.recent_header.text() == "Recent events"
        headline = running.window.event_model.row_at(0).headline
        assert all(headline[:40] in a.text() for a in menu.recent)

        menu.recent[2].trigger()

        window = running.window
        assert window.isVisible()
        await until(lambda: window.detail.event_id == ids[2], what="the event shown")
        await until(lambda: window.events.table.selectionModel().selectedRows())
        (selected,) = window.events.table.selectionModel().selectedRows()
        assert window.event_model.row_at(selected.row()).id == ids[2]


async def test_send_test_event_posts_a_signed_test_event(start_app):
    async with start_app() as running:
        action = next(a for a in running.app.menu.send_test if "clerk-dev" in a.text())
        action.trigger()
        await until(lambda: running.event_ids(), what="the test event listed")
        row = running.window.event_model.row_at(0)
        assert (row.source, row.type, row.is_test) == (
            "clerk-dev",
            "user.created",
            True,
        )
        assert running.window.event_model.index(0, 1).data() == "DEV · TEST"
        await until(
            lambda: "Test event sent" in running.window.statusBar().currentMessage()
        )


@pytest.mark.expect_log_warnings  # the server warns of the missing secret
async def test_send_test_event_says_why_when_no_secret_is_set(start_app):
    async with start_app(extra_environ={"HOOKFLO_SECRET_CLERK": ""}) as running:
        running.app.menu.send_test[0].trigger()
        bar = running.window.statusBar()
        await until(lambda: bar.currentMessage(), what="a message")
        assert bar.currentMessage() == (
            "No signing secret is set for 'clerk'; add it in Settings first"
        )
        assert running.event_ids() == []


async def test_pause_holds_alerts_and_resume_sends_them(start_app, notify_server):
    async with start_app() as running:
        menu = running.app.menu
        menu.pause_hour.trigger()
        dispatcher = running.server.dispatcher
        assert dispatcher.paused_until == pytest.approx(time.time() + 3600, abs=5)
        assert menu.pause_status.isVisible()
        assert menu.pause_status.text().startswith("Alerts paused until ")
        assert menu.resume.isEnabled()
        assert "Alerts paused until" in running.app.tray.icon.toolTip()

        await running.store()
        await until(lambda: running.event_ids(), what="stored while paused")
        await asyncio.sleep(0.3)  # the quick policies would have sent it by now
        assert notify_server.calls == []

        menu.resume.trigger()
        assert dispatcher.paused_until is None
        await until(lambda: notify_server.calls, what="the held notification")
        assert not menu.pause_status.isVisible()
        assert not menu.resume.isEnabled()


async def test_pause_until_tomorrow_ends_at_eight_in_the_morning(start_app):
    async with start_app() as running:
        running.app.menu.pause_tomorrow.trigger()
        until_ = running.server.dispatcher.paused_until
        expected = menu_module.tomorrow_morning(datetime.now()).timestamp()
        assert until_ == pytest.approx(expected, abs=1)
        assert datetime.fromtimestamp(until_).hour == 8


def test_tomorrow_morning_is_the_next_day_at_eight():
    assert menu_module.tomorrow_morning(datetime(2026, 12, 31, 23, 30)) == datetime(
        2027, 1, 1, 8, 0
    )
    assert menu_module.tomorrow_morning(datetime(2026, 3, 1, 2, 0)) == datetime(
        2026, 3, 2, 8, 0
    )


async def test_copy_puts_the_endpoint_url_on_the_clipboard(start_app):
    async with start_app() as running:
        running.app.menu.copy_endpoint.trigger()
        assert QGuiApplication.clipboard().text() == running.server.base_url + PROD_PATH


@pytest.mark.parametrize(
    ("action", "module", "function"),
    [
        ("settings", "hookflo.gui.settings.dialog", "open_settings"),
        ("guide", "hookflo.gui.firstrun", "open_first_run"),
    ],
)
async def test_settings_and_guide_open_through_their_modules(
    start_app, monkeypatch, action, module, function
):
    calls = []
    recorder = types.ModuleType(module)
    setattr(
        recorder,
        function,
        lambda context, parent, on_saved=None: calls.append(
            (context, parent, on_saved)
        ),
    )
    monkeypatch.setitem(sys.modules, module, recorder)
    async with start_app() as running:
        running.window.show()
        getattr(running.app.menu, action).trigger()
        assert calls == [
            (running.app.context, running.window, running.app.apply_settings)
        ]


async def test_a_missing_dialog_module_is_said_not_raised(start_app, monkeypatch):
    monkeypatch.setitem(sys.modules, "hookflo.gui.settings.dialog", None)
    async with start_app() as running:
        running.app.menu.settings.trigger()
        assert running.window.statusBar().currentMessage() == (
            "Settings is not available in this build"
        )


async def test_quit_asks_the_app_to_quit(start_app):
    async with start_app(tray=True) as running:
        running.window.show()
        running.app.menu.quit.trigger()
        assert running.app.quit_requested
        await running.app.wait_for_quit()


async def test_the_icon_shows_new_events_then_problems(start_app, screenshots):
    async with start_app(tray=True) as running:
        tray, tracker = running.app.tray, running.app.tracker
        assert tracker.status.state is TrayState.HEALTHY
        assert tray.icon.toolTip().startswith("HookFlo: Listening; all is well")

        await running.store()
        await running.store(clerk_body("session.created"))
        await until(lambda: tracker.status.unseen == 2, what="two new events")
        assert tracker.status.state is TrayState.NEW
        assert tray.icon.toolTip().startswith("HookFlo: 2 new events since you last")
        assert running.app.menu.status.text() == "2 new events since you last looked"

        status, _ = await running.post(secret=SECRET_B)
        assert status == 401
        await until(lambda: tracker.status.state is TrayState.PROBLEM)
        assert running.app.menu.status.text() == (
            "1 request from Clerk refused since you last looked: the signature did "
            "not match the signing secret"
        )
        shot = screenshots / "tray-menu.png"
        menu = tray_menu(running)
        menu.adjustSize()
        assert menu.grab().save(str(shot))

        running.window.show_refused()
        await until(lambda: tracker.status.state is TrayState.NEW)
        running.window.tabs.setCurrentWidget(running.window.events)
        await until(lambda: tracker.status.state is TrayState.HEALTHY)


async def test_the_icon_is_drawn_for_the_state(start_app):
    async with start_app(tray=True) as running:
        tray = running.app.tray
        healthy = tray.icon.icon().pixmap(32, 32).toImage()
        await running.store()
        await until(lambda: running.app.tracker.status.unseen)
        new = tray.icon.icon().pixmap(32, 32).toImage()
        assert healthy != new


async def test_a_pause_set_elsewhere_shows_in_the_tray(start_app, monkeypatch):
    monkeypatch.setattr(app_module, "PAUSE_CHECK_MS", 20)
    async with start_app() as running:
        menu, dispatcher = running.app.menu, running.server.dispatcher
        dispatcher.pause(time.time() + 600)  # as the settings dialog does
        await until(lambda: menu.pause_status.isVisible(), what="the pause shown")
        dispatcher.pause(time.time() + 0.05)
        await until(lambda: not menu.pause_status.isVisible(), what="its end seen")
        assert running.app.tracker.status.paused_until is None


async def test_quiet_hours_show_in_the_menu_and_tooltip(start_app, monkeypatch):
    monkeypatch.setattr(app_module, "PAUSE_CHECK_MS", 20)
    now = datetime.now()
    start = (now - timedelta(hours=1)).strftime("%H:%M")
    end = (now + timedelta(hours=1)).strftime("%H:%M")
    quiet = f'\n[quiet_hours]\nenabled = true\nstart = "{start}"\nend = "{end}"\n'
    async with start_app(config_text=TWO_SOURCES + quiet) as running:
        menu = running.app.menu
        line = f"Quiet until {end}"
        await until(lambda: menu.pause_status.text() == line, what="quiet shown")
        assert menu.pause_status.isVisible()
        assert not menu.resume.isEnabled()  # quiet hours are not a pause
        assert line in running.app.tray.icon.toolTip().splitlines()
