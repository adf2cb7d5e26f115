"""One running HookFlo per home: an exclusive lock on a file in the data dir.

The ``Server`` takes the lock before it opens anything else and holds it
until it stops. The operating system releases it when the process dies, even
by ``kill -9``, so a crash never leaves a stale lock behind. A second copy
(``hookflo serve`` or the tray app) on the same home fails to take it and
says which copy runs: its pid and address, from ``receiver.json``.

NOTE: must not import Qt; runs under ``hookflo serve``.
"""

import json
import logging
import os
import sys
from pathlib import Path

from hookflo.core.errors import AlreadyRunningError
from hookflo.core.paths import Paths

logger = logging.getLogger(__name__)

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            # flock, not lockf: a second open in this same process conflicts
            # too, so two Servers in one process cannot share a home either.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class HomeLock:
    """The exclusive lock of one home's data directory.

    Args:
        paths: the home to lock (its ``lock_file``).
    """

    def __init__(self, paths: Paths) -> None:
        self._paths = paths
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, or say which copy of HookFlo holds it.

        Raises:
            AlreadyRunningError: another copy runs on this home.
            OSError: the lock file cannot be opened.
        """
        if self._fd is not None:
            return
        target = self._paths.lock_file
        fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o600)
        if not _try_lock(fd):
            holder = _read_pid(fd)
            os.close(fd)
            logger.debug("Home %s is locked by pid %s", self._paths.home, holder)
            raise AlreadyRunningError(already_running(self._paths, holder))
        if sys.platform != "win32":
            # Windows cannot read a locked byte, so the pid is Unix-only.
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        logger.debug("Took the lock of %s", self._paths.home)

    def release(self) -> None:
        """Give the lock back (the file stays; removing it would race)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        finally:
            os.close(fd)


def holder(paths: Paths) -> str | None:
    """Return who runs on ``paths`` (as ``AlreadyRunningError`` says), or None.

    Takes the lock and gives it back at once: a check before start-up, not a
    guarantee (the ``Server``'s own lock is that).
    """
    probe = HomeLock(paths)
    try:
        probe.acquire()
    except AlreadyRunningError as err:
        return str(err)
    probe.release()
    return None


def already_running(paths: Paths, holder: int | None) -> str:
    """Return the message naming the copy of HookFlo that runs on ``paths``."""
    pid, url = _running_receiver(paths.runtime_file)
    if holder is not None and pid is not None and pid != holder:
        pid, url = None, None  # receiver.json is left from another run
    if holder is None and pid is not None and not _alive(pid):
        # The holder has not written its pid yet, and receiver.json is left
        # from a run that is gone: it names nobody.
        pid, url = None, None
    pid = holder if holder is not None else pid
    what = f"pid {pid}" if pid is not None else "pid unknown"
    where = f"listening on {url}" if url else "still starting"
    return (
        f"HookFlo is already running for {paths.home} ({what}, {where}); "
        "stop it first, or set HOOKFLO_HOME for a second copy"
    )


def _alive(pid: int) -> bool:
    """Return whether a process ``pid`` exists (signal 0 only checks)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, under another user
        return True
    return True


def _read_pid(fd: int) -> int | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return int(os.read(fd, 32).decode("ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def _running_receiver(runtime_file: Path) -> tuple[int | None, str | None]:
    try:
        info = json.loads(runtime_file.read_text(encoding="utf-8"))
        pid, host, port = int(info["pid"]), str(info["host"]), int(info["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None, None
    shown = f"[{host}]" if ":" in host else host
    return pid, f"http://{shown}:{port}"
