"""The app's lifecycle: new settings restart the receiver; a first run opens
the guide; the last window closing never ends Qt's loop."""

import dataclasses
import sys
import types

import pytest
from PySide6.QtGui import QGuiApplication

from tests.gui.conftest import until


async def test_saved_settings_restart_the_receiver_with_them(start_app):
    async with start_app() as running:
        app = running.app
        first_server = app.server
        await running.store()
        await until(running.event_ids)
        assert len(app.menu.send_test) == 2

        only_production = dataclasses.replace(
            app.context.config, sources=app.context.config.sources[:1]
        )
        app.context.config = only_production  # what the dialog does on save
        app.apply_settings(only_production)

        await until(lambda: app.server is not first_server, what="a new receiver")
        await until(lambda: len(app.menu.send_test) == 1, what="the menu updated")
        assert app.menu.send_test[0].text() == "Send test event"
        assert running.window.events.source.count() == 2  # "All sources", clerk
        await running.store()  # the new receiver answers, the list goes on
        await until(lambda: len(running.event_ids()) == 2)
        status, _ = await running.post(path="/webhooks/clerk-dev")
        assert status == 404


@pytest.mark.expect_log_warnings  # the server warns that no secret is set
async def test_a_first_run_opens_the_set_up_guide(start_app, monkeypatch):
    opened = []
    recorder = types.ModuleType("hookflo.gui.firstrun")
    recorder.open_first_run = lambda context, parent, on_saved=None: opened.append(
        context
    )
    monkeypatch.setitem(sys.modules, "hookflo.gui.firstrun", recorder)
    no_secrets = {"HOOKFLO_SECRET_CLERK": "", "HOOKFLO_SECRET_CLERK_DEV": ""}
    async with start_app(extra_environ=no_secrets, first_run_check=True) as running:
        await until(lambda: opened, what="the guide opened")
        assert opened == [running.app.context]


async def test_with_secrets_set_no_guide_opens(start_app, monkeypatch):
    opened = []
    recorder = types.ModuleType("hookflo.gui.firstrun")
    recorder.open_first_run = lambda context, parent, on_saved=None: opened.append(1)
    monkeypatch.setitem(sys.modules, "hookflo.gui.firstrun", recorder)
    async with start_app(first_run_check=True) as running:
        await running.store()
        await until(running.event_ids)
    assert opened == []


async def test_the_app_never_quits_with_its_last_window(start_app):
    QGuiApplication.setQuitOnLastWindowClosed(True)
    async with start_app():
        assert not QGuiApplication.quitOnLastWindowClosed()
