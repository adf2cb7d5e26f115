"""Receiver benchmark: ``hookflo serve`` against a bare and a durable aiohttp peer.

What it measures
    Three HTTP servers, each its own process on 127.0.0.1, receive the same kind
    of traffic: distinct, Svix-signed Clerk ``user.created`` deliveries (the
    shipped sample with a varied user id, a unique ``svix-id`` each, signed with
    ``svix.webhooks.Webhook.sign`` under a secret generated for the run).

    * ``hookflo``: the real ``hookflo serve`` (verify, store durably with group
      commits, then answer 2xx), with ``HOOKFLO_HOME`` in a temporary directory
      and a config.toml that turns the desktop channel off (no D-Bus variables
      are passed on either): the receiver is measured, not alert delivery.
    * ``bare``: an aiohttp handler that reads the body and answers 200. The
      ceiling of aiohttp on this machine: what no receiver can beat.
    * ``durable``: what a competent developer writes first: aiohttp, svix
      ``Webhook.verify``, ``json.loads``, then INSERT and COMMIT of one row per
      request in SQLite (WAL, synchronous=FULL) on a one-thread executor, then
      200. The baseline hookflo's group commits must beat.

    For each server, two runs:

    * closed loop: ``--connections`` (32) keep-alive connections, each sending
      its next request as soon as the previous answer arrives, for
      ``--warmup`` + ``--duration`` seconds; requests/s counts the 2xx answers
      in the measured window. In-flight requests are drained afterwards.
    * open loop: a steady ``--rate`` (200) requests/s for ``--latency-duration``
      seconds after a warm-up, sent at scheduled times over a pool of
      keep-alive connections. Latency runs from the *scheduled* send time to
      the end of the answer, so a stalled server is charged for the requests
      it delayed (no coordinated omission).

    Then it checks that hookflo stored exactly as many events as it answered
    2xx (rows in ``HOOKFLO_HOME/data/hookflo.sqlite3``), and the same for the
    durable peer.

How to read it
    Left of ``|``, the closed loop. ``req/s``: throughput; ``errors``: non-2xx
    answers and lost connections (must be 0); ``srv CPU``: the server
    process's CPU use in the measured window, in % of one core (100% = one
    core saturated: for a Python server, the GIL makes that the ceiling);
    ``us/req``: its CPU time per answered request, the cost of one request in
    that server; ``client``: this load generator's CPU use (near 100% would
    mean the client, not the server, is the limit); ``others``: busy time of
    the machine that is neither the server, the client, kernel threads nor
    interrupts, i.e. other processes. Anything above ~10% there means someone
    else was using the CPU and the figures are disturbed (a warning is
    printed): run again on a quiet machine.

    Right of ``|``, the open loop: latency percentiles in ms; ``lag p99``, how
    late the client sent its scheduled requests (included in the latencies,
    so it must stay far below them); ``others`` as above, for that window.

    Targets: hookflo throughput >= 2.5x the durable peer's, and hookflo p99 <=
    3 ms at 200 requests/s. Exit status: 0 when every answer was 2xx, the
    stored counts match and every server exited 0 on SIGTERM; 1 otherwise
    (missed targets are reported, not failed).

Run: ``.venv/bin/python bench/receiver_bench.py`` (or ``./dev bench``);
``--json`` prints the results as JSON; ``--help`` lists the knobs.
"""

import argparse
import asyncio
import base64
import contextlib
import json
import math
import os
import secrets
import selectors
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from svix.webhooks import Webhook, WebhookVerificationError

from hookflo.core import samples

HOST = "127.0.0.1"
PATH = "/webhooks/clerk"
TARGETS = ("hookflo", "bare", "durable")
SECRET_ENV = "HOOKFLO_BENCH_SECRET"
THROUGHPUT_TARGET = 2.5
P99_TARGET_MS = 3.0
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
OPEN_LOOP_CONNECTIONS = 16
_OK_BODY = b'{"status":"ok"}'
_STORED_BODY = b'{"status":"stored"}'
_WARMUP, _MEASURE, _DRAIN = 0, 1, 2


# --------------------------------------------------------------------------
# The peers (run as `receiver_bench.py --peer bare|durable` in a subprocess)
# --------------------------------------------------------------------------

Handler = Callable[[web.Request], Any]


def _bare_handler() -> Handler:
    async def handle(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=_OK_BODY, content_type="application/json")

    return handle


def _durable_handler(database: Path) -> Handler:
    webhook = Webhook(os.environ[SECRET_ENV])
    conn = sqlite3.connect(database, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, "
        "svix_id TEXT NOT NULL UNIQUE, type TEXT, received_at REAL NOT NULL, "
        "body BLOB NOT NULL)"
    )
    conn.commit()
    db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")

    def insert(svix_id: str, event_type: str | None, body: bytes) -> None:
        conn.execute(
            "INSERT INTO events (svix_id, type, received_at, body) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (svix_id) DO NOTHING",
            (svix_id, event_type, time.time(), body),
        )
        conn.commit()

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            webhook.verify(body, request.headers)
        except WebhookVerificationError:
            return web.Response(status=400, text="bad signature")
        event = json.loads(body)
        await asyncio.get_running_loop().run_in_executor(
            db_thread, insert, request.headers["svix-id"], event.get("type"), body
        )
        return web.Response(body=_STORED_BODY, content_type="application/json")

    return handle


async def _serve_peer(kind: str, ready_file: Path, database: Path) -> None:
    handle = _bare_handler() if kind == "bare" else _durable_handler(database)
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(PATH, handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, HOST, 0).start()
    port = int(runner.addresses[0][1])
    partial = ready_file.with_suffix(".tmp")
    partial.write_text(json.dumps({"pid": os.getpid(), "port": port}))
    partial.replace(ready_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()


# --------------------------------------------------------------------------
# Pre-signed requests
# --------------------------------------------------------------------------


class Requests:
    """Distinct, signed ``user.created`` deliveries for one target."""

    def __init__(self, secret: str, port: int, tag: str) -> None:
        body = samples.sample_body("user.created")
        self._user_id = json.loads(body)["data"]["id"]
        self._template = body.decode("utf-8")
        self._webhook = Webhook(secret)
        self._port = port
        self._prefix = f"{tag}{secrets.token_hex(4)}"
        self._next = 0
        self._pool: list[bytes] = []
        self.built_inline = 0

    def fill(self, count: int) -> None:
        """Sign requests ahead so that at least ``count`` are ready."""
        missing = count - len(self._pool)
        if missing > 0:
            fresh = [self._build() for _ in range(missing)]
            fresh.reverse()  # pop() hands them out in order
            self._pool[:0] = fresh

    def take(self) -> bytes:
        """Return the next request, signing one now if none is ready."""
        if self._pool:
            return self._pool.pop()
        self.built_inline += 1
        return self._build()

    def _build(self) -> bytes:
        number = self._next
        self._next += 1
        serial = f"{self._prefix}{number:0{27 - len(self._prefix)}d}"
        text = self._template.replace(self._user_id, f"user_{serial}")
        msg_id = f"msg_{serial}"
        now = int(time.time())
        signature = self._webhook.sign(msg_id, datetime.fromtimestamp(now, UTC), text)
        body = text.encode("utf-8")
        head = (
            f"POST {PATH} HTTP/1.1\r\n"
            f"Host: {HOST}:{self._port}\r\n"
            "User-Agent: Svix-Webhooks/1.0 (hookflo-bench)\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"svix-id: {msg_id}\r\n"
            f"svix-timestamp: {now}\r\n"
            f"svix-signature: {signature}\r\n\r\n"
        )
        return head.encode("ascii") + body


# --------------------------------------------------------------------------
# A lean HTTP/1.1 keep-alive client on asyncio protocols
# --------------------------------------------------------------------------


class ProtocolError(Exception):
    """The server's answer is not what this client can read."""


def _parse(buf: bytes) -> tuple[int, int] | None:
    """Return (status, response length) if ``buf`` starts with a whole answer."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    start = buf.find(b"\r\nContent-Length:", 0, end)
    if start < 0:
        start = buf[:end].lower().find(b"\r\ncontent-length:")
        if start < 0:
            raise ProtocolError(f"answer without Content-Length: {buf[:200]!r}")
    stop = buf.find(b"\r\n", start + 17)
    total = end + 4 + int(buf[start + 17 : stop])
    if len(buf) < total:
        return None
    return int(buf[9:12]), total


class Driver:
    """What a connection reports to (the closed or the open loop)."""

    def on_response(self, conn: "Connection", status: int) -> None:
        raise NotImplementedError

    def on_lost(self, conn: "Connection") -> None:
        raise NotImplementedError


class Connection(asyncio.Protocol):
    """One keep-alive connection; one request in flight at a time."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self.transport: asyncio.Transport | None = None
        self.waiting = False
        self.scheduled = 0.0
        self.closed = False
        self._buf = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def send(self, request: bytes) -> None:
        assert self.transport is not None
        self.waiting = True
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        buf = self._buf + data if self._buf else data
        while True:
            try:
                parsed = _parse(buf)
            except (ProtocolError, ValueError):
                self._buf = b""
                self.close()
                return
            if parsed is None:
                break
            status, length = parsed
            buf = buf[length:]
            self.waiting = False
            self.driver.on_response(self, status)
        self._buf = buf

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.driver.on_lost(self)


async def _connect(driver: Driver, port: int, count: int) -> list[Connection]:
    loop = asyncio.get_running_loop()
    made = await asyncio.gather(
        *(
            loop.create_connection(lambda: Connection(driver), HOST, port)
            for _ in range(count)
        )
    )
    return [protocol for _, protocol in made]


# --------------------------------------------------------------------------
# CPU accounting (Linux /proc), so a saturated core is visible
# --------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_of(stat_file: Path, kernel_only: bool = False) -> float:
    fields = stat_file.read_text().rsplit(")", 1)[1].split()
    if kernel_only:
        return int(fields[12]) / _TICK  # stime
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def _process_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of the process: total, in the kernel, and main thread."""
    try:
        total = _cpu_of(Path(f"/proc/{pid}/stat"))
        kernel = _cpu_of(Path(f"/proc/{pid}/stat"), kernel_only=True)
        main = _cpu_of(Path(f"/proc/{pid}/task/{pid}/stat"))
    except (OSError, IndexError, ValueError):
        return {}
    return {"total": total, "kernel": kernel, "main": main}


def _kernel_threads_cpu() -> float:
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            if entry == "2" or fields[1] == "2":  # kthreadd and its children
                total += (int(fields[11]) + int(fields[12])) / _TICK
    return total


def _machine_cpu() -> dict[str, float]:
    """CPU seconds the machine spent busy, and in interrupts (all cores)."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return {}
    busy = sum(ticks[:8]) - ticks[3] - ticks[4]  # all but idle and iowait
    return {
        "busy": busy / _TICK,
        "irq": (ticks[5] + ticks[6]) / _TICK,
        "kthreads": _kernel_threads_cpu(),
    }


class CpuWindow:
    """Where the CPU time went between ``__init__`` and ``close``, in cores.

    ``foreign`` is what is left of the machine's busy time once the server,
    this client, kernel threads and interrupts are taken out: other processes
    on the machine, which disturb the figures when they are not near 0.
    """

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._started = time.perf_counter()
        self._server = _process_cpu(pid)
        self._client = time.process_time()
        self._machine = _machine_cpu()

    def close(self) -> dict[str, float]:
        wall = time.perf_counter() - self._started
        server, machine = _process_cpu(self._pid), _machine_cpu()
        shares = {"client": (time.process_time() - self._client) / wall}
        if server and self._server:
            shares["server"] = (server["total"] - self._server["total"]) / wall
            main = (server["main"] - self._server["main"]) / wall
            shares["server_main_thread"] = main
            shares["server_other_threads"] = shares["server"] - main
            kernel = (server["kernel"] - self._server["kernel"]) / wall
            shares["server_in_kernel"] = kernel
        if machine and self._machine and "server" in shares:
            for key in machine:
                shares[key] = (machine[key] - self._machine[key]) / wall
            kernel = shares["irq"] + shares["kthreads"]
            own = shares["server"] + shares["client"]
            shares["foreign"] = max(0.0, shares["busy"] - own - kernel)
        return {key: round(value, 3) for key, value in shares.items()}


# --------------------------------------------------------------------------
# Closed loop: N connections, each sending again as soon as it is answered
# --------------------------------------------------------------------------


class ClosedLoop(Driver):
    def __init__(self, requests: Requests) -> None:
        self.requests = requests
        self.phase = _WARMUP
        self.ok = [0, 0, 0]
        self.bad = [0, 0, 0]
        self.lost = 0
        self.in_flight = 0
        self.drained: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def start(self, conn: Connection) -> None:
        self.in_flight += 1
        conn.send(self.requests.take())

    def on_response(self, conn: Connection, status: int) -> None:
        phase = self.phase
        if 200 <= status < 300:
            self.ok[phase] += 1
        else:
            self.bad[phase] += 1
        if phase != _DRAIN:
            conn.send(self.requests.take())
        else:
            self._finished_one()

    def on_lost(self, conn: Connection) -> None:
        if conn.waiting:
            conn.waiting = False
            self.lost += 1
            self._finished_one()

    def drain(self) -> None:
        self.phase = _DRAIN
        if self.in_flight == 0 and not self.drained.done():
            self.drained.set_result(None)

    def _finished_one(self) -> None:
        self.in_flight -= 1
        if self.phase == _DRAIN and self.in_flight == 0 and not self.drained.done():
            self.drained.set_result(None)


async def closed_loop(
    requests: Requests, port: int, pid: int, args: argparse.Namespace
) -> dict[str, Any]:
    driver = ClosedLoop(requests)
    conns = await _connect(driver, port, args.connections)
    for conn in conns:
        driver.start(conn)
    await asyncio.sleep(args.warmup)
    driver.phase = _MEASURE
    started, window = time.perf_counter(), CpuWindow(pid)
    await asyncio.sleep(args.duration)
    driver.drain()
    wall = time.perf_counter() - started
    cpu = window.close()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(driver.drained), 10)
    stranded = driver.in_flight
    for conn in conns:
        conn.close()
    await asyncio.sleep(0)
    measured = driver.ok[_MEASURE]
    rps = measured / wall
    return {
        "connections": args.connections,
        "seconds": round(wall, 3),
        "requests_per_s": round(rps, 1),
        "ok_measured": measured,
        "ok_total": sum(driver.ok),
        "non_2xx": sum(driver.bad),
        "lost": driver.lost,
        "stranded": stranded,
        "errors": sum(driver.bad) + driver.lost + stranded,
        "server_cpu_us_per_request": (
            round(cpu["server"] * 1e6 / rps, 1) if "server" in cpu and rps else None
        ),
        "cpu_cores": cpu,
        "signed_during_run": requests.built_inline,
    }


# --------------------------------------------------------------------------
# Open loop: requests at scheduled times, latency from the scheduled time
# --------------------------------------------------------------------------


class OpenLoop(Driver):
    def __init__(self, requests: Requests, total: int, measure_from: float) -> None:
        self.requests = requests
        self.total = total
        self.measure_from = measure_from
        self.idle: list[Connection] = []
        self.backlog: deque[float] = deque()
        self.latencies: list[float] = []
        self.lags: list[float] = []
        self.ok = 0
        self.bad = 0
        self.lost = 0
        self.answered = 0
        self.queued_max = 0
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def fire(self, scheduled: float) -> None:
        if scheduled >= self.measure_from:
            self.lags.append(time.monotonic() - scheduled)
        if self.idle:
            self._send(self.idle.pop(), scheduled)
        else:
            self.backlog.append(scheduled)
            self.queued_max = max(self.queued_max, len(self.backlog))

    def on_response(self, conn: Connection, status: int) -> None:
        now = time.monotonic()
        if conn.scheduled >= self.measure_from:
            self.latencies.append(now - conn.scheduled)
        if 200 <= status < 300:
            self.ok += 1
        else:
            self.bad += 1
        self._answered_one()
        if self.backlog:
            self._send(conn, self.backlog.popleft())
        else:
            self.idle.append(conn)

    def on_lost(self, conn: Connection) -> None:
        if conn in self.idle:
            self.idle.remove(conn)
        if conn.waiting:
            conn.waiting = False
            self.lost += 1
            self._answered_one()

    def _send(self, conn: Connection, scheduled: float) -> None:
        conn.scheduled = scheduled
        conn.send(self.requests.take())

    def _answered_one(self) -> None:
        self.answered += 1
        if self.answered >= self.total and not self.done.done():
            self.done.set_result(None)


def _percentile(ordered: list[float], percent: float) -> float:
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


async def open_loop(
    requests: Requests, port: int, pid: int, args: argparse.Namespace
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    interval = 1 / args.rate
    warm = round(args.warmup * args.rate)
    total = warm + round(args.latency_duration * args.rate)
    start = loop.time() + 0.05
    driver = OpenLoop(requests, total, start + warm * interval - interval / 2)
    conns = await _connect(driver, port, OPEN_LOOP_CONNECTIONS)
    driver.idle = list(conns)
    window = CpuWindow(pid)
    for number in range(total):
        when = start + number * interval
        loop.call_at(when, driver.fire, when)
    with contextlib.suppress(TimeoutError):
        deadline = start + total * interval + 5 - loop.time()
        await asyncio.wait_for(asyncio.shield(driver.done), deadline)
    cpu = window.close()
    for conn in conns:
        conn.close()
    await asyncio.sleep(0)
    latencies = sorted(driver.latencies)
    lags = sorted(driver.lags)
    timeouts = total - driver.answered
    return {
        "rate": args.rate,
        "seconds": args.latency_duration,
        "measured": len(latencies),
        "p50_ms": round(_percentile(latencies, 50) * 1e3, 3),
        "p99_ms": round(_percentile(latencies, 99) * 1e3, 3),
        "max_ms": round((latencies[-1] if latencies else math.nan) * 1e3, 3),
        "ok_total": driver.ok,
        "non_2xx": driver.bad,
        "lost": driver.lost,
        "timeouts": timeouts,
        "errors": driver.bad + driver.lost + timeouts,
        "send_lag_p99_ms": round(_percentile(lags, 99) * 1e3, 3),
        "send_lag_max_ms": round((lags[-1] if lags else math.nan) * 1e3, 3),
        "client_queue_max": driver.queued_max,
        "cpu_cores": cpu,
    }


# --------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------


class Server:
    """One server under test, as a subprocess."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], tmp: Path):
        self.name = name
        self.log = tmp / f"{name}.stderr"
        self.port = 0
        self.ready_file: Path = tmp / f"{name}.ready.json"
        with self.log.open("wb") as stderr:
            self.process = subprocess.Popen(
                argv, env=env, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr
            )

    def poll_ready(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with {self.process.returncode}:\n{self.tail()}"
            )
        try:
            info = json.loads(self.ready_file.read_text())
        except (OSError, ValueError):
            return False
        if int(info.get("pid", -1)) != self.process.pid:
            return False
        self.port = int(info["port"])
        return True

    def stop(self) -> int | None:
        """Stop the process by its pid: SIGTERM, then SIGKILL."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def tail(self, lines: int = 20) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _hookflo_program() -> str:
    beside = Path(sys.executable).parent / "hookflo"
    found = str(beside) if beside.exists() else shutil.which("hookflo")
    if not found:
        raise RuntimeError("no `hookflo` program next to this Python or on PATH")
    return found


# The receiver alone is measured: no alert reaches a desktop, Slack or a mailbox.
HOOKFLO_CONFIG = """\
[channels.desktop]
enabled = false
"""
_NOT_INHERITED = ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY")


def hookflo_env(home: Path, secret: str, app: Path | None) -> dict[str, str]:
    """Prepare ``home`` and return the environment of the hookflo under test.

    ``app``: the source tree to run hookflo from, instead of the installed one.
    """
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(HOOKFLO_CONFIG, encoding="utf-8")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HOOKFLO_") and k not in _NOT_INHERITED
    }
    env |= {"HOOKFLO_HOME": str(home), "HOOKFLO_SECRET_CLERK": secret}
    if app is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(app.resolve()), env.get("PYTHONPATH")) if p
        )
    return env


def start_servers(
    targets: list[str], tmp: Path, secret: str, app: Path | None = None
) -> dict[str, Server]:
    servers: dict[str, Server] = {}
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKFLO_")}
    for name in targets:
        if name == "hookflo":
            home = tmp / "hookflo-home"
            env = hookflo_env(home, secret, app)
            argv = [_hookflo_program(), "serve", "--host", HOST, "--port", "0"]
            argv.append("--json-logs")
            server = Server(name, argv, env, tmp)
            server.ready_file = home / "data" / "receiver.json"
        else:
            env = base_env | {SECRET_ENV: secret}
            argv = [sys.executable, str(Path(__file__).resolve()), "--peer", name]
            argv += ["--ready-file", str(tmp / f"{name}.ready.json")]
            argv += ["--database", str(tmp / f"{name}.sqlite3")]
            server = Server(name, argv, env, tmp)
        servers[name] = server
    deadline = time.monotonic() + READY_TIMEOUT_S
    waiting = dict(servers)
    while waiting:
        waiting = {n: s for n, s in waiting.items() if not s.poll_ready()}
        if waiting and time.monotonic() > deadline:
            names = ", ".join(waiting)
            raise RuntimeError(f"not ready after {READY_TIMEOUT_S:.0f} s: {names}")
        time.sleep(0.02)
    return servers


def _count_rows(database: Path, column: str) -> dict[str, int]:
    uri = f"file:{database}?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    try:
        rows, distinct = conn.execute(
            f"SELECT count(*), count(DISTINCT {column}) FROM events"
        ).fetchone()
        result = {"rows": int(rows), "distinct_ids": int(distinct)}
        with contextlib.suppress(sqlite3.Error):
            (attempts,) = conn.execute("SELECT count(*) FROM attempts").fetchone()
            result["refused_attempts"] = int(attempts)
        return result
    finally:
        conn.close()


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------


def _run_in_loop(coro_factory: Callable[[], Any], precise_timers: bool) -> Any:
    """Run a phase in a fresh loop.

    The open loop uses a ``select()`` selector: epoll rounds timeouts up to the
    next millisecond, which would add up to 1 ms of client lateness to every
    latency; ``select()`` sleeps to the microsecond.
    """

    def factory() -> asyncio.AbstractEventLoop:
        if precise_timers:
            return asyncio.SelectorEventLoop(selectors.SelectSelector())
        return asyncio.new_event_loop()

    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro_factory())


def bench_target(
    name: str, server: Server, secret: str, args: argparse.Namespace
) -> dict[str, Any]:
    requests = Requests(secret, server.port, name[0])
    requests.fill(args.pool)
    _progress(f"{name}: closed loop, {args.connections} connections")
    closed = _run_in_loop(
        lambda: closed_loop(requests, server.port, server.process.pid, args), False
    )
    requests.fill(round((args.warmup + args.latency_duration) * args.rate) + 100)
    _progress(f"{name}: open loop, {args.rate:g} requests/s")
    opened = _run_in_loop(
        lambda: open_loop(requests, server.port, server.process.pid, args), True
    )
    return {"closed_loop": closed, "open_loop": opened}


def _progress(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    tmp = Path(tempfile.mkdtemp(prefix="hookflo-bench-"))
    try:
        return _run_in(tmp, args)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def _run_in(tmp: Path, args: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    # Svix's own shape: 24 random bytes, 32 base64 characters, no padding.
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    servers: dict[str, Server] = {}
    results: dict[str, Any] = {"targets": {}}
    try:
        _progress(f"starting {', '.join(args.targets)} in {tmp}")
        servers = start_servers(args.targets, tmp, secret, args.app)
        for name in args.targets:
            results["targets"][name] = bench_target(name, servers[name], secret, args)
    finally:
        exits = {name: server.stop() for name, server in servers.items()}
        if servers:
            _progress(f"servers stopped, exit statuses: {exits}")
    ok = True
    for name, figures in results["targets"].items():
        figures["exit_status"] = exits.get(name)
        ok = ok and exits.get(name) == 0
    for name, database, column in (
        ("hookflo", tmp / "hookflo-home" / "data" / "hookflo.sqlite3", "svix_id"),
        ("durable", tmp / "durable.sqlite3", "svix_id"),
    ):
        if name not in results["targets"]:
            continue
        figures = results["targets"][name]
        answered = figures["closed_loop"]["ok_total"] + figures["open_loop"]["ok_total"]
        stored = _count_rows(database, column)
        match = stored["rows"] == answered == stored["distinct_ids"]
        figures["store_check"] = {"answered_2xx": answered, **stored, "match": match}
        ok = ok and match
    for figures in results["targets"].values():
        ok = ok and not figures["closed_loop"]["errors"]
        ok = ok and not figures["open_loop"]["errors"]
    results["verdict"] = _verdict(results["targets"])
    results["settings"] = {
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "connections": args.connections,
        "rate": args.rate,
        "latency_duration_s": args.latency_duration,
        "cpus": os.cpu_count(),
        "hookflo_app": str(args.app.resolve()) if args.app else "installed",
    }
    if args.keep:
        results["workdir"] = str(tmp)
    return results, ok


def _verdict(targets: dict[str, Any]) -> dict[str, Any]:
    verdict: dict[str, Any] = {}
    hookflo = targets.get("hookflo")
    if hookflo is None:
        return verdict
    rps = hookflo["closed_loop"]["requests_per_s"]
    for peer in ("durable", "bare"):
        if peer in targets:
            peer_rps = targets[peer]["closed_loop"]["requests_per_s"]
            verdict[f"throughput_vs_{peer}"] = round(rps / peer_rps, 2)
    if "throughput_vs_durable" in verdict:
        verdict["throughput_target_met"] = (
            verdict["throughput_vs_durable"] >= THROUGHPUT_TARGET
            and not hookflo["closed_loop"]["errors"]
        )
    p99 = hookflo["open_loop"]["p99_ms"]
    verdict["p99_ms"] = p99
    verdict["p99_target_met"] = (
        p99 <= P99_TARGET_MS and not hookflo["open_loop"]["errors"]
    )
    return verdict


def print_table(results: dict[str, Any], ok: bool) -> None:
    settings = results["settings"]
    print(
        f"closed loop: {settings['connections']} keep-alive connections, "
        f"{settings['duration_s']:g} s after {settings['warmup_s']:g} s warm-up; "
        f"open loop: {settings['rate']:g} req/s for "
        f"{settings['latency_duration_s']:g} s; {settings['cpus']} CPUs"
    )
    header = (
        f"{'target':<9}{'req/s':>8}{'errors':>7}{'srv CPU':>8}{'us/req':>7}"
        f"{'client':>7}{'others':>7}"
        f" |{'p50 ms':>7}{'p99 ms':>7}{'max ms':>7}{'errors':>7}{'lag p99':>8}"
        f"{'others':>7}"
    )
    print(header)
    print("-" * len(header))
    disturbed = 0.0
    for name, figures in results["targets"].items():
        closed, opened = figures["closed_loop"], figures["open_loop"]
        cpu, open_cpu = closed["cpu_cores"], opened["cpu_cores"]
        per_request = closed["server_cpu_us_per_request"]
        disturbed = max(
            disturbed, cpu.get("foreign", 0.0), open_cpu.get("foreign", 0.0)
        )
        print(
            f"{name:<9}{closed['requests_per_s']:>8.0f}{closed['errors']:>7}"
            f"{_percent(cpu.get('server')):>8}"
            f"{per_request if per_request is not None else math.nan:>7.0f}"
            f"{_percent(cpu.get('client')):>7}{_percent(cpu.get('foreign')):>7}"
            f" |{opened['p50_ms']:>7.2f}{opened['p99_ms']:>7.2f}"
            f"{opened['max_ms']:>7.2f}{opened['errors']:>7}"
            f"{opened['send_lag_p99_ms']:>8.3f}{_percent(open_cpu.get('foreign')):>7}"
        )
    print()
    targets = results["targets"]
    if "hookflo" in targets:
        cpu = targets["hookflo"]["closed_loop"]["cpu_cores"]
        print(
            f"hookflo CPU in the closed loop: main thread "
            f"{_percent(cpu.get('server_main_thread'))}, other threads "
            f"{_percent(cpu.get('server_other_threads'))} of one core; kernel "
            f"threads {_percent(cpu.get('kthreads'))}, interrupts "
            f"{_percent(cpu.get('irq'))}"
        )
    if disturbed > 0.1:
        print(
            f"WARNING: other processes used up to {disturbed * 100:.0f}% of a core "
            "during a measurement; the figures are disturbed, run again"
        )
    verdict = results["verdict"]
    if "throughput_vs_durable" in verdict:
        print(
            f"throughput hookflo/durable: {verdict['throughput_vs_durable']:.2f}x "
            f"(target >= {THROUGHPUT_TARGET}x: "
            f"{_met(verdict['throughput_target_met'])})"
        )
    if "throughput_vs_bare" in verdict:
        print(f"throughput hookflo/bare:    {verdict['throughput_vs_bare']:.2f}x")
    if "p99_ms" in verdict:
        print(
            f"hookflo p99 at {settings['rate']:g} req/s: {verdict['p99_ms']:.2f} ms "
            f"(target <= {P99_TARGET_MS:g} ms: {_met(verdict['p99_target_met'])})"
        )
    for name, figures in targets.items():
        check = figures.get("store_check")
        if check:
            print(
                f"{name} stored {check['rows']} rows ({check['distinct_ids']} distinct "
                f"ids) for {check['answered_2xx']} 2xx answers: "
                f"{'OK' if check['match'] else 'MISMATCH'}"
                + (
                    f"; refused attempts: {check['refused_attempts']}"
                    if "refused_attempts" in check
                    else ""
                )
            )
    print(
        "all answers 2xx, stored counts match, servers exited cleanly"
        if ok
        else "FAILED checks (errors, stored counts or exit statuses above)"
    )
    exits = {n: f.get("exit_status") for n, f in targets.items()}
    if any(status != 0 for status in exits.values()):
        print(f"exit statuses: {exits}")
    if "workdir" in results:
        print(f"kept: {results['workdir']}")


def _percent(share: float | None) -> str:
    return "?" if share is None else f"{share * 100:.0f}%"


def _met(flag: bool) -> str:
    return "met" if flag else "MISSED"


def _targets(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = set(names) - set(TARGETS)
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"targets are among {', '.join(TARGETS)}")
    return names


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark hookflo serve against a bare and a durable peer."
    )
    parser.add_argument("--duration", type=float, default=5.0, help="closed-loop s")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up s")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rate", type=float, default=200.0, help="open-loop req/s")
    parser.add_argument("--latency-duration", type=float, default=5.0)
    parser.add_argument(
        "--pool", type=int, default=40_000, help="requests signed ahead per target"
    )
    parser.add_argument(
        "--targets", type=_targets, default=list(TARGETS), help="comma-separated"
    )
    parser.add_argument(
        "--app",
        type=Path,
        help="run hookflo from this app/ source tree (e.g. a `git archive` "
        "snapshot) instead of the installed one",
    )
    parser.add_argument("--json", action="store_true", help="print JSON results")
    parser.add_argument("--keep", action="store_true", help="keep the work dir")
    parser.add_argument("--peer", choices=("bare", "durable"), help=argparse.SUPPRESS)
    parser.add_argument("--ready-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main() -> int:
    args = parse_args()
    if args.peer:
        asyncio.run(_serve_peer(args.peer, args.ready_file, args.database))
        return 0
    signal.signal(signal.SIGTERM, _terminate)
    try:
        results, ok = run(args)
    except KeyboardInterrupt:
        _progress("interrupted; servers stopped")
        return 130
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results, ok)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
