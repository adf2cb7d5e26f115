"""Send test from the settings dialog: the real channels against stand-ins."""

import dataclasses

import pytest

from hookflo.core import config
from hookflo.core.alertconfig import ChannelSettings, SlackSettings
from hookflo.core.credentials import Credentials
from hookflo.gui.settings.channelspage import ChannelsPage
from hookflo.gui.settings.dialog import SettingsDialog
from tests.gui.settings.conftest import until
from tests.support import fakeslack, smtpserver
from tests.support.fakeslack import BOT_TOKEN, WEBHOOK, Reply

WAIT_MS = 5000


def channels_page(qtbot, context) -> tuple[SettingsDialog, ChannelsPage]:
    dialog = SettingsDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    page = dialog.page(ChannelsPage)
    assert isinstance(page, ChannelsPage)
    dialog.tabs.setCurrentWidget(page)
    return dialog, page


def with_slack(context, slack: SlackSettings):
    context.config = dataclasses.replace(
        context.config, channels=ChannelSettings(slack=slack)
    )
    return context


async def test_slack_webhook_test_reaches_slack_and_shows_its_answer(
    qtbot, context, fake_slack
):
    with_slack(context, fake_slack.settings(channel=None))
    _dialog, page = channels_page(qtbot, context)
    assert page.webhook_mode.isChecked()
    page.webhook_field.input.setText(fake_slack.webhook_url)  # typed, not saved

    page.slack_test.click()
    assert not page.slack_test.isEnabled()
    await until(lambda: page.slack_test.isEnabled(), what="the Slack answer")

    assert page.slack_answer.text().startswith("Slack answered: ")
    (request,) = fake_slack.to(WEBHOOK)
    assert request.body["text"].startswith("TEST")
    assert not context.paths.config_file.exists()


async def test_slack_bot_test_names_the_refusal_inline(qtbot, context, fake_slack):
    with_slack(context, fake_slack.settings())
    _dialog, page = channels_page(qtbot, context)
    assert page.bot_mode.isChecked()
    assert page.slack_channel_edit.text() == "#signups"
    page.token_field.input.setText(BOT_TOKEN)
    fake_slack.script(
        fakeslack.POST_MESSAGE, Reply(json={"ok": False, "error": "not_in_channel"})
    )

    page.slack_test.click()
    await until(lambda: page.slack_test.isEnabled(), what="the Slack answer")
    assert page.slack_answer.is_error
    assert page.slack_answer.text().startswith("Slack did not take it: ")
    assert "not_in_channel" in page.slack_answer.text() or "invite" in (
        page.slack_answer.text().lower()
    )

    page.slack_test.click()
    await until(lambda: page.slack_test.isEnabled(), what="the Slack answer")
    assert page.slack_answer.text().startswith("Slack answered: ")
    assert len(fake_slack.to(fakeslack.POST_MESSAGE)) == 2


async def test_slack_without_any_secret_says_so_before_sending(
    qtbot, context, fake_slack
):
    with_slack(context, fake_slack.settings(channel=None))
    _dialog, page = channels_page(qtbot, context)
    page.slack_test.click()
    await until(lambda: page.slack_test.isEnabled(), what="the Slack answer")
    assert "neither a webhook URL nor a bot token" in page.slack_answer.text()
    assert fake_slack.requests == []


def email_page(qtbot, context, server) -> tuple[SettingsDialog, ChannelsPage]:
    dialog, page = channels_page(qtbot, context)
    page.email_group.setChecked(True)
    page.host_edit.setText(server.host)
    page.security_box.setCurrentIndex(page.security_box.findData("none"))
    page.port_spin.setValue(server.port)
    page.username_edit.setText(smtpserver.USERNAME)
    page.sender_edit.setText(smtpserver.SENDER)
    page.recipients_edit.setText(smtpserver.RECIPIENT)
    return dialog, page


def test_email_test_sends_a_marked_message_through_the_server(
    qtbot, context, smtp_server
):
    server = smtp_server(starttls=False, auth_require_tls=False)
    _dialog, page = email_page(qtbot, context, server)
    page.password_field.input.setText(smtpserver.PASSWORD)

    page.email_check.click()
    qtbot.waitUntil(page.email_check.isEnabled, timeout=WAIT_MS)
    assert page.email_answer.text().startswith("Email answered: ")
    assert "nothing was sent" in page.email_answer.text()
    assert server.recorder.arrivals == []

    page.email_test.click()
    qtbot.waitUntil(page.email_test.isEnabled, timeout=WAIT_MS)
    assert page.email_answer.text().startswith("Email answered: "), (
        page.email_answer.text()
    )
    (arrival,) = server.recorder.arrivals
    assert arrival.authenticated
    assert arrival.message["Subject"].startswith("TEST")
    assert arrival.rcpt_tos == [smtpserver.RECIPIENT]


def test_email_test_shows_a_refused_password_inline(qtbot, context, smtp_server):
    server = smtp_server(starttls=False, auth_require_tls=False)
    _dialog, page = email_page(qtbot, context, server)
    page.password_field.input.setText("wrong password")

    page.email_test.click()
    qtbot.waitUntil(page.email_test.isEnabled, timeout=WAIT_MS)
    assert page.email_answer.is_error
    assert page.email_answer.text().startswith("Email did not take it: ")
    assert "wrong password" not in page.email_answer.text()
    assert server.recorder.arrivals == []


def test_a_wrong_email_setting_is_shown_by_its_field_before_any_test(
    qtbot, context, smtp_server
):
    server = smtp_server(starttls=False, auth_require_tls=False)
    _dialog, page = email_page(qtbot, context, server)
    page.sender_edit.setText("not an address")
    page.email_test.click()
    assert page.email_messages["sender"].is_error
    assert "an address like" in page.email_messages["sender"].text()
    assert page.email_test.isEnabled()
    assert server.recorder.hellos == 0


@pytest.mark.parametrize(
    ("field", "pasted", "expected"),
    [
        ("token_field", "https://hooks.slack.com/services/x", "starts with 'xoxb-'"),
        ("webhook_field", "xoxb-123", "starts with https://hooks.slack.com/"),
        (
            "password_field",
            "SMTP_PASSWORD=" + "x" * 1386,
            "Too long for the Windows credential store (1,400 characters; max "
            "~1,280 characters)",
        ),
        ("password_field", "ü" * 1300, "Too long for the Windows credential store"),
    ],
)
def test_secrets_are_checked_as_they_are_typed(qtbot, context, field, pasted, expected):
    """C35 among them: a value too long for the smallest keyring is refused."""
    dialog, page = channels_page(qtbot, context)
    page.slack_group.setChecked(True)
    page.email_group.setChecked(True)
    page.bot_mode.setChecked(field == "token_field")
    secret = getattr(page, field)
    secret.input.setText(pasted)
    assert secret.message.is_error
    assert expected in secret.message.text()
    assert pasted not in secret.message.text()

    dialog.save_button.click()
    assert not dialog.saving
    assert dialog.status.is_error
    assert not context.paths.config_file.exists()
    assert config.load(context.paths.config_file) == context.config


def test_credentials_are_only_read_off_the_ui_thread(qtbot, make_context):
    """A secret read happens in a worker thread, never on the UI thread."""
    import threading

    seen = []

    class Spy(Credentials):
        def get(self, entry):
            seen.append(threading.current_thread() is threading.main_thread())
            return None

    context = make_context(Spy({}))
    dialog, _page = channels_page(qtbot, context)
    qtbot.waitUntil(lambda: not dialog.work.busy, timeout=WAIT_MS)
    assert seen
    assert not any(seen)


async def test_desktop_test_shows_a_real_notification(qtbot, context, notify_server):
    _dialog, page = channels_page(qtbot, context)
    page.desktop_test.click()
    await until(lambda: page.desktop_test.isEnabled(), what="the desktop answer")
    assert page.desktop_answer.text().startswith("Desktop answered: "), (
        page.desktop_answer.text()
    )
    (call,) = notify_server.calls
    assert call.summary.startswith("TEST")


def test_a_wrong_recipient_is_shown_by_the_recipients_field(
    qtbot, context, smtp_server
):
    server = smtp_server(starttls=False, auth_require_tls=False)
    _dialog, page = email_page(qtbot, context, server)
    page.recipients_edit.setText("a@example.com; not an email")
    page.email_test.click()
    assert page.email_messages["recipients"].is_error
    shown = page.email_messages["recipients"].text()
    assert shown == "expected an email address, got 'not an email'"
    assert not page.email_message.is_error
    assert server.recorder.hellos == 0
