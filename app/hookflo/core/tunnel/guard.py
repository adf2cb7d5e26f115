"""Make sure no ngrok agent outlives HookFlo, and none is left from before.

Qt-free. Three layers: a clean stop ends the agent; the ``watchdog`` process
ends it when HookFlo dies any other way (even ``kill -9``); and the agent
file in the data directory lets the next start find and end an agent whose
HookFlo and watchdog both died, after checking that it really is HookFlo's
(its start time, its owner, and its config path in HookFlo's scratch
directory). A restart therefore never finds two agents.
"""

import dataclasses
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from hookflo.core.tunnel import procs, watchdog

logger = logging.getLogger(__name__)

AGENT_FILE = "tunnel-agent.json"
GRACE_S = 2.0
_WATCHDOG_EXIT_S = 3.0


@dataclasses.dataclass(frozen=True, slots=True)
class AgentRecord:
    """The agent file: which HookFlo started which agent, and where."""

    owner_pid: int
    owner_start: int | None
    scratch_dir: str
    agent_pid: int | None = None
    agent_start: int | None = None


class AgentGuard:
    """Records HookFlo's agent and ends any agent a dead HookFlo left.

    Args:
        data_dir: where the agent file lives.
    """

    def __init__(self, data_dir: Path) -> None:
        self.file = data_dir / AGENT_FILE
        self._lock = threading.Lock()
        self._watchdog: subprocess.Popen[bytes] | None = None
        self._record: AgentRecord | None = None

    def end_stale(self) -> list[int]:
        """End the agents an earlier, dead HookFlo left; return their pids."""
        record = read(self.file)
        if record is None:
            return []
        if record.owner_pid != os.getpid() and procs.is_same(
            record.owner_pid, record.owner_start
        ):
            logger.debug("Agent file of running HookFlo %d left", record.owner_pid)
            return []
        ended = _agents_of(record)
        for pid in ended:
            procs.end(pid, grace_s=GRACE_S)
        shutil.rmtree(record.scratch_dir, ignore_errors=True)
        self.file.unlink(missing_ok=True)
        if ended:
            logger.info(
                "Ended the ngrok agent left by an earlier run (pid %s)",
                ", ".join(map(str, ended)),
            )
        return ended

    def preparing(self, scratch_dir: Path) -> None:
        """Note the scratch directory of the agent about to start."""
        with self._lock:
            self._record = AgentRecord(
                owner_pid=os.getpid(),
                owner_start=procs.start_ticks(os.getpid()),
                scratch_dir=str(scratch_dir),
            )
            _write(self.file, self._record)
            self._tell(f"scratch {scratch_dir}")

    def started(self, pid: int) -> None:
        """Note the agent's pid (called from pyngrok's thread)."""
        with self._lock:
            if self._record is None or self._record.agent_pid == pid:
                return
            ticks = procs.start_ticks(pid)
            self._record = dataclasses.replace(
                self._record, agent_pid=pid, agent_start=ticks
            )
            _write(self.file, self._record)
            marker = "-" if ticks is None else str(ticks)
            self._tell(f"agent {pid} {marker} {self._record.scratch_dir}")

    def stopped(self, pid: int | None) -> None:
        """Note that the agent has ended."""
        with self._lock:
            if pid is not None:
                self._tell(f"gone {pid}")
            self._record = None
            self.file.unlink(missing_ok=True)

    def close(self) -> None:
        """Let the watchdog go (it ends whatever is still recorded)."""
        with self._lock:
            watchdog, self._watchdog = self._watchdog, None
        if watchdog is None:
            return
        if watchdog.stdin is not None:
            watchdog.stdin.close()
        try:
            watchdog.wait(timeout=_WATCHDOG_EXIT_S)
        except subprocess.TimeoutExpired:
            watchdog.kill()
            watchdog.wait()

    def _tell(self, line: str) -> None:
        watchdog = self._watchdog or self._spawn_watchdog()
        if watchdog is None or watchdog.stdin is None:
            return
        try:
            watchdog.stdin.write(line.encode() + b"\n")
            watchdog.stdin.flush()
        except OSError as err:
            logger.debug("Watchdog gone (%s); the agent file remains", err)

    def _spawn_watchdog(self) -> subprocess.Popen[bytes] | None:
        self._watchdog = subprocess.Popen(
            watchdog_command(os.getpid()),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        logger.debug("Watchdog started (pid %d)", self._watchdog.pid)
        return self._watchdog


def watchdog_command(owner_pid: int) -> list[str]:
    """Return the command line of the watchdog: ``hookflo`` itself.

    A frozen (PyInstaller) build is the ``hookflo`` program; otherwise the
    interpreter runs the ``hookflo`` package (``-P``: not from the current
    directory). Either way ``hookflo.main`` hands the hidden command to
    ``watchdog.main``.
    """
    if getattr(sys, "frozen", False):
        return [sys.executable, watchdog.COMMAND, str(owner_pid)]
    return [sys.executable, "-P", "-m", "hookflo", watchdog.COMMAND, str(owner_pid)]


def read(file: Path) -> AgentRecord | None:
    """Return the agent file's record, if there is a readable one."""
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
        return AgentRecord(
            owner_pid=int(raw["owner_pid"]),
            owner_start=_optional_int(raw.get("owner_start")),
            scratch_dir=str(raw["scratch_dir"]),
            agent_pid=_optional_int(raw.get("agent_pid")),
            agent_start=_optional_int(raw.get("agent_start")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def foreign_agents(ngrok_path: Path, *, besides: int | None) -> list[int]:
    """Return the pids of this user's other ngrok agents on this machine."""
    names = {ngrok_path.name, "ngrok"}
    return [
        found.pid
        for found in procs.mine(
            lambda f: any(os.path.basename(a) in names for a in f.args[:2])
        )
        if found.pid != besides
    ]


def _agents_of(record: AgentRecord) -> list[int]:
    """Return this user's live agents started with the record's scratch dir.

    The directory name is random and HookFlo's own, and the agent's command
    line names its config file in it: nothing else matches.
    """
    return [
        f.pid
        for f in procs.mine(lambda f: any(record.scratch_dir in a for a in f.args))
    ]


def _write(file: Path, record: AgentRecord) -> None:
    file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = file.with_suffix(".tmp")
    partial.write_text(json.dumps(dataclasses.asdict(record)), encoding="utf-8")
    partial.replace(file)


def _optional_int(value: object) -> int | None:
    if value is None or isinstance(value, int):
        return value
    raise ValueError(f"not a number: {value!r}")
