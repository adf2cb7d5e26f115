"""One ``hookflo serve`` per home: a second copy names the first and exits.

Every server binds 127.0.0.1 on an ephemeral port and is stopped by its pid
at the end of its test (the ``serve`` fixture).
"""

import json
import re

import pytest

from hookflo.cli.status import ExitStatus
from tests.e2e.test_serve_subprocess import PATH, environ_for, run_cli
from tests.e2e.test_serve_subprocess import serve as serve  # a fixture

pytestmark = pytest.mark.slow


def already_running(home, server) -> str:
    return (
        f"hookflo: HookFlo is already running for {home} (pid {server.pid}, "
        f"listening on {server.url}); stop it first, or set HOOKFLO_HOME for a "
        "second copy"
    )


def send_test(environ, server) -> None:
    sent = run_cli(environ, "send-test")
    assert sent.returncode == 0, sent.stderr
    assert re.fullmatch(
        rf"Sent test user\.created msg_\w+ to {re.escape(server.url + PATH)}: "
        r"stored\n",
        sent.stdout,
    ), sent.stdout


@pytest.mark.parametrize("port", ["0", "same"], ids=["any-port", "same-port"])
def test_second_serve_names_the_running_one_and_leaves_it_alone(tmp_path, serve, port):
    home = tmp_path / "home"
    environ = environ_for(home)
    first = serve(environ)
    runtime_file = home / "data" / "receiver.json"
    written = runtime_file.read_text(encoding="utf-8")

    asked = str(first.port) if port == "same" else port
    second = run_cli(environ, "serve", "--port", asked, "--json-logs")

    assert second.returncode == ExitStatus.ALREADY_RUNNING == 6
    assert second.stdout == ""
    assert second.stderr.splitlines()[-1] == already_running(home, first)
    assert "address in use" not in second.stderr
    assert "Traceback" not in second.stderr
    assert runtime_file.read_text(encoding="utf-8") == written
    status = run_cli(environ, "status")
    assert f"Receiver: listening on 127.0.0.1:{first.port}" in status.stdout
    send_test(environ, first)
    assert first.process.poll() is None
    assert first.terminate() == 0
    assert not runtime_file.exists()


def test_after_a_kill_9_the_next_serve_takes_the_home(tmp_path, serve):
    home = tmp_path / "home"
    environ = environ_for(home)
    first = serve(environ)
    first.kill()
    first.process.wait(timeout=10)

    second = serve(environ)

    runtime = json.loads((home / "data" / "receiver.json").read_text("utf-8"))
    assert runtime == {"pid": second.pid, "host": "127.0.0.1", "port": second.port}
    send_test(environ, second)
    third = run_cli(environ, "serve", "--port", "0")
    assert third.returncode == ExitStatus.ALREADY_RUNNING
    assert third.stderr.splitlines()[-1] == already_running(home, second)
    assert second.terminate() == 0
