"""Small helpers for building widgets."""

import logging
from typing import TypeVar

from PySide6.QtCore import QObject

logger = logging.getLogger(__name__)

Q = TypeVar("Q", bound=QObject)


def named(thing: Q, name: str) -> Q:
    """Give ``thing`` an object name (tests and style sheets find it by it)."""
    thing.setObjectName(name)
    return thing
