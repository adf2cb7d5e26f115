"""The part every settings page plays in loading, checking and saving.

A page shows a part of the settings, adds its tables to the TOML the dialog
checks with the real parser, stages its keyring changes, and shows a fault
the parser found under one of its keys next to the field.
"""

import logging
from typing import Any

from PySide6.QtWidgets import QWidget

from hookflo.core.config import Config
from hookflo.gui.context import AppContext
from hookflo.gui.offthread import OffThread
from hookflo.gui.settings.model import SecretChange

logger = logging.getLogger(__name__)


class Page(QWidget):
    """A page of the settings dialog; the defaults do nothing.

    Args:
        context: the running app's shared state.
        work: runs blocking calls off the UI thread.
    """

    title = ""

    def __init__(
        self, context: AppContext, work: OffThread, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.work = work

    def keyring_entries(self) -> list[str]:
        """Return the keyring entries this page shows."""
        return []

    def keyring_loaded(self, found: dict[str, str] | None, problem: str) -> None:
        """Show what the keyring holds; ``found`` is None when it is unreadable."""

    def contribute(self, table: dict[str, Any]) -> None:
        """Put this page's values into ``table`` (the TOML about to be checked)."""

    def validate(self) -> bool:
        """Check what the parser cannot (secrets, combinations); show faults."""
        return True

    def secret_changes(self) -> list[SecretChange]:
        """Return the keyring changes to make on Save (valid after ``validate``)."""
        return []

    def removed_sources(self) -> list[str]:
        """Return the sources removed on this page, whose secrets go too."""
        return []

    def show_problem(self, key: str, message: str) -> bool:
        """Show the parser's ``message`` about ``key``; False if not this page's."""
        return False

    def show_secret_problem(self, entry: str, message: str) -> bool:
        """Show why the keyring refused ``entry``; False if not this page's."""
        return False

    def clear_problems(self) -> None:
        """Hide the faults shown by the last Save."""

    def saved(self, config: Config) -> None:
        """Take ``config`` as the saved state; the staged changes are done."""
