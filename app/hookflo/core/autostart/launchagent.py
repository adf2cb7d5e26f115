"""Start at login on macOS: a LaunchAgent in ``~/Library/LaunchAgents``.

Qt-free. launchd reads the user's LaunchAgents when they log in and runs
each one marked ``RunAtLoad``; the file is named after the bundle
identifier, which is also the job's label.
"""

import plistlib
from collections.abc import Sequence
from pathlib import Path

from hookflo.core.autostart.base import BUNDLE_ID, FileStarter


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


class LaunchAgent(FileStarter):
    """The LaunchAgent of one user (launchd forgets a removed one at login).

    Args:
        home: the user's home directory (default: the current user's).
    """

    def __init__(self, home: Path | None = None) -> None:
        root = Path.home() if home is None else home
        self.file = root / "Library" / "LaunchAgents" / f"{BUNDLE_ID}.plist"

    def content(self, command: Sequence[str]) -> bytes:
        """Return the property list that runs ``command``."""
        return plist_bytes(command)
