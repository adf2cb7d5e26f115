"""The settings dialog and the keyring: round trips, rotation, locked or absent."""

import os
import stat
import threading
import time

import keyring.backend
import keyring.backends.fail
import pytest
from PySide6.QtWidgets import QLabel, QLineEdit

from hookflo.core import config, secretinput
from hookflo.core.alertconfig import Security
from hookflo.core.config import Environment
from hookflo.core.credentials import Credentials, signing_secret_entry
from hookflo.gui.settings.channelspage import ChannelsPage
from hookflo.gui.settings.dialog import SettingsDialog
from hookflo.gui.settings.sourcespage import SourcesPage
from hookflo.gui.settings.tunnelpage import TunnelPage
from hookflo.gui.settings.widgets import StoredState
from tests.gui.settings.conftest import shoot
from tests.support.clerk import DEV_SECRET, SECRET, SECRET_B

WAIT_MS = 5000
WEBHOOK_URL = "https://hooks.slack.com/services/T000/B000/abcdefSECRETpart"
SMTP_PASSWORD = "correct horse battery staple"
NGROK_TOKEN = "2fakeNgrokToken_0123456789abcdefghijkl"


class HangingKeyring(keyring.backend.KeyringBackend):
    """Blocks like a keyring waiting for a password prompt nobody answers."""

    priority = -1

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, *args):
        self.release.wait(10)

    set_password = delete_password = get_password


def open_dialog(qtbot, context) -> SettingsDialog:
    dialog = SettingsDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.work.busy, timeout=WAIT_MS)
    return dialog


def save(qtbot, dialog: SettingsDialog) -> None:
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=WAIT_MS)


def texts_shown(dialog) -> str:
    """Every text a person can read in the dialog (masked fields excluded)."""
    shown = [label.text() for label in dialog.findChildren(QLabel)]
    shown += [
        edit.text()
        for edit in dialog.findChildren(QLineEdit)
        if edit.echoMode() == QLineEdit.EchoMode.Normal
    ]
    return "\n".join(shown)


def test_settings_round_trip_through_the_real_secret_service(
    qtbot, make_context, secret_service, screenshots
):
    context = make_context(Credentials({}))
    dialog = open_dialog(qtbot, context)
    sources = dialog.page(SourcesPage)
    assert isinstance(sources, SourcesPage)

    sources.paste_edit.setText(f'  "{SECRET}"  ')
    assert "Removed the surrounding quotes" in sources.paste_message.text()
    sources.add_secret_button.click()
    sources.add_button.click()
    assert sources.name_edit.text() == "clerk-dev"
    assert sources.environment_box.currentData() == Environment.DEVELOPMENT
    sources.paste_edit.setText(f"CLERK_WEBHOOK_SECRET={DEV_SECRET}")
    assert "Kept only the value after CLERK_WEBHOOK_SECRET=" in (
        sources.paste_message.text()
    )
    sources.add_secret_button.click()

    channels = dialog.page(ChannelsPage)
    assert isinstance(channels, ChannelsPage)
    channels.slack_group.setChecked(True)
    channels.webhook_field.input.setText(WEBHOOK_URL)
    channels.email_group.setChecked(True)
    channels.host_edit.setText("smtp.example.com")
    channels.username_edit.setText("founder@example.com")
    channels.password_field.input.setText(SMTP_PASSWORD)
    channels.sender_edit.setText("HookFlo <alerts@example.com>")
    channels.recipients_edit.setText("a@example.com; b@example.com")

    tunnel = dialog.page(TunnelPage)
    assert isinstance(tunnel, TunnelPage)
    tunnel.token_field.input.setText(f"ngrok config add-authtoken {NGROK_TOKEN}")
    assert "Kept only the token" in tunnel.token_field.message.text()
    tunnel.enabled_check.setChecked(True)
    tunnel.domain_edit.setText("https://Hook-Test.ngrok-free.app/")

    save(qtbot, dialog)

    assert dialog.status.text().startswith("Saved to"), dialog.status.text()
    assert secret_service.stored() == {
        signing_secret_entry("clerk"): SECRET,
        signing_secret_entry("clerk-dev"): DEV_SECRET,
        "slack-webhook-url": WEBHOOK_URL,
        "smtp-password": SMTP_PASSWORD,
        "ngrok-authtoken": NGROK_TOKEN,
    }
    config_file = context.paths.config_file
    text = config_file.read_text(encoding="utf-8")
    for secret in (SECRET, DEV_SECRET, WEBHOOK_URL, SMTP_PASSWORD, NGROK_TOKEN):
        assert secret not in text
        assert secret not in texts_shown(dialog)
    assert stat.S_IMODE(os.stat(config_file).st_mode) == 0o600
    saved = config.load(config_file)
    assert saved == context.config
    assert [(s.name, s.environment, s.path) for s in saved.sources] == [
        ("clerk", Environment.PRODUCTION, "/webhooks/clerk"),
        ("clerk-dev", Environment.DEVELOPMENT, "/webhooks/clerk-dev"),
    ]
    assert saved.channels.slack is not None
    assert saved.channels.slack.channel is None
    email = saved.channels.email
    assert email is not None
    assert (email.host, email.port, email.security) == (
        "smtp.example.com",
        587,
        Security.STARTTLS,
    )
    assert email.recipients == ("a@example.com", "b@example.com")
    assert (saved.tunnel.enabled, saved.tunnel.domain) == (
        True,
        "hook-test.ngrok-free.app",
    )
    dialog.close()

    # A new dialog reads it all back: what is set, never the values.
    again = open_dialog(qtbot, context)
    channels = again.page(ChannelsPage)
    assert isinstance(channels, ChannelsPage)
    assert channels.webhook_field.stored is StoredState.SET
    assert channels.token_field.stored is StoredState.UNSET
    assert channels.password_field.status.text() == "Set (kept in the keyring)"
    sources = again.page(SourcesPage)
    assert isinstance(sources, SourcesPage)
    assert (
        sources.secret_list.item(0).text().startswith(secretinput.fingerprint(SECRET))
    )
    for index, page in enumerate(again.pages):
        again.tabs.setCurrentIndex(index)
        shoot(again, screenshots, f"settings-{page.title.lower()}")

    # Clear removes a secret on Save.
    tunnel = again.page(TunnelPage)
    assert isinstance(tunnel, TunnelPage)
    tunnel.token_field.clear_button.click()
    assert "removed from the keyring when you save" in tunnel.token_field.status.text()
    save(qtbot, again)
    assert "ngrok-authtoken" not in secret_service.stored()
    assert tunnel.token_field.status.text() == "Not set"

    # A user name without its password is refused, and nothing is removed.
    channels.password_field.clear_button.click()
    save(qtbot, again)
    assert "needs a password" in channels.password_field.message.text()
    assert "smtp-password" in secret_service.stored()


def test_rotation_adds_a_second_secret_then_removes_the_old_by_fingerprint(
    qtbot, context, memory_keyring
):
    memory_keyring.set_password("hookflo", signing_secret_entry("clerk"), SECRET)
    dialog = open_dialog(qtbot, context)
    sources = dialog.page(SourcesPage)
    assert isinstance(sources, SourcesPage)
    old, new = secretinput.fingerprint(SECRET), secretinput.fingerprint(SECRET_B)
    assert sources.secret_list.count() == 1

    sources.paste_edit.setText(SECRET_B)
    sources.add_secret_button.click()
    assert [sources.secret_list.item(i).text() for i in range(2)] == [
        f"{old}  (older)",
        f"{new}  (newest, signs HookFlo's test events)",
    ]
    assert "rotation" in sources.secrets_status.text()
    save(qtbot, dialog)
    stored = memory_keyring.get_password("hookflo", signing_secret_entry("clerk"))
    assert stored == f"{SECRET} {SECRET_B}"

    sources.secret_list.setCurrentRow(0)
    sources.remove_secret_button.click()
    assert sources.secret_list.count() == 1
    save(qtbot, dialog)
    stored = memory_keyring.get_password("hookflo", signing_secret_entry("clerk"))
    assert stored == SECRET_B


def test_the_same_secret_twice_is_refused_with_its_fingerprint(
    qtbot, context, memory_keyring
):
    memory_keyring.set_password("hookflo", signing_secret_entry("clerk"), SECRET)
    dialog = open_dialog(qtbot, context)
    sources = dialog.page(SourcesPage)
    assert isinstance(sources, SourcesPage)
    sources.paste_edit.setText(SECRET)
    sources.add_secret_button.click()
    assert sources.paste_message.is_error
    assert secretinput.fingerprint(SECRET) in sources.paste_message.text()
    assert sources.secret_list.count() == 1


@pytest.mark.expect_log_warnings
def test_a_locked_keyring_is_reported_and_the_file_is_left_alone(
    qtbot, make_context, secret_service
):
    secret_service.lock()
    context = make_context(Credentials({}))
    started = time.monotonic()
    dialog = open_dialog(qtbot, context)
    assert time.monotonic() - started < 3

    assert "The keyring is locked" in dialog.status.text()
    channels = dialog.page(ChannelsPage)
    assert isinstance(channels, ChannelsPage)
    assert channels.webhook_field.stored is StoredState.UNAVAILABLE
    assert "Cannot be read or stored: The keyring is locked" in (
        channels.webhook_field.status.text()
    )
    sources = dialog.page(SourcesPage)
    assert isinstance(sources, SourcesPage)
    assert not sources.paste_edit.isEnabled()

    # A typed secret cannot be stored, so config.toml is not written either.
    channels.slack_group.setChecked(True)
    channels.webhook_field.input.setText(WEBHOOK_URL)
    save(qtbot, dialog)
    assert "config.toml was not changed" in dialog.status.text()
    assert "locked" in channels.webhook_field.message.text()
    assert not context.paths.config_file.exists()


@pytest.mark.expect_log_warnings
def test_a_hanging_keyring_never_freezes_the_dialog(qtbot, make_context):
    hanging = HangingKeyring()
    context = make_context(Credentials({}, backend=hanging, timeout=0.5))
    try:
        started = time.monotonic()
        dialog = SettingsDialog(context)
        qtbot.addWidget(dialog)
        dialog.show()
        assert time.monotonic() - started < 0.4
        assert dialog.status.text() == "Reading the keyring…"
        # The UI thread keeps answering while the keyring does not.
        ticks = []
        qtbot.waitUntil(
            lambda: ticks.append(1) or "did not answer" in dialog.status.text(),
            timeout=WAIT_MS,
        )
        assert len(ticks) > 3
        channels = dialog.page(ChannelsPage)
        assert isinstance(channels, ChannelsPage)
        channels.slack_group.setChecked(True)
        channels.webhook_field.input.setText(WEBHOOK_URL)
        dialog.save_button.click()
        assert dialog.saving
        qtbot.waitUntil(lambda: not dialog.saving, timeout=WAIT_MS)
        assert "did not answer within 0.5 s" in channels.webhook_field.message.text()
        assert not context.paths.config_file.exists()
    finally:
        hanging.release.set()


@pytest.mark.expect_log_warnings
def test_without_any_keyring_secrets_say_they_cannot_be_stored(qtbot, make_context):
    """C32: no keyring backend; the dialog still opens and says why."""
    context = make_context(Credentials({}, backend=keyring.backends.fail.Keyring()))
    dialog = open_dialog(qtbot, context)
    tunnel = dialog.page(TunnelPage)
    assert isinstance(tunnel, TunnelPage)
    status = tunnel.token_field.status.text()
    assert status.startswith("Cannot be read or stored: No OS keyring is available")
    assert status.endswith("give the secrets in their environment variables instead")
    # The rest still saves.
    tunnel.enabled_check.setChecked(True)
    save(qtbot, dialog)
    assert config.load(context.paths.config_file).tunnel.enabled


def test_environment_overrides_are_named(qtbot, make_context, memory_keyring):
    context = make_context(
        Credentials({}, backend=memory_keyring),
        environ={"HOOKFLO_SECRET_CLERK": SECRET, "HOOKFLO_SMTP_PASSWORD": "x"},
    )
    dialog = open_dialog(qtbot, context)
    sources = dialog.page(SourcesPage)
    channels = dialog.page(ChannelsPage)
    assert isinstance(sources, SourcesPage)
    assert isinstance(channels, ChannelsPage)
    assert "HOOKFLO_SECRET_CLERK is set" in sources.secrets_status.text()
    assert "HOOKFLO_SMTP_PASSWORD is set" in channels.password_field.status.text()
