"""The HookFlo window: events, refused requests and the signups chart.

Closing it never quits the app while the tray icon is there. On a desktop
without a tray the window carries the HookFlo menu and an explanation, and
closing it asks whether to quit, so HookFlo never runs out of reach.
"""

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from hookflo.core.config import Source
from hookflo.gui import icons
from hookflo.gui.attemptmodel import AttemptTableModel
from hookflo.gui.background import Background
from hookflo.gui.chart import ChartPage
from hookflo.gui.detail import EventDetailPane
from hookflo.gui.eventmodel import EventTableModel
from hookflo.gui.eventspage import EventsPage
from hookflo.gui.menu import AppMenu
from hookflo.gui.qtutil import named
from hookflo.gui.reader import StoreReader
from hookflo.gui.refusedview import RefusedView
from hookflo.gui.status import Status

logger = logging.getLogger(__name__)

TITLE = "HookFlo"
NO_TRAY_TEXT = (
    "Your desktop shows no tray icons, so HookFlo lives in this window and keeps "
    "receiving while it is open or minimised. On GNOME, install the "
    "“AppIndicator and KStatusNotifierItem Support” extension to get the tray "
    "icon; HookFlo will show it as soon as a tray appears."
)
STATUS_MESSAGE_MS = 15_000


class EventWindow(QMainWindow):
    """The main window.

    Args:
        reader: reads everything shown.
        background: runs the reads.
        menu: the HookFlo menu, shown in the menu bar.
        sources: the configured sources.
        wake: tells the dispatcher that deliveries are due now.

    Signals:
        seen: the user is looking at the event list.
        refusals_seen: the user is looking at the refused requests.
        quit_requested: the user chose to quit from the close question.

    Attributes:
        events: the events page.
        refused: the refused-requests page.
        chart: the signups chart page.
        detail: the detail pane of the events page.
        event_model: the event list's model.
        attempt_model: the refused-requests model.
    """

    seen = Signal()
    refusals_seen = Signal()
    quit_requested = Signal()

    def __init__(
        self,
        *,
        reader: StoreReader,
        background: Background,
        menu: AppMenu,
        sources: Sequence[Source],
        wake: Callable[[], None],
    ) -> None:
        super().__init__()
        self.setWindowTitle(TITLE)
        self.setWindowIcon(icons.app_icon())
        self.resize(1100, 700)
        self.ask_before_closing = False
        self._question: QMessageBox | None = None

        self.event_model = EventTableModel(reader, background)
        self.attempt_model = AttemptTableModel(reader, background)
        self.detail = EventDetailPane(reader, background, wake)
        self.events = EventsPage(
            self.event_model, self.detail, reader, background, sources
        )
        self.refused = RefusedView(self.attempt_model)
        self.chart = ChartPage(reader, background)
        self.tabs = named(QTabWidget(), "tabs")
        self.tabs.addTab(self.events, "Events")
        self.tabs.addTab(self.refused, "Refused requests")
        self.tabs.addTab(self.chart, "Signups")
        self.tabs.currentChanged.connect(self._on_tab_changed)

        self.banner = named(QLabel(NO_TRAY_TEXT), "no-tray")
        self.banner.setWordWrap(True)
        self.banner.setMargin(8)
        self.banner.setStyleSheet("background: #fef3c7; color: #111827;")
        self.banner.hide()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        app_menu = self.menuBar().addMenu("&HookFlo")
        app_menu.setObjectName("window-menu")
        menu.fill(app_menu)
        self.status_line = named(QLabel("Starting…"), "status-line")
        self.statusBar().addPermanentWidget(self.status_line, 1)

        self.event_model.fetchMore(QModelIndex())
        self.attempt_model.fetchMore(QModelIndex())

    def show_no_tray(self, missing: bool) -> None:
        """Explain, or stop explaining, that there is no tray."""
        self.banner.setVisible(missing)
        self.ask_before_closing = missing

    def bring_forward(self) -> None:
        """Show the window above the others and give it the focus."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def show_event(self, event_id: int) -> None:
        """Bring the window forward with event ``event_id`` selected."""
        logger.info("Showing event %d", event_id, extra={"event": "show_event"})
        self.tabs.setCurrentWidget(self.events)
        self.events.reveal(event_id)
        self.bring_forward()

    def show_refused(self) -> None:
        """Bring the window forward on the refused requests."""
        self.tabs.setCurrentWidget(self.refused)
        self.bring_forward()

    def show_status(self, status: Status) -> None:
        """Show the status line at the bottom of the window."""
        line = status.headline()
        pause = status.pause_line()
        self.status_line.setText(f"{line} · {pause}" if pause else line)
        self.status_line.setToolTip(status.tooltip())

    def tell(self, text: str) -> None:
        """Show a message for the user in the status bar for a while."""
        self.statusBar().showMessage(text, STATUS_MESSAGE_MS)

    def on_events_stored(self, event_ids: list[int]) -> None:
        """Insert new events into the list."""
        self.event_model.add_events(event_ids)
        self.chart.refresh_soon()

    def on_deliveries_changed(self, delivery_ids: list[int]) -> None:
        """Update the alert states shown."""
        self.event_model.update_deliveries(delivery_ids)
        self.detail.refresh()

    def on_attempts_recorded(self) -> None:
        """Insert new refusals into the refused list."""
        self.attempt_model.add_new()

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.ask_before_closing:
            event.accept()  # only hides: the app does not quit with its windows
            return
        event.ignore()
        self._ask_to_quit()

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._announce_looking()

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() is QEvent.Type.ActivationChange and self.isActiveWindow():
            self._announce_looking()

    def _announce_looking(self) -> None:
        current = self.tabs.currentWidget()
        if current is self.events:
            self.seen.emit()
        elif current is self.refused:
            self.refusals_seen.emit()
        elif current is self.chart:
            self.chart.refresh()

    def _on_tab_changed(self, _index: int) -> None:
        if self.isVisible():
            self._announce_looking()

    def _ask_to_quit(self) -> None:
        if self._question is not None:
            self._question.raise_()
            return
        question = QMessageBox(self)
        question.setWindowTitle(f"{TITLE} — Quit?")
        question.setIcon(QMessageBox.Icon.Question)
        question.setText("Quit HookFlo?")
        question.setInformativeText(
            "There is no tray icon on this desktop: with the window closed, "
            "HookFlo would keep running out of sight. Quit, or keep it running "
            "minimised?"
        )
        quit_button = question.addButton("Quit", QMessageBox.ButtonRole.AcceptRole)
        question.addButton("Keep running", QMessageBox.ButtonRole.RejectRole)
        question.setWindowModality(Qt.WindowModality.WindowModal)

        def answered(_result: int) -> None:
            self._question = None
            if question.clickedButton() is quit_button:
                self.quit_requested.emit()
            else:
                self.showMinimized()
            question.deleteLater()

        question.finished.connect(answered)
        self._question = question
        question.open()

    @property
    def question(self) -> QMessageBox | None:
        """The quit question while it is open (for tests)."""
        return self._question
