"""Find the ngrok agent binary; never download one.

Qt-free. pyngrok downloads the agent whenever its ``ngrok_path`` does not
exist, at any call; HookFlo only ever hands it a path that exists, found
here: the configured ``ngrok_path``, else ``ngrok`` on PATH, else the copy
pyngrok keeps in its own directory (from an earlier ``pyngrok`` install).
"""

import logging
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from pyngrok import installer

from hookflo.core.tunnel import errors

logger = logging.getLogger(__name__)


def find_agent(configured: Path | None, environ: Mapping[str, str]) -> Path:
    """Return the agent binary to run.

    Raises:
        TunnelError: there is none (Problem.NO_AGENT), naming where it looked.
    """
    if configured is not None:
        if _is_executable(configured):
            return configured
        raise errors.no_agent([str(configured)])
    on_path = shutil.which("ngrok", path=environ.get("PATH", os.defpath))
    if on_path:
        logger.debug("Using the ngrok agent on PATH: %s", on_path)
        return Path(on_path)
    managed = managed_path()
    if _is_executable(managed):
        logger.debug("Using pyngrok's ngrok agent: %s", managed)
        return managed
    raise errors.no_agent(["PATH", str(managed)])


def managed_path() -> Path:
    """Return where pyngrok keeps the agent it manages (for this user, now)."""
    return Path(installer.get_default_ngrok_dir()) / installer.get_ngrok_bin()


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)
