"""``hookflo serve`` under slow and idle clients, at low file limits.

Each server is a real process on 127.0.0.1 (``--port 0``); idle and slow
clients are raw sockets that send little or nothing. Every process is bounded
by a timeout and stopped by its pid.
"""

import http.client
import json
import resource
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hookflo.core import fdlimit
from tests.e2e.test_serve_subprocess import HOOKFLO, environ_for
from tests.support.clerk import clerk_body, signed_headers

pytestmark = pytest.mark.slow

HEADER_LIMIT_S = 10.0  # connguard.HEADER_TIMEOUT_S, as a user meets it
STARTUP_S = 10.0
RUN_S = 90  # the most any server here lives


class Serving:
    """A ``hookflo serve`` process, optionally at a low file limit."""

    def __init__(self, home: Path, log_file: Path, file_limit: int | None) -> None:
        self.log_file = log_file

        def limit() -> None:
            if file_limit is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (file_limit, file_limit))

        command = [str(HOOKFLO), "serve", "--port", "0", "--json-logs"]
        with log_file.open("wb") as log:
            self.process = subprocess.Popen(
                ["timeout", str(RUN_S), *command],
                env=environ_for(home),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                preexec_fn=limit,
            )
        self.port = self._wait_port()

    def log_lines(self) -> list[str]:
        return self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()

    def _wait_port(self) -> int:
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            for line in self.log_lines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("event") == "listening":
                    return int(entry["port"])
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        pytest.fail("hookflo serve did not listen:\n" + "\n".join(self.log_lines()))

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=5)

    def deliver(self) -> int | str:
        """POST one signed Clerk event; return the status, or what went wrong."""
        body = clerk_body()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("POST", "/webhooks/clerk", body, signed_headers(body))
            return conn.getresponse().status
        except OSError as err:
            return type(err).__name__
        finally:
            conn.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=15)


@pytest.fixture
def serve(tmp_path) -> Iterator[Callable[[int | None], Serving]]:
    started: list[Serving] = []

    def start(file_limit: int | None = None) -> Serving:
        serving = Serving(tmp_path / "home", tmp_path / "serve.log", file_limit)
        started.append(serving)
        return serving

    yield start
    for serving in started:
        serving.stop()


def is_closed(sock: socket.socket) -> bool:
    """Whether the server closed ``sock`` (without waiting)."""
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def wait_until(condition: Callable[[], bool], limit_s: float) -> float:
    """Poll ``condition`` until true; return the seconds it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > limit_s:
            pytest.fail(f"Condition not met within {limit_s} s")
        time.sleep(0.1)
    return time.monotonic() - started


def test_slow_headers_are_cut_while_a_signed_delivery_gets_200(serve):
    serving = serve()
    slow = serving.connect()
    opened = time.monotonic()
    slow.sendall(b"POST /webhooks/clerk HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    try:
        assert serving.deliver() == 200
        # The slow client keeps sending header lines, never the blank line.
        while not is_closed(slow):
            assert time.monotonic() - opened < HEADER_LIMIT_S + 5
            try:
                slow.sendall(b"X-Drip: 1\r\n")
            except OSError:
                break
            time.sleep(0.5)
        taken = time.monotonic() - opened
    finally:
        slow.close()
    assert HEADER_LIMIT_S - 1 <= taken <= HEADER_LIMIT_S + 5
    assert serving.deliver() == 200


def test_idle_clients_past_the_cap_are_turned_away_at_a_low_file_limit(serve):
    file_limit, clients = 256, 300
    serving = serve(file_limit)
    cap = fdlimit.connection_cap(file_limit)
    idle = []
    try:
        for _ in range(clients):
            idle.append(serving.connect())
        # Past the cap, connections are closed at once; the rest time out.
        wait_until(lambda: sum(map(is_closed, idle)) >= clients - cap, 3.0)
        wait_until(lambda: all(map(is_closed, idle)), HEADER_LIMIT_S + 10)
        assert serving.deliver() == 200
    finally:
        for sock in idle:
            sock.close()
    serving.stop()
    lines = serving.log_lines()
    assert len(lines) < 100, "\n".join(lines[:40])
    turned_away = [line for line in lines if "Turned away" in line]
    assert 1 <= len(turned_away) <= 2  # at once, then the rest at the stop
    assert not any("Traceback" in line for line in lines)


def test_running_out_of_descriptors_is_said_once_and_delivery_resumes(serve):
    # 40 descriptors: the server's own (about 15), 16 connections, and too
    # few left for a burst of connections being turned away.
    serving = serve(40)
    idle = []
    try:
        for _ in range(120):
            idle.append(serving.connect())
        deadline = time.monotonic() + 30
        while serving.deliver() != 200:
            assert time.monotonic() < deadline, "no delivery got through"
            time.sleep(0.5)
    finally:
        for sock in idle:
            sock.close()
    serving.stop()
    lines = serving.log_lines()
    assert len(lines) < 100, "\n".join(lines[:40])
    said = [line for line in lines if "Cannot accept connections" in line]
    assert 1 <= len(said) <= 2, "\n".join(lines)
    assert not any("Traceback" in line for line in lines)
