"""Small widgets the settings pages share: messages by a field, secrets, copy.

Widgets show and collect; the checks they run on entry come from the core
(``hookflo.core.secretinput``) and are passed in.
"""

import enum
import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hookflo.core.errors import SecretFormatError
from hookflo.core.secretinput import Tidied
from hookflo.gui.settings.model import SecretChange

logger = logging.getLogger(__name__)

ERROR_STYLE = "color: #b00020;"
NOTE_STYLE = "color: #555555;"
OK_STYLE = "color: #1b5e20;"

Tidy = Callable[[str], Tidied]


class Message(QLabel):
    """A line of text by a field: an error, a note or a success; hidden if empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def error(self, text: str) -> None:
        """Show ``text`` as an error."""
        self._show(text, ERROR_STYLE)

    def note(self, text: str) -> None:
        """Show ``text`` as a plain note."""
        self._show(text, NOTE_STYLE)

    def success(self, text: str) -> None:
        """Show ``text`` as good news."""
        self._show(text, OK_STYLE)

    def clear_message(self) -> None:
        """Hide the line."""
        self.setText("")
        self.hide()

    @property
    def is_error(self) -> bool:
        """Whether an error is shown."""
        return not self.isHidden() and self.styleSheet() == ERROR_STYLE

    def _show(self, text: str, style: str) -> None:
        self.setStyleSheet(style)
        self.setText(text)
        self.setVisible(bool(text))


class TableBox(QGroupBox):
    """A group box that edits one ``config.toml`` table, with its own message.

    Subclasses set ``TABLE`` (the table's name) and ``message``, and say in
    ``_fault`` what is wrong with the fields ("" when nothing is).
    """

    TABLE = ""
    message: Message

    def validate(self) -> bool:
        """Show what is wrong next to the fields; False if anything is."""
        fault = self._fault()
        if fault:
            self.message.error(fault)
        return not fault

    def show_problem(self, key: str, message: str) -> bool:
        """Show the parser's fault about this box's table; False if not its own."""
        if not key.startswith(self.TABLE):
            return False
        self.message.error(message)
        return True

    def _fault(self) -> str:
        raise NotImplementedError


class CopyField(QWidget):
    """A read-only value, such as a URL, with a Copy button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = QLineEdit(self)
        self.value.setReadOnly(True)
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.value, 1)
        layout.addWidget(self.copy_button)

    def set_text(self, text: str) -> None:
        """Show ``text``."""
        self.value.setText(text)

    def text(self) -> str:
        """Return the value shown."""
        return self.value.text()

    @Slot()
    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.value.text())
        self.copy_button.setText("Copied")


class StoredState(enum.Enum):
    """What the dialog knows about a keyring entry."""

    LOADING = "loading"
    SET = "set"
    UNSET = "unset"
    UNAVAILABLE = "unavailable"


class SecretField(QWidget):
    """A secret kept in the keyring: masked entry, whether it is set, Clear.

    The value stored is never shown or read back into the widget; typing a
    new one replaces it on Save, Clear removes it on Save.

    Args:
        entry: the keyring entry.
        tidy: checks and tidies a typed value (raises ``SecretFormatError``).
        override: the environment variable that overrides the entry, when set.

    Signals:
        changed: the staged change (new value, Clear, Undo) changed.
    """

    changed = Signal()

    def __init__(
        self,
        entry: str,
        tidy: Tidy,
        *,
        override: str | None = None,
        placeholder: str = "Paste to replace",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.entry = entry
        self._tidy = tidy
        self._override = override
        self._stored = StoredState.LOADING
        self._unavailable = ""
        self._clear = False
        self.input = QLineEdit(self)
        self.input.setEchoMode(QLineEdit.EchoMode.Password)
        self.input.setPlaceholderText(placeholder)
        self.input.textChanged.connect(self._on_input_text_changed)
        self.clear_button = QPushButton("Clear", self)
        self.clear_button.setToolTip("Remove it from the keyring when you save")
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.message = Message(self)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.input, 1)
        row.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.message)
        self._show_status()

    def set_stored(self, state: StoredState, problem: str = "") -> None:
        """Say whether the keyring holds the entry (``problem`` if unreadable)."""
        self._stored = state
        self._unavailable = problem
        self._show_status()

    @property
    def stored(self) -> StoredState:
        """What is known about the stored value."""
        return self._stored

    @property
    def will_be_set(self) -> bool | None:
        """Whether the entry will hold a value after Save (None: unknown)."""
        if self._clear:
            return False
        if self.input.text().strip():
            return True
        if self._stored is StoredState.SET:
            return True
        if self._stored is StoredState.UNSET:
            return False
        return None

    def staged(self) -> SecretChange | None:
        """Return the change to save, None for none.

        Raises:
            SecretFormatError: the typed value cannot be this secret.
        """
        if self._clear:
            return SecretChange(self.entry, None)
        typed = self.input.text()
        if not typed.strip():
            return None
        return SecretChange(self.entry, self._tidy(typed).value)

    def reset(self, state: StoredState) -> None:
        """Forget the staged change once saved; ``state`` is the new one."""
        self._clear = False
        self.input.blockSignals(True)
        self.input.clear()
        self.input.blockSignals(False)
        self.message.clear_message()
        self.set_stored(state)

    def show_error(self, text: str) -> None:
        """Show ``text`` under the field."""
        self.message.error(text)

    @Slot(str)
    def _on_input_text_changed(self, text: str) -> None:
        if text.strip():
            self._clear = False
            try:
                tidied = self._tidy(text)
            except SecretFormatError as err:
                self.message.error(str(err))
            else:
                notes = " · ".join(tidied.notes)
                self.message.note(notes or "Looks right; it is stored when you save")
        else:
            self.message.clear_message()
        self._show_status()
        self.changed.emit()

    @Slot()
    def _on_clear_clicked(self) -> None:
        self._clear = not self._clear
        if self._clear:
            self.input.blockSignals(True)
            self.input.clear()
            self.input.blockSignals(False)
            self.message.clear_message()
        self._show_status()
        self.changed.emit()

    def _show_status(self) -> None:
        self.clear_button.setText("Undo clear" if self._clear else "Clear")
        self.clear_button.setEnabled(self._clear or self._stored is StoredState.SET)
        self.status.setText(self._status_text())

    def _status_text(self) -> str:
        if self._clear:
            text = "Will be removed from the keyring when you save"
        elif self.input.text().strip():
            text = "Will be stored in the keyring when you save"
        elif self._stored is StoredState.LOADING:
            text = "Reading the keyring…"
        elif self._stored is StoredState.SET:
            text = "Set (kept in the keyring)"
        elif self._stored is StoredState.UNSET:
            text = "Not set"
        else:
            text = f"Cannot be read or stored: {self._unavailable}"
        if self._override:
            text += f". {self._override} is set and takes precedence"
        return text
