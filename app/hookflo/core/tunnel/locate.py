"""Find an ngrok agent binary that is already on this machine.

Qt-free. pyngrok downloads the agent whenever its ``ngrok_path`` does not
exist, at any call; HookFlo only ever hands it a path that exists, found
here: the configured ``ngrok_path``, else ``ngrok`` on PATH, else the copy
HookFlo downloaded earlier (``download``), else the copy pyngrok keeps in
its own directory (from an earlier ``pyngrok`` install). Finding none is a
plain answer, never a reason to download: only the user starts that.
"""

import logging
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from pyngrok import installer

from hookflo.core.tunnel import errors

logger = logging.getLogger(__name__)


def find_agent(
    configured: Path | None, environ: Mapping[str, str], *, downloaded: Path
) -> Path | None:
    """Return the agent binary to run; None if there is none to be found.

    Args:
        configured: ``[tunnel] ngrok_path``; when set, nothing else is used.
        environ: where PATH is read.
        downloaded: where HookFlo keeps the agent it downloads.

    Raises:
        TunnelError: the configured binary is missing (Problem.NO_AGENT).
    """
    if configured is not None:
        if _is_executable(configured):
            return configured
        raise errors.no_agent([str(configured)], configured=True)
    on_path = shutil.which("ngrok", path=environ.get("PATH", os.defpath))
    if on_path:
        logger.debug("Using the ngrok agent on PATH: %s", on_path)
        return Path(on_path)
    for found in (downloaded, managed_path()):
        if _is_executable(found):
            logger.debug("Using the ngrok agent at %s", found)
            return found
    return None


def require_agent(
    configured: Path | None, environ: Mapping[str, str], *, downloaded: Path
) -> Path:
    """Return the agent binary to run (as ``find_agent``).

    Raises:
        TunnelError: there is none (Problem.NO_AGENT), naming where it looked
            and how to get one.
    """
    found = find_agent(configured, environ, downloaded=downloaded)
    if found is None:
        places = ["PATH", str(downloaded), str(managed_path())]
        raise errors.no_agent(places, configured=False)
    return found


def managed_path() -> Path:
    """Return where pyngrok keeps the agent it manages (for this user, now)."""
    return Path(installer.get_default_ngrok_dir()) / installer.get_ngrok_bin()


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)
