"""The one interface every platform's start-at-login mechanism offers.

Qt-free. A mechanism knows where its entry lives and writes or removes it;
``hookflo.core.autostart`` picks the one for this system, turns failures
into plain messages, and decides which command the entry runs.
"""

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

logger = logging.getLogger(__name__)

# The macOS bundle identifier, also the LaunchAgent's label. NOTE: the same
# string is BUNDLE_ID in hookflo.spec; a test keeps the two equal.
BUNDLE_ID = "dev.hookflo.desktop"
DISPLAY_NAME = "HookFlo"


class LoginStarter(Protocol):
    """Starts a command when the user logs in."""

    @property
    def where(self) -> str:
        """Where the entry lives, for messages (a path or a registry key)."""
        ...

    def is_enabled(self) -> bool:
        """Return whether an entry exists."""
        ...

    def enable(self, command: Sequence[str]) -> None:
        """Write the entry that runs ``command`` at login.

        Raises:
            OSError: the entry cannot be written.
        """
        ...

    def disable(self) -> None:
        """Remove the entry; nothing happens when there is none.

        Raises:
            OSError: the entry cannot be removed.
        """
        ...


class FileStarter:
    """A starter whose entry is one file, written whole or removed.

    Subclasses set ``file`` and say what the file holds in ``content``.
    """

    file: Path

    @property
    def where(self) -> str:
        """The entry's path."""
        return str(self.file)

    def content(self, command: Sequence[str]) -> bytes:
        """Return the file that runs ``command`` at login."""
        raise NotImplementedError

    def is_enabled(self) -> bool:
        """Return whether the file exists."""
        return self.file.is_file()

    def enable(self, command: Sequence[str]) -> None:
        """Write the file, replacing any older one whole."""
        self.file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.file.with_suffix(".tmp")
        partial.write_bytes(self.content(command))
        partial.replace(self.file)
        logger.debug("Wrote the start-at-login entry %s", self.file)

    def disable(self) -> None:
        """Remove the file."""
        self.file.unlink(missing_ok=True)
        logger.debug("Removed the start-at-login entry %s", self.file)
