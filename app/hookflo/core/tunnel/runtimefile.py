"""The files through which other commands see the running tunnel.

Qt-free. The running HookFlo writes its latest ``TunnelStatus`` to
``tunnel.json`` in the data directory (removed on stop), which ``hookflo
tunnel status`` reads; ``tunnel-history.json`` keeps the last public URL, so
the next start can tell that it changed.
"""

import json
import os
from pathlib import Path
from typing import Any

from hookflo.core.tunnel import procs
from hookflo.core.tunnel.status import TunnelStatus

RUNTIME_FILE = "tunnel.json"
HISTORY_FILE = "tunnel-history.json"


def write(data_dir: Path, status: TunnelStatus) -> None:
    """Publish ``status`` for ``hookflo tunnel status``."""
    _write_json(data_dir / RUNTIME_FILE, {"pid": os.getpid(), **status.to_json()})


def read(data_dir: Path) -> TunnelStatus | None:
    """Return the status of a running HookFlo's tunnel, if one runs."""
    try:
        data = json.loads((data_dir / RUNTIME_FILE).read_text(encoding="utf-8"))
        pid = int(data["pid"])
        status = TunnelStatus.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return status if procs.is_alive(pid) else None


def remove(data_dir: Path) -> None:
    """Withdraw this process's status file."""
    target = data_dir / RUNTIME_FILE
    try:
        if int(json.loads(target.read_text(encoding="utf-8"))["pid"]) == os.getpid():
            target.unlink()
    except (OSError, ValueError, KeyError, TypeError):
        pass


def last_public_url(data_dir: Path) -> str | None:
    """Return the public URL of the previous run, if known."""
    try:
        data = json.loads((data_dir / HISTORY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    url = data.get("public_url") if isinstance(data, dict) else None
    return url if isinstance(url, str) else None


def remember_public_url(data_dir: Path, url: str) -> None:
    """Keep ``url`` for the next run's comparison."""
    _write_json(data_dir / HISTORY_FILE, {"public_url": url})


def _write_json(target: Path, data: dict[str, Any]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = target.with_suffix(".tmp")
    partial.write_text(json.dumps(data), encoding="utf-8")
    partial.replace(target)
