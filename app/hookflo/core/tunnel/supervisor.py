"""The tunnel HookFlo runs: start it, watch it, reconnect it, and say how it is.

Qt-free; runs on the event loop, and every call that may block (pyngrok, the
keyring) goes to a thread with a time limit (``offthread``), so neither the
receiver nor a GUI ever waits on the agent.

- Start: find the agent (never download it: ``install_agent()`` does that,
  showing progress, when the user asks), read the authtoken, end any agent
  a dead HookFlo left, start the agent, open an endpoint forwarding to the
  receiver's exact address, and check that a request through the public URL
  reaches this receiver. Only then is the tunnel up.
- Watch: is the agent alive (every ``poll_s``); did it log a session error
  (at once); does the public URL still reach us (every
  ``health_interval_s``, after a wake-up, and on ``check_now()``).
- On failure: "down since …", then a live agent gets ``reconnect_grace_s``
  to reconnect by itself, checked with growing pauses; after that, or if it
  died or hangs, it is restarted, with growing pauses between attempts.
- What only the user can fix (no agent, no or a rejected authtoken, a domain
  not reserved) stops the attempts ("unavailable") until ``retry()``; the
  session limit gets one automatic retry. Without an agent, one that
  appears (``hookflo tunnel install`` in another process) is noticed within
  ``agent_poll_s``, by looking at the disk only.
"""

import asyncio
import contextlib
import dataclasses
import logging
import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hookflo.core import tasks
from hookflo.core.config import Source
from hookflo.core.tunnel import (
    agent,
    board,
    errors,
    guard,
    health,
    launch,
    offthread,
    supply,
)
from hookflo.core.tunnel.errors import Problem, Retry, TunnelError
from hookflo.core.tunnel.status import TunnelState, TunnelStatus, WebhookUrl
from hookflo.core.tunnelconfig import TunnelSettings

if TYPE_CHECKING:
    from pyngrok.log import NgrokLog

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class TunnelTiming:
    """The tunnel's time limits and pauses, in seconds (tests shorten them)."""

    startup_timeout_s: float = 20.0
    api_timeout_s: float = 4.0
    probe_timeout_s: float = 10.0
    first_check_s: float = 15.0
    health_interval_s: float = 60.0
    poll_s: float = 1.0
    backoff_first_s: float = 1.0
    backoff_max_s: float = 60.0
    reconnect_grace_s: float = 30.0
    keyring_timeout_s: float = 15.0
    wake_jump_s: float = 10.0
    download_stall_s: float = 15.0
    download_limit_s: float = 900.0
    agent_poll_s: float = 2.0


class Tunnel:
    """A public URL for the receiver through ngrok, kept up while HookFlo runs.

    Listeners (``listeners``, called on the event loop with a new
    ``TunnelStatus`` on every change) let a GUI follow it without polling;
    ``status``, ``state``, ``public_url`` and ``webhook_urls`` say where it
    stands now. ``retry()``, ``check_now()`` and ``install_agent()`` are for
    the user's actions.

    Args:
        settings: the ``[tunnel]`` table.
        upstream: the receiver's URL (its bound host and port); the agent
            forwards there and nowhere else.
        sources: the webhook sources, for their public URLs.
        health_token: the receiver's self-check token.
        read_authtoken: returns the ngrok authtoken or None; may block.
        data_dir: where the status, history and agent files live, and the
            agent HookFlo downloads when the user asks.
        scratch_root: where the agent's private config directory is made
            (default: ``$XDG_RUNTIME_DIR``, else the temporary directory).
        environ: where PATH is read (default: the process's).
        timing: time limits and pauses.
        probe: checks the public URL (default: an HTTP request to it).
        wall_clock: the time of day; a jump in it (against the monotonic
            clock) means the machine slept, so the tunnel is checked.
    """

    def __init__(
        self,
        settings: TunnelSettings,
        *,
        upstream: str,
        sources: Sequence[Source],
        health_token: str,
        read_authtoken: Callable[[], str | None],
        data_dir: Path,
        scratch_root: Path | None = None,
        environ: Mapping[str, str] | None = None,
        timing: TunnelTiming | None = None,
        probe: health.Probe | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self._wall_clock = wall_clock
        self._upstream = upstream
        self._token = health_token
        self._read_authtoken = read_authtoken
        self._environ = os.environ if environ is None else environ
        self._scratch_root = scratch_root or agent.default_scratch_root(self._environ)
        self._timing = timing or TunnelTiming()
        self._probe = probe or health.HttpProbe(timeout_s=self._timing.probe_timeout_s)
        self._data_dir = data_dir
        self._guard = guard.AgentGuard(data_dir)
        self._agent: agent.Agent | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._user_retry = asyncio.Event()
        self._check_requested = False
        self._session_error: TunnelError | None = None
        self._failures = 0
        self._install_lock = asyncio.Lock()
        self._installer: asyncio.Task[Any] | None = None
        self._board = board.StatusBoard(
            data_dir=data_dir, sources=sources, domain=settings.domain
        )
        self._supply = supply.AgentSupply(
            settings,
            self._environ,
            data_dir=data_dir,
            status=self._board,
            stall_timeout_s=self._timing.download_stall_s,
            limit_s=self._timing.download_limit_s,
        )

    # -- what front ends use ------------------------------------------------

    @property
    def listeners(self) -> list[board.Listener]:
        """Called with each new status, on the event loop; append to follow."""
        return self._board.listeners

    @property
    def status(self) -> TunnelStatus:
        """The latest snapshot."""
        return self._board.status

    @property
    def state(self) -> TunnelState:
        """Where the tunnel stands."""
        return self.status.state

    @property
    def public_url(self) -> str | None:
        """The public URL while up."""
        return self.status.public_url if self.state is TunnelState.UP else None

    @property
    def webhook_urls(self) -> tuple[WebhookUrl, ...]:
        """The public URL of each source while up."""
        return self.status.webhook_urls if self.state is TunnelState.UP else ()

    @property
    def agent_installable(self) -> bool:
        """Whether it waits for an agent that ``install_agent()`` would fetch."""
        status = self.status
        return (
            status.state is TunnelState.UNAVAILABLE
            and status.problem in {Problem.NO_AGENT, Problem.DOWNLOAD_FAILED}
            and self.settings.ngrok_path is None
        )

    async def start(self) -> None:
        """Start bringing the tunnel up; returns at once (follow ``listeners``)."""
        if self._task is not None:
            return
        self._board.starting()
        self._task = tasks.spawn(self._run(), name="hookflo-tunnel")

    async def stop(self) -> None:
        """Close the tunnel and end the agent; the status becomes STOPPED."""
        task, self._task = self._task, None
        if self._installer is not None:
            self._installer.cancel()  # the download stops at its next chunk
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._end_agent()
        await _quietly(self._guard.close, name="hookflo-tunnel-watchdog")
        self._board.stopped()

    async def install_agent(self) -> Path:
        """Download the agent (the user asked), then bring the tunnel up with it.

        The status shows the download's progress; an agent already found is
        used as it is. Only one download runs at a time.

        Raises:
            TunnelError: the download failed; the status says so too.
        """
        async with self._install_lock:
            self._installer = asyncio.current_task()
            try:
                found = self._supply.find()
                show = self._task is not None
                path = found or await self._supply.download(show=show)
            finally:
                self._installer = None
        self.retry()
        return path

    def retry(self) -> None:
        """Try again now (after the user fixed the token, config or network)."""
        self._user_retry.set()
        self._failures = 0
        self.check_now()

    def check_now(self) -> None:
        """Check the public URL now (after wake-up or a network change)."""
        self._check_requested = True
        self._wake.set()

    async def wait_for(self, *states: TunnelState, timeout_s: float) -> TunnelStatus:
        """Return the status once it is in one of ``states``.

        Raises:
            TimeoutError: it was not within ``timeout_s``.
        """
        if self.state in states:
            return self.status
        reached: asyncio.Future[TunnelStatus] = (
            asyncio.get_running_loop().create_future()
        )

        def listen(status: TunnelStatus) -> None:
            if status.state in states and not reached.done():
                reached.set_result(status)

        self.listeners.append(listen)
        try:
            async with asyncio.timeout(timeout_s):
                return await reached
        finally:
            self.listeners.remove(listen)

    # -- the lifecycle ------------------------------------------------------

    async def _run(self) -> None:
        used_once = False
        while True:
            if self._agent is None:
                try:
                    await self._bring_up()
                except TunnelError as err:
                    await self._end_agent()
                    self._failures += 1
                    if err.retry is Retry.NEVER or (
                        err.retry is Retry.ONCE and used_once
                    ):
                        await self._give_up(err)
                        used_once = False
                        continue
                    # One automatic retry says nothing yet; giving up will.
                    self._down(err, quiet=err.retry is Retry.ONCE)
                    used_once = used_once or err.retry is Retry.ONCE
                    await self._pause(self._backoff(self._failures))
                    continue
                used_once = False
            self._down(await self._watch())
            if not await self._ride_out():
                await self._end_agent()
                self._failures += 1
                await self._pause(self._backoff(self._failures))

    async def _bring_up(self) -> None:
        path = self._supply.require()
        authtoken = await launch.read_authtoken(
            self._read_authtoken, timeout_s=self._timing.keyring_timeout_s
        )
        await offthread.call(
            self._guard.end_stale, timeout_s=10.0, name="hookflo-tunnel-stale"
        )
        self._agent = started = agent.Agent(
            path,
            region=self.settings.region,
            scratch_root=self._scratch_root,
            startup_timeout_s=self._timing.startup_timeout_s,
            api_timeout_s=self._timing.api_timeout_s,
            on_line=self._line_from_thread(),
            guard=self._guard,
        )
        domain = self.settings.domain
        limit = self._timing.startup_timeout_s + self._timing.api_timeout_s + 1
        await launch.start(started, authtoken, timeout_s=limit, domain=domain)
        self._board.agent_started(started.pid)
        public_url = await launch.open_endpoint(
            started,
            self._upstream,
            timeout_s=self._timing.api_timeout_s + 1,
            domain=domain,
        )
        why = await self._first_check(public_url)
        if why is not None:
            raise TunnelError(
                Problem.UNREACHABLE, why, "HookFlo keeps checking and reconnects"
            )
        self._up(public_url)

    async def _first_check(self, public_url: str) -> str | None:
        """Return None once the public URL reaches us, else why not in time."""
        deadline = time.monotonic() + self._timing.first_check_s
        while True:
            why = await self._probe_once(public_url)
            if why is None or time.monotonic() >= deadline:
                return why
            await asyncio.sleep(min(self._timing.poll_s, 1.0))

    async def _probe_once(self, public_url: str) -> str | None:
        try:
            async with asyncio.timeout(self._timing.probe_timeout_s + 1):
                return await self._probe(public_url, self._token)
        except TimeoutError:
            return "the public URL did not answer in time"

    async def _watch(self) -> TunnelError:
        """Return the first problem seen while the tunnel is up."""
        assert self._agent is not None
        next_check = time.monotonic() + self._timing.health_interval_s
        while True:
            wall, mono = self._wall_clock(), time.monotonic()
            await self._pause(self._timing.poll_s)
            woke = (self._wall_clock() - wall) - (time.monotonic() - mono)
            problem = self._agent_problem()
            if problem is not None:
                return problem
            if woke > self._timing.wake_jump_s:
                logger.debug("Clock jumped %.0f s (sleep?): checking", woke)
                self._check_requested = True
            if self._check_requested or time.monotonic() >= next_check:
                self._check_requested = False
                failed = await self._check()
                if failed is not None:
                    return failed
                self._failures = 0
                next_check = time.monotonic() + self._timing.health_interval_s

    async def _ride_out(self) -> bool:
        """Give a live agent time to reconnect by itself; True if it did."""
        deadline = time.monotonic() + self._timing.reconnect_grace_s
        attempt = 0
        while time.monotonic() < deadline and self._agent is not None:
            attempt += 1
            await self._pause(self._backoff(attempt))
            problem = self._agent_problem()
            if problem is not None:
                self._down(problem)
                if self._agent.exit_code() is not None:
                    return False
            failed = await self._check()
            if failed is None:
                self._up(self.status.public_url or "")
                return True
            if failed.problem is Problem.AGENT_UNRESPONSIVE:
                self._down(failed)
                return False
        return False

    async def _check(self) -> TunnelError | None:
        """Check the agent's API and the public URL; return the problem."""
        assert self._agent is not None
        assert self._agent.api_url is not None
        answers = await health.agent_answers(
            self._agent.api_url, timeout_s=self._timing.api_timeout_s
        )
        if not answers:
            return TunnelError(
                Problem.AGENT_UNRESPONSIVE,
                "the ngrok agent's local API does not answer",
                "HookFlo restarts it",
            )
        why = await self._probe_once(self.status.public_url or "")
        if why is None:
            self._board.checked()
            return None
        if self.state is TunnelState.DOWN:
            return TunnelError(Problem.UNREACHABLE, self.status.summary or why)
        return TunnelError(Problem.UNREACHABLE, why, "HookFlo reconnects")

    def _agent_problem(self) -> TunnelError | None:
        if self._agent is None:
            return None
        code = self._agent.exit_code()
        if code is not None:
            return TunnelError(
                Problem.AGENT_FAILED,
                f"the ngrok agent exited (status {code})",
                "HookFlo restarts it",
            )
        problem, self._session_error = self._session_error, None
        return problem

    async def _give_up(self, err: TunnelError) -> None:
        """Stay unavailable until the user asks for another attempt."""
        self._board.unavailable(err)
        self._user_retry.clear()
        if err.problem in {Problem.NO_AGENT, Problem.DOWNLOAD_FAILED}:
            await self._supply.wait(
                self._user_retry,
                poll_s=self._timing.agent_poll_s,
                busy=lambda: self._installer is not None,
            )
        else:
            await self._user_retry.wait()
        self._board.starting()

    async def _end_agent(self) -> None:
        ended, self._agent = self._agent, None
        if ended is not None:
            await _quietly(ended.stop, name="hookflo-ngrok-stop")

    async def _pause(self, seconds: float) -> None:
        # NOTE: asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a
        # cancellation that lands as its wait ends, and stop() would hang.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        self._wake.clear()

    def _backoff(self, attempt: int) -> float:
        base = self._timing.backoff_first_s * 2.0 ** min(attempt - 1, 16)
        return min(self._timing.backoff_max_s, base) * random.uniform(0.8, 1.2)

    def _up(self, public_url: str) -> None:
        self._check_requested = False
        self._session_error = None  # said while starting; that is over
        self._board.up(public_url, self._agent.pid if self._agent else None)

    def _down(self, err: TunnelError, *, quiet: bool = False) -> None:
        self._board.down(err, quiet=quiet)

    # -- reports from the agent (pyngrok's threads) ----------------------------

    def _line_from_thread(self) -> Callable[["NgrokLog"], None]:
        loop = asyncio.get_running_loop()

        def forward(line: "NgrokLog") -> None:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                loop.call_soon_threadsafe(self._agent_line, line)

        return forward

    def _agent_line(self, line: "NgrokLog") -> None:
        logger.debug("ngrok: %s", line.line)
        problem = errors.from_session_line(line, domain=self.settings.domain)
        if problem is not None:
            self._session_error = problem
            self._wake.set()
        elif "session established" in (line.msg or "") and self._agent is not None:
            self.check_now()  # it reconnected: see whether requests get through


async def _quietly(fn: Callable[[], None], *, name: str) -> None:
    try:
        await offthread.call(fn, timeout_s=10.0, name=name)
    except TimeoutError:
        logger.debug("%s did not finish within 10 s", name)
