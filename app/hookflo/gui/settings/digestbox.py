"""The digests box of the General page: ``[digests]`` in ``config.toml``.

It turns the daily and weekly digests on and off and sets their local
times; the other keys of the table (channels, names, time zone) are kept as
the file has them. The core (``core.digest``) decides what is sent and when.
Times are checked as they are typed, and again by the real parser on Save,
whose fault is shown here too.
"""

import dataclasses
import logging
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hookflo.core import clocktime
from hookflo.core.digest import settings as digestsettings
from hookflo.core.digest.settings import DigestSettings
from hookflo.gui.settings.widgets import Message, TableBox

logger = logging.getLogger(__name__)

DEFAULT_TIME = "08:30"


class DigestBox(TableBox):
    """Whether to send the daily and weekly digests, and when.

    Attributes:
        daily_check: the daily digest on or off.
        daily_edit: its local time ("08:30").
        weekly_check: the weekly digest on or off.
        weekday_combo: the weekday the weekly digest goes out.
        weekly_edit: its local time.
        message: what the setting means, or what is wrong with it.
    """

    TABLE = "digests"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Signup digests", parent)
        self.daily_check = QCheckBox("Daily digest at", self)
        self.daily_edit = _time_edit(self)
        self.weekly_check = QCheckBox("Weekly digest on", self)
        self.weekday_combo = QComboBox(self)
        for day in digestsettings.WEEKDAYS:
            self.weekday_combo.addItem(day.capitalize(), day)
        self.weekly_edit = _time_edit(self)
        self.message = Message(self)
        self._loaded = DigestSettings()
        explain = QLabel(
            "Signups of the day (or week) before, beside the period before, "
            "by environment and sign-up method, with the first names. Sent at "
            "this local time, or as soon as HookFlo runs again.",
            self,
        )
        explain.setWordWrap(True)

        grid = QGridLayout()
        grid.addWidget(self.daily_check, 0, 0)
        grid.addWidget(self.daily_edit, 0, 2)
        grid.addWidget(self.weekly_check, 1, 0)
        grid.addWidget(self.weekday_combo, 1, 1)
        grid.addWidget(self.weekly_edit, 1, 2)
        grid.setColumnStretch(3, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(grid)
        layout.addWidget(self.message)
        self._connect_signals()

    def load(self, settings: DigestSettings) -> None:
        """Show ``settings``."""
        self._loaded = settings
        daily, weekly = settings.daily, settings.weekly
        self.daily_check.setChecked(daily is not None)
        self.daily_edit.setText(daily.clock if daily else DEFAULT_TIME)
        self.weekly_check.setChecked(weekly is not None)
        self.weekly_edit.setText(weekly.clock if weekly else DEFAULT_TIME)
        weekday = weekly.weekday if weekly and weekly.weekday is not None else 0
        self.weekday_combo.setCurrentIndex(weekday)
        self._on_changed()

    def contribute(self, table: dict[str, Any]) -> None:
        """Put ``[digests]`` into ``table`` (left out when nothing is set).

        A wrong time goes in as typed, so the parser refuses it by its key.
        """
        table.pop("digests", None)
        kept = dataclasses.replace(self._loaded, daily=None, weekly=None)
        digests = digestsettings.to_table(kept)
        if not (self.daily_check.isChecked() or self.weekly_check.isChecked()):
            return
        if self.daily_check.isChecked():
            digests["daily"] = self.daily_edit.text().strip()
        if self.weekly_check.isChecked():
            day = self.weekday_combo.currentData()
            digests["weekly"] = f"{day} {self.weekly_edit.text().strip()}"
        table["digests"] = digests

    def _connect_signals(self) -> None:
        self.daily_check.toggled.connect(self._on_changed)
        self.weekly_check.toggled.connect(self._on_changed)
        self.daily_edit.textChanged.connect(self._on_changed)
        self.weekly_edit.textChanged.connect(self._on_changed)
        self.weekday_combo.currentIndexChanged.connect(self._on_changed)

    @Slot()
    def _on_changed(self) -> None:
        self.daily_edit.setEnabled(self.daily_check.isChecked())
        self.weekly_edit.setEnabled(self.weekly_check.isChecked())
        self.weekday_combo.setEnabled(self.weekly_check.isChecked())
        fault = self._fault()
        if fault:
            self.message.error(fault)
            return
        sent = []
        if self.daily_check.isChecked():
            sent.append(f"daily at {self.daily_edit.text().strip()}")
        if self.weekly_check.isChecked():
            day = self.weekday_combo.currentText()
            sent.append(f"weekly on {day} at {self.weekly_edit.text().strip()}")
        if not sent:
            self.message.note("Off: no digest is sent")
            return
        where = ", ".join(self._loaded.channels) or "every channel that is set up"
        self.message.note(f"Sent {' and '.join(sent)}, to {where}")

    def _fault(self) -> str:
        for check, edit, name in (
            (self.daily_check, self.daily_edit, "Daily"),
            (self.weekly_check, self.weekly_edit, "Weekly"),
        ):
            text = edit.text().strip()
            if check.isChecked() and clocktime.parse(text) is None:
                if not text:
                    return f"{name}: type a time such as {DEFAULT_TIME}"
                return (
                    f"{name}: expected a time such as {DEFAULT_TIME} (24-hour), "
                    f"got {text!r}"
                )
        return ""


def _time_edit(parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setPlaceholderText(DEFAULT_TIME)
    edit.setMaxLength(5)
    edit.setFixedWidth(edit.fontMetrics().horizontalAdvance("00:000") * 2)
    return edit
