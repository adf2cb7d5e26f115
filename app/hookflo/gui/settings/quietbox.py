"""The quiet hours box of the General page: ``[quiet_hours]`` in ``config.toml``.

The box only edits the setting; the core (``core.quiethours`` and the
dispatcher) decides when alerts are held. Times are checked as they are
typed, and again by the real parser on Save, whose fault is shown here too.
"""

import logging
import time
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hookflo.core import clocktime, quiethours
from hookflo.core.channels.base import ChannelName
from hookflo.core.quiethours import QuietHours
from hookflo.gui.settings.widgets import Message, TableBox

logger = logging.getLogger(__name__)

_CHANNEL_LABELS = {
    ChannelName.DESKTOP: "Desktop popups",
    ChannelName.SLACK: "Slack",
    ChannelName.EMAIL: "Email",
}


class QuietHoursBox(TableBox):
    """Whether to hold alerts every day, from when to when, and on which channels.

    Attributes:
        enabled_check: quiet hours on or off.
        start_edit: when they begin ("22:00").
        end_edit: when they end ("07:00"; earlier than the start is the next
            day).
        channel_checks: the channels held, by name.
        message: what the setting means, or what is wrong with it.
    """

    TABLE = "quiet_hours"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Quiet hours", parent)
        self.enabled_check = QCheckBox("Hold alerts every day", self)
        self.start_edit = QLineEdit(self)
        self.end_edit = QLineEdit(self)
        for edit, example in ((self.start_edit, "22:00"), (self.end_edit, "07:00")):
            edit.setPlaceholderText(example)
            edit.setMaxLength(5)
            edit.setFixedWidth(edit.fontMetrics().horizontalAdvance("00:000") * 2)
        self.channel_checks = {
            name: QCheckBox(label, self) for name, label in _CHANNEL_LABELS.items()
        }
        self.message = Message(self)
        explain = QLabel(
            "Events are still received and stored; held alerts arrive as one "
            "summary when the quiet hours end. Slack and email make no sound, "
            "so only desktop popups are held unless you choose otherwise.",
            self,
        )
        explain.setWordWrap(True)

        times = QHBoxLayout()
        times.addWidget(self.enabled_check)
        times.addWidget(QLabel("from", self))
        times.addWidget(self.start_edit)
        times.addWidget(QLabel("to", self))
        times.addWidget(self.end_edit)
        times.addStretch(1)
        channels = QHBoxLayout()
        channels.addWidget(QLabel("Hold:", self))
        for check in self.channel_checks.values():
            channels.addWidget(check)
        channels.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(times)
        layout.addLayout(channels)
        layout.addWidget(self.message)
        self._connect_signals()

    def load(self, settings: QuietHours) -> None:
        """Show ``settings``."""
        self.enabled_check.setChecked(settings.enabled)
        self.start_edit.setText(clocktime.show(settings.start))
        self.end_edit.setText(clocktime.show(settings.end))
        for name, check in self.channel_checks.items():
            check.setChecked(name in settings.channels)
        self._on_changed()

    def staged(self) -> QuietHours | None:
        """Return the setting as typed, or None when a part of it is wrong."""
        return None if self._fault() else self._settings()

    def contribute(self, table: dict[str, Any]) -> None:
        """Put ``[quiet_hours]`` into ``table`` (left out when default).

        A wrong time goes in as typed, so the parser refuses it by its key.
        """
        table.pop("quiet_hours", None)
        settings = self.staged()
        if settings is None:
            table["quiet_hours"] = {
                "enabled": self.enabled_check.isChecked(),
                "start": self.start_edit.text(),
                "end": self.end_edit.text(),
                "channels": [c.value for c in self._channels()],
            }
            return
        quiet = quiethours.to_table(settings)
        if quiet:
            table["quiet_hours"] = quiet

    def _connect_signals(self) -> None:
        self.enabled_check.toggled.connect(self._on_changed)
        self.start_edit.textChanged.connect(self._on_changed)
        self.end_edit.textChanged.connect(self._on_changed)
        for check in self.channel_checks.values():
            check.toggled.connect(self._on_changed)

    @Slot()
    def _on_changed(self) -> None:
        fault = self._fault()
        if fault:
            self.message.error(fault)
            return
        settings = self._settings()
        if not settings.enabled:
            self.message.note("Off: alerts go out at any hour")
            return
        now = quiethours.quiet_line(settings, time.time())
        summary = quiethours.describe(settings).capitalize()
        self.message.note(f"{summary}. {now}" if now else summary)

    def _fault(self) -> str:
        start = clocktime.parse(self.start_edit.text())
        end = clocktime.parse(self.end_edit.text())
        if start is None:
            return _wrong_time("Start", self.start_edit.text())
        if end is None:
            return _wrong_time("End", self.end_edit.text())
        if start == end:
            return (
                "Start and end must differ (an end earlier than the start "
                "is the next day)"
            )
        if self.enabled_check.isChecked() and not self._channels():
            return "Choose at least one channel to hold"
        return ""

    def _settings(self) -> QuietHours:
        start = clocktime.parse(self.start_edit.text())
        end = clocktime.parse(self.end_edit.text())
        assert start is not None, "checked by _fault"
        assert end is not None, "checked by _fault"
        return QuietHours(
            enabled=self.enabled_check.isChecked(),
            start=start,
            end=end,
            channels=self._channels() or quiethours.DEFAULT_CHANNELS,
        )

    def _channels(self) -> tuple[ChannelName, ...]:
        return tuple(n for n, c in self.channel_checks.items() if c.isChecked())


def _wrong_time(field: str, text: str) -> str:
    if not text.strip():
        return f"{field}: type a time such as 22:00"
    return f"{field}: expected a time such as 22:00 (24-hour), got {text.strip()!r}"
