"""Settings page: which channels each event type goes to, per environment.

One grid per environment: rows are event types (and "any other event"),
columns the channels. The grid is read from the ``[[routes]]`` rules and,
once changed, saved as rules that route the same (``core.routegrid``); an
untouched grid leaves the rules exactly as they were.
"""

import logging
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hookflo.core import alertconfig, configwrite, routegrid, setupprogress
from hookflo.core.channels.base import ChannelName
from hookflo.core.config import Config, Environment
from hookflo.gui.context import AppContext
from hookflo.gui.offthread import OffThread
from hookflo.gui.settings.page import Page
from hookflo.gui.settings.widgets import Message

logger = logging.getLogger(__name__)

ANY_OTHER_LABEL = "Any other event"
_CHANNELS = tuple(ChannelName)


class RoutingPage(Page):
    """A grid of event types by channels, for production and for development."""

    title = "Routing"

    def __init__(
        self, context: AppContext, work: OffThread, parent: QWidget | None = None
    ) -> None:
        super().__init__(context, work, parent)
        self._touched = False
        self._types: list[str] = []
        self.tabs = QTabWidget(self)
        self.grids: dict[Environment, QTableWidget] = {}
        for environment in (Environment.PRODUCTION, Environment.DEVELOPMENT):
            grid = QTableWidget(self.tabs)
            grid.itemChanged.connect(self._on_grid_item_changed)
            self.grids[environment] = grid
            self.tabs.addTab(grid, environment.value.capitalize())
        intro = QLabel(
            "Tick where each kind of event should be announced. Events are "
            "always stored and shown in HookFlo's window; this only decides the "
            "alerts. Recommended events are in bold.",
            self,
        )
        intro.setWordWrap(True)
        self.message = Message(self)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        self._load(context.config)

    def grid(self, environment: Environment) -> routegrid.Grid:
        """Return the grid of ``environment`` as ticked."""
        table = self.grids[environment]
        result: routegrid.Grid = {}
        for row, name in enumerate([routegrid.ANY_OTHER, *self._types]):
            ticked = set()
            for column, channel in enumerate(_CHANNELS):
                item = table.item(row, column)
                if item is not None and item.checkState() == Qt.CheckState.Checked:
                    ticked.add(channel)
            result[name] = frozenset(ticked)
        return result

    def contribute(self, table: dict[str, Any]) -> None:
        """Replace ``[[routes]]`` with the grid's rules, if the grid changed."""
        if not self._touched:
            return
        routes = routegrid.routes_from_grid({e: self.grid(e) for e in self.grids})
        tables = configwrite.routes_table(routes)
        if tables is None:
            table.pop("routes", None)
        else:
            table["routes"] = tables

    def show_problem(self, key: str, message: str) -> bool:
        """Show a fault in ``routes`` under the grid."""
        if not key.startswith("routes"):
            return False
        self.message.error(message)
        return True

    def clear_problems(self) -> None:
        """Hide the fault of the last Save."""
        self.message.clear_message()

    def saved(self, config: Config) -> None:
        """Show the rules as saved."""
        self._load(config)

    @Slot(QTableWidgetItem)
    def _on_grid_item_changed(self, _item: QTableWidgetItem) -> None:
        self._touched = True

    def _load(self, settings: Config) -> None:
        self._types = routegrid.event_types(settings.routes)
        self._touched = False
        channels = settings.channels
        set_up = {
            ChannelName.DESKTOP: channels.desktop.enabled,
            ChannelName.SLACK: channels.slack is not None,
            ChannelName.EMAIL: channels.email is not None,
        }
        headers = [
            c.value.capitalize() + ("" if set_up[c] else " (not set up)")
            for c in _CHANNELS
        ]
        for environment, table in self.grids.items():
            grid = routegrid.grid_from_routes(settings.routes, environment, self._types)
            self._fill(table, grid, headers)
        is_default = settings.routes == alertconfig.default_routes()
        self.message.note("These are HookFlo's default rules." if is_default else "")

    def _fill(
        self, table: QTableWidget, grid: routegrid.Grid, headers: list[str]
    ) -> None:
        rows = [routegrid.ANY_OTHER, *self._types]
        table.blockSignals(True)
        table.clear()
        table.setRowCount(len(rows))
        table.setColumnCount(len(_CHANNELS))
        table.setHorizontalHeaderLabels(headers)
        table.setVerticalHeaderLabels(
            [ANY_OTHER_LABEL if r == routegrid.ANY_OTHER else r for r in rows]
        )
        bold = QFont()
        bold.setBold(True)
        for row, name in enumerate(rows):
            if name in setupprogress.RECOMMENDED_EVENTS:
                header = table.verticalHeaderItem(row)
                if header is not None:
                    header.setFont(bold)
            for column, channel in enumerate(_CHANNELS):
                item = QTableWidgetItem()
                item.setFlags(
                    Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
                )
                checked = channel in grid[name]
                item.setCheckState(
                    Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
                )
                table.setItem(row, column, item)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        table.blockSignals(False)
