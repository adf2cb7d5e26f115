"""The ``hookflo`` commands in-process: ``cli.main(argv, env)`` with an Env.

The Env carries the streams, the environment and a credentials object whose
keyring is the null backend, so nothing here touches the real keyring. A
receiver, when needed, is the real ``Server`` on 127.0.0.1, port 0.
"""

import asyncio
import dataclasses
import io
import json
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import keyring.backends.null
import pytest

from hookflo import __version__, cli
from hookflo.cli.environment import Env
from hookflo.core import config, paths
from hookflo.core.credentials import Credentials
from hookflo.core.server import Server
from tests.support.clerk import SECRET, SECRET_B, clerk_body, signed_headers

PATH = "/webhooks/clerk"
EVENT_FIELDS = {
    "id",
    "svix_id",
    "source",
    "environment",
    "type",
    "origin",
    "derived_from",
    "caught_up",
    "received_at",
    "signed_at",
    "test",
    "payload_is_json",
    "payload",
}
ATTEMPT_FIELDS = {
    "id",
    "received_at",
    "method",
    "path",
    "source",
    "svix_id",
    "status",
    "reason",
    "message",
    "hint",
    "body_bytes",
}


@dataclasses.dataclass
class Run:
    """What one command returned and printed."""

    status: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def environ_for(home: Path, secret: str | None = SECRET) -> dict[str, str]:
    environ = {"HOOKFLO_HOME": str(home)}
    if secret is not None:
        environ["HOOKFLO_SECRET_CLERK"] = secret
    return environ


def run(home: Path, *argv: str, secret: str | None = SECRET) -> Run:
    """Run ``hookflo ARGV`` in-process against ``home``."""
    environ = environ_for(home, secret)
    env = Env(
        stdin=io.StringIO(""),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        environ=environ,
        credentials=Credentials(environ, backend=keyring.backends.null.Keyring()),
    )
    status = cli.main(list(argv), env)
    assert isinstance(env.stdout, io.StringIO)
    assert isinstance(env.stderr, io.StringIO)
    return Run(status, env.stdout.getvalue(), env.stderr.getvalue())


def assert_one_sentence(result: Run) -> str:
    """The run printed exactly one ``hookflo: …`` line on stderr and nothing else."""
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("hookflo: ")
    assert "Traceback" not in result.stderr
    return line


def utc(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text)


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A 127.0.0.1 port held by this test and not listening: connections fail."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


@pytest.fixture
def receiver_port_config(hookflo_home, refusing_port) -> int:
    """Point the config at ``refusing_port`` so nothing else can be reached."""
    hookflo_home.mkdir(parents=True, exist_ok=True)
    (hookflo_home / "config.toml").write_text(
        f"[receiver]\nport = {refusing_port}\n", encoding="utf-8"
    )
    return refusing_port


@pytest.fixture
async def server(hookflo_home) -> AsyncIterator[Server]:
    """The real receiver, in this process, on HOOKFLO_HOME's store."""
    environ = environ_for(hookflo_home)
    where = paths.resolve(environ)
    running = Server(
        where,
        config.load(where.config_file),
        Credentials(environ, backend=keyring.backends.null.Keyring()),
        host="127.0.0.1",
        port=0,
    )
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post(
    http: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]
) -> int:
    async with http.post(url, data=body, headers=headers) as response:
        await response.read()
        return response.status


# --- version, usage and argument errors ------------------------------------


def test_version_goes_to_env_stdout(hookflo_home, capsys):
    result = run(hookflo_home, "--version")
    assert (result.status, result.stdout, result.stderr) == (
        0,
        f"hookflo {__version__}\n",
        "",
    )
    assert capsys.readouterr() == ("", "")


def test_no_command_prints_help_and_exits_2(hookflo_home):
    result = run(hookflo_home)
    assert result.status == 2
    assert result.stdout.startswith("usage: hookflo")
    for command in ("serve", "events", "attempts", "send-test", "secret"):
        assert command in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["events", "--limit", "0"], "argument --limit: must be at least 1, got 0"),
        (["events", "--limit", "many"], "argument --limit: not a number: 'many'"),
        (["attempts", "--limit", "-3"], "argument --limit: must be at least 1"),
        (["serve", "--port", "70000"], "argument --port: port 70000 is not in"),
        (["serve", "--port", "http"], "argument --port: not a port number: 'http'"),
        (["serve", "--log-level", "loud"], "argument --log-level: invalid choice"),
        (["bogus"], "argument COMMAND: invalid choice: 'bogus'"),
        (["send-test", "--bogus"], "unrecognized arguments: --bogus"),
        (["secret"], "the following arguments are required: ACTION"),
    ],
)
def test_argument_errors_exit_2_with_usage_on_env_stderr(
    hookflo_home, capsys, argv, complaint
):
    result = run(hookflo_home, *argv)
    assert result.status == 2
    assert result.stdout == ""
    assert result.stderr.startswith("usage: hookflo")
    assert complaint in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr
    assert capsys.readouterr() == ("", "")  # nothing escaped to the real streams


# --- events and attempts ----------------------------------------------------


def test_events_and_attempts_on_an_empty_store(hookflo_home):
    assert run(hookflo_home, "events") == Run(0, "No events stored yet.\n", "")
    assert run(hookflo_home, "events", "--json").json() == []
    assert run(hookflo_home, "attempts") == Run(0, "No refused requests.\n", "")
    assert run(hookflo_home, "attempts", "--json").json() == []


async def test_events_json_fields_are_the_stored_event(server, http, hookflo_home):
    body = clerk_body("user.created")
    headers = signed_headers(body)
    assert await post(http, server.base_url + PATH, body, headers) == 200

    (event,) = run(hookflo_home, "events", "--json").json()
    assert set(event) == EVENT_FIELDS
    assert event["svix_id"] == headers["svix-id"]
    assert (event["source"], event["environment"]) == ("clerk", "production")
    assert event["type"] == "user.created"
    assert (event["test"], event["payload_is_json"]) == (False, True)
    assert (event["origin"], event["derived_from"]) == ("webhook", None)
    assert event["payload"] == json.loads(body)
    assert isinstance(event["id"], int)
    signed = datetime.fromtimestamp(int(headers["svix-timestamp"]), tz=UTC)
    assert utc(event["signed_at"]) == signed
    assert abs((utc(event["received_at"]) - signed).total_seconds()) < 5


async def test_events_newest_first_with_limit_and_type(server, http, hookflo_home):
    sent: list[tuple[str, str]] = []
    for event_type in (
        "user.created",
        "session.created",
        "user.created",
        "user.deleted",
        "user.created",
    ):
        body = clerk_body(event_type)
        headers = signed_headers(body)
        assert await post(http, server.base_url + PATH, body, headers) == 200
        sent.append((headers["svix-id"], event_type))
    newest_first = [msg_id for msg_id, _ in reversed(sent)]
    users = [msg_id for msg_id, kind in reversed(sent) if kind == "user.created"]

    def ids(*argv: str) -> list[str]:
        result = run(hookflo_home, "events", "--json", *argv)
        assert result.status == 0, result.stderr
        return [event["svix_id"] for event in result.json()]

    assert ids() == newest_first
    assert ids("--limit", "2") == newest_first[:2]
    assert ids("--type", "user.created") == users
    assert ids("--type", "user.created", "--limit", "2") == users[:2]
    assert ids("--type", "organization.created") == []

    human = run(hookflo_home, "events", "--limit", "3")
    lines = human.stdout.splitlines()
    assert len(lines) == 3
    for line, (msg_id, kind) in zip(lines, list(reversed(sent))[:3], strict=True):
        _day, _time, *columns = line.split()
        assert columns == ["clerk", "production", kind, msg_id]
    assert human.stderr == ""


async def test_attempts_json_fields_newest_first(server, http, hookflo_home):
    body = clerk_body()
    forged = signed_headers(body, SECRET_B)
    assert await post(http, server.base_url + PATH, body, forged) == 401
    assert await post(http, server.base_url + "/webhooks/nope", b"{}", {}) == 404
    await server.writer.flush()

    result = run(hookflo_home, "attempts", "--json")
    unknown, mismatch = result.json()
    assert set(mismatch) == ATTEMPT_FIELDS
    assert set(unknown) == ATTEMPT_FIELDS
    assert mismatch["id"] < unknown["id"]
    assert {k: mismatch[k] for k in ("method", "path", "source", "svix_id")} == {
        "method": "POST",
        "path": PATH,
        "source": "clerk",
        "svix_id": forged["svix-id"],
    }
    assert (mismatch["status"], mismatch["reason"]) == (401, "signature_mismatch")
    assert mismatch["body_bytes"] == len(body)
    assert "hookflo secret set clerk" in mismatch["hint"]
    assert mismatch["message"]
    assert (unknown["status"], unknown["reason"]) == (404, "unknown_source")
    assert (unknown["source"], unknown["svix_id"]) == (None, None)
    assert PATH in unknown["hint"]
    assert abs((utc(mismatch["received_at"]) - datetime.now(UTC)).total_seconds()) < 60

    limited = run(hookflo_home, "attempts", "--json", "--limit", "1").json()
    assert [a["id"] for a in limited] == [unknown["id"]]
    human = run(hookflo_home, "attempts").stdout.splitlines()
    assert "401 signature_mismatch" in human[2]
    assert human[3] == f"    {mismatch['hint']}"


# --- send-test ----------------------------------------------------------------


async def test_send_test_stores_a_marked_event(server, hookflo_home):
    result = await asyncio.to_thread(
        run, hookflo_home, "send-test", "--type", "session.created"
    )
    assert result.status == 0, result.stderr
    match = re.fullmatch(
        rf"Sent test session\.created (msg_\w+) to "
        rf"{re.escape(server.base_url + PATH)}: stored\n",
        result.stdout,
    )
    assert match, result.stdout
    (event,) = run(hookflo_home, "events", "--json").json()
    assert event["svix_id"] == match.group(1)
    assert event["test"] is True
    assert event["type"] == "session.created"
    (line,) = run(hookflo_home, "events").stdout.splitlines()
    assert line.endswith(f"{match.group(1)} TEST")


async def test_send_test_refused_by_the_receiver_says_so(server, hookflo_home):
    result = await asyncio.to_thread(run, hookflo_home, "send-test", secret=SECRET_B)
    assert result.status == 4
    line = assert_one_sentence(result)
    assert line.startswith(
        f"hookflo: The receiver at {server.base_url}{PATH} refused the test event "
        "with 401 (signature_mismatch: "
    )
    assert line.endswith("; `hookflo attempts` shows the hint")
    await server.writer.flush()
    (attempt,) = run(hookflo_home, "attempts", "--json").json()
    assert attempt["reason"] == "signature_mismatch"


def test_send_test_with_no_receiver_running(hookflo_home, receiver_port_config):
    result = run(hookflo_home, "send-test")
    assert result.status == 1
    line = assert_one_sentence(result)
    assert line.startswith(
        f"hookflo: Nothing answered at http://127.0.0.1:{receiver_port_config}{PATH} ("
    )
    assert line.endswith("); start the receiver with `hookflo serve`")


def test_send_test_ignores_the_runtime_file_of_a_dead_receiver(
    hookflo_home, receiver_port_config
):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=20)
    runtime_file = hookflo_home / "data" / "receiver.json"
    runtime_file.parent.mkdir(parents=True)
    with socket.socket() as stale:  # held too, so a wrong choice cannot escape
        stale.bind(("127.0.0.1", 0))
        info = {"pid": dead.pid, "host": "127.0.0.1", "port": stale.getsockname()[1]}
        runtime_file.write_text(json.dumps(info), encoding="utf-8")
        result = run(hookflo_home, "send-test")
    assert result.status == 1
    line = assert_one_sentence(result)
    assert f"http://127.0.0.1:{receiver_port_config}{PATH}" in line


def test_send_test_of_an_unknown_type(hookflo_home, receiver_port_config):
    result = run(hookflo_home, "send-test", "--type", "user.exploded")
    assert result.status == 1
    line = assert_one_sentence(result)
    assert line.startswith("hookflo: No sample event of type 'user.exploded'; ")
    assert "known types: " in line
    assert "user.created" in line
    assert "session.created" in line


def test_send_test_without_a_signing_secret(hookflo_home, receiver_port_config):
    result = run(hookflo_home, "send-test", secret=None)
    assert result.status == 1
    assert assert_one_sentence(result) == (
        "hookflo: No signing secret set for 'clerk'; run "
        "`hookflo secret set clerk` first"
    )


def test_send_test_to_an_unknown_source(hookflo_home, receiver_port_config):
    result = run(hookflo_home, "send-test", "--source", "stripe")
    assert result.status == 3
    assert assert_one_sentence(result) == (
        "hookflo: Unknown source 'stripe'; known sources: 'clerk'"
    )


def test_send_test_with_a_wrong_config_file(hookflo_home):
    hookflo_home.mkdir(parents=True)
    config_file = hookflo_home / "config.toml"
    config_file.write_text("[receiver]\nport = true\n", encoding="utf-8")
    result = run(hookflo_home, "send-test")
    assert result.status == 3
    line = assert_one_sentence(result)
    assert line == (
        f"hookflo: {config_file}: receiver.port: expected a port number from 0 to "
        "65535, got True"
    )


# --- status: quiet hours -------------------------------------------------------


def _quiet_around_now(home: Path) -> str:
    """Write quiet hours from an hour ago to an hour from now; return the end."""
    now = datetime.now()
    start = (now - timedelta(hours=1)).strftime("%H:%M")
    end = (now + timedelta(hours=1)).strftime("%H:%M")
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        f'[quiet_hours]\nenabled = true\nstart = "{start}"\nend = "{end}"\n',
        encoding="utf-8",
    )
    return end


def test_status_says_quiet_until_when_during_quiet_hours(hookflo_home):
    end = _quiet_around_now(hookflo_home)
    result = run(hookflo_home, "status")
    assert result.status == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Receiver: not running"
    assert (
        f"Quiet until {end} (quiet hours "
        f"{(datetime.now() - timedelta(hours=1)):%H:%M} to {end}, "
        "desktop alerts held)"
    ) in lines
    facts = run(hookflo_home, "status", "--json").json()
    assert facts["quiet_hours"]["quiet_now"] is True
    assert facts["quiet_hours"]["channels"] == ["desktop"]


def test_status_with_an_unquoted_time_says_to_quote_it(hookflo_home):
    hookflo_home.mkdir(parents=True)
    config_file = hookflo_home / "config.toml"
    config_file.write_text("[quiet_hours]\nstart = 22:00\n", encoding="utf-8")
    result = run(hookflo_home, "status")
    assert result.status == 3
    assert assert_one_sentence(result) == (
        f"hookflo: {config_file}: not valid TOML at line 2: "
        'write the time in quotes, as start = "22:00"'
    )


def test_status_says_quiet_hours_off_by_default(hookflo_home):
    result = run(hookflo_home, "status")
    assert "Quiet hours: off" in result.stdout.splitlines()


async def test_status_names_the_running_receiver(hookflo_home, server):
    result = await asyncio.to_thread(run, hookflo_home, "status")
    assert result.stdout.splitlines()[0] == (
        f"Receiver: listening on 127.0.0.1:{server.port}"
    )


# --- the tray app's options on the command line ---------------------------------


def test_help_names_the_tray_apps_host_and_port(hookflo_home):
    result = run(hookflo_home, "--help")
    assert result.status == 0
    assert result.stdout.startswith(
        "usage: hookflo [--host HOST] [--port PORT]\n       hookflo COMMAND ..."
    )
    assert "  hookflo [--host HOST] [--port PORT]\n" in result.stdout
    assert "start the tray app (no command)" in result.stdout
    serve_help = run(hookflo_home, "serve", "--help").stdout
    assert serve_help.startswith("usage: hookflo serve ")


@pytest.mark.parametrize(
    ("argv", "extra"),
    [
        (["--port", "8000", "extra"], "extra"),
        (["--host=127.0.0.1", "--port", "1", "serve"], "serve"),
        (["--port", "8000", "--json-logs"], "--json-logs"),
    ],
)
def test_more_than_tray_options_is_one_clear_sentence(hookflo_home, argv, extra):
    result = run(hookflo_home, *argv)
    assert result.status == 2
    line = assert_one_sentence(result)
    assert line == (
        f"hookflo: The tray app takes only --host and --port, not {extra!r}; "
        "a command's options go after the command, as in `hookflo serve --port 8787`"
    )
    assert "invalid choice" not in line
