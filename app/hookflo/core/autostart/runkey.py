r"""Start at login on Windows: a value under the user's ``Run`` registry key.

Qt-free. Windows runs every command listed under
``HKCU\Software\Microsoft\Windows\CurrentVersion\Run`` when the user
logs in. The registry is reached through ``winreg``, handed in as an object
so that the calls can be checked on systems that have no registry.
"""

import importlib
import logging
import subprocess
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, cast

from hookflo.core.autostart.base import DISPLAY_NAME

logger = logging.getLogger(__name__)

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
VALUE_NAME = DISPLAY_NAME


class Registry(Protocol):
    """The part of ``winreg`` used here (the names are winreg's own)."""

    HKEY_CURRENT_USER: int
    KEY_QUERY_VALUE: int
    KEY_SET_VALUE: int
    REG_SZ: int

    def OpenKey(  # noqa: N802
        self, key: int, sub_key: str, reserved: int, access: int
    ) -> AbstractContextManager[Any]:
        """Open an existing key; FileNotFoundError if there is none."""
        ...

    def CreateKeyEx(  # noqa: N802
        self, key: int, sub_key: str, reserved: int, access: int
    ) -> AbstractContextManager[Any]:
        """Open a key, creating it when it is missing."""
        ...

    def QueryValueEx(self, key: Any, name: str) -> tuple[Any, int]:  # noqa: N802
        """Return a value's data and type; FileNotFoundError if missing."""
        ...

    def SetValueEx(  # noqa: N802
        self, key: Any, name: str, reserved: int, type: int, value: str
    ) -> None:
        """Create or replace a value."""
        ...

    def DeleteValue(self, key: Any, name: str) -> None:  # noqa: N802
        """Delete a value; FileNotFoundError if missing."""
        ...


def command_line(command: Sequence[str]) -> str:
    """Return ``command`` quoted as Windows programs parse their arguments."""
    return subprocess.list2cmdline(list(command))


class RunKey:
    """HookFlo's value under the current user's ``Run`` key.

    Args:
        registry: the ``winreg`` module, or a stand-in with its interface
            (default: ``winreg``, which exists on Windows only).
    """

    def __init__(self, registry: Registry | None = None) -> None:
        self._registry = registry

    @property
    def where(self) -> str:
        """The registry value's full name."""
        return f"HKEY_CURRENT_USER\\{RUN_KEY}\\{VALUE_NAME}"

    @property
    def registry(self) -> Registry:
        """The registry interface, loaded on first use."""
        if self._registry is None:
            self._registry = cast(Registry, importlib.import_module("winreg"))
        return self._registry

    def value(self) -> str | None:
        """Return the command line registered, or None if there is none."""
        reg = self.registry
        try:
            with reg.OpenKey(
                reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_QUERY_VALUE
            ) as key:
                data, _kind = reg.QueryValueEx(key, VALUE_NAME)
        except FileNotFoundError:
            return None
        return str(data)

    def is_enabled(self) -> bool:
        """Return whether the value exists."""
        return self.value() is not None

    def enable(self, command: Sequence[str]) -> None:
        """Set the value to ``command``'s command line."""
        reg = self.registry
        with reg.CreateKeyEx(
            reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE
        ) as key:
            reg.SetValueEx(key, VALUE_NAME, 0, reg.REG_SZ, command_line(command))
        logger.debug("Set the registry value %s", self.where)

    def disable(self) -> None:
        """Delete the value."""
        reg = self.registry
        try:
            with reg.OpenKey(
                reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE
            ) as key:
                reg.DeleteValue(key, VALUE_NAME)
        except FileNotFoundError:
            return
        logger.debug("Deleted the registry value %s", self.where)
