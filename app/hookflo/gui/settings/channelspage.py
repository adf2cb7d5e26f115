"""Settings page: where alerts go (desktop, Slack, email) and a test for each.

Secrets (Slack webhook URL or bot token, SMTP password) go to the keyring
only; the page shows whether each is set, never its value. "Send test" runs
the real channel off the UI thread with the settings as edited and shows the
channel's answer under the button.
"""

import concurrent.futures
import logging
import re
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hookflo.core import channelsecrets, configwrite, secretinput
from hookflo.core.alertconfig import Security
from hookflo.core.channels.base import ChannelName, DeliveryError
from hookflo.core.channelsecrets import ChannelSecret
from hookflo.core.config import Config
from hookflo.core.errors import KeyringUnavailableError, SecretFormatError
from hookflo.gui.context import AppContext
from hookflo.gui.offthread import OffThread
from hookflo.gui.settings import channeltest
from hookflo.gui.settings.model import SecretChange
from hookflo.gui.settings.page import Page
from hookflo.gui.settings.widgets import Message, SecretField, StoredState

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {Security.STARTTLS: 587, Security.TLS: 465, Security.NONE: 25}
_SECURITY_LABELS = {
    Security.STARTTLS: "STARTTLS (usually port 587)",
    Security.TLS: "TLS from the start (usually port 465)",
    Security.NONE: "None (loopback servers only)",
}
_LIST_SEPARATORS = re.compile(r"[,;\n]+")
_SECRETS = (
    channelsecrets.SLACK_WEBHOOK_URL,
    channelsecrets.SLACK_BOT_TOKEN,
    channelsecrets.SMTP_PASSWORD,
)


class ChannelsPage(Page):
    """Desktop, Slack and email settings, each with a test."""

    title = "Channels"

    def __init__(
        self, context: AppContext, work: OffThread, parent: QWidget | None = None
    ) -> None:
        super().__init__(context, work, parent)
        self._desktop_touched = False
        self._build()
        self._connect_signals()
        self._load(context.config)

    # Building

    def _build(self) -> None:
        inner = QWidget(self)
        column = QVBoxLayout(inner)
        column.addWidget(self._build_desktop(inner))
        column.addWidget(self._build_slack(inner))
        column.addWidget(self._build_email(inner))
        column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    def _build_desktop(self, parent: QWidget) -> QGroupBox:
        group = QGroupBox("Desktop notifications", parent)
        self.desktop_check = QCheckBox("Show a notification for each alert", group)
        self.desktop_test = QPushButton("Send test", group)
        self.desktop_answer = Message(group)
        layout = QVBoxLayout(group)
        layout.addWidget(self.desktop_check)
        layout.addLayout(_buttons(self.desktop_test))
        layout.addWidget(self.desktop_answer)
        return group

    def _build_slack(self, parent: QWidget) -> QGroupBox:
        group = QGroupBox("Slack", parent)
        group.setCheckable(True)
        self.slack_group = group
        self.webhook_mode = QRadioButton("Incoming webhook (simplest)", group)
        self.bot_mode = QRadioButton("Bot token and channel", group)
        self.webhook_field = self._secret_field(channelsecrets.SLACK_WEBHOOK_URL, group)
        self.token_field = self._secret_field(channelsecrets.SLACK_BOT_TOKEN, group)
        self.slack_channel_edit = QLineEdit(group)
        self.slack_channel_edit.setPlaceholderText("#signups or a channel id")
        self.slack_channel_message = Message(group)
        self.slack_message = Message(group)
        self.slack_test = QPushButton("Send test", group)
        self.slack_answer = Message(group)
        form = QFormLayout()
        form.addRow(self.webhook_mode)
        form.addRow("Webhook URL", self.webhook_field)
        form.addRow(self.bot_mode)
        form.addRow("Bot token", self.token_field)
        form.addRow("Channel", self.slack_channel_edit)
        form.addRow("", self.slack_channel_message)
        layout = QVBoxLayout(group)
        layout.addLayout(form)
        layout.addWidget(self.slack_message)
        layout.addLayout(_buttons(self.slack_test))
        layout.addWidget(self.slack_answer)
        return group

    def _build_email(self, parent: QWidget) -> QGroupBox:
        group = QGroupBox("Email", parent)
        group.setCheckable(True)
        self.email_group = group
        self.host_edit = QLineEdit(group)
        self.host_edit.setPlaceholderText("smtp.example.com")
        self.port_spin = QSpinBox(group)
        self.port_spin.setRange(1, 65535)
        self.security_box = QComboBox(group)
        for security, label in _SECURITY_LABELS.items():
            self.security_box.addItem(label, security)
        self.username_edit = QLineEdit(group)
        self.password_field = self._secret_field(channelsecrets.SMTP_PASSWORD, group)
        self.sender_edit = QLineEdit(group)
        self.sender_edit.setPlaceholderText("HookFlo <alerts@example.com>")
        self.recipients_edit = QLineEdit(group)
        self.recipients_edit.setPlaceholderText("you@example.com, cofounder@…")
        self.email_messages = {
            key: Message(group)
            for key in ("host", "port", "security", "username", "sender", "recipients")
        }
        self.email_message = Message(group)
        self.email_test = QPushButton("Send test", group)
        self.email_check = QPushButton("Check sign-in only", group)
        self.email_answer = Message(group)
        form = QFormLayout()
        rows: list[tuple[str, QWidget, str | None]] = [
            ("Server", self.host_edit, "host"),
            ("Port", self.port_spin, "port"),
            ("Security", self.security_box, "security"),
            ("User name", self.username_edit, "username"),
            ("Password", self.password_field, None),
            ("From", self.sender_edit, "sender"),
            ("To", self.recipients_edit, "recipients"),
        ]
        for label, widget, key in rows:
            form.addRow(label, widget)
            if key is not None:
                form.addRow("", self.email_messages[key])
        layout = QVBoxLayout(group)
        layout.addLayout(form)
        layout.addWidget(self.email_message)
        layout.addLayout(_buttons(self.email_test, self.email_check))
        layout.addWidget(self.email_answer)
        return group

    def _secret_field(self, secret: ChannelSecret, parent: QWidget) -> SecretField:
        override = (
            secret.variable if self.context.environ.get(secret.variable) else None
        )
        return SecretField(
            secret.entry,
            lambda text: secretinput.channel_secret(secret, text),
            override=override,
            parent=parent,
        )

    def _connect_signals(self) -> None:
        # Desktop
        self.desktop_check.toggled.connect(self._on_desktop_toggled)
        self.desktop_test.clicked.connect(self._on_desktop_test_clicked)
        # Slack
        self.slack_group.toggled.connect(self._show_slack_mode)
        self.webhook_mode.toggled.connect(self._show_slack_mode)
        self.slack_test.clicked.connect(self._on_slack_test_clicked)
        # Email
        self.security_box.currentIndexChanged.connect(self._on_security_changed)
        self.email_test.clicked.connect(self._on_email_test_clicked)
        self.email_check.clicked.connect(self._on_email_check_clicked)

    # Loading and saving

    def _load(self, settings: Config) -> None:
        channels = settings.channels
        self.desktop_check.setChecked(channels.desktop.enabled)
        self._desktop_touched = False
        slack = channels.slack
        self.slack_group.setChecked(slack is not None)
        self.slack_channel_edit.setText(slack.channel or "" if slack else "")
        bot = slack is not None and slack.channel is not None
        (self.bot_mode if bot else self.webhook_mode).setChecked(True)
        self._show_slack_mode()
        email = channels.email
        self.email_group.setChecked(email is not None)
        security = email.security if email else Security.STARTTLS
        self.security_box.blockSignals(True)
        self.security_box.setCurrentIndex(self.security_box.findData(security))
        self.security_box.blockSignals(False)
        self.port_spin.setValue(email.port if email else DEFAULT_PORTS[security])
        self.host_edit.setText(email.host if email else "")
        self.username_edit.setText(email.username or "" if email else "")
        self.sender_edit.setText(email.sender if email else "")
        self.recipients_edit.setText(", ".join(email.recipients) if email else "")

    def keyring_entries(self) -> list[str]:
        """Return the channel secrets' entries."""
        return [s.entry for s in _SECRETS]

    def keyring_loaded(self, found: dict[str, str] | None, problem: str) -> None:
        """Say which channel secrets are set."""
        for field in self._secret_fields():
            if found is None:
                field.set_stored(StoredState.UNAVAILABLE, problem)
            elif field.entry in found:
                field.set_stored(StoredState.SET)
            else:
                field.set_stored(StoredState.UNSET)

    def contribute(self, table: dict[str, Any]) -> None:
        """Put ``[channels.*]`` into ``table``, keeping keys this page lacks."""
        channels = {k: dict(v) for k, v in table.get("channels", {}).items()}
        if self._desktop_touched or "desktop" in channels:
            channels["desktop"] = {"enabled": self.desktop_check.isChecked()}
        if self.slack_group.isChecked():
            slack = channels.setdefault("slack", {})
            slack.pop("channel", None)
            if self.bot_mode.isChecked():
                slack["channel"] = self.slack_channel_edit.text()
        else:
            channels.pop("slack", None)
        if self.email_group.isChecked():
            channels["email"] = self._email_table(channels.get("email", {}))
        else:
            channels.pop("email", None)
        if channels:
            table["channels"] = channels
        else:
            table.pop("channels", None)

    def validate(self) -> bool:
        """Check the typed secrets, and that each channel on has what it needs."""
        ok = True
        for field in self._secret_fields():
            try:
                field.staged()
            except SecretFormatError as err:
                field.show_error(str(err))
                ok = False
        if self.slack_group.isChecked():
            ok = self._validate_slack() and ok
        if self.email_group.isChecked():
            username = self.username_edit.text().strip()
            if username and self.password_field.will_be_set is False:
                self.password_field.show_error(
                    "The user name needs a password: type the SMTP password"
                )
                ok = False
        return ok

    def secret_changes(self) -> list[SecretChange]:
        """Return the channel secrets typed or cleared."""
        changes = []
        for field in self._secret_fields():
            change = field.staged()
            if change is not None:
                changes.append(change)
        return changes

    def show_problem(self, key: str, message: str) -> bool:
        """Show a fault under ``channels.*`` by its field."""
        if not key.startswith("channels"):
            return False
        _, _, rest = key.partition(".")
        channel, _, field = rest.partition(".")
        field = field.partition("[")[0]  # "recipients[0]": the list's field
        if channel == "email" and field in self.email_messages:
            self.email_messages[field].error(message)
        elif channel == "email":
            self.email_message.error(message)
        elif channel == "slack" and field == "channel":
            self.slack_channel_message.error(message)
        elif channel == "slack":
            self.slack_message.error(message)
        else:
            self.desktop_answer.error(message)
        return True

    def show_secret_problem(self, entry: str, message: str) -> bool:
        """Show the keyring's refusal under the secret's field."""
        for field in self._secret_fields():
            if field.entry == entry:
                field.show_error(message)
                return True
        return False

    def clear_problems(self) -> None:
        """Hide the faults of the last Save."""
        for message in (
            *self.email_messages.values(),
            self.email_message,
            self.slack_channel_message,
            self.slack_message,
        ):
            message.clear_message()

    def saved(self, config: Config) -> None:
        """Forget the staged secrets: they are stored now."""
        self._desktop_touched = False
        for field in self._secret_fields():
            after = field.will_be_set
            if after is None:
                state = field.stored
            else:
                state = StoredState.SET if after else StoredState.UNSET
            field.reset(state)

    # Slots

    @Slot(bool)
    def _on_desktop_toggled(self, _checked: bool) -> None:
        self._desktop_touched = True

    @Slot()
    def _show_slack_mode(self) -> None:
        # A checkable group box enables its children one by one when it is
        # ticked, so the mode's own choice has to be applied after it.
        on = self.slack_group.isChecked()
        bot = self.bot_mode.isChecked()
        self.webhook_field.setEnabled(on and not bot)
        self.token_field.setEnabled(on and bot)
        self.slack_channel_edit.setEnabled(on and bot)

    @Slot(int)
    def _on_security_changed(self, index: int) -> None:
        new = Security(self.security_box.itemData(index))
        if self.port_spin.value() in DEFAULT_PORTS.values():
            self.port_spin.setValue(DEFAULT_PORTS[new])

    @Slot()
    def _on_desktop_test_clicked(self) -> None:
        self._run_test(ChannelName.DESKTOP, self.desktop_test, self.desktop_answer)

    @Slot()
    def _on_slack_test_clicked(self) -> None:
        self._run_test(ChannelName.SLACK, self.slack_test, self.slack_answer)

    @Slot()
    def _on_email_test_clicked(self) -> None:
        self._run_test(ChannelName.EMAIL, self.email_test, self.email_answer)

    @Slot()
    def _on_email_check_clicked(self) -> None:
        draft = self._draft()
        if draft is None or draft[0].channels.email is None:
            return
        settings, secrets = draft
        email = settings.channels.email
        assert email is not None
        button, answer = self.email_check, self.email_answer
        button.setEnabled(False)
        answer.note("Connecting to the mail server…")
        self.work.submit(
            lambda: channeltest.check_email(email, secrets),
            lambda future: self._show_answer(future, "Email", button, answer),
        )

    # Tests

    def _run_test(
        self, name: ChannelName, button: QPushButton, answer: Message
    ) -> None:
        draft = self._draft()
        if draft is None:
            return
        settings, secrets = draft
        template_dir = self.context.paths.template_dir
        button.setEnabled(False)
        answer.note("Sending the test alert…")
        self.work.submit(
            lambda: channeltest.send_test(
                name, settings.channels, secrets, template_dir
            ),
            lambda future: self._show_answer(
                future, name.value.capitalize(), button, answer
            ),
        )

    def _draft(self) -> tuple[Config, channeltest.SecretSource] | None:
        """Return the settings and secrets as edited, or None after showing why."""
        self.clear_problems()
        table = configwrite.to_table(self.context.config)
        self.contribute(table)
        try:
            settings = configwrite.check(table, self.context.paths.config_file)
        except configwrite.ConfigValueError as err:
            if err.key is None or not self.show_problem(err.key, err.detail):
                self.desktop_answer.error(f"Fix the settings first: {err}")
            return None
        typed = {}
        for field in self._secret_fields():
            try:
                change = field.staged()
            except SecretFormatError as err:
                field.show_error(str(err))
                return None
            if change is not None and change.value is not None:
                typed[change.entry] = change.value
        cleared = frozenset(
            f.entry for f in self._secret_fields() if f.will_be_set is False
        )
        secrets = channeltest.SecretSource(
            self.context.credentials,
            self.context.environ,
            channeltest.DraftSecrets(typed, cleared - typed.keys()),
        )
        return settings, secrets

    def _show_answer(
        self,
        future: "concurrent.futures.Future[str]",
        label: str,
        button: QPushButton,
        answer: Message,
    ) -> None:
        button.setEnabled(True)
        try:
            detail = future.result()
        except DeliveryError as err:
            answer.error(f"{label} did not take it: {err.message}")
        except KeyringUnavailableError as err:
            answer.error(f"Cannot read the secret: {err}")
        except Exception as err:
            logger.exception("The %s test failed unexpectedly", label)
            answer.error(f"{label} test failed: {type(err).__name__}: {err}")
        else:
            answer.success(f"{label} answered: {detail}")

    # Helpers

    def _secret_fields(self) -> list[SecretField]:
        return [self.webhook_field, self.token_field, self.password_field]

    def _validate_slack(self) -> bool:
        if self.bot_mode.isChecked():
            if self.token_field.will_be_set is False:
                self.token_field.show_error("Paste the bot token (xoxb-…)")
                return False
            return True
        if self.webhook_field.will_be_set is False:
            self.webhook_field.show_error("Paste the incoming-webhook URL")
            return False
        return True

    def _email_table(self, kept: dict[str, Any]) -> dict[str, Any]:
        email = dict(kept)
        email["host"] = self.host_edit.text()
        email["port"] = self.port_spin.value()
        email["security"] = Security(self.security_box.currentData()).value
        email["sender"] = self.sender_edit.text()
        recipients = [
            r.strip()
            for r in _LIST_SEPARATORS.split(self.recipients_edit.text())
            if r.strip()
        ]
        email["recipients"] = recipients
        username = self.username_edit.text().strip()
        if username:
            email["username"] = username
        else:
            email.pop("username", None)
        return email


def _buttons(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row
