"""The settings pages: validation, routing, templates, pause, start at login."""

import dataclasses
import datetime
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from hookflo.core import alertconfig, autostart, config, quiethours, secretinput
from hookflo.core.alerting import routing
from hookflo.core.channels.base import ChannelName
from hookflo.core.config import Environment
from hookflo.core.credentials import signing_secret_entry
from hookflo.gui.settings import dialog as dialog_module
from hookflo.gui.settings import templatepreview
from hookflo.gui.settings.dialog import SettingsDialog, open_settings
from hookflo.gui.settings.generalpage import GeneralPage, next_morning
from hookflo.gui.settings.routingpage import RoutingPage
from hookflo.gui.settings.sourcespage import SourcesPage
from hookflo.gui.settings.templatespage import TemplatesPage
from tests.support.clerk import SECRET

WAIT_MS = 5000


def open_dialog(qtbot, context) -> SettingsDialog:
    dialog = SettingsDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.work.busy, timeout=WAIT_MS)
    return dialog


def save(qtbot, dialog: SettingsDialog) -> None:
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=WAIT_MS)


def retype(qtbot, edit, text: str) -> None:
    """Replace a line edit's text as a person would (textEdited fires)."""
    edit.selectAll()
    qtbot.keyClicks(edit, text)


# --- invalid input ------------------------------------------------------------


def test_invalid_input_is_shown_by_the_field_and_nothing_is_saved(
    qtbot, context, memory_keyring
):
    dialog = open_dialog(qtbot, context)
    sources = dialog.page(SourcesPage)
    assert isinstance(sources, SourcesPage)
    sources.paste_edit.setText(SECRET)
    sources.add_secret_button.click()

    retype(qtbot, sources.path_edit, "webhooks/clerk")
    assert sources.path_message.is_error  # on entry, before Save
    dialog.tabs.setCurrentIndex(1)
    save(qtbot, dialog)

    assert dialog.tabs.currentWidget() is sources
    assert sources.path_message.is_error
    assert "expected a URL path such as '/webhooks/clerk'" in (
        sources.path_message.text()
    )
    assert dialog.status.text().startswith("Nothing was saved: ")
    assert "sources.clerk.path" in dialog.status.text()
    assert not context.paths.config_file.exists()
    assert memory_keyring.entries == {}  # the valid secret waits for a valid file

    retype(qtbot, sources.path_edit, "/webhooks/clerk")
    assert not sources.path_message.is_error
    save(qtbot, dialog)
    assert dialog.status.text().startswith("Saved to")
    assert memory_keyring.get_password("hookflo", signing_secret_entry("clerk")) == (
        SECRET
    )


def test_two_sources_of_the_same_name_are_refused(qtbot, context):
    dialog = open_dialog(qtbot, context)
    sources = dialog.page(SourcesPage)
    assert isinstance(sources, SourcesPage)
    sources.add_button.click()
    retype(qtbot, sources.name_edit, "Clerk Dev")
    assert "lowercase letters" in sources.name_message.text()
    retype(qtbot, sources.name_edit, "clerk")
    save(qtbot, dialog)
    assert sources.name_message.text() == "Another source is called 'clerk'"
    assert not context.paths.config_file.exists()


def test_a_pasted_secret_that_is_cut_off_is_explained_and_not_added(qtbot, context):
    dialog = open_dialog(qtbot, context)
    sources = dialog.page(SourcesPage)
    assert isinstance(sources, SourcesPage)
    cut = SECRET[:20]
    sources.paste_edit.setText(cut)
    assert sources.paste_message.is_error
    assert "too short" in sources.paste_message.text()
    assert cut not in sources.paste_message.text()
    assert not sources.add_secret_button.isEnabled()
    save(qtbot, dialog)  # a bad paste left in the field blocks Save too
    assert dialog.status.is_error
    assert not context.paths.config_file.exists()


def test_removing_a_saved_source_removes_its_secrets_after_the_file_is_written(
    qtbot, context, memory_keyring
):
    context.config = dataclasses.replace(
        context.config,
        sources=(
            *context.config.sources,
            config.Source("old", Environment.DEVELOPMENT, "/webhooks/old"),
        ),
    )
    memory_keyring.set_password("hookflo", signing_secret_entry("old"), SECRET)
    dialog = open_dialog(qtbot, context)
    sources = dialog.page(SourcesPage)
    assert isinstance(sources, SourcesPage)
    sources.source_list.setCurrentRow(1)
    assert sources.name_edit.text() == "old"
    sources.remove_button.click()
    save(qtbot, dialog)
    assert [s.name for s in config.load(context.paths.config_file).sources] == ["clerk"]
    assert memory_keyring.entries == {}


# --- routing ------------------------------------------------------------------


def test_routing_grid_writes_routes_that_route_as_ticked(qtbot, context):
    dialog = open_dialog(qtbot, context)
    page = dialog.page(RoutingPage)
    assert isinstance(page, RoutingPage)
    dev = page.grids[Environment.DEVELOPMENT]
    rows = [dev.verticalHeaderItem(r).text() for r in range(dev.rowCount())]
    slack = list(ChannelName).index(ChannelName.SLACK)
    desktop = list(ChannelName).index(ChannelName.DESKTOP)
    dev.item(rows.index("user.created"), slack).setCheckState(Qt.CheckState.Checked)
    dev.item(rows.index("Any other event"), desktop).setCheckState(
        Qt.CheckState.Unchecked
    )
    save(qtbot, dialog)

    saved = config.load(context.paths.config_file)
    every = set(ChannelName)

    def route(environment: str, event_type: str) -> tuple[ChannelName, ...]:
        return routing.channels_for(
            saved.routes, environment=environment, event_type=event_type, active=every
        )

    assert route("development", "user.created") == (
        ChannelName.DESKTOP,
        ChannelName.SLACK,
    )
    assert route("development", "session.created") == (ChannelName.DESKTOP,)
    assert route("development", "something.new") == ()
    # Production routes exactly as before.
    for event_type in ("user.created", "session.created", "something.new"):
        assert route("production", event_type) == routing.channels_for(
            alertconfig.default_routes(),
            environment="production",
            event_type=event_type,
            active=every,
        )
    text = context.paths.config_file.read_text(encoding="utf-8")
    assert "[[routes]]" in text


def test_an_untouched_grid_keeps_hand_written_rules(qtbot, context):
    rules = (
        alertconfig.Route(("user.*",), (ChannelName.EMAIL,), None),
        alertconfig.Route(("*",), (ChannelName.DESKTOP,), None),
    )
    context.config = dataclasses.replace(context.config, routes=rules)
    dialog = open_dialog(qtbot, context)
    save(qtbot, dialog)
    assert config.load(context.paths.config_file).routes == rules


# --- templates ----------------------------------------------------------------


def test_template_edit_preview_save_and_reset(qtbot, context):
    dialog = open_dialog(qtbot, context)
    page = dialog.page(TemplatesPage)
    assert isinstance(page, TemplatesPage)
    dialog.tabs.setCurrentWidget(page)
    page.channel_box.setCurrentIndex(page.channel_box.findData(ChannelName.SLACK))
    names = templatepreview.template_names()
    page.name_list.setCurrentRow(names.index("user.created"))
    default = page.editor.toPlainText()
    assert default == templatepreview.default_text(ChannelName.SLACK, "user.created")
    qtbot.waitUntil(lambda: "[mrkdwn]" in page.preview_view.toPlainText())

    draft = (
        '{% extends "default/slack/user.created.j2" %}\n'
        "{% block mrkdwn %}*New founder friend:* {{ name }}{% endblock %}\n"
    )
    page.editor.setPlainText(draft)
    qtbot.waitUntil(
        lambda: "*New founder friend:* Ada Example" in page.preview_view.toPlainText(),
        timeout=WAIT_MS,
    )
    assert page.save_button.isEnabled()
    page.save_button.click()
    user_file = templatepreview.override_file(
        context.paths.template_dir, ChannelName.SLACK, "user.created"
    )
    qtbot.waitUntil(user_file.is_file, timeout=WAIT_MS)
    assert user_file.read_text(encoding="utf-8") == draft
    qtbot.waitUntil(lambda: page.status.text().startswith("Saved"))
    assert page.name_list.currentItem().text() == "user.created (yours)"
    assert page.reset_button.isEnabled()

    page.reset_button.click()
    assert not user_file.exists()
    assert page.editor.toPlainText() == default
    assert page.name_list.currentItem().text() == "user.created"
    assert not page.reset_button.isEnabled()


def test_a_broken_template_shows_why_and_cannot_be_saved(qtbot, context):
    dialog = open_dialog(qtbot, context)
    page = dialog.page(TemplatesPage)
    assert isinstance(page, TemplatesPage)
    dialog.tabs.setCurrentWidget(page)
    page.editor.setPlainText("{% block title %}{{ name }{% endblock %}")
    qtbot.waitUntil(lambda: page.problem.is_error, timeout=WAIT_MS)
    assert page.problem.text().startswith("Line 1: ")
    assert not page.save_button.isEnabled()

    page.editor.setPlainText("{% block title %}{{ name.__class__ }}{% endblock %}")
    qtbot.waitUntil(
        lambda: "failed" in page.problem.text() and page.problem.is_error,
        timeout=WAIT_MS,
    )
    assert not page.save_button.isEnabled()
    assert not (context.paths.template_dir / "desktop" / "_base.j2").exists()


# --- general ------------------------------------------------------------------


class FakeDispatcher:
    def __init__(self):
        self.paused_until = None

    def pause(self, until):
        self.paused_until = until

    def resume(self):
        self.paused_until = None


class FakeServer:
    def __init__(self):
        self.dispatcher = FakeDispatcher()
        self.host, self.port = "127.0.0.1", 1
        self.base_url = "http://127.0.0.1:1"


def test_pause_and_resume_act_on_the_running_dispatcher(qtbot, context):
    context.server = FakeServer()
    dialog = open_dialog(qtbot, context)
    page = dialog.page(GeneralPage)
    assert isinstance(page, GeneralPage)
    assert page.pause_state.text() == "Alerts are on"
    assert not page.resume_button.isEnabled()

    page.pause_hour.click()
    until = context.server.dispatcher.paused_until
    assert until == pytest.approx(time.time() + 3600, abs=5)
    assert page.pause_state.text().startswith("Alerts are paused until ")
    page.resume_button.click()
    assert context.server.dispatcher.paused_until is None
    page.pause_morning.click()
    assert context.server.dispatcher.paused_until > time.time() + 60
    assert page.pause_state.text().startswith("Alerts are paused until ")


def test_quiet_hours_round_trip_through_config_toml(qtbot, context):
    dialog = open_dialog(qtbot, context)
    page = dialog.page(GeneralPage)
    assert isinstance(page, GeneralPage)
    box = page.quiet
    assert not box.enabled_check.isChecked()
    assert (box.start_edit.text(), box.end_edit.text()) == ("22:00", "07:00")
    assert box.channel_checks[ChannelName.DESKTOP].isChecked()
    assert not box.channel_checks[ChannelName.SLACK].isChecked()

    box.enabled_check.setChecked(True)
    retype(qtbot, box.start_edit, "23:30")
    retype(qtbot, box.end_edit, "6:45")
    box.channel_checks[ChannelName.EMAIL].setChecked(True)
    assert box.message.text().startswith("23:30 to 06:45, desktop, email alerts")
    save(qtbot, dialog)

    assert dialog.status.text().startswith("Saved to")
    saved = config.load(context.paths.config_file).quiet_hours
    assert saved == quiethours.QuietHours(
        enabled=True,
        start=datetime.time(23, 30),
        end=datetime.time(6, 45),
        channels=(ChannelName.DESKTOP, ChannelName.EMAIL),
    )
    context.config = config.load(context.paths.config_file)
    reopened = open_dialog(qtbot, context)
    again = reopened.page(GeneralPage)
    assert isinstance(again, GeneralPage)
    assert again.quiet.enabled_check.isChecked()
    assert (again.quiet.start_edit.text(), again.quiet.end_edit.text()) == (
        "23:30",
        "06:45",
    )
    assert again.quiet.channel_checks[ChannelName.EMAIL].isChecked()


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (
            "25:00",
            "07:00",
            "Start: expected a time such as 22:00 (24-hour), got '25:00'",
        ),
        ("22:00", "", "End: type a time such as 22:00"),
        ("07:00", "07:00", "Start and end must differ"),
    ],
)
def test_wrong_quiet_hours_are_shown_by_the_fields_and_not_saved(
    qtbot, context, start, end, words
):
    dialog = open_dialog(qtbot, context)
    page = dialog.page(GeneralPage)
    assert isinstance(page, GeneralPage)
    box = page.quiet
    box.enabled_check.setChecked(True)
    retype(qtbot, box.start_edit, start)
    box.end_edit.clear()
    if end:
        qtbot.keyClicks(box.end_edit, end)
    assert box.message.is_error  # on entry, before Save
    assert box.message.text().startswith(words)

    save(qtbot, dialog)
    assert dialog.tabs.currentWidget() is page
    assert box.message.is_error
    assert dialog.status.text().startswith("Nothing was saved")
    assert not context.paths.config_file.exists()


def test_no_channel_to_hold_is_refused(qtbot, context):
    dialog = open_dialog(qtbot, context)
    box = dialog.page(GeneralPage).quiet
    box.enabled_check.setChecked(True)
    box.channel_checks[ChannelName.DESKTOP].setChecked(False)
    assert box.message.text() == "Choose at least one channel to hold"
    save(qtbot, dialog)
    assert not context.paths.config_file.exists()


def test_tomorrow_morning_is_eight_the_next_day():
    now = datetime.datetime(2026, 12, 31, 23, 30)
    assert next_morning(now) == datetime.datetime(2027, 1, 1, 8, 0)


def test_start_at_login_writes_and_removes_a_desktop_entry(
    qtbot, make_context, memory_keyring, tmp_path
):
    from hookflo.core.credentials import Credentials

    xdg = tmp_path / "xdg-config"
    context = make_context(
        Credentials({}, backend=memory_keyring), environ={"XDG_CONFIG_HOME": str(xdg)}
    )
    dialog = open_dialog(qtbot, context)
    page = dialog.page(GeneralPage)
    assert isinstance(page, GeneralPage)
    assert not page.login_check.isChecked()
    page.login_check.setChecked(True)
    entry = xdg / "autostart" / "hookflo.desktop"
    text = entry.read_text(encoding="utf-8")
    assert "Exec=" in text
    assert "Name=HookFlo" in text
    assert page.login_message.text().startswith("HookFlo starts at login")
    page.login_check.setChecked(False)
    assert not entry.exists()


def test_exec_lines_are_quoted_as_desktop_entries_want():
    assert autostart.exec_line(["/usr/bin/hookflo"]) == "/usr/bin/hookflo"
    assert autostart.exec_line(["/opt/my app/py", "-m", "hookflo"]) == (
        '"/opt/my app/py" -m hookflo'
    )
    assert autostart.exec_line(["/a$b", "100%"]) == '"/a\\\\$b" 100%%'


# --- windows never quit the app (C27) -----------------------------------------


def test_closing_settings_never_quits_the_app(qtbot, context, qapp):
    """C27: Esc, Cancel and the window's close button leave the app running."""
    qapp.setQuitOnLastWindowClosed(True)  # the worst case: nothing else is open
    try:
        with qtbot.assertNotEmitted(qapp.lastWindowClosed, wait=50):
            for close in ("escape", "cancel", "close"):
                open_settings(context)
                dialog = dialog_module._open_dialogs[id(context)]
                qtbot.waitExposed(dialog)
                assert not dialog.testAttribute(Qt.WidgetAttribute.WA_QuitOnClose)
                if close == "escape":
                    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
                elif close == "cancel":
                    dialog.cancel_button.click()
                else:
                    dialog.close()
                QApplication.processEvents()
                assert id(context) not in dialog_module._open_dialogs
    finally:
        qapp.setQuitOnLastWindowClosed(False)


def test_open_settings_twice_brings_the_same_dialog_forward(qtbot, context):
    saved = []
    open_settings(context, on_saved=saved.append)
    first = dialog_module._open_dialogs[id(context)]
    qtbot.addWidget(first)
    open_settings(context)
    assert dialog_module._open_dialogs[id(context)] is first
    assert first.windowTitle() == "HookFlo — Settings"
    qtbot.waitUntil(lambda: not first.work.busy, timeout=WAIT_MS)
    save(qtbot, first)
    assert saved == [context.config]
    first.close()


def test_fingerprints_never_show_a_secret():
    label = secretinput.fingerprint(SECRET)
    assert len(label) == 8
    assert label not in SECRET
    assert secretinput.fingerprint("whsec_short") == "malformed"


class TunnelStandIn:
    def __init__(self, public_url):
        self.public_url = public_url


def test_the_endpoint_url_is_the_tunnels_once_it_is_up(qtbot, context):
    from hookflo.gui import endpoints

    context.config = dataclasses.replace(
        context.config, receiver=config.ReceiverSettings(host="0.0.0.0", port=9001)
    )
    assert endpoints.base_url(context) == ("http://127.0.0.1:9001", False)
    context.tunnel = TunnelStandIn(None)  # a tunnel that is not up yet
    assert endpoints.tunnel_url(context) is None
    server = FakeServer()
    server.tunnel = TunnelStandIn("https://carried.ngrok-free.app/")
    context.server = server
    assert endpoints.tunnel_url(context) == "https://carried.ngrok-free.app"
    context.tunnel = TunnelStandIn("https://hook.ngrok-free.app")

    dialog = open_dialog(qtbot, context)
    sources = dialog.page(SourcesPage)
    assert isinstance(sources, SourcesPage)
    assert sources.url_field.text() == "https://hook.ngrok-free.app/webhooks/clerk"
    assert "Paste this URL in Clerk" in sources.url_message.text()
