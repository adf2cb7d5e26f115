"""The Sources page's box for a source's Clerk secret key.

The key is optional: with it, HookFlo lists the users created while it was
offline from Clerk's Backend API. It is pasted (hidden), checked as it is
typed, staged, and stored in the keyring when the dialog saves; the box only
ever says whether one is set, never shows it.
"""

import dataclasses
import logging

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hookflo.core.catchup import clerkkey
from hookflo.core.errors import SecretFormatError
from hookflo.gui.settings.widgets import Message

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class ClerkKeyDraft:
    """One source's key as edited.

    Attributes:
        stored: whether the keyring holds one; None until it was read.
        staged: the key to store on save, or None to remove it.
        changed: whether saving writes ``staged``.
    """

    stored: bool | None = None
    staged: str | None = None
    changed: bool = False

    @property
    def will_be_set(self) -> bool:
        """Whether a key is there after saving."""
        return self.staged is not None if self.changed else bool(self.stored)


class ClerkKeyBox(QGroupBox):
    """Set, replace or remove the Clerk secret key of the source shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Clerk secret key (optional)", parent)
        self.status = Message(self)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("clerk-key-edit")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setPlaceholderText(
            "Paste the sk_live_… key (Clerk dashboard → Configure → API keys)"
        )
        self.remove_button = QPushButton("Remove key", self)
        self.message = Message(self)
        row = QHBoxLayout()
        row.addWidget(self.edit, 1)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.edit.textChanged.connect(self._on_edit_text_changed)

    def show_draft(
        self, draft: ClerkKeyDraft, *, override: str, keyring_problem: str
    ) -> None:
        """Say whether ``draft``'s source has a key, and what saving does."""
        self.edit.setEnabled(draft.stored is not None)
        self.remove_button.setEnabled(draft.will_be_set)
        pending = " (stored when you save)" if draft.changed else ""
        if override:
            text = f"{override} is set and is used instead of the keyring. "
        else:
            text = ""
        if draft.stored is None:
            text += f"Cannot be read: {keyring_problem or 'reading the keyring…'}"
        elif draft.will_be_set:
            text += (
                "Set: after time offline HookFlo lists the users created "
                f"meanwhile from Clerk{pending}"
            )
        else:
            text += (
                "Not set: after time offline HookFlo can only say how long it was "
                f"away{pending}"
            )
        self.status.note(text)

    def stage_pasted(self, draft: ClerkKeyDraft) -> bool:
        """Stage the pasted key in ``draft``; False (and say why) if it is wrong."""
        pasted = self.edit.text()
        if not pasted.strip():
            return True
        try:
            draft.staged = clerkkey.tidy(pasted)
        except SecretFormatError as err:
            self.message.error(str(err))
            return False
        draft.changed = True
        self.edit.blockSignals(True)
        self.edit.clear()
        self.edit.blockSignals(False)
        self.message.note("The key is stored when you save")
        return True

    def stage_removal(self, draft: ClerkKeyDraft) -> None:
        """Stage removing ``draft``'s key."""
        draft.staged, draft.changed = None, True
        self.message.note("The key is removed when you save")

    def forget_pasted(self) -> None:
        """Drop a half-pasted key (another source is shown)."""
        self.edit.clear()
        self.message.clear_message()

    def _on_edit_text_changed(self, text: str) -> None:
        if not text.strip():
            self.message.clear_message()
            return
        try:
            clerkkey.tidy(text)
        except SecretFormatError as err:
            self.message.error(str(err))
            return
        self.message.note("Looks right; it is stored when you save")
