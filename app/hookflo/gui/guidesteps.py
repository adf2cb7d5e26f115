"""The pieces of the first-run guide: a ticking step, and storing a secret.

Widgets here show; ``store_secret`` blocks on the keyring and runs off the
UI thread.
"""

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from hookflo.core import secretinput
from hookflo.core.credentials import Credentials, signing_secret_entry

logger = logging.getLogger(__name__)

DONE_MARK = "✓"
TODO_MARK = "○"


class Step(QFrame):
    """One numbered step: a tick, a title, and what to do."""

    def __init__(self, number: int, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.done = False
        self.mark = QLabel(TODO_MARK, self)
        self.mark.setFixedWidth(28)
        self.mark.setAlignment(Qt.AlignmentFlag.AlignTop)
        font = self.mark.font()
        font.setPointSize(font.pointSize() + 6)
        self.mark.setFont(font)
        self.heading = QLabel(f"<b>{number}. {title}</b>", self)
        self.body = QVBoxLayout()
        self.body.addWidget(self.heading)
        layout = QHBoxLayout(self)
        layout.addWidget(self.mark)
        layout.addLayout(self.body, 1)

    def add(self, widget: QWidget) -> None:
        """Add ``widget`` under the title."""
        self.body.addWidget(widget)

    def tick(self, done: bool) -> None:
        """Show the step as done, or not yet."""
        self.done = done
        self.mark.setText(DONE_MARK if done else TODO_MARK)
        self.mark.setStyleSheet("color: #1b5e20;" if done else "color: #777777;")


def store_secret(credentials: Credentials, source_name: str, secret: str) -> str:
    """Add ``secret`` to the source's secrets in the keyring (blocking)."""
    stored = credentials.get(signing_secret_entry(source_name)) or ""
    current = stored.split()
    label = secretinput.fingerprint(secret)
    if secret in current:
        return f"This secret ({label}) was already stored"
    credentials.set_signing_secrets(source_name, [*current, secret])
    if current:
        return (
            f"Stored {label}; the earlier secret is kept too (remove it under "
            "Settings → Sources once this one works)"
        )
    return f"Stored {label} in the keyring"


def left_aligned(widget: QWidget) -> QWidget:
    """Return ``widget`` in a row of its own, aligned left."""
    holder = QWidget(widget.parentWidget())
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(widget)
    row.addStretch(1)
    return holder
