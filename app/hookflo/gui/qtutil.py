"""Small helpers for building widgets."""

import logging
from collections.abc import Callable, MutableMapping, Sequence
from typing import TypeVar

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDialog

logger = logging.getLogger(__name__)

Q = TypeVar("Q", bound=QObject)


def named(thing: Q, name: str) -> Q:
    """Give ``thing`` an object name (tests and style sheets find it by it)."""
    thing.setObjectName(name)
    return thing


def column_header(
    headers: Sequence[str], section: int, orientation: Qt.Orientation, role: int
) -> str | None:
    """Return a table model's horizontal header text, or None for anything else."""
    if orientation is not Qt.Orientation.Horizontal:
        return None
    if role != int(Qt.ItemDataRole.DisplayRole) or not 0 <= section < len(headers):
        return None
    return headers[section]


D = TypeVar("D", bound=QDialog)


def show_single(
    open_dialogs: MutableMapping[int, D], key: int, make: Callable[[], D]
) -> D:
    """Show the dialog registered under ``key``, making it first if there is none.

    The entry is dropped when the dialog finishes or is destroyed, so a key
    that is reused later never finds a dead dialog.
    """
    dialog = open_dialogs.get(key)
    if dialog is None:
        made = make()

        def forget(*_: object) -> None:
            if open_dialogs.get(key) is made:
                del open_dialogs[key]

        made.finished.connect(forget)
        made.destroyed.connect(forget)
        open_dialogs[key] = made
        dialog = made
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
