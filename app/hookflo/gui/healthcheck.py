"""Keep the endpoint health in the status: every minute, and soon after news.

The core (``hookflo.core.health``) reads the facts from the store in a worker
thread; this only schedules that and hands the lines to the status tracker,
whose tray tooltip, menu line and window status bar show them.
"""

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from hookflo.core.config import Source
from hookflo.core.health import advice, facts
from hookflo.gui.background import Background
from hookflo.gui.status import StatusTracker

logger = logging.getLogger(__name__)

CHECK_EVERY_MS = 60_000
SOON_MS = 2_000


class HealthCheck(QObject):
    """Refreshes the tracker's endpoint health.

    Args:
        database_file: the event store.
        sources: returns the configured sources (they change with settings).
        tracker: receives the lines and the warnings.
        background: runs the read.
        clock: wall-clock seconds.
        parent: the owning QObject.
    """

    def __init__(
        self,
        database_file: Path,
        sources: Callable[[], Sequence[Source]],
        tracker: StatusTracker,
        background: Background,
        *,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._database_file = database_file
        self._sources = sources
        self._tracker = tracker
        self._background = background
        self._clock = clock
        self._every = QTimer(self)
        self._every.setInterval(CHECK_EVERY_MS)
        self._every.timeout.connect(self.refresh)
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(SOON_MS)
        self._soon.timeout.connect(self.refresh)

    def start(self) -> None:
        """Check now and every minute."""
        self._every.start()
        self.refresh()

    def stop(self) -> None:
        """Stop checking."""
        self._every.stop()
        self._soon.stop()

    def refresh_soon(self) -> None:
        """Check in a moment (events or refusals just arrived)."""
        if not self._soon.isActive():
            self._soon.start()

    def refresh(self) -> None:
        """Check now, in the background."""
        self._background.start(self._load(), name="endpoint-health")

    async def _load(self) -> None:
        found = await asyncio.to_thread(
            facts.read,
            self._database_file,
            list(self._sources()),
            self._clock(),
            running=True,
        )
        if found is None:
            return
        warnings = [
            f"{c.text}. {c.steps}" if c.steps else c.text
            for c in advice.concerns(found)
        ]
        self._tracker.set_health(advice.summary(found), warnings)
