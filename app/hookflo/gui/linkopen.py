"""hookflo:// links the desktop hands to the running app as a Qt event.

On Linux a click on a digest's link runs ``hookflo <link>``, which reaches
the running app over its local socket (``instance``). macOS instead sends
the link to the app it registered (``CFBundleURLTypes`` in hookflo.spec) as
an Apple event, which Qt turns into a ``QFileOpenEvent`` on the application.
"""

import logging

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QFileOpenEvent
from typing_extensions import override

from hookflo.core import eventlinks

logger = logging.getLogger(__name__)


class LinkOpener(QObject):
    """Watches the application for hookflo:// links opened on the desktop.

    Install it with ``QApplication.installEventFilter``.

    Signals:
        event_requested: a link asked to show the event of this id.
    """

    event_requested = Signal(object)  # an int; may exceed 32 bits

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Take a hookflo:// link; let every other event through."""
        if event.type() != QEvent.Type.FileOpen:
            return False
        assert isinstance(event, QFileOpenEvent)
        link = event.url().toString()
        if not eventlinks.is_hookflo_url(link):
            return False
        event_id = eventlinks.parse_event_url(link)
        if event_id is None:
            logger.warning("Ignored a link HookFlo cannot open: %r", link[:200])
        else:
            logger.info("The desktop asked for event %d", event_id)
            self.event_requested.emit(event_id)
        return True
