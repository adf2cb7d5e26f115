"""The Sources page's signing secrets: pasted, checked, staged, listed.

``SourceSecrets`` holds the secrets box of the source shown: a secret is
tidied and checked as it is pasted, staged on Add (the keyring is written
when the dialog saves), and an old one is removed by its fingerprint.
"""

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
)

from hookflo.core import secretinput
from hookflo.core.credentials import signing_secret_variable
from hookflo.core.errors import SecretFormatError
from hookflo.gui.settings.page import Page
from hookflo.gui.settings.sourcedraft import SourceDraft
from hookflo.gui.settings.widgets import Message

logger = logging.getLogger(__name__)


class SourceSecrets(Page):
    """The signing secrets of the Sources page; a base class."""

    _current: SourceDraft | None
    _keyring_problem: str

    if TYPE_CHECKING:  # defined by SourceForm

        def _show_current(self) -> None: ...

    def _build_secrets(self) -> None:
        self.secrets_group = QGroupBox("Signing secrets", self)
        self.secrets_status = Message(self.secrets_group)
        self.secret_list = QListWidget(self.secrets_group)
        self.secret_list.setMaximumHeight(70)
        self.remove_secret_button = QPushButton(
            "Remove selected secret", self.secrets_group
        )
        self.paste_edit = QLineEdit(self.secrets_group)
        self.paste_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.paste_edit.setPlaceholderText("Paste the whsec_… secret from Clerk")
        self.add_secret_button = QPushButton("Add secret", self.secrets_group)
        self.paste_message = Message(self.secrets_group)
        paste_row = QHBoxLayout()
        paste_row.addWidget(self.paste_edit, 1)
        paste_row.addWidget(self.add_secret_button)
        secrets = QVBoxLayout(self.secrets_group)
        secrets.addWidget(self.secrets_status)
        secrets.addWidget(self.secret_list)
        secrets.addWidget(self.remove_secret_button)
        secrets.addLayout(paste_row)
        secrets.addWidget(self.paste_message)

    @Slot(str)
    def _on_paste_changed(self, text: str) -> None:
        if not text.strip():
            self.paste_message.clear_message()
            self.add_secret_button.setEnabled(False)
            return
        try:
            tidied = secretinput.signing_secret(text)
        except SecretFormatError as err:
            self.paste_message.error(str(err))
            self.add_secret_button.setEnabled(False)
            return
        label = secretinput.fingerprint(tidied.value)
        notes = [*tidied.notes, f"Fingerprint {label}; press Add secret, then Save"]
        self.paste_message.note(". ".join(notes))
        self.add_secret_button.setEnabled(self._secrets_editable())

    @Slot()
    def _on_add_secret_clicked(self) -> None:
        self._add_pasted_secret()

    @Slot()
    def _on_remove_secret_clicked(self) -> None:
        draft = self._current
        item = self.secret_list.currentItem()
        if draft is None or draft.secrets is None or item is None:
            return
        label = item.text().split()[0]
        draft.secrets = secretinput.without_secret(draft.secrets, label)
        draft.secrets_changed = True
        self.paste_message.note(f"Secret {label} is removed when you save")
        self._show_current()

    def _add_pasted_secret(self) -> bool:
        draft = self._current
        if draft is None:
            return False
        if draft.secrets is None:
            self.paste_message.error(
                f"Cannot be stored: the keyring is not available "
                f"({self._keyring_problem or 'still reading it'})"
            )
            return False
        try:
            tidied = secretinput.signing_secret(self.paste_edit.text())
            draft.secrets = secretinput.with_secret(draft.secrets, tidied.value)
        except SecretFormatError as err:
            self.paste_message.error(str(err))
            return False
        draft.secrets_changed = True
        label = secretinput.fingerprint(tidied.value)
        notes = [*tidied.notes, f"Added {label}; it is stored when you save"]
        self.paste_edit.blockSignals(True)
        self.paste_edit.clear()
        self.paste_edit.blockSignals(False)
        self.paste_message.note(". ".join(notes))
        self._show_current()
        return True

    def _show_secrets(self, draft: SourceDraft) -> None:
        self.secret_list.clear()
        for index, secret in enumerate(draft.secrets or []):
            newest = index == len(draft.secrets or []) - 1
            role = "newest, signs HookFlo's test events" if newest else "older"
            self.secret_list.addItem(f"{secretinput.fingerprint(secret)}  ({role})")
        self.secrets_status.note(self._secrets_text(draft))
        self._show_secrets_buttons()

    @Slot()
    def _show_secrets_buttons(self) -> None:
        editable = self._secrets_editable()
        self.paste_edit.setEnabled(editable)
        self.remove_secret_button.setEnabled(
            editable and self.secret_list.currentRow() >= 0
        )
        if not editable or not self.paste_edit.text().strip():
            self.add_secret_button.setEnabled(False)

    def _secrets_editable(self) -> bool:
        return self._current is not None and self._current.secrets is not None

    def _secrets_text(self, draft: SourceDraft) -> str:
        override = signing_secret_variable(draft.name)
        prefix = ""
        if self.context.environ.get(override, "").strip():
            prefix = f"{override} is set and is used instead of the keyring. "
        if draft.secrets is None:
            if self._keyring_problem:
                return f"{prefix}Cannot be read or stored: {self._keyring_problem}"
            return f"{prefix}Reading the keyring…"
        pending = " (changes are stored when you save)" if draft.secrets_changed else ""
        count = len(draft.secrets)
        if count == 0:
            return (
                f"{prefix}No signing secret: Clerk's deliveries are refused (503, "
                f"Clerk retries) until you add one{pending}"
            )
        if count == 1:
            return f"{prefix}One signing secret{pending}"
        return (
            f"{prefix}{count} signing secrets (rotation): any of them verifies; "
            f"remove the old one once Clerk signs with the new one{pending}"
        )
