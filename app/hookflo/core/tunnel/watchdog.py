"""Ends HookFlo's ngrok agent when HookFlo ends, however it ends.

It runs as the ``hookflo`` program itself, through the hidden command
``COMMAND`` that ``hookflo.main`` hands over before anything else is loaded
(``guard.watchdog_command`` builds the command line, frozen build or not).
NOTE: keep it to the standard library, so it starts fast and needs nothing
that the bundle might lack.

HookFlo starts this watchdog with a pipe on its standard input and tells it,
one line each, about every agent it starts (``agent <pid> <start-ticks>
<scratch-dir>``) and stops (``gone <pid>``). The kernel closes the pipe when
HookFlo exits, even on ``kill -9``; at that end of input the watchdog ends
each agent still running (only if its start time still matches, so a reused
pid is never hit), removes the scratch directories, and exits.
"""

import contextlib
import os
import shutil
import signal
import sys
import time
from collections.abc import Sequence

COMMAND = "_tunnel-watchdog"
GRACE_S = 2.0


def main(argv: Sequence[str] = ()) -> int:
    """Watch until standard input ends, then clean up.

    ``argv`` (HookFlo's pid) is not used: it shows in ``ps`` whose watchdog
    this is.
    """
    # Ctrl-C in HookFlo's terminal must not end the watchdog before HookFlo.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    agents: dict[int, str] = {}
    scratch: set[str] = set()
    for line in sys.stdin:
        words = line.split()
        if len(words) == 4 and words[0] == "agent":
            agents[int(words[1])] = words[2]
            scratch.add(words[3])
        elif len(words) == 2 and words[0] == "scratch":
            scratch.add(words[1])
        elif len(words) == 2 and words[0] == "gone":
            agents.pop(int(words[1]), None)
    for pid, ticks in agents.items():
        # "-": no /proc to tell (macOS); HookFlo died a moment ago, so the
        # pid cannot have been reused yet.
        if ticks == "-" or _started_at(pid) == ticks:
            _end(pid)
    for directory in scratch:
        shutil.rmtree(directory, ignore_errors=True)
    return 0


def _started_at(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] in {"Z", "X"} else fields[19]


def _is_alive(pid: int) -> bool:
    if os.path.isdir("/proc"):
        return _started_at(pid) is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _end(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + GRACE_S
    while time.monotonic() < deadline:
        if not _is_alive(pid):
            return
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
