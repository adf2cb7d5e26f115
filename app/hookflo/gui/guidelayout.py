"""The first-run guide's widgets: the instance to connect and the four steps.

``GuideLayout`` builds and lays out what the guide shows; what each step
says is ``guidechecks``'s job, and ``firstrun.FirstRunGuide`` adds the
behaviour on top.
"""

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from hookflo.core import setupprogress
from hookflo.gui import guidesteps
from hookflo.gui.settings.widgets import CopyField, Message

logger = logging.getLogger(__name__)


class GuideLayout(QDialog):
    """The first-run guide's widgets, built and laid out; a base class."""

    poll_ms: int

    def _build(self) -> None:
        intro = QLabel(
            "HookFlo receives Clerk's webhooks and tells you about each signup. "
            "Connect one Clerk instance at a time; each gets its own endpoint "
            "and signing secret.",
            self,
        )
        intro.setWordWrap(True)
        self.development = QRadioButton("Development instance", self)
        self.production = QRadioButton("Production instance", self)
        self._environments = QButtonGroup(self)
        self._environments.addButton(self.development)
        self._environments.addButton(self.production)
        choice = QHBoxLayout()
        choice.addWidget(QLabel("Connect my", self))
        choice.addWidget(self.development)
        choice.addWidget(self.production)
        choice.addStretch(1)
        self.source_message = Message(self)
        self.add_source_button = QPushButton(self)
        self.add_source_button.hide()

        self.tunnel_step = guidesteps.Step(1, "Open the tunnel", self)
        self.url_field = CopyField(self.tunnel_step)
        self.tunnel_message = Message(self.tunnel_step)
        self.tunnel_step.add(self.url_field)
        self.tunnel_step.add(self.tunnel_message)

        self.clerk_step = guidesteps.Step(2, "Add the endpoint in Clerk", self)
        self.clerk_steps = QLabel(self.clerk_step)
        self.clerk_steps.setWordWrap(True)
        self.clerk_steps.setTextFormat(Qt.TextFormat.RichText)
        events = "  ".join(setupprogress.RECOMMENDED_EVENTS)
        self.events_label = QLabel(f"Recommended events: {events}", self.clerk_step)
        self.events_label.setWordWrap(True)
        self.copy_events = QPushButton("Copy event names", self.clerk_step)
        self.clerk_message = Message(self.clerk_step)
        self.clerk_step.add(self.clerk_steps)
        self.clerk_step.add(self.events_label)
        self.clerk_step.add(guidesteps.left_aligned(self.copy_events))
        self.clerk_step.add(self.clerk_message)

        self.secret_step = guidesteps.Step(3, "Paste the signing secret", self)
        self.paste_edit = QLineEdit(self.secret_step)
        self.paste_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.paste_edit.setPlaceholderText("whsec_…")
        self.save_secret = QPushButton("Save secret", self.secret_step)
        self.save_secret.setEnabled(False)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.paste_edit, 1)
        row.addWidget(self.save_secret)
        holder = QWidget(self.secret_step)
        holder.setLayout(row)
        self.paste_message = Message(self.secret_step)
        self.secret_message = Message(self.secret_step)
        self.refusal_message = Message(self.secret_step)
        for widget in (
            holder,
            self.paste_message,
            self.secret_message,
            self.refusal_message,
        ):
            self.secret_step.add(widget)

        self.test_step = guidesteps.Step(4, "Send a test event", self)
        self.test_text = QLabel(
            "In Clerk, open the endpoint's Testing tab and press Send Example "
            "(pick user.created). Or let HookFlo send one, signed with your "
            "secret:",
            self.test_step,
        )
        self.test_text.setWordWrap(True)
        self.send_test = QPushButton("Send test event", self.test_step)
        self.test_message = Message(self.test_step)
        self.test_step.add(self.test_text)
        self.test_step.add(guidesteps.left_aligned(self.send_test))
        self.test_step.add(self.test_message)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        grid = QGridLayout()
        for row_number, step in enumerate(self.steps):
            grid.addWidget(step, row_number, 0)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(choice)
        layout.addWidget(self.source_message)
        layout.addWidget(guidesteps.left_aligned(self.add_source_button))
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self._timer = QTimer(self)
        self._timer.setInterval(self.poll_ms)

    @property
    def steps(self) -> list[guidesteps.Step]:
        """The four steps, in order."""
        return [self.tunnel_step, self.clerk_step, self.secret_step, self.test_step]
