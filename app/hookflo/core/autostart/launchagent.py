"""Start at login on macOS: a LaunchAgent in ``~/Library/LaunchAgents``.

Qt-free. launchd reads the user's LaunchAgents when they log in and runs
each one marked ``RunAtLoad``; the file is named after the bundle
identifier, which is also the job's label.
"""

import logging
import plistlib
from collections.abc import Sequence
from pathlib import Path

from hookflo.core.autostart.base import BUNDLE_ID

logger = logging.getLogger(__name__)


def plist_bytes(command: Sequence[str]) -> bytes:
    """Return the LaunchAgent property list that runs ``command`` at login."""
    job = {
        "Label": BUNDLE_ID,
        "ProgramArguments": list(command),
        "RunAtLoad": True,
        # A tray app in the user's graphical session, not a background job.
        "LimitLoadToSessionType": "Aqua",
        "ProcessType": "Interactive",
    }
    return plistlib.dumps(job, fmt=plistlib.FMT_XML, sort_keys=True)


class LaunchAgent:
    """The LaunchAgent of one user.

    Args:
        home: the user's home directory (default: the current user's).
    """

    def __init__(self, home: Path | None = None) -> None:
        root = Path.home() if home is None else home
        self.file = root / "Library" / "LaunchAgents" / f"{BUNDLE_ID}.plist"

    @property
    def where(self) -> str:
        """The property list's path."""
        return str(self.file)

    def is_enabled(self) -> bool:
        """Return whether the property list exists."""
        return self.file.is_file()

    def enable(self, command: Sequence[str]) -> None:
        """Write the property list, replacing any older one whole."""
        self.file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.file.with_suffix(".tmp")
        partial.write_bytes(plist_bytes(command))
        partial.replace(self.file)
        logger.debug("Wrote the LaunchAgent %s", self.file)

    def disable(self) -> None:
        """Remove the property list (launchd forgets it at the next login)."""
        self.file.unlink(missing_ok=True)
        logger.debug("Removed the LaunchAgent %s", self.file)
