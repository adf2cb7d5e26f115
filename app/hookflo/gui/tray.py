"""The tray icon: its look follows the status; its menu is the HookFlo menu.

Qt speaks StatusNotifierItem over D-Bus where a tray host offers it and
XEmbed otherwise. Some desktops have no tray at all (GNOME without the
AppIndicator extension), and some start the tray after the apps (LXQt
autostart): the tray checks again every ``RECHECK_MS`` for ``RECHECK_FOR_MS``
after start and shows the icon once a tray exists, telling the app so.
"""

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from hookflo.gui import icons
from hookflo.gui.status import Status

logger = logging.getLogger(__name__)

RECHECK_MS = 2000
RECHECK_FOR_MS = 120_000


class Tray(QObject):
    """HookFlo's icon in the system tray.

    Args:
        menu: the context menu (filled by ``AppMenu``).
        available: says whether the desktop has a tray right now
            (``QSystemTrayIcon.isSystemTrayAvailable`` unless a test says).
        parent: the owning QObject.

    Signals:
        clicked: the icon was clicked (not for the menu).
        appeared: a tray showed up after start; the icon is now visible.
    """

    clicked = Signal()
    appeared = Signal()

    def __init__(
        self,
        menu: QMenu,
        *,
        available: Callable[[], bool] = QSystemTrayIcon.isSystemTrayAvailable,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._available = available
        self._status = Status()
        self.icon = QSystemTrayIcon(self)
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(self._on_icon_activated)
        self._recheck = QTimer(self)
        self._recheck.setInterval(RECHECK_MS)
        self._recheck.timeout.connect(self._on_recheck)
        self._rechecks_left = RECHECK_FOR_MS // RECHECK_MS
        self.show_status(self._status)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._redraw)

    @property
    def visible(self) -> bool:
        """Whether the icon is shown in a tray."""
        return self.icon.isVisible()

    def start(self) -> bool:
        """Show the icon if there is a tray, else keep looking for one.

        Returns:
            True if the icon is shown now.
        """
        if self._available():
            self.icon.show()
            logger.debug("Tray icon shown")
            return True
        logger.info("No system tray yet; checking again for a while")
        self._recheck.start()
        return False

    def stop(self) -> None:
        """Hide the icon and stop looking for a tray."""
        self._recheck.stop()
        self.icon.hide()

    def show_status(self, status: Status) -> None:
        """Draw the icon and the tooltip for ``status``."""
        self._status = status
        self._redraw()
        self.icon.setToolTip(status.tooltip())

    def tell(self, title: str, text: str) -> None:
        """Show a short message by the icon (only while it is shown)."""
        if self.visible:
            self.icon.showMessage(title, text, icons.app_icon(), 8000)

    def _redraw(self) -> None:
        status = self._status
        variant = icons.current_variant()
        self.icon.setIcon(icons.tray_icon(status.state, variant, status.unseen))

    def _on_icon_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.clicked.emit()

    def _on_recheck(self) -> None:
        self._rechecks_left -= 1
        if self._available():
            self._recheck.stop()
            self.icon.show()
            logger.info("A system tray appeared; the icon is shown")
            self.appeared.emit()
        elif self._rechecks_left <= 0:
            self._recheck.stop()
            logger.info("Still no system tray; HookFlo stays in its window")
