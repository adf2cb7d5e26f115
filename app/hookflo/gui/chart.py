"""Signups per hour or per day, production and development apart, in QPainter.

Each bucket gets two bars side by side: production (green) and development
(amber). Test events are not signups and are left out. The page reads the
counts off the UI thread when it is shown, and again when events arrive while
it is visible.
"""

import logging
import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from hookflo.gui.background import Background
from hookflo.gui.reader import StoreReader
from hookflo.gui.records import SignupBucket

logger = logging.getLogger(__name__)

PRODUCTION_COLOUR = "#16a34a"
DEVELOPMENT_COLOUR = "#d97706"
REFRESH_DELAY_MS = 1000
_GRID_LINES = 4
_MARGIN_LEFT, _MARGIN_RIGHT, _MARGIN_TOP, _MARGIN_BOTTOM = 40, 12, 28, 36


class SignupChart(QWidget):
    """A bar chart of signups per bucket."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._buckets: list[SignupBucket] = []
        self._by_day = False
        self.setMinimumSize(360, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    @property
    def buckets(self) -> list[SignupBucket]:
        """The counts drawn."""
        return list(self._buckets)

    def set_buckets(self, buckets: Sequence[SignupBucket], *, by_day: bool) -> None:
        """Draw ``buckets`` (per day when ``by_day``, else per hour)."""
        self._buckets = list(buckets)
        self._by_day = by_day
        self.update()

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        plot = QRectF(
            _MARGIN_LEFT,
            _MARGIN_TOP,
            max(1.0, self.width() - _MARGIN_LEFT - _MARGIN_RIGHT),
            max(1.0, self.height() - _MARGIN_TOP - _MARGIN_BOTTOM),
        )
        text_pen = QPen(palette.text().color())
        painter.setPen(text_pen)
        span = "per day, last 30 days" if self._by_day else "per hour, last 24 hours"
        painter.drawText(
            QRectF(0, 4, self.width(), 20),
            Qt.AlignmentFlag.AlignHCenter,
            f"Signups {span}",
        )
        highest = max([1, *(max(b.production, b.development) for b in self._buckets)])
        top = _GRID_LINES * math.ceil(highest / _GRID_LINES)  # whole-number ticks
        self._paint_grid(painter, plot, top, text_pen)
        if not self._buckets:
            return
        slot = plot.width() / len(self._buckets)
        bar = max(1.0, slot * 0.38)
        label_every = max(1, round(len(self._buckets) / 8))
        for index, bucket in enumerate(self._buckets):
            left = plot.left() + index * slot + slot * 0.1
            for offset, count, colour in (
                (0.0, bucket.production, PRODUCTION_COLOUR),
                (bar, bucket.development, DEVELOPMENT_COLOUR),
            ):
                height = plot.height() * count / top
                painter.fillRect(
                    QRectF(left + offset, plot.bottom() - height, bar, height),
                    QColor(colour),
                )
            if index % label_every == 0:
                painter.setPen(text_pen)
                label = bucket.label[8:10] if self._by_day else bucket.label[11:13]
                painter.drawText(
                    QRectF(left - slot, plot.bottom() + 4, slot * 3, 16),
                    Qt.AlignmentFlag.AlignHCenter,
                    label,
                )
        self._paint_legend(painter, plot)

    def _paint_grid(
        self, painter: QPainter, plot: QRectF, top: int, text_pen: QPen
    ) -> None:
        grid = QPen(QColor(128, 128, 128, 80))
        for step in range(_GRID_LINES + 1):
            value = top * step // _GRID_LINES
            y = plot.bottom() - plot.height() * step / _GRID_LINES
            painter.setPen(grid)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text_pen)
            painter.drawText(
                QRectF(0, y - 8, _MARGIN_LEFT - 6, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                str(value),
            )

    def _paint_legend(self, painter: QPainter, plot: QRectF) -> None:
        y = plot.bottom() + 20
        x = plot.left()
        for name, colour in (
            ("production", PRODUCTION_COLOUR),
            ("development", DEVELOPMENT_COLOUR),
        ):
            painter.fillRect(QRectF(x, y + 3, 10, 10), QColor(colour))
            painter.drawText(QRectF(x + 14, y, 100, 16), name)
            x += 110


class ChartPage(QWidget):
    """The chart with its hour/day switch and the totals.

    Args:
        reader: reads the counts.
        background: runs the reads.
    """

    def __init__(
        self, reader: StoreReader, background: Background, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._reader = reader
        self._background = background
        self.chart = SignupChart()
        self.per_hour = QPushButton("Per hour")
        self.per_day = QPushButton("Per day")
        for button in (self.per_hour, self.per_day):
            button.setCheckable(True)
        self.per_hour.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.per_hour)
        group.addButton(self.per_day)
        group.buttonClicked.connect(lambda _button: self.refresh())
        self.totals = QLabel("")
        bar = QHBoxLayout()
        bar.addWidget(self.per_hour)
        bar.addWidget(self.per_day)
        bar.addStretch(1)
        bar.addWidget(self.totals)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.chart, 1)
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(REFRESH_DELAY_MS)
        self._later.timeout.connect(self.refresh)

    def refresh(self) -> None:
        """Read the counts again and redraw."""
        by_day = self.per_day.isChecked()
        self._background.start(self._load(by_day), name="ChartPage.load")

    def refresh_soon(self) -> None:
        """Redraw in a moment if shown (events keep arriving in bursts)."""
        if self.isVisible() and not self._later.isActive():
            self._later.start()

    async def _load(self, by_day: bool) -> None:
        buckets = await self._reader.signups(by_day=by_day)
        if by_day != self.per_day.isChecked():
            return
        self.chart.set_buckets(buckets, by_day=by_day)
        production = sum(b.production for b in buckets)
        development = sum(b.development for b in buckets)
        self.totals.setText(f"production {production} · development {development}")
