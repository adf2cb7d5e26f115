"""``hookflo hookflo://event/<id>``: a digest's link opens that event.

The link is handed to the real ``hookflo`` program, run as the desktop runs
it; a tray app started here for the same home answers on its local socket.
"""

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication

from hookflo.core import paths
from hookflo.gui import instance
from tests.gui.conftest import RunningApp, until

COMMAND_TIMEOUT_S = 30


def open_link(home, link: str) -> subprocess.CompletedProcess[str]:
    """Run ``hookflo LINK`` for HOOKFLO_HOME ``home`` to completion."""
    environ = {**os.environ, "HOOKFLO_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "hookflo", link],
        env=environ,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )


def start_on_link(home, link: str) -> tuple[int, str]:
    """Start the tray app with ``hookflo LINK``; stop it once it showed it.

    Returns:
        its exit code and what it logged.
    """
    environ = {**os.environ, "HOOKFLO_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    log_file = home / "logs" / "hookflo.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "hookflo", link],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + COMMAND_TIMEOUT_S
        while time.monotonic() < deadline and process.poll() is None:
            logged = log_file.read_text("utf-8") if log_file.exists() else ""
            if "Showing event" in logged:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=COMMAND_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return code, log_file.read_text("utf-8")


def stored_ids(running: RunningApp) -> list[int]:
    database = running.app.context.paths.database_file
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT id FROM events ORDER BY id").fetchall()
    return [row[0] for row in rows]


def selected_id(running: RunningApp) -> int | None:
    window = running.app.window
    if window is None:
        return None
    rows = window.events.table.selectionModel().selectedRows()
    return window.event_model.row_at(rows[0].row()).id if rows else None


async def test_a_link_opened_while_the_app_runs_shows_that_event_in_its_window(
    start_app, hookflo_home
):
    name = instance.socket_name(paths.resolve({"HOOKFLO_HOME": str(hookflo_home)}))
    async with start_app(instance_name=name, build_window=False) as running:
        for _ in range(3):
            await running.store()
        first, _, newest = stored_ids(running)
        assert selected_id(running) != first

        opened = await asyncio.to_thread(
            open_link, hookflo_home, f"hookflo://event/{first}"
        )

        assert opened.returncode == 0, opened.stderr
        assert opened.stdout == (
            f"HookFlo is already running; it was asked to show event {first}.\n"
        )
        await until(lambda: selected_id(running) == first, what="the event selected")
        window = running.app.window
        assert window is not None
        assert window.isVisible()
        assert window.detail.event_id == first
        assert first != newest  # not merely the top row


async def test_a_link_the_running_app_cannot_read_is_refused_before_asking_it(
    start_app, hookflo_home
):
    name = instance.socket_name(paths.resolve({"HOOKFLO_HOME": str(hookflo_home)}))
    async with start_app(instance_name=name, build_window=False) as running:
        refused = await asyncio.to_thread(
            open_link, hookflo_home, "hookflo://event/1;rm"
        )

        assert refused.returncode == 2
        assert refused.stdout == ""
        assert refused.stderr == (
            "hookflo: not a HookFlo event link: 'hookflo://event/1;rm' "
            "(expected hookflo://event/<number>)\n"
        )
        assert selected_id(running) is None


async def test_the_instance_server_reads_only_well_formed_open_requests(qapp):
    name = f"hookflo-test-{os.getpid()}-links"
    running = instance.InstanceServer(name)
    assert running.listen()
    asked: list[int] = []
    running.event_requested.connect(asked.append)
    try:
        big = 2**40  # more than Qt's 32-bit int holds
        assert await asyncio.to_thread(instance.ask_running_to_open, name, big)
        await until(lambda: asked, what="the open request")
        for junk in (b"open 0\n", b"open -4\n", b"open x\n", b"open 7 8\n"):
            assert await asyncio.to_thread(instance._tell_running, name, junk, 1000)
        assert await asyncio.to_thread(instance.ask_running_to_open, name, 5)
        await until(lambda: len(asked) == 2, what="the second open request")
    finally:
        running.close()
    assert asked == [big, 5]


def desktop_opens(url: QUrl) -> bool:
    """Hand ``url`` to the application as macOS does; True if it was taken."""
    return QCoreApplication.sendEvent(QApplication.instance(), QFileOpenEvent(url))


@pytest.mark.expect_log_warnings  # the unreadable link is reported
async def test_a_link_handed_over_as_macos_does_shows_that_event(start_app):
    async with start_app() as running:
        for _ in range(2):
            await running.store()
        first, _ = stored_ids(running)

        assert desktop_opens(QUrl(f"hookflo://event/{first}"))

        await until(lambda: selected_id(running) == first, what="the event selected")
        assert running.window.detail.event_id == first
        assert desktop_opens(QUrl("hookflo://event/0"))  # taken, and refused
        assert not desktop_opens(QUrl.fromLocalFile("/tmp/report.pdf"))
        assert selected_id(running) == first


async def test_a_link_to_an_event_not_stored_says_so_in_the_detail_pane(start_app):
    async with start_app() as running:
        await running.store()
        (stored,) = stored_ids(running)
        missing = stored + 1000
        detail = running.window.detail

        assert desktop_opens(QUrl(f"hookflo://event/{missing}"))

        sentence = (
            f"Event {missing} is not in this HookFlo's store (it may have been "
            "deleted or belong to another HookFlo home)."
        )
        await until(lambda: detail.headline == sentence, what="the sentence")
        assert detail.title == "Event not found"
        assert detail.event_id is None
        assert detail.payload_text == ""
        assert running.window.isVisible()


async def test_a_link_opened_while_no_app_runs_starts_it_on_that_event(
    start_app, hookflo_home, monkeypatch
):
    async with start_app() as running:
        for _ in range(2):
            await running.store()
        first, _ = stored_ids(running)
        secrets = {k: v for k, v in running.environ.items() if "SECRET" in k}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)  # the secrets start_app gave its app

    code, logged = await asyncio.to_thread(
        start_on_link, hookflo_home, f"hookflo://event/{first}"
    )

    assert code == 0, logged
    assert "HookFlo is running" in logged
    assert f"Showing event {first}" in logged
