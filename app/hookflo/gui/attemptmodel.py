"""The "Refused requests" model: what the receiver turned away, and why.

Each row is one stored attempt: when, the status answered, the stable reason
code, the source and the path. The message and the hint (what to do about
it) are the tooltip and the ``HINT_ROLE``, shown beside the list. New
refusals are read as the bridge reports them, newest first.
"""

import enum
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from typing_extensions import override

from hookflo.core.store import Attempt
from hookflo.gui.background import Background
from hookflo.gui.pagedmodel import PagedTableModel
from hookflo.gui.qtutil import column_header
from hookflo.gui.reader import PAGE_SIZE, StoreReader

logger = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex

ATTEMPT_ROLE = Qt.ItemDataRole.UserRole + 1


class Column(enum.IntEnum):
    """The columns of the refused-requests list."""

    TIME = 0
    STATUS = 1
    REASON = 2
    SOURCE = 3
    PATH = 4


_HEADERS = {
    Column.TIME: "Time",
    Column.STATUS: "Status",
    Column.REASON: "Reason",
    Column.SOURCE: "Source",
    Column.PATH: "Path",
}
_HEADER_TEXTS = tuple(_HEADERS[c] for c in Column)


class AttemptTableModel(PagedTableModel[Attempt]):
    """Refused requests, newest first.

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

    def add_new(self) -> None:
        """Read the refusals recorded since the newest one shown."""
        self._background.start(self._add_new(), name="AttemptTableModel.add_new")

    @override
    async def load_page(self, before_id: int | None) -> Sequence[Attempt]:
        return await self._reader.attempts(before_id, self._page_size)

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
        attempt = self.row_at(index.row())
        if role == int(Qt.ItemDataRole.DisplayRole):
            return _display(attempt, Column(index.column()))
        if role == int(Qt.ItemDataRole.ToolTipRole):
            return explanation(attempt)
        if role == ATTEMPT_ROLE:
            return attempt
        return None

    async def _add_new(self) -> None:
        newest = self.row_at(0).id if self.rowCount() else 0
        if newest == 0 and self.loading:
            return  # the first page, on its way, brings them
        self.merge(await self._reader.attempts_after(newest, self._page_size))


def explanation(attempt: Attempt) -> str:
    """Return the message and the hint of a refusal, for people to read."""
    lines = [f"{attempt.status} {attempt.reason}: {attempt.message}"]
    if attempt.hint:
        lines.append(attempt.hint)
    return "\n".join(lines)


def _display(attempt: Attempt, column: Column) -> str:
    if column is Column.TIME:
        return datetime.fromtimestamp(attempt.received_at).strftime("%Y-%m-%d %H:%M:%S")
    if column is Column.STATUS:
        return str(attempt.status)
    if column is Column.REASON:
        return attempt.reason
    if column is Column.SOURCE:
        return attempt.source or "—"
    return f"{attempt.method} {attempt.path}"
