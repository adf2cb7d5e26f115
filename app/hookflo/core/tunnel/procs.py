"""Facts about processes, so HookFlo only ever ends an agent that is its own.

Qt-free. A pid alone proves nothing: it may have been reused since it was
recorded. A process is taken to be the recorded one only when its start
time (clock ticks since boot, from ``/proc/<pid>/stat``), its owner and its
command line all match. Where ``/proc`` is missing (macOS), nothing is ever
ended on a guess.
"""

import dataclasses
import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

PROC = Path("/proc")
_POLL_S = 0.02


@dataclasses.dataclass(frozen=True, slots=True)
class ProcessFacts:
    """What ``/proc`` says about one process."""

    pid: int
    parent: int
    start_ticks: int
    uid: int
    args: tuple[str, ...]
    zombie: bool


def facts(pid: int) -> ProcessFacts | None:
    """Return the facts of ``pid``, or None if it is gone or unknowable."""
    base = PROC / str(pid)
    try:
        stat = (base / "stat").read_text(encoding="utf-8", errors="replace")
        args = (base / "cmdline").read_bytes().split(b"\0")
        uid = base.stat().st_uid
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after it.
    fields = stat.rsplit(")", 1)[1].split()
    return ProcessFacts(
        pid=pid,
        parent=int(fields[1]),
        start_ticks=int(fields[19]),
        uid=uid,
        args=tuple(a.decode(errors="replace") for a in args if a),
        zombie=fields[0] in {"Z", "X"},
    )


def is_alive(pid: int) -> bool:
    """Return whether ``pid`` runs (a zombie, waiting to be reaped, does not)."""
    if PROC.is_dir():
        found = facts(pid)
        return found is not None and not found.zombie
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start_ticks(pid: int) -> int | None:
    """Return when ``pid`` started (opaque, comparable), if knowable."""
    found = facts(pid)
    return found.start_ticks if found else None


def is_same(pid: int, ticks: int | None) -> bool:
    """Return whether ``pid`` is alive and the process that started at ``ticks``."""
    found = facts(pid)
    return (
        found is not None
        and not found.zombie
        and ticks is not None
        and found.start_ticks == ticks
        and found.uid == os.getuid()
    )


def mine(predicate: Callable[[ProcessFacts], bool]) -> Iterator[ProcessFacts]:
    """Yield this user's live processes (not this one) that match."""
    if not PROC.is_dir():
        return
    me = os.getpid()
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        found = facts(int(entry.name))
        if found and not found.zombie and found.uid == os.getuid() and predicate(found):
            yield found


def end(pid: int, *, grace_s: float) -> None:
    """Ask ``pid`` to stop (SIGTERM), then kill it after ``grace_s``."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return
        time.sleep(_POLL_S)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    logger.debug("Process %d ignored SIGTERM for %g s; killed", pid, grace_s)
