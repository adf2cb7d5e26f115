"""One ngrok agent process, driven through pyngrok.

Qt-free and blocking: every method may wait on the agent, so callers run
them off the event loop (``offthread.call``) with a time limit.

The authtoken appears in no process argument. pyngrok would pass it as
``--authtoken`` on the agent's command line (and reads ``NGROK_AUTHTOKEN``
from HookFlo's environment for that), so that is forced off; the token goes
into a config file of mode 0600 in a private scratch directory (0700, under
``$XDG_RUNTIME_DIR`` when there is one: memory, not disk). The agent reads
the file once, at start; once it is up (or has failed) the file is rewritten
without the token, and the directory is removed when the agent stops.

Only ``process.get_process`` starts the agent and ``ngrok.api_request``
talks to it: pyngrok's higher-level calls (``connect``, ``get_tunnels``,
``disconnect``) first "install" the agent, which downloads it when the path
is missing, and silently start a new agent when the old one has died.

pyngrok is imported by the methods that use it, not at the top: an app
whose tunnel is off never loads it (nor yaml, which it imports).
"""

import json
import logging
import math
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hookflo.core.tunnel.guard import AgentGuard

if TYPE_CHECKING:
    from pyngrok import conf, process
    from pyngrok.log import NgrokLog

logger = logging.getLogger(__name__)

CONFIG_NAME = "ngrok.yml"
SCRATCH_PREFIX = "hookflo-ngrok-"
STOP_GRACE_S = 2.0
_READER_EXIT_S = 2.0

# pyngrok logs every agent line itself; HookFlo logs them (redacted) instead.
logging.getLogger("pyngrok").addHandler(logging.NullHandler())
logging.getLogger("pyngrok").propagate = False


class Agent:
    """Starts, talks to and stops one ngrok agent.

    Args:
        ngrok_path: the agent binary (it must exist: see ``locate``).
        region: the ngrok region, or None for the closest.
        scratch_root: where the private scratch directory is made.
        startup_timeout_s: how long pyngrok waits for the agent to come up.
        api_timeout_s: the limit of each call to the agent's local API.
        on_line: called with each line the agent logs, from pyngrok's threads.
        guard: records the agent so that it never outlives HookFlo.
    """

    def __init__(
        self,
        ngrok_path: Path,
        *,
        region: str | None,
        scratch_root: Path,
        startup_timeout_s: float,
        api_timeout_s: float,
        on_line: Callable[["NgrokLog"], None],
        guard: AgentGuard,
    ) -> None:
        self.ngrok_path = ngrok_path
        self._region = region
        self._scratch_root = scratch_root
        self._startup_timeout_s = startup_timeout_s
        self._api_timeout_s = api_timeout_s
        self._on_line = on_line
        self._guard = guard
        self._scratch: Path | None = None
        self._config: conf.PyngrokConfig | None = None
        self._process: process.NgrokProcess | None = None
        self._spawned: subprocess.Popen[str] | None = None
        self._idle = threading.Event()
        self._idle.set()

    @property
    def pid(self) -> int | None:
        """The agent's process id, once it was started."""
        proc = self._proc()
        return proc.pid if proc is not None else None

    @property
    def api_url(self) -> str | None:
        """The agent's local API, once it is up."""
        return self._process.api_url if self._process else None

    def logs(self) -> list["NgrokLog"]:
        """Return the agent's recent log lines (pyngrok keeps the last 100)."""
        return list(self._process.logs) if self._process else []

    def exit_code(self) -> int | None:
        """Return the agent's exit status, or None while it runs."""
        proc = self._proc()
        return proc.poll() if proc is not None else None

    def start(self, authtoken: str) -> None:
        """Start the agent with ``authtoken`` and wait until it is up.

        Raises:
            PyngrokError: the agent did not come up (see ``errors.translate``).
        """
        self._idle.clear()
        try:
            self._start(authtoken)
        finally:
            self._idle.set()

    def open(self, upstream: str, domain: str | None) -> str:
        """Open an endpoint forwarding to ``upstream``; return its public URL.

        Raises:
            PyngrokError: the agent refused (e.g. the domain is not reserved).
        """
        from pyngrok import exception, ngrok

        if self._process is None or self._config is None or not self.api_url:
            raise exception.PyngrokError("The ngrok agent is not running")
        options: dict[str, Any] = {
            "name": f"hookflo-{uuid.uuid4().hex[:12]}",
            "upstream": {"url": upstream},
        }
        if domain:
            options["url"] = f"https://{domain}"
        answer = ngrok.api_request(
            f"{self.api_url}/api/endpoints",
            method="POST",
            data=options,
            timeout=self._api_timeout_s,
        )
        endpoint = ngrok.NgrokTunnel(answer, self._config, self.api_url)
        if not endpoint.public_url:
            raise exception.PyngrokError("The ngrok agent gave no public URL")
        return endpoint.public_url

    def stop(self) -> None:
        """End the agent (if running) and remove its scratch directory."""
        from pyngrok import process

        proc = self._proc()
        if proc is not None:
            _end(proc)
        # A start still in flight returns now that the agent is gone.
        self._idle.wait(_READER_EXIT_S)
        if proc is not None and self._process is not None:
            self._close_output(self._process)
        # Drops pyngrok's record of the dead agent without taking its lock,
        # which a start that timed out may still hold.
        process.is_process_running(str(self.ngrok_path))
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
        self._guard.stopped(proc.pid if proc is not None else None)
        self._process = None
        self._spawned = None

    def _start(self, authtoken: str) -> None:
        from pyngrok import exception, process

        if process.is_process_running(str(self.ngrok_path)):
            raise exception.PyngrokError("An ngrok agent from this path still runs")
        self._scratch = Path(
            tempfile.mkdtemp(
                prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=self._scratch_root
            )
        )
        self._guard.preparing(self._scratch)
        config_file = self._scratch / CONFIG_NAME
        _write_private(
            config_file,
            {"version": "3", "agent": {"authtoken": authtoken, "update_check": False}},
        )
        self._config = self._pyngrok_config(config_file)
        try:
            self._process = process.get_process(self._config)
        except BaseException:
            if self._spawned is not None and self._spawned.stdout is not None:
                self._spawned.stdout.close()  # pyngrok leaves it open
            raise
        finally:
            # The agent has read it; the token goes, the file stays for pyngrok.
            _write_private(config_file, {"version": "3"})
        self._guard.started(self._process.proc.pid)

    def _pyngrok_config(self, config_file: Path) -> "conf.PyngrokConfig":
        from pyngrok import conf

        config = conf.PyngrokConfig(
            ngrok_path=str(self.ngrok_path),
            config_path=str(config_file),
            region=self._region,
            monitor_thread=True,
            log_event_callback=self._line,
            startup_timeout=math.ceil(self._startup_timeout_s),
            request_timeout=self._api_timeout_s,
            start_new_session=True,
        )
        # Workaround: PyngrokConfig takes NGROK_AUTHTOKEN and NGROK_API_KEY
        # from the environment, and would put the token on the command line.
        config.auth_token = None
        config.api_key = None
        return config

    def _line(self, line: "NgrokLog") -> None:
        from pyngrok import process

        if self._spawned is None:
            # Workaround: pyngrok (9.1) names the process it started only
            # once it is up; its registry has it from the first line on.
            found = process._current_processes.get(str(self.ngrok_path))
            if found is not None:
                self._spawned = found.proc
                self._guard.started(found.proc.pid)
        self._on_line(line)

    def _proc(self) -> "subprocess.Popen[str] | None":
        if self._process is not None:
            return self._process.proc
        if self._spawned is not None:
            return self._spawned
        from pyngrok import process

        found = process._current_processes.get(str(self.ngrok_path))
        return found.proc if found is not None else None

    def _close_output(self, agent: "process.NgrokProcess") -> None:
        """Close the agent's output pipe once pyngrok's reader has let go."""
        agent.stop_monitor_thread()
        deadline = time.monotonic() + _READER_EXIT_S
        # Workaround: pyngrok offers no way to join its monitor thread; it
        # clears this attribute as it ends.
        while agent._monitor_thread is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        if agent._monitor_thread is None and agent.proc.stdout is not None:
            agent.proc.stdout.close()


def default_scratch_root(environ: Mapping[str, str]) -> Path:
    """Return ``$XDG_RUNTIME_DIR`` (memory, private) if usable, else the temp dir."""
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isdir(runtime) and os.stat(runtime).st_uid == os.getuid():
        return Path(runtime)
    return Path(tempfile.gettempdir())


def error_texts(lines: Sequence["NgrokLog"]) -> list[str]:
    """Return what the agent's error lines said, oldest first."""
    return [
        line.err or line.msg or line.line
        for line in lines
        if line.lvl in {"ERROR", "CRITICAL"}
    ]


def _end(proc: "subprocess.Popen[str]") -> None:
    if proc.poll() is None:
        proc.terminate()  # lets the agent close its session at ngrok cleanly
        try:
            proc.wait(timeout=STOP_GRACE_S)
            return
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.wait(timeout=STOP_GRACE_S)


def _write_private(path: Path, content: dict[str, Any]) -> None:
    """Write ``content`` (as JSON, which is YAML too) readable by the owner only."""
    partial = path.with_name(path.name + ".tmp")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except FileNotFoundError:
        return  # the scratch directory is already gone: so is the token
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(content, out)
    partial.replace(path)
