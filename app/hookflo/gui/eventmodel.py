"""The event list's model: stored events, newest first, live and filtered.

Rows come from ``StoreReader`` a page at a time (see ``pagedmodel``). New
events arrive as ids from the bridge; only those that pass the current
filter are read and inserted at the top. Delivery changes update the
"Alerts" cell of the rows they concern. A new filter reloads from the first
page, with the filter applied in SQL.

Rows Clerk did not send say so: a caught-up user (listed from Clerk's API
after time offline) is marked "caught up" beside its type, and a change
HookFlo derived shows its own type and, as a tooltip, the event it was read
out of (the detail pane opens that one); a change read out of a caught-up
event is marked "caught up" as well.
"""

import dataclasses
import enum
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from typing_extensions import override

from hookflo.gui.background import Background
from hookflo.gui.pagedmodel import PagedTableModel
from hookflo.gui.qtutil import column_header
from hookflo.gui.reader import PAGE_SIZE, StoreReader
from hookflo.gui.records import EventFilter, EventRow

logger = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex

EVENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2

_STATE_MARKS = {
    "pending": "…",
    "sending": "…",
    "sent": "✓",
    "retrying": "↻",
    "failed": "✗",
}
_ENVIRONMENT_COLOURS = {"production": "#dcfce7", "development": "#fef3c7"}
CAUGHT_UP_MARK = "caught up"


class Column(enum.IntEnum):
    """The columns of the event list."""

    TIME = 0
    ENVIRONMENT = 1
    TYPE = 2
    WHO = 3
    ALERTS = 4


_HEADERS = {
    Column.TIME: "Time",
    Column.ENVIRONMENT: "Environment",
    Column.TYPE: "Type",
    Column.WHO: "Who",
    Column.ALERTS: "Alerts",
}
_HEADER_TEXTS = tuple(_HEADERS[c] for c in Column)


class EventTableModel(PagedTableModel[EventRow]):
    """Stored events for the event list.

    Args:
        reader: reads the rows off the UI thread.
        background: runs the reads.
        page_size: rows per page.
    """

    def __init__(
        self,
        reader: StoreReader,
        background: Background,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(background, page_size=page_size)
        self._reader = reader
        self._filter = EventFilter()

    @property
    def event_filter(self) -> EventFilter:
        """The filter the rows pass."""
        return self._filter

    def set_filter(self, event_filter: EventFilter) -> None:
        """Show only events that pass ``event_filter`` (reloads if it changed)."""
        if event_filter != self._filter:
            self._filter = event_filter
            self.reload()

    def add_events(self, event_ids: Sequence[int]) -> None:
        """Insert newly stored events that pass the filter."""
        self._background.start(
            self._add_events(list(event_ids), self._filter),
            name="EventTableModel.add_events",
        )

    def update_deliveries(self, delivery_ids: Sequence[int]) -> None:
        """Refresh the "Alerts" cell of the events these deliveries belong to."""
        self._background.start(
            self._update_deliveries(list(delivery_ids)),
            name="EventTableModel.update_deliveries",
        )

    @override
    async def load_page(self, before_id: int | None) -> Sequence[EventRow]:
        return await self._reader.event_rows(self._filter, before_id, self._page_size)

    @override
    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    @override
    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        return column_header(_HEADER_TEXTS, section, orientation, role)

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        row = self.row_at(index.row())
        column = Column(index.column())
        if role == int(Qt.ItemDataRole.DisplayRole):
            return _display(row, column)
        if role == int(Qt.ItemDataRole.ToolTipRole):
            return _tooltip(row)
        if role == int(Qt.ItemDataRole.BackgroundRole):
            if column is Column.ENVIRONMENT:
                return QColor(_ENVIRONMENT_COLOURS.get(row.environment, "#e5e7eb"))
            return None
        if role == int(Qt.ItemDataRole.ForegroundRole):
            if column is Column.ENVIRONMENT:
                return QColor("#111827")
            return None
        if role == EVENT_ID_ROLE:
            return row.id
        if role == ROW_ROLE:
            return row
        return None

    async def _add_events(
        self, event_ids: list[int], event_filter: EventFilter
    ) -> None:
        rows = await self._reader.event_rows_by_id(event_ids, event_filter)
        if event_filter == self._filter:  # else the reload reads them anyway
            self.merge(rows)

    async def _update_deliveries(self, delivery_ids: list[int]) -> None:
        states = await self._reader.delivery_states(delivery_ids)
        changed = []
        for event_id, deliveries in states.items():
            position = self.position_of(event_id)
            if position is not None:
                row = self.row_at(position)
                changed.append(_with_deliveries(row, deliveries))
        self.replace(changed)


def _with_deliveries(
    row: EventRow, deliveries: tuple[tuple[str, str], ...]
) -> EventRow:
    return dataclasses.replace(row, deliveries=deliveries)


def _display(row: EventRow, column: Column) -> str:
    if column is Column.TIME:
        return _when(row.received_at)
    if column is Column.ENVIRONMENT:
        badge = "PROD" if row.environment == "production" else "DEV"
        return f"{badge} · TEST" if row.is_test else badge
    if column is Column.TYPE:
        shown = row.type or "(no type)"
        return f"{shown} · {CAUGHT_UP_MARK}" if row.is_caught_up else shown
    if column is Column.WHO:
        return row.who
    return alerts_text(row.deliveries)


def _tooltip(row: EventRow) -> str:
    lines = [row.headline or row.type]
    if row.is_derived and row.derived_from is not None:
        lines.append(f"Read out of event {row.derived_from}")
    if row.is_caught_up:
        lines.append("Caught up from Clerk after HookFlo was offline")
    return "\n".join(lines)


def alerts_text(deliveries: Sequence[tuple[str, str]]) -> str:
    """Return "desktop ✓  slack ↻" for the deliveries of one event."""
    if not deliveries:
        return "—"
    return "  ".join(
        f"{channel} {_STATE_MARKS.get(state, state)}" for channel, state in deliveries
    )


def _when(received_at: float) -> str:
    moment = datetime.fromtimestamp(received_at)
    if moment.date() == datetime.now().date():
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%Y-%m-%d %H:%M")
