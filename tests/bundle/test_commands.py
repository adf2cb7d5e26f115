"""The built program's commands: version, serve, alert channels, keyring.

Each test runs ``$HOOKFLO_BUNDLE/hookflo`` as a user would, against stand-ins
on loopback and a private D-Bus session bus, so a module, template, data
file or package metadata the bundle lacks shows up as a failure here.
"""

import asyncio
import http.client
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from hookflo import __version__
from hookflo.core.credentials import signing_secret_entry
from hookflo.core.tunnel import watchdog
from tests.bundle.conftest import clean_environ, run
from tests.support.clerk import SECRET, SECRET_B, clerk_body, signed_headers

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

STARTUP_TIMEOUT_S = 20.0
PATH = "/webhooks/clerk"


def test_version_and_usage_come_from_the_bundle(bundle, tmp_path):
    environ = clean_environ(tmp_path / "home")

    version = run(bundle, environ, "--version")
    usage = run(bundle, environ, "--help")
    wrong = run(bundle, environ, "no-such-command")

    assert (version.returncode, version.stdout) == (0, f"hookflo {__version__}\n")
    assert usage.returncode == 0
    for command in ("serve", "events", "send-test", "secret", "tunnel"):
        assert f"    {command}" in usage.stdout
    assert wrong.returncode == 2
    assert "invalid choice: 'no-such-command'" in wrong.stderr


def wait_listening(process: subprocess.Popen[bytes], log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        for line in log.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line still being written
            if entry.get("event") == "listening":
                return dict(entry)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    pytest.fail(f"the bundle's serve never listened:\n{log.read_text()}")


def post(port: int, body: bytes, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", PATH, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_serve_stores_a_signed_event_refuses_a_forged_one_and_stops_on_sigterm(
    bundle, tmp_path
):
    home = tmp_path / "home"
    environ = clean_environ(home, HOOKFLO_SECRET_CLERK=SECRET)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(bundle / "hookflo"), "serve", "--port", "0", "--json-logs"],
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    try:
        listening = wait_listening(process, log)
        assert listening["host"] == "127.0.0.1"
        port = int(listening["port"])
        body = clerk_body("user.created")
        headers = signed_headers(body)  # signed by the svix library

        assert post(port, body, headers) == 200
        assert post(port, body, signed_headers(body, SECRET_B)) == 401

        listed = run(bundle, environ, "events", "--json")
        assert listed.returncode == 0, listed.stderr
        (event,) = json.loads(listed.stdout)
        assert event["svix_id"] == headers["svix-id"]
        assert (event["source"], event["type"]) == ("clerk", "user.created")
        assert event["payload"] == json.loads(body)

        os.kill(process.pid, signal.SIGTERM)
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()  # by its own pid: only what this test started
            process.wait()
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert entries[-1]["event"] == "stopped"
    assert not [e for e in entries if e["level"] in {"WARNING", "ERROR", "CRITICAL"}]
    assert not (home / "data" / "receiver.json").exists()


async def test_slack_email_and_desktop_alerts_go_out_from_the_bundle(
    alert_stack, bundle
):
    # The private bus, the test CA and HOOKFLO_HOME are in os.environ now.
    environ = {**os.environ, **alert_stack.environ}
    environ.pop("PYTHONPATH", None)
    answers = {}
    for channel in ("slack", "email", "desktop"):
        process = await asyncio.create_subprocess_exec(
            str(bundle / "hookflo"),
            "test-channel",
            channel,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 30)
        assert (process.returncode, err.decode()) == (0, ""), channel
        answers[channel] = out.decode()

    assert answers["slack"].startswith("slack: Slack accepted it in C0FAKE0001")
    assert answers["email"].startswith(
        f"email: smtp 127.0.0.1:{alert_stack.smtp.port} accepted it for 1 recipient"
    )
    assert answers["desktop"] == "desktop: Shown by hookflo-test-notifyd 1.0\n"
    # Rendered from the bundled Jinja2 templates, escaped per channel.
    [post_] = alert_stack.slack_posts()
    assert post_["text"].startswith("TEST · New signup: Ada Example")
    [mail] = alert_stack.emails
    assert mail.message["Subject"] == "TEST · New signup: Ada Example"
    [popup] = alert_stack.notify.calls
    assert popup.summary == "TEST · New signup"


def test_secrets_are_kept_in_the_secret_service(secret_service, bundle, tmp_path):
    environ = {**secret_service.env, "HOOKFLO_HOME": str(tmp_path / "home")}
    environ.pop("PYTHONPATH", None)
    entry = signing_secret_entry("clerk")

    saved = run(bundle, environ, "secret", "set", "clerk", stdin=f"{SECRET}\n")
    listed = run(bundle, environ, "secret", "list")

    assert saved.returncode == 0, saved.stderr
    assert secret_service.stored() == {entry: SECRET}
    assert listed.returncode == 0, listed.stderr
    assert "clerk" in listed.stdout
    assert SECRET not in listed.stdout + saved.stdout + saved.stderr
    deleted = run(bundle, environ, "secret", "delete", "clerk")
    assert deleted.returncode == 0, deleted.stderr
    assert secret_service.stored() == {}


def test_the_tunnel_watchdog_runs_as_the_bundled_program(bundle, tmp_path):
    environ = clean_environ(tmp_path / "home")
    # Standard input at its end: HookFlo is gone and nothing was started.
    ended = run(bundle, environ, watchdog.COMMAND, str(os.getpid()))
    assert (ended.returncode, ended.stderr) == (0, "")
