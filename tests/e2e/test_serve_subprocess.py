"""``hookflo serve`` as a real process: startup, CLI round trip, crashes, errors.

Every server binds 127.0.0.1 on an ephemeral port (``--port 0``) and is found
through its "listening" JSON log line; every process started here is stopped
by its pid at the end of its test.
"""

import asyncio
import http.client
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.clerk import SECRET, SECRET_B, clerk_body, new_msg_id, signed_headers

pytestmark = pytest.mark.slow

HOOKFLO = Path(sys.executable).with_name("hookflo")
STARTUP_TIMEOUT_S = 10.0
CLI_TIMEOUT_S = 20.0
PATH = "/webhooks/clerk"
EVENT_TYPES = ("user.created", "user.updated", "session.created", "user.deleted")
_PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


def environ_for(home: Path, secret: str | None = SECRET) -> dict[str, str]:
    """The process environment of a command run against ``home``."""
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("HOOKFLO_")
        and name.lower() not in _PROXY_VARIABLES
        and name not in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY")
    }
    environ["HOOKFLO_HOME"] = str(home)
    if secret is not None:
        environ["HOOKFLO_SECRET_CLERK"] = secret
    return environ


def run_cli(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run one ``hookflo`` command to completion."""
    return subprocess.run(
        [str(HOOKFLO), *args],
        env=environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )


class Serving:
    """One ``hookflo serve --port 0 --json-logs`` process and its log."""

    def __init__(self, environ: dict[str, str], log_file: Path) -> None:
        self.log_file = log_file
        with log_file.open("wb") as log:
            self.process = subprocess.Popen(
                [str(HOOKFLO), "serve", "--port", "0", "--json-logs"],
                env=environ,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        self.listening: dict[str, Any] = {}

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return str(self.listening["url"])

    @property
    def port(self) -> int:
        return int(self.listening["port"])

    def log_text(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    def log_entries(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log_text().splitlines()]

    def wait_listening(self) -> None:
        """Block until the "listening" line is logged; fail if it never is."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            for line in self.log_text().splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a line still being written
                if entry.get("event") == "listening":
                    self.listening = entry
                    return
            if self.process.poll() is not None:
                pytest.fail(
                    f"hookflo serve exited with {self.process.returncode} before "
                    f"listening:\n{self.log_text()}"
                )
            time.sleep(0.02)
        pytest.fail(
            f"hookflo serve did not log 'listening' in time:\n{self.log_text()}"
        )

    def kill(self) -> None:
        """SIGKILL, as a crash or a power cut would stop it."""
        os.kill(self.pid, signal.SIGKILL)

    def terminate(self) -> int:
        """SIGTERM and return the exit status (within a few seconds)."""
        os.kill(self.pid, signal.SIGTERM)
        return self.process.wait(timeout=5)


@pytest.fixture
def serve(tmp_path) -> Iterator[Any]:
    """Start servers on demand; kill (by pid) any still running at the end."""
    started: list[Serving] = []

    def start(environ: dict[str, str]) -> Serving:
        log_file = tmp_path / f"serve-{len(started)}.log"
        server = Serving(environ, log_file)
        started.append(server)
        server.wait_listening()
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.kill()
        server.process.wait(timeout=10)


def forge(port: int) -> tuple[int, str]:
    """Post an event signed with the wrong secret; return status and svix-id."""
    body = clerk_body("user.created")
    headers = signed_headers(body, SECRET_B)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", PATH, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, headers["svix-id"]
    finally:
        connection.close()


def parse_utc(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text)


def test_serve_logs_address_stores_send_test_records_forgery_and_stops_on_sigterm(
    tmp_path, serve
):
    home = tmp_path / "home"
    environ = environ_for(home)
    server = serve(environ)
    runtime_file = home / "data" / "receiver.json"

    assert server.listening["host"] == "127.0.0.1"
    assert server.port > 0
    assert server.url == f"http://127.0.0.1:{server.port}"
    runtime = json.loads(runtime_file.read_text(encoding="utf-8"))
    assert runtime == {"pid": server.pid, "host": "127.0.0.1", "port": server.port}

    # An http_proxy in the environment (here one that refuses everything) must
    # not come between send-test and the local receiver.
    with socket.socket() as proxy:
        proxy.bind(("127.0.0.1", 0))
        proxy_url = f"http://127.0.0.1:{proxy.getsockname()[1]}"
        proxied = {**environ, "http_proxy": proxy_url, "HTTP_PROXY": proxy_url}
        sent = run_cli(proxied, "send-test")
    assert sent.returncode == 0, sent.stderr
    match = re.fullmatch(
        rf"Sent test user\.created (msg_\w+) to {re.escape(server.url + PATH)}: "
        r"stored\n",
        sent.stdout,
    )
    assert match, sent.stdout
    msg_id = match.group(1)

    listed = run_cli(environ, "events", "--json")
    assert listed.returncode == 0, listed.stderr
    (event,) = json.loads(listed.stdout)
    assert event["svix_id"] == msg_id
    assert event["source"] == "clerk"
    assert event["environment"] == "production"
    assert event["type"] == "user.created"
    assert event["test"] is True
    assert event["payload"]["type"] == "user.created"
    assert event["payload"]["hookflo_test"] is True
    received = parse_utc(event["received_at"])
    assert abs((datetime.now(UTC) - received).total_seconds()) < 60

    status, forged_id = forge(server.port)
    assert status == 401
    attempts = run_cli(environ, "attempts", "--json")
    assert attempts.returncode == 0, attempts.stderr
    (attempt,) = json.loads(attempts.stdout)
    assert attempt["reason"] == "signature_mismatch"
    assert attempt["status"] == 401
    assert attempt["svix_id"] == forged_id
    assert attempt["source"] == "clerk"
    assert "hookflo secret set clerk" in attempt["hint"]
    human = run_cli(environ, "attempts")
    assert attempt["hint"] in human.stdout

    started = time.monotonic()
    assert server.terminate() == 0
    assert time.monotonic() - started < 5
    assert not runtime_file.exists()
    entries = server.log_entries()  # every line is one JSON object
    assert entries[-1]["event"] == "stopped"
    assert not [e for e in entries if e["level"] in {"WARNING", "ERROR", "CRITICAL"}]
    assert "Traceback" not in server.log_text()


async def deliver(
    session: aiohttp.ClientSession, url: str, msg_id: str, body: bytes
) -> tuple[int, str]:
    """Post a signed event; return the status and the answer's status/error."""
    headers = signed_headers(body, msg_id=msg_id)
    async with session.post(url, data=body, headers=headers) as response:
        answer = await response.json()
        return response.status, answer.get("status") or answer.get("error")


class Round:
    """One stream of fresh signed events, cut by a SIGKILL after some acks."""

    def __init__(self, bodies: dict[str, bytes], kill_after: int) -> None:
        self.bodies = bodies
        self.kill_after = kill_after
        self.attempted: set[str] = set()
        self.acked: set[str] = set()
        self.cut_off: set[str] = set()
        self.unexpected: list[str] = []
        self.killed = False

    async def stream(
        self, session: aiohttp.ClientSession, server: Serving, clients: int
    ) -> None:
        pending = iter(self.bodies.items())
        url = server.url + PATH

        async def client() -> None:
            for msg_id, body in pending:
                if self.killed:
                    return
                self.attempted.add(msg_id)
                try:
                    status, outcome = await deliver(session, url, msg_id, body)
                except (aiohttp.ClientError, TimeoutError) as err:
                    self.cut_off.add(msg_id)
                    if not self.killed:
                        self.unexpected.append(f"{msg_id}: {err!r}")
                    continue
                if status != 200 or outcome != "stored":
                    self.unexpected.append(f"{msg_id}: {status} {outcome}")
                    continue
                self.acked.add(msg_id)
                if len(self.acked) >= self.kill_after and not self.killed:
                    server.kill()  # right after this 2xx, others in flight
                    self.killed = True

        await asyncio.gather(*(client() for _ in range(clients)))


def stored_bodies(database_file: Path) -> dict[str, list[bytes]]:
    """Every svix-id Clerk sent, with the bodies stored under it (read-only).

    Changes HookFlo derives from a ``user.updated`` are left out.
    """
    conn = sqlite3.connect(f"file:{database_file}?mode=ro", uri=True)
    try:
        found: dict[str, list[bytes]] = {}
        rows = conn.execute("SELECT svix_id, body FROM events WHERE origin = 'webhook'")
        for svix_id, body in rows:
            found.setdefault(svix_id, []).append(bytes(body))
        return found
    finally:
        conn.close()


async def test_kill_9_after_a_2xx_loses_no_acknowledged_event(tmp_path, serve):
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    context = f"(random seed {seed})"
    home = tmp_path / "home"
    environ = environ_for(home)
    database_file = home / "data" / "hookflo.sqlite3"
    sent: dict[str, bytes] = {}
    cut_off = 0
    began = time.monotonic()
    server = await asyncio.to_thread(serve, environ)

    timeout = aiohttp.ClientTimeout(total=10)
    connector = aiohttp.TCPConnector(limit=32)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        for _ in range(3):
            bodies = {
                new_msg_id(): clerk_body(rng.choice(EVENT_TYPES)) for _ in range(400)
            }
            crash = Round(bodies, kill_after=rng.randint(50, 200))
            await crash.stream(session, server, clients=8)
            assert crash.killed, context
            assert not crash.unexpected, f"{crash.unexpected} {context}"
            await asyncio.to_thread(server.process.wait, 10)
            assert server.process.returncode == -signal.SIGKILL
            sent.update({m: bodies[m] for m in crash.attempted})
            cut_off += len(crash.cut_off)

            server = await asyncio.to_thread(serve, environ)
            # Svix retries what was not acknowledged; resend the acknowledged
            # ones too: each must already be there, so a duplicate.
            resent = sorted(crash.attempted)
            answers = await asyncio.gather(
                *(deliver(session, server.url + PATH, m, sent[m]) for m in resent)
            )
            for msg_id, (status, outcome) in zip(resent, answers, strict=True):
                assert status == 200, f"{msg_id}: {status} {outcome} {context}"
                if msg_id in crash.acked:
                    assert outcome == "duplicate", f"{msg_id} {context}"
                else:
                    assert outcome in {"stored", "duplicate"}, f"{msg_id} {context}"
            stored = stored_bodies(database_file)
            assert set(stored) == set(sent), context
            for msg_id, found in stored.items():
                assert found == [sent[msg_id]], f"{msg_id} stored as {found} {context}"

    # Requests in flight when the server died went unanswered; if none ever
    # did, the kill did not land mid-stream and the test proved less.
    assert cut_off > 0, context
    assert server.terminate() == 0
    conn = sqlite3.connect(database_file)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        (count,) = conn.execute(
            "SELECT count(*) FROM events WHERE origin = 'webhook'"
        ).fetchone()
        assert count == len(sent), context
    finally:
        conn.close()
    for log_file in sorted(tmp_path.glob("serve-*.log")):
        text = log_file.read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in text, log_file
        assert "locked" not in text, log_file
        assert '"level": "ERROR"' not in text, log_file
    assert time.monotonic() - began < 20


async def test_100_concurrent_deliveries_with_duplicates_store_each_id_once(
    tmp_path, serve
):
    environ = environ_for(tmp_path / "home")
    server = await asyncio.to_thread(serve, environ)
    distinct = {new_msg_id(): clerk_body(EVENT_TYPES[i % 4]) for i in range(70)}
    repeated = random.sample(sorted(distinct), 30)
    plan = [*distinct, *repeated]
    random.shuffle(plan)

    connector = aiohttp.TCPConnector(limit=len(plan))
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        answers = await asyncio.gather(
            *(deliver(session, server.url + PATH, m, distinct[m]) for m in plan)
        )

    assert [status for status, _ in answers] == [200] * 100
    outcomes = [outcome for _, outcome in answers]
    assert (outcomes.count("stored"), outcomes.count("duplicate")) == (70, 30)
    listed = await asyncio.to_thread(
        run_cli, environ, "events", "--json", "--limit", "1000"
    )
    assert listed.returncode == 0, listed.stderr
    events = json.loads(listed.stdout)
    svix_ids = [e["svix_id"] for e in events if e["origin"] == "webhook"]
    assert sorted(svix_ids) == sorted(distinct)
    assert server.terminate() == 0


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ("[receiver]\nprot = 8787\n", "receiver.prot"),
        ('[receiver]\nport = "8787"\n', "receiver.port"),
        ('[sources.clerk]\nenvironment = "staging"\n', "sources.clerk.environment"),
    ],
    ids=["unknown-key", "wrong-type", "wrong-choice"],
)
def test_wrong_config_file_is_one_sentence_naming_file_and_key(tmp_path, content, key):
    home = tmp_path / "home"
    home.mkdir()
    config_file = home / "config.toml"
    config_file.write_text(content, encoding="utf-8")

    result = run_cli(environ_for(home), "serve", "--port", "0", "--json-logs")

    assert result.returncode == 3
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"hookflo: {config_file}: {key}: expected "), line
    assert "Traceback" not in result.stderr
    assert not (home / "data" / "receiver.json").exists()


def test_port_in_use_is_a_clear_sentence(tmp_path):
    home = tmp_path / "home"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(environ_for(home), "serve", "--port", str(port))

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        f"hookflo: Cannot bind 127.0.0.1:{port}: address in use by another "
        f"program, not by the HookFlo of {home} (a HookFlo with another "
        "HOOKFLO_HOME needs its own port); stop the other program, or choose "
        "another port with --port or [receiver] port in config.toml"
    )
    assert "Traceback" not in result.stderr
    assert not (home / "data" / "receiver.json").exists()
