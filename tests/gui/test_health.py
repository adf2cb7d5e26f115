"""Endpoint health in the tray, menu and window, from the real store."""

import time

from hookflo.core import store
from hookflo.core.catchup import clerkkey, spans
from hookflo.gui.status import Status, TrayState
from tests.gui.conftest import until
from tests.support.fakeclerkapi import SECRET_KEY

DAY = 24 * 3600.0


def test_health_warnings_come_first_and_lines_end_the_tooltip():
    status = Status(
        listening="http://127.0.0.1:8787",
        retrying={"slack": "Slack is slow"},
        health=("clerk (production): last verified event at 09:12 (3 min ago)",),
        health_warnings=("HookFlo was not listening for 6 d: it may be disabled",),
    )

    assert status.state is TrayState.PROBLEM
    assert status.headline() == (
        "HookFlo was not listening for 6 d: it may be disabled (and 1 more problem)"
    )
    assert status.tooltip().splitlines()[-1] == status.health[0]


def _config(api_url: str) -> str:
    return f"""\
[receiver]
host = "127.0.0.1"
port = 0

[sources.clerk]
environment = "production"
clerk_api_url = "{api_url}"
"""


async def test_a_long_time_away_shows_in_tray_menu_and_window(
    start_app, hookflo_home, clerk_api
):
    (hookflo_home / "data").mkdir(parents=True)
    conn = store.connect(hookflo_home / "data" / "hookflo.sqlite3")
    away_since = time.time() - 6 * DAY
    span_id, _ = spans.open_span(conn, away_since - 3600)
    spans.close(conn, span_id, away_since)
    conn.close()
    keys = {clerkkey.variable("clerk"): SECRET_KEY}

    async with start_app(
        config_text=_config(clerk_api.api_url), extra_environ=keys
    ) as running:
        app = running.app
        disabled = await until(
            lambda: "may be disabled" in app.tray.icon.toolTip(),
            what="the endpoint warning in the tooltip",
        )
        assert disabled
        assert "enable it, then Recover failed messages" in app.tray.icon.toolTip()
        assert app.menu.status.text().startswith("HookFlo was not listening for 6 d")
        assert "may be disabled" in running.window.status_line.text()
        assert "clerk (production): no verified event from Clerk yet" in (
            app.tray.icon.toolTip()
        )

        # A delivery from Clerk proves the endpoint is enabled again.
        await running.store()
        await until(
            lambda: "Clerk stopped retrying" in app.tray.icon.toolTip(),
            what="the warning to recover messages",
        )
        assert "may be disabled" not in app.tray.icon.toolTip()
        assert "last hour: all 1 requests verified" in app.tray.icon.toolTip()
