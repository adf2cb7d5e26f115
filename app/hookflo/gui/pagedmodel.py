"""A table model over rows kept newest first, loaded a page at a time.

Views ask for more rows as they scroll (``canFetchMore``/``fetchMore``); a
page is read in the background and inserted when it arrives, so neither
scrolling nor a store of 100,000 rows ever blocks the UI. New rows found
later (a live event) are merged by id into their place with
``beginInsertRows``; nothing already shown is read again.
"""

import bisect
import logging
from collections.abc import Iterable, Sequence
from typing import Generic, Protocol, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Signal,
)
from typing_extensions import override

from hookflo.gui.background import Background

logger = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex


class HasId(Protocol):
    """A row with a stable, unique, increasing id."""

    @property
    def id(self) -> int:
        """The row's id; newer rows have larger ids."""
        ...


Row = TypeVar("Row", bound=HasId)


class PagedTableModel(QAbstractTableModel, Generic[Row]):
    """Rows sorted by descending id, paged in on demand.

    Subclasses implement ``load_page`` and the column methods of
    ``QAbstractTableModel`` (``columnCount``, ``data``, ``headerData``).

    Args:
        background: runs the page loads.
        page_size: how many rows a full page holds.

    Signals:
        page_loaded: a page (possibly empty) was merged in.
    """

    page_loaded = Signal()

    def __init__(self, background: Background, *, page_size: int) -> None:
        super().__init__()
        self._background = background
        self._page_size = page_size
        self._rows: list[Row] = []
        self._ids: set[int] = set()
        self._cursor: int | None = None  # the oldest id a page brought
        self._exhausted = False
        self._loading = False
        self._generation = 0

    async def load_page(self, before_id: int | None) -> Sequence[Row]:
        """Return up to a page of rows older than ``before_id``, newest first."""
        raise NotImplementedError

    def row_at(self, row: int) -> Row:
        """Return the row shown at position ``row``."""
        return self._rows[row]

    def position_of(self, row_id: int) -> int | None:
        """Return where the row with ``row_id`` is shown, or None."""
        if row_id not in self._ids:
            return None
        position = bisect.bisect_left(self._rows, -row_id, key=lambda r: -r.id)
        return position

    @property
    def loading(self) -> bool:
        """Whether a page is being read."""
        return self._loading

    @property
    def exhausted(self) -> bool:
        """Whether the last page has been read (no more rows to fetch)."""
        return self._exhausted and not self._loading

    @property
    def oldest_loaded_id(self) -> int | None:
        """The smallest id a page has brought, None before the first page."""
        return self._cursor

    def reload(self) -> None:
        """Forget every row and read the first page again."""
        self._generation += 1
        self.beginResetModel()
        self._rows, self._ids = [], set()
        self._cursor, self._exhausted, self._loading = None, False, False
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def merge(self, rows: Iterable[Row]) -> None:
        """Insert the rows not shown yet, each in its place by id."""
        fresh = sorted(
            {r.id: r for r in rows if r.id not in self._ids}.values(),
            key=lambda r: -r.id,
        )
        start = 0
        while start < len(fresh):
            position = bisect.bisect_left(
                self._rows, -fresh[start].id, key=lambda r: -r.id
            )
            end = start + 1
            following = self._rows[position].id if position < len(self._rows) else None
            while end < len(fresh) and (following is None or fresh[end].id > following):
                end += 1
            run = fresh[start:end]
            self.beginInsertRows(QModelIndex(), position, position + len(run) - 1)
            self._rows[position:position] = run
            self._ids.update(r.id for r in run)
            self.endInsertRows()
            start = end

    def replace(self, rows: Iterable[Row]) -> None:
        """Show new versions of rows already shown (same ids)."""
        for new in rows:
            position = self.position_of(new.id)
            if position is None:
                continue
            self._rows[position] = new
            self.dataChanged.emit(
                self.index(position, 0),
                self.index(position, self.columnCount() - 1),
            )

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    @override
    def canFetchMore(self, parent: Index) -> bool:
        if parent.isValid():
            return False
        return not self._exhausted and not self._loading

    @override
    def fetchMore(self, parent: Index) -> None:
        if not self.canFetchMore(parent):
            return
        self._loading = True
        self._background.start(
            self._fetch(self._generation, self._cursor),
            name=f"{type(self).__name__}.fetch",
        )

    async def _fetch(self, generation: int, cursor: int | None) -> None:
        try:
            rows = await self.load_page(cursor)
        finally:
            if generation == self._generation:
                self._loading = False
        if generation != self._generation:
            return  # the rows were reloaded meanwhile (a new filter)
        if rows:
            oldest = min(r.id for r in rows)
            self._cursor = oldest if cursor is None else min(cursor, oldest)
        self._exhausted = len(rows) < self._page_size
        self.merge(rows)
        self.page_loaded.emit()
