"""The delivery history of one event: a row per channel, with its outcome.

A handful of rows, replaced whole whenever the detail pane shows another
event or a delivery of this one moves.
"""

import enum
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from typing_extensions import override

from hookflo.core.alerting.outboxstore import Delivery, State
from hookflo.gui.qtutil import column_header

logger = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex

DELIVERY_ROLE = Qt.ItemDataRole.UserRole + 1


class Column(enum.IntEnum):
    """The columns of the delivery history."""

    CHANNEL = 0
    STATE = 1
    TRIES = 2
    UPDATED = 3
    DETAIL = 4


_HEADERS = {
    Column.CHANNEL: "Channel",
    Column.STATE: "State",
    Column.TRIES: "Tries",
    Column.UPDATED: "Last change",
    Column.DETAIL: "Answer or error",
}
_HEADER_TEXTS = tuple(_HEADERS[c] for c in Column)


class DeliveryTableModel(QAbstractTableModel):
    """The deliveries of the event the detail pane shows."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Delivery] = []

    def set_deliveries(self, deliveries: Sequence[Delivery]) -> None:
        """Show ``deliveries`` instead of the current rows."""
        self.beginResetModel()
        self._rows = list(deliveries)
        self.endResetModel()

    def delivery_at(self, row: int) -> Delivery:
        """Return the delivery shown at position ``row``."""
        return self._rows[row]

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

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
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        delivery = self._rows[index.row()]
        if role in (
            int(Qt.ItemDataRole.DisplayRole),
            int(Qt.ItemDataRole.ToolTipRole),
        ):
            return _display(delivery, Column(index.column()))
        if role == DELIVERY_ROLE:
            return delivery
        return None


def _display(delivery: Delivery, column: Column) -> str:
    if column is Column.CHANNEL:
        return delivery.channel
    if column is Column.STATE:
        return _STATE_WORDS.get(delivery.state, delivery.state.value)
    if column is Column.TRIES:
        return str(delivery.tries)
    if column is Column.UPDATED:
        return datetime.fromtimestamp(delivery.updated_at).strftime("%H:%M:%S")
    if delivery.state is State.SENT:
        return delivery.answer or ""
    return delivery.last_error or ""


_STATE_WORDS = {
    State.PENDING: "waiting",
    State.SENDING: "sending",
    State.SENT: "sent",
    State.RETRYING: "retrying",
    State.FAILED: "failed",
}
