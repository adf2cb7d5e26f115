"""The event window against the real receiver: live list, detail, refusals, chart.

Events are posted over HTTP, signed with the svix library, to the real
``Server`` the app runs; the window must show them as they are stored.
"""

import asyncio
import json
import time

import pytest
from PySide6.QtWidgets import QApplication

from hookflo.core import store
from hookflo.core.alerting import hiddenfields
from hookflo.core.alerting.outboxstore import State
from hookflo.gui.eventmodel import Column
from tests.gui.conftest import DEV_PATH, until
from tests.support.clerk import SECRET_B, clerk_body
from tests.support.notifyserver import start_notify_server


async def test_events_appear_in_the_list_as_they_arrive(start_app):
    async with start_app() as running:
        window = running.window
        window.show()
        assert window.windowTitle().startswith("HookFlo")

        await running.store()
        await until(lambda: len(running.event_ids()) == 1, what="first event listed")
        resets = []
        window.event_model.modelReset.connect(lambda: resets.append(1))
        await running.store(clerk_body("session.created"), path=DEV_PATH)
        await until(lambda: len(running.event_ids()) == 2, what="second event listed")

        assert resets == [], "the list was reloaded instead of appended to"
        model = window.event_model
        first, second = running.event_ids()
        assert first > second  # newest on top
        top = [model.index(0, column).data() for column in Column]
        assert top[Column.ENVIRONMENT] == "DEV"
        assert top[Column.TYPE] == "session.created"
        assert model.index(1, Column.TYPE).data() == "user.created"
        assert model.index(1, Column.WHO).data()


async def test_selecting_an_event_shows_its_summary_payload_and_headers(start_app):
    async with start_app() as running:
        window = running.window
        window.show()
        body = clerk_body("user.created")
        await running.store(body)
        await until(lambda: running.event_ids(), what="event listed")

        window.events.table.selectRow(0)
        detail = window.detail
        await until(lambda: detail.event_id == running.event_ids()[0], what="detail")

        tooltip = window.event_model.index(0, 0).data(3)  # ToolTipRole
        assert detail.headline == tooltip
        assert detail.headline  # describe() always says something
        assert json.loads(detail.payload_text) == json.loads(body)
        assert detail.payload_text.startswith("{\n  ")  # formatted, not raw
        headers = window.findChild(type(detail._headers), "headers").toPlainText()
        assert "svix-id: msg_" in headers
        assert "svix-signature: (hidden" in headers
        assert "v1," not in headers


async def test_the_payload_of_a_sign_in_email_hides_its_code(start_app):
    async with start_app() as running:
        window = running.window
        window.show()
        body = clerk_body("email.created")
        await running.store(body)
        await until(lambda: running.event_ids(), what="event listed")

        window.events.table.selectRow(0)
        detail = window.detail
        await until(lambda: detail.event_id == running.event_ids()[0], what="detail")

        assert "123456" not in detail.payload_text
        assert "ada.founder" not in detail.payload_text
        shown = json.loads(detail.payload_text)["data"]
        assert shown["subject"] == hiddenfields.HIDDEN_CODE
        assert shown["body_plain"] == hiddenfields.HIDDEN_CODE
        assert shown["to_email_address"] == "a***@example.com"
        assert shown["slug"] == "verification_code"
        assert "123456" not in detail.headline


async def test_refused_requests_show_reason_and_hint(start_app):
    async with start_app() as running:
        window = running.window
        window.show()
        window.show_refused()

        status, answer = await running.post(secret=SECRET_B)

        assert (status, answer["error"]) == (401, "signature_mismatch")
        model = window.attempt_model
        await until(lambda: model.rowCount() == 1, what="refusal listed")
        attempt = model.row_at(0)
        assert attempt.reason == "signature_mismatch"
        await until(lambda: window.refused.hint.text().startswith("401"))
        hint = window.refused.hint.text()
        assert "No matching signature found" in hint
        assert "hookflo secret set clerk" in hint


async def test_the_chart_counts_signups_per_environment_without_tests(start_app):
    async with start_app() as running:
        window = running.window
        window.show()
        await running.store()
        await running.store()
        await running.store(path=DEV_PATH)
        await running.store(clerk_body("session.created"))
        test = json.loads(clerk_body())
        test["hookflo_test"] = True
        await running.store(json.dumps(test).encode())

        window.tabs.setCurrentWidget(window.chart)
        chart = window.chart.chart
        await until(lambda: chart.buckets, what="chart drawn")
        assert len(chart.buckets) == 24
        now = chart.buckets[-1]
        assert (now.production, now.development) == (2, 1)

        window.chart.per_day.click()
        await until(lambda: len(chart.buckets) == 30, what="per-day chart")
        assert (chart.buckets[-1].production, chart.buckets[-1].development) == (2, 1)
        assert window.chart.totals.text() == "production 2 · development 1"


async def test_notification_click_raises_the_window_on_that_event(
    start_app, notify_server
):
    async with start_app(tray=True, build_window=False) as running:
        app = running.app
        await running.store()
        await running.store(clerk_body("session.created"))
        await until(lambda: len(notify_server.calls) == 2, what="two notifications")
        assert app.window is None  # a tray app needs no window until asked

        signup = next(c for c in notify_server.calls if c.summary == "New signup")
        notify_server.click(signup.id)

        await until(lambda: app.window is not None and app.window.isVisible())
        window = app.window
        await until(lambda: window.detail.event_id is not None, what="detail shown")
        first_event = min(running.event_ids())
        assert window.detail.event_id == first_event
        table = window.events.table
        await until(lambda: table.selectionModel().selectedRows(), what="selection")
        (selected,) = table.selectionModel().selectedRows()
        assert window.event_model.row_at(selected.row()).id == first_event


async def test_send_again_repeats_a_sent_alert(start_app, notify_server):
    async with start_app() as running:
        window = running.window
        window.show()
        await running.store()
        await until(lambda: notify_server.calls, what="first notification")
        await until(running.event_ids, what="event listed")
        window.events.table.selectRow(0)
        detail = window.detail
        await until(
            lambda: (
                detail.deliveries.rowCount() == 1
                and detail.deliveries.delivery_at(0).state is State.SENT
            ),
            what="delivery shown as sent",
        )
        again = detail.findChild(type(detail._again), "send-again")
        assert again.isEnabled()
        assert not detail.findChild(type(detail._retry), "retry").isEnabled()

        again.click()

        await until(lambda: len(notify_server.calls) == 2, what="sent again")
        await until(lambda: detail.deliveries.delivery_at(0).tries == 2)


@pytest.mark.expect_log_warnings
async def test_retry_sends_a_failed_alert_once_the_channel_is_back(
    start_app, notify_server, session_bus
):
    async with start_app() as running:
        window = running.window
        window.show()
        await notify_server.stop()  # no notification service any more
        await running.store()
        await until(running.event_ids, what="event listed")
        window.events.table.selectRow(0)
        detail = window.detail
        await until(
            lambda: (
                detail.deliveries.rowCount() == 1
                and detail.deliveries.delivery_at(0).state is State.FAILED
            ),
            what="delivery failed",
        )
        tracker = running.app.tracker
        await until(lambda: tracker.status.blocked, what="channel blocked")
        assert tracker.status.state == "problem"
        assert tracker.status.headline().startswith("Desktop alerts stopped: ")
        retry = detail.findChild(type(detail._retry), "retry")
        assert retry.isEnabled()

        back = await start_notify_server(session_bus)
        try:
            retry.click()
            await until(lambda: back.calls, what="the retried notification")
            await until(lambda: detail.deliveries.delivery_at(0).state is State.SENT)
            await until(lambda: not tracker.status.blocked, what="block lifted")
        finally:
            await back.stop()


async def test_every_top_level_window_title_starts_with_hookflo(start_app):
    async with start_app() as running:
        running.window.show_no_tray(True)
        running.window.show()
        running.window.close()  # asks whether to quit
        await until(lambda: running.window.question is not None)
        shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        assert shown
        for widget in shown:
            assert widget.windowTitle().startswith("HookFlo"), widget


def seed_history(database_file, now: float) -> None:
    """Store a day of signups (production and development) and some sessions."""
    body = clerk_body("user.created")
    rows = []
    for hour in range(24):
        production = (hour * 7) % 5 + (2 if 9 <= (hour + 6) % 24 <= 18 else 0)
        development = 1 + hour % 3 if hour % 4 == 1 else 0
        for n in range(production + development):
            environment = "production" if n < production else "development"
            source = "clerk" if environment == "production" else "clerk-dev"
            at = now - (23 - hour) * 3600 - n * 60
            rows.append((source, f"msg_seed{hour}_{n}", environment, at, body))
    rows.sort(key=lambda row: row[3])
    conn = store.connect(database_file)
    try:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO events (source, svix_id, environment, type, received_at, "
            "signed_at, body, body_is_json, is_test) "
            "VALUES (?, ?, ?, 'user.created', ?, 0, ?, 1, 0)",
            [(s, m, e, at, b) for s, m, e, at, b in rows],
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


async def test_screenshots_of_the_window(start_app, hookflo_home, screenshots):
    seed_history(hookflo_home / "data" / "hookflo.sqlite3", time.time())
    async with start_app() as running:
        window = running.window
        window.resize(1280, 760)
        window.show()
        await running.store(clerk_body("organization.created"))
        await running.store(clerk_body("session.created"), path=DEV_PATH)
        await running.store()
        status, _ = await running.post(secret=SECRET_B)
        assert status == 401
        await until(lambda: running.window.attempt_model.rowCount() == 1)
        await until(lambda: len(running.event_ids()) > 3)
        window.events.table.selectRow(0)
        await until(lambda: window.detail.event_id == running.event_ids()[0])

        shots = {"window-events.png": window.events}
        shots["window-refused.png"] = window.refused
        shots["window-signups.png"] = window.chart
        for name, page in shots.items():
            window.tabs.setCurrentWidget(page)
            if page is window.chart:
                await until(lambda: window.chart.chart.buckets, what="the chart")
            await asyncio.sleep(0.05)
            target = screenshots / name
            assert window.grab().save(str(target))
            assert target.stat().st_size > 10_000
        assert sum(b.production for b in window.chart.chart.buckets) > 20
