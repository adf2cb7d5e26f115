"""The tray and window icons, drawn from the SVGs shipped in the package.

Each state has a light variant (dark strokes, for light panels) and a dark
variant (light strokes, for dark panels); the colour scheme Qt reports picks
one. The files are read with ``importlib.resources``, so they load the same
from a checkout, an installed wheel or a frozen bundle. A missing or broken
file raises: it is a packaging bug for the tests to catch, never a tray that
silently shows nothing.
"""

import enum
import functools
import logging
from importlib import resources

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QIcon,
    QPainter,
    QPixmap,
)
from PySide6.QtSvg import QSvgRenderer

from hookflo.gui.status import TrayState

logger = logging.getLogger(__name__)

ICON_PACKAGE = "hookflo.resources"
ICON_FOLDER = "icons"
SIZES = (16, 22, 24, 32, 48, 64)
_BADGE_COLOUR = "#2563eb"


class Variant(enum.StrEnum):
    """Which panel colour an icon is drawn for."""

    LIGHT = "light"
    DARK = "dark"


class IconError(RuntimeError):
    """An icon file is missing from the package or is not a valid SVG."""


def file_name(state: TrayState, variant: Variant) -> str:
    """Return the file name of a state's icon in ``resources/icons``."""
    return f"tray-{state}-{variant}.svg"


def svg_bytes(state: TrayState, variant: Variant) -> bytes:
    """Return the SVG of a state's icon.

    Raises:
        IconError: the file is not in the package.
    """
    name = file_name(state, variant)
    resource = resources.files(ICON_PACKAGE).joinpath(ICON_FOLDER, name)
    try:
        return resource.read_bytes()
    except OSError as err:
        raise IconError(f"The icon {name} is missing from the package") from err


def current_variant() -> Variant:
    """Return the variant that suits the desktop's colour scheme."""
    scheme = QGuiApplication.styleHints().colorScheme()
    return Variant.DARK if scheme is Qt.ColorScheme.Dark else Variant.LIGHT


def tray_icon(state: TrayState, variant: Variant, count: int = 0) -> QIcon:
    """Return the icon of ``state``; the new-events icon shows ``count``."""
    icon = QIcon()
    for size in SIZES:
        pixmap = _pixmap(state, variant, size)
        if state is TrayState.NEW and count > 0:
            pixmap = _with_count(pixmap, count)
        icon.addPixmap(pixmap)
    return icon


def app_icon() -> QIcon:
    """Return the window icon (the healthy look)."""
    return tray_icon(TrayState.HEALTHY, current_variant())


@functools.cache
def _renderer_bytes(state: TrayState, variant: Variant) -> bytes:
    data = svg_bytes(state, variant)
    if not QSvgRenderer(QByteArray(data)).isValid():
        raise IconError(f"The icon {file_name(state, variant)} is not a valid SVG")
    return data


def _pixmap(state: TrayState, variant: Variant, size: int) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(_renderer_bytes(state, variant)))
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
    finally:
        painter.end()
    return pixmap


def _with_count(pixmap: QPixmap, count: int) -> QPixmap:
    """Write ``count`` into the badge at the lower right of the new icon."""
    text = str(count) if count < 100 else "99+"
    size = pixmap.width()
    badge = QRectF(size * 0.5, size * 0.5, size * 0.5, size * 0.5)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(_BADGE_COLOUR))
        painter.drawEllipse(badge)
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(6, int(size * (0.3 if len(text) == 1 else 0.22))))
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
    finally:
        painter.end()
    return pixmap
