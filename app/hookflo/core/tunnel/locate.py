"""Find an ngrok agent binary that is already on this machine.

Qt-free. pyngrok downloads the agent whenever its ``ngrok_path`` does not
exist, at any call; HookFlo only ever hands it a path that exists, found
here: the configured ``ngrok_path``, else ``ngrok`` on PATH, else the copy
HookFlo downloaded earlier (``download``), else the copy pyngrok keeps in
its own directory (from an earlier ``pyngrok`` install). Finding none is a
plain answer, never a reason to download: only the user starts that.

pyngrok installs a Python console script of its own named ``ngrok`` next to
the interpreter; it downloads the real agent when run, so it never counts
as an agent on PATH.
"""

import logging
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from hookflo.core.tunnel import errors

logger = logging.getLogger(__name__)

# Enough of a console script to see its shebang and its imports.
_SCRIPT_HEAD_BYTES = 512
_IMPORTS_PYNGROK = re.compile(rb"^\s*(from|import)\s+pyngrok\b", re.MULTILINE)


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
    on_path = _agent_on_path(environ.get("PATH", os.defpath))
    if on_path is not None:
        logger.debug("Using the ngrok agent on PATH: %s", on_path)
        return on_path
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
        search_path = environ.get("PATH", os.defpath)
        places = [_path_place(search_path), str(downloaded), str(managed_path())]
        raise errors.no_agent(places, configured=False)
    return found


def managed_path() -> Path:
    """Return where pyngrok keeps the agent it manages (for this user, now)."""
    from pyngrok import installer  # loaded here: only a tunnel needs it

    return Path(installer.get_default_ngrok_dir()) / installer.get_ngrok_bin()


def _agent_on_path(search_path: str) -> Path | None:
    """Return the first ``ngrok`` on ``search_path`` that is not pyngrok's."""
    for found in _ngroks_on_path(search_path):
        if not is_pyngrok_script(found):
            return found
        logger.debug(
            "Skipping %s on PATH: it is pyngrok's own script, which would "
            "download the agent itself, not the ngrok agent",
            found,
        )
    return None


def _ngroks_on_path(search_path: str) -> list[Path]:
    """Every executable named ``ngrok`` on ``search_path``, in PATH order."""
    found: list[Path] = []
    for folder in search_path.split(os.pathsep):
        hit = shutil.which("ngrok", path=folder or os.curdir)
        if hit is not None and Path(hit) not in found:
            found.append(Path(hit))
    return found


def _path_place(search_path: str) -> str:
    """Name PATH for the "not found" message, with what was passed over."""
    skipped = [str(p) for p in _ngroks_on_path(search_path) if is_pyngrok_script(p)]
    if not skipped:
        return "PATH"
    return f"PATH (passed over pyngrok's own script {', '.join(skipped)})"


def is_pyngrok_script(path: Path) -> bool:
    """Whether ``path`` is a Python script that imports pyngrok."""
    try:
        with path.open("rb") as file:
            head = file.read(_SCRIPT_HEAD_BYTES)
    except OSError:
        return False
    return head.startswith(b"#!") and _IMPORTS_PYNGROK.search(head) is not None


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)
