"""The one interface every platform's start-at-login mechanism offers.

Qt-free. A mechanism knows where its entry lives and writes or removes it;
``hookflo.core.autostart`` picks the one for this system, turns failures
into plain messages, and decides which command the entry runs.
"""

from collections.abc import Sequence
from typing import Protocol

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
