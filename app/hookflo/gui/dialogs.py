"""Open the settings dialog and the set-up guide, from their own modules.

``hookflo.gui.settings.dialog`` and ``hookflo.gui.firstrun`` are imported
when first opened, and a build without them says so
instead of failing. ``first_run_needed`` reads the keyring, in a thread.
"""

import asyncio
import importlib
import logging
from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from hookflo.core.config import Config
from hookflo.core.errors import UserFacingError
from hookflo.gui.context import AppContext

logger = logging.getLogger(__name__)

SETTINGS_MODULE = "hookflo.gui.settings.dialog"
FIRST_RUN_MODULE = "hookflo.gui.firstrun"


def open_dialog(
    module_name: str,
    function: str,
    context: AppContext,
    parent: QWidget | None,
    *,
    on_saved: Callable[[Config], None],
) -> bool:
    """Call ``module_name.function(context, parent, on_saved=…)``.

    Returns:
        False if the module is not part of this build.
    """
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name is None or not module_name.startswith(err.name):
            raise  # the module is there, something it imports is not: a bug
        logger.info("%s is missing from this build", module_name)
        return False
    getattr(module, function)(context, parent, on_saved=on_saved)
    return True


async def first_run_needed(context: AppContext) -> bool:
    """Return True if no source has a signing secret yet (a first run)."""
    credentials, sources = context.credentials, context.config.sources

    def nothing_set() -> bool:
        return all(not credentials.signing_secrets(s.name).values for s in sources)

    try:
        return await asyncio.to_thread(nothing_set)
    except UserFacingError as err:  # the keyring: shown elsewhere
        logger.info("Not checking for a first run: %s", err)
        return False
