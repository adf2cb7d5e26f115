"""Settings page: start at login, quiet hours, and pausing alerts.

Starting at login is applied at once (a desktop entry, see
``core.autostart``). Quiet hours are saved with the other settings to
``[quiet_hours]`` in config.toml (see ``quietbox``). Pausing holds every
alert until a time and sends what waited afterwards, paced; it acts on the
running dispatcher, as the tray menu's "Pause alerts" does, and lasts until
that time or until HookFlo quits.
"""

import datetime
import logging
from typing import Any

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hookflo.core import autostart
from hookflo.core.alerting.outbox import Dispatcher
from hookflo.core.config import Config
from hookflo.core.errors import UserFacingError
from hookflo.gui.context import AppContext
from hookflo.gui.offthread import OffThread
from hookflo.gui.settings.digestbox import DigestBox
from hookflo.gui.settings.page import Page
from hookflo.gui.settings.quietbox import QuietHoursBox
from hookflo.gui.settings.widgets import Message

logger = logging.getLogger(__name__)

MORNING_HOUR = 8
PAUSE_HOUR_S = 3600.0


def next_morning(now: datetime.datetime) -> datetime.datetime:
    """Return tomorrow at ``MORNING_HOUR`` o'clock, in ``now``'s time zone."""
    tomorrow = now.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(
        tomorrow, datetime.time(MORNING_HOUR), tzinfo=now.tzinfo
    )


class GeneralPage(Page):
    """Start at login, quiet hours and pause alerts."""

    title = "General"

    def __init__(
        self, context: AppContext, work: OffThread, parent: QWidget | None = None
    ) -> None:
        super().__init__(context, work, parent)
        self.login_check = QCheckBox("Start HookFlo when I log in", self)
        self.login_message = Message(self)
        login = QGroupBox("Starting", self)
        login_layout = QVBoxLayout(login)
        login_layout.addWidget(self.login_check)
        login_layout.addWidget(self.login_message)
        self.quiet = QuietHoursBox(self)
        self.quiet.load(context.config.quiet_hours)
        self.digests = DigestBox(self)
        self.digests.load(context.config.digests)

        pause = QGroupBox("Pause alerts", self)
        self.pause_state = Message(pause)
        self.pause_hour = QPushButton("For 1 hour", pause)
        self.pause_morning = QPushButton(
            f"Until tomorrow, {MORNING_HOUR:02d}:00", pause
        )
        self.resume_button = QPushButton("Resume", pause)
        explain = QLabel(
            "While paused, events are still received and stored; their alerts "
            "wait and go out when the pause ends.",
            pause,
        )
        explain.setWordWrap(True)
        row = QHBoxLayout()
        for button in (self.pause_hour, self.pause_morning, self.resume_button):
            row.addWidget(button)
        row.addStretch(1)
        pause_layout = QVBoxLayout(pause)
        pause_layout.addWidget(explain)
        pause_layout.addLayout(row)
        pause_layout.addWidget(self.pause_state)

        layout = QVBoxLayout(self)
        layout.addWidget(login)
        layout.addWidget(self.quiet)
        layout.addWidget(self.digests)
        layout.addWidget(pause)
        layout.addStretch(1)

        self._clock = QTimer(self)
        self._clock.setInterval(30_000)
        self._connect_signals()
        self._show_login()
        self._show_pause()
        self._clock.start()

    def _connect_signals(self) -> None:
        self.login_check.toggled.connect(self._on_login_toggled)
        self.pause_hour.clicked.connect(self._on_pause_hour_clicked)
        self.pause_morning.clicked.connect(self._on_pause_morning_clicked)
        self.resume_button.clicked.connect(self._on_resume_clicked)
        self._clock.timeout.connect(self._show_pause)

    def contribute(self, table: dict[str, Any]) -> None:
        """Put ``[quiet_hours]`` and ``[digests]`` into ``table``."""
        self.quiet.contribute(table)
        self.digests.contribute(table)

    def validate(self) -> bool:
        """Check the quiet hours and digest times as typed."""
        quiet_ok = self.quiet.validate()
        return self.digests.validate() and quiet_ok

    def show_problem(self, key: str, message: str) -> bool:
        """Show a fault in ``[quiet_hours]`` or ``[digests]`` by its fields."""
        if self.digests.show_problem(key, message):
            return True
        return self.quiet.show_problem(key, message)

    def saved(self, config: Config) -> None:
        """Show the quiet hours and digests as saved."""
        self.quiet.load(config.quiet_hours)
        self.digests.load(config.digests)

    @property
    def dispatcher(self) -> Dispatcher | None:
        """The running dispatcher, when the receiver runs."""
        server = self.context.server
        return None if server is None else server.dispatcher

    # Slots

    @Slot(bool)
    def _on_login_toggled(self, checked: bool) -> None:
        environ = dict(self.context.environ)
        try:
            if checked:
                entry = autostart.enable(environ)
                self.login_message.success(f"HookFlo starts at login ({entry})")
            else:
                autostart.disable(environ)
                self.login_message.note("HookFlo no longer starts at login")
        except UserFacingError as err:
            self.login_message.error(str(err))
            self._show_login()

    @Slot()
    def _on_pause_hour_clicked(self) -> None:
        self._pause(datetime.datetime.now().timestamp() + PAUSE_HOUR_S)

    @Slot()
    def _on_pause_morning_clicked(self) -> None:
        now = datetime.datetime.now().astimezone()
        self._pause(next_morning(now).timestamp())

    @Slot()
    def _on_resume_clicked(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.resume()
        self._show_pause()

    # Showing

    def _pause(self, until: float) -> None:
        if self.dispatcher is not None:
            self.dispatcher.pause(until)
        self._show_pause()

    def _show_login(self) -> None:
        reason = autostart.unsupported_reason()
        self.login_check.blockSignals(True)
        self.login_check.setChecked(
            reason is None and autostart.is_enabled(dict(self.context.environ))
        )
        self.login_check.blockSignals(False)
        self.login_check.setEnabled(reason is None)
        if reason:
            self.login_message.note(reason)

    @Slot()
    def _show_pause(self) -> None:
        dispatcher = self.dispatcher
        running = dispatcher is not None
        for button in (self.pause_hour, self.pause_morning, self.resume_button):
            button.setEnabled(running)
        if dispatcher is None:
            self.pause_state.note("Pausing works while HookFlo receives events")
            return
        until = dispatcher.paused_until
        now = datetime.datetime.now().timestamp()
        if until is None or until <= now:
            self.pause_state.success("Alerts are on")
            self.resume_button.setEnabled(False)
            return
        moment = datetime.datetime.fromtimestamp(until)
        shown = moment.strftime("%H:%M" if until - now < 86_400 else "%a %H:%M")
        self.pause_state.note(f"Alerts are paused until {shown}")
