"""Small helpers for building widgets."""

import logging
from collections.abc import Sequence
from typing import TypeVar

from PySide6.QtCore import QObject, Qt

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
