"""The events page: filters, the live list, and the detail of the selection.

Filters (source, environment, type, text) go to the model, which applies
them in SQL; typing in the search box waits a moment before it filters.
``reveal`` brings one event into view and selects it, paging further back
if it is older than what is loaded, and clearing filters that hide it.
"""

import asyncio
import logging
import time
from collections.abc import Sequence

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hookflo.core import samples
from hookflo.core.config import Environment, Source
from hookflo.gui.background import Background
from hookflo.gui.detail import EventDetailPane
from hookflo.gui.eventmodel import EventTableModel
from hookflo.gui.qtutil import named
from hookflo.gui.reader import StoreReader
from hookflo.gui.records import EventFilter

logger = logging.getLogger(__name__)

SEARCH_DELAY_MS = 300
REVEAL_TIMEOUT_S = 5.0
_ROW_HEIGHT = 24
_ALL = ""


class EventsPage(QWidget):
    """The event list with its filters and the detail pane.

    Args:
        model: the events.
        detail: the detail pane.
        reader: reads the event types present, for the type filter.
        background: runs reads.
        sources: the configured sources, for the source filter.
    """

    def __init__(
        self,
        model: EventTableModel,
        detail: EventDetailPane,
        reader: StoreReader,
        background: Background,
        sources: Sequence[Source],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._detail = detail
        self._detail.original_requested.connect(self.reveal)
        self._reader = reader
        self._background = background
        self._build_filters(sources)
        self._build_table()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(self._filters)
        layout.addWidget(splitter, 1)
        self._background.start(self._load_types(), name="EventsPage.types")

    def reveal(self, event_id: int) -> None:
        """Show event ``event_id`` in the detail pane and select it in the list."""
        self._detail.show_event(event_id)
        self._background.start(self._reveal(event_id), name="EventsPage.reveal")

    def set_sources(self, sources: Sequence[Source]) -> None:
        """Offer ``sources`` in the source filter."""
        chosen = self.source.currentData()
        self.source.blockSignals(True)
        try:
            self.source.clear()
            self.source.addItem("All sources", _ALL)
            for source in sources:
                self.source.addItem(source.name, source.name)
            self.source.setCurrentIndex(max(0, self.source.findData(chosen)))
        finally:
            self.source.blockSignals(False)
        self._apply_filter()

    def clear_filters(self) -> None:
        """Show every event."""
        for combo in (self.source, self.environment, self.event_type):
            combo.setCurrentIndex(0)
        self.search.clear()
        self._apply_filter()

    def _build_filters(self, sources: Sequence[Source]) -> None:
        self.source = named(QComboBox(), "filter-source")
        self.source.addItem("All sources", _ALL)
        for source in sources:
            self.source.addItem(source.name, source.name)
        self.environment = named(QComboBox(), "filter-environment")
        self.environment.addItem("All environments", _ALL)
        for environment in Environment:
            self.environment.addItem(environment.value, environment.value)
        self.event_type = named(QComboBox(), "filter-type")
        self.event_type.addItem("All types", _ALL)
        for event_type in samples.event_types():
            self.event_type.addItem(event_type, event_type)
        self.search = named(QLineEdit(), "search")
        self.search.setPlaceholderText("Search names, emails, ids…")
        self.search.setClearButtonEnabled(True)
        self._search_delay = QTimer(self)
        self._search_delay.setSingleShot(True)
        self._search_delay.setInterval(SEARCH_DELAY_MS)
        self._search_delay.timeout.connect(self._apply_filter)
        self.search.textChanged.connect(lambda _text: self._search_delay.start())
        for combo in (self.source, self.environment, self.event_type):
            combo.currentIndexChanged.connect(lambda _index: self._apply_filter())
        self._filters = QHBoxLayout()
        for widget in (self.source, self.environment, self.event_type):
            self._filters.addWidget(widget)
        self._filters.addWidget(self.search, 1)

    def _build_table(self) -> None:
        self.table = named(QTableView(), "events")
        self.table.setModel(self._model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        vertical = self.table.verticalHeader()
        vertical.hide()
        # Fixed row heights keep scrolling cheap with many rows.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(_ROW_HEIGHT)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in enumerate((70, 90, 150, 170)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)

    def _apply_filter(self) -> None:
        chosen = EventFilter(
            source=self.source.currentData() or None,
            environment=self.environment.currentData() or None,
            event_type=self.event_type.currentData() or None,
            text=self.search.text(),
        )
        self._model.set_filter(chosen)

    def _on_selection(self, _selected: QItemSelection, _old: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            event_id = self._model.row_at(rows[0].row()).id
            if event_id != self._detail.event_id:
                self._detail.show_event(event_id)

    async def _load_types(self) -> None:
        known = {self.event_type.itemData(i) for i in range(self.event_type.count())}
        for event_type in await self._reader.event_types():
            if event_type not in known:
                self.event_type.addItem(event_type, event_type)

    async def _reveal(self, event_id: int) -> None:
        deadline = time.monotonic() + REVEAL_TIMEOUT_S
        if not self._model.event_filter.is_empty:
            self.clear_filters()
        while time.monotonic() < deadline:
            position = self._model.position_of(event_id)
            if position is not None:
                self._select(position)
                return
            oldest = self._model.oldest_loaded_id
            if oldest is not None and oldest > event_id:
                self._model.fetchMore(QModelIndex())
            await asyncio.sleep(0.02)
        logger.debug("Event %d is not in the list (deleted?)", event_id)

    def _select(self, position: int) -> None:
        index = self._model.index(position, 0)
        self.table.selectRow(position)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
