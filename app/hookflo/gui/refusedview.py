"""The "Refused requests" page: every request turned away, and what to do.

The list shows when, the status and the reason code; beside it the selected
refusal's message and hint say why Clerk's test event failed (a wrong
secret, a skewed clock, the development secret on the production source, …)
and how to fix it. The newest refusal is selected when none is.
"""

import logging

from PySide6.QtCore import QItemSelection, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hookflo.gui.attemptmodel import AttemptTableModel, explanation

logger = logging.getLogger(__name__)

_NOTHING = "No request has been refused. Clerk's deliveries all verified."


class RefusedView(QWidget):
    """The list of refused requests with the selected one's hint.

    Args:
        model: the refused requests.
    """

    def __init__(self, model: AttemptTableModel, parent: QWidget | None = None):
        super().__init__(parent)
        self._model = model
        self.table = QTableView()
        self.table.setObjectName("refused")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(False)
        self.hint = QLabel(_NOTHING)
        self.hint.setObjectName("refusal-hint")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint.setMargin(8)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.hint)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        model.rowsInserted.connect(self._on_rows_inserted)
        model.modelReset.connect(self._on_rows_inserted)

    def _on_selection(self, _selected: QItemSelection, _old: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.hint.setText(_NOTHING if not self._model.rowCount() else "")
            return
        self.hint.setText(explanation(self._model.row_at(rows[0].row())))

    def _on_rows_inserted(self, *_args: QModelIndex | int) -> None:
        if self._model.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
