"""``hookflo serve`` killed with alerts owed: after a restart each goes out once.

The server runs as a real process (SIGKILL is the point); the Slack fake
(incoming webhook, URL in HOOKFLO_SLACK_WEBHOOK_URL) runs on this test's loop
and aiosmtpd in its own thread, both on 127.0.0.1. The process trusts the
SMTP stand-in's test CA through SSL_CERT_FILE, as any OpenSSL program does,
and has no D-Bus address: the desktop channel is off. Every process started
here is stopped by its pid.
"""

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import keyring.backends.null
import pytest

from hookflo import cli
from hookflo.cli.environment import Env
from hookflo.core.credentials import Credentials
from tests.support.alertstack import PROD_PATH, by_channel, signup
from tests.support.clerk import SECRET, signed_headers
from tests.support.fakeslack import WEBHOOK, Reply
from tests.support.smtpserver import PASSWORD, RECIPIENT, SENDER, USERNAME

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]

HOOKFLO = Path(sys.executable).with_name("hookflo")
STARTUP_TIMEOUT_S = 10.0
_DROPPED = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
_NO_DESKTOP = ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY")


class Serving:
    """One ``hookflo serve --port 0 --json-logs`` process."""

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
        self.url = ""

    def log_text(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    async def listening(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            for line in self.log_text().splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # still being written
                if entry.get("event") == "listening":
                    self.url = entry["url"]
                    return
            if self.process.poll() is not None:
                break
            await asyncio.sleep(0.02)
        pytest.fail(f"hookflo serve is not listening:\n{self.log_text()}")

    async def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        await asyncio.to_thread(self.process.wait, 10)
        assert self.process.returncode == -signal.SIGKILL

    async def terminate(self) -> int:
        os.kill(self.process.pid, signal.SIGTERM)
        return await asyncio.to_thread(self.process.wait, 10)


@pytest.fixture
async def serve(tmp_path):
    """Start servers on demand; kill (by pid) any still running at the end."""
    started: list[Serving] = []

    async def start(environ: dict[str, str]) -> Serving:
        server = Serving(environ, tmp_path / f"serve-{len(started)}.log")
        started.append(server)
        await server.listening()
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            os.kill(server.process.pid, signal.SIGKILL)
        await asyncio.to_thread(server.process.wait, 10)


@pytest.fixture
def home(tmp_path, fake_slack, smtp_server, smtp_ca_file) -> dict[str, Any]:
    """HOOKFLO_HOME with Slack (webhook) and email on, and the process env."""
    smtp = smtp_server()
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "config.toml").write_text(
        "[channels.desktop]\nenabled = false\n\n"
        f"[channels.slack]\napi_url = {json.dumps(fake_slack.api_url)}\n\n"
        "[channels.email]\n"
        f'host = "127.0.0.1"\nport = {smtp.port}\nsecurity = "starttls"\n'
        f"username = {json.dumps(USERNAME)}\nsender = {json.dumps(SENDER)}\n"
        f"recipients = [{json.dumps(RECIPIENT)}]\ntimeout = 5\n",
        encoding="utf-8",
    )
    no_cas = tmp_path / "no-other-cas"
    no_cas.mkdir()
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("HOOKFLO_")
        and name.lower() not in _DROPPED
        and name not in _NO_DESKTOP
    }
    environ.update(
        HOOKFLO_HOME=str(folder),
        HOOKFLO_SECRET_CLERK=SECRET,
        HOOKFLO_SLACK_WEBHOOK_URL=fake_slack.webhook_url,
        HOOKFLO_SMTP_PASSWORD=PASSWORD,
        SSL_CERT_FILE=str(smtp_ca_file),
        SSL_CERT_DIR=str(no_cas),
    )
    return {"environ": environ, "smtp": smtp, "folder": folder}


def deliveries(environ: dict[str, str]) -> list[dict[str, Any]]:
    """``hookflo deliveries --json`` (run in this process), oldest first."""
    home = {"HOOKFLO_HOME": environ["HOOKFLO_HOME"]}
    env = Env(
        stdin=io.StringIO(""),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        environ=home,
        credentials=Credentials(home, backend=keyring.backends.null.Keyring()),
    )
    assert cli.main(["deliveries", "--json", "--limit", "1000"], env) == 0
    assert isinstance(env.stdout, io.StringIO)
    return sorted(json.loads(env.stdout.getvalue()), key=lambda d: d["id"])


async def until(check, within: float = 10.0, what: str = ""):
    deadline = time.monotonic() + within
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {within:g} s: {what}")
        await asyncio.sleep(0.02)


async def post(session: aiohttp.ClientSession, url: str, body: bytes) -> str:
    headers = signed_headers(body)
    async with session.post(url + PROD_PATH, data=body, headers=headers) as answer:
        assert (answer.status, (await answer.json())["status"]) == (200, "stored")
    return headers["svix-id"]


def wall(moment: str) -> float:
    return datetime.fromisoformat(moment).timestamp()


def assert_clean(*servers: Serving) -> None:
    for server in servers:
        text = server.log_text()
        assert "Traceback" not in text
        assert PASSWORD not in text


async def test_a_retry_owed_when_killed_is_sent_once_after_restart_on_time(
    home, serve, fake_slack
):
    environ = home["environ"]
    (home["folder"] / "config.toml").write_text(
        "[channels.desktop]\nenabled = false\n\n[channels.slack]\n", encoding="utf-8"
    )
    fake_slack.script(WEBHOOK, Reply(500, text="upstream trouble"))
    loop = asyncio.get_running_loop()
    first = await serve(environ)
    async with aiohttp.ClientSession() as session:
        await post(session, first.url, signup())

    [waiting] = await until(
        lambda: [r for r in deliveries(environ) if r["state"] == "retrying"],
        what="the Slack delivery retrying",
    )
    await first.kill()
    second = await serve(environ)
    [sent] = await until(
        lambda: [r for r in deliveries(environ) if r["state"] == "sent"],
        what="the Slack delivery sent",
    )
    assert await second.terminate() == 0

    failed, delivered = fake_slack.to(WEBHOOK)
    assert (failed.status, delivered.status) == (500, 200)
    to_wall = time.time() - loop.time()
    assert delivered.at + to_wall >= wall(waiting["next_try_at"]) - 0.01
    assert (sent["tries"], sent["id"]) == (2, waiting["id"])
    assert delivered.body["text"].startswith("New signup: Ada Example signed up")
    assert "HTTP 500" in waiting["last_error"]
    assert_clean(first, second)


async def test_alerts_pending_when_killed_are_sent_once_after_restart(
    home, serve, fake_slack
):
    environ = home["environ"]
    smtp = home["smtp"]
    people = [("Ada", "Example"), ("Ben", "Okafor"), ("Cy", "Ng"), ("Di", "Roy")]
    people.append(("Ed", "Lin"))
    first = await serve(environ)
    async with aiohttp.ClientSession() as session:
        for given, family in people:
            body = signup(given, family, f"{given.lower()}@example.com")
            await post(session, first.url, body)

    def email_held_and_slack_just_sent() -> bool:
        rows = by_channel(deliveries(environ))
        states = [r["state"] for r in rows.get("email", [])]
        slack = [r for r in rows.get("slack", []) if r["state"] == "sent"]
        if states != ["sent"] * 3 + ["pending"] * 2 or not 0 < len(slack) < 5:
            return False
        # Slack sends a second apart: kill well before the next one starts.
        newest = max(wall(r["sent_at"]) for r in slack)
        sending = [r for r in rows["slack"] if r["state"] == "sending"]
        return not sending and time.time() - newest < 0.4

    await until(email_held_and_slack_just_sent, what="email held, Slack between sends")
    await first.kill()
    owed = [r["channel"] for r in deliveries(environ) if r["state"] == "pending"]
    second = await serve(environ)

    def slack_all_sent() -> list[dict[str, Any]]:
        rows = deliveries(environ)
        slack = by_channel(rows).get("slack", [])
        return (
            rows if len(slack) == 5 and all(r["state"] == "sent" for r in slack) else []
        )

    await until(slack_all_sent, what="every Slack delivery sent")
    # The three emails sent before the kill still fill email's window after
    # the restart, so the other two stay held for a summary (a minute later),
    # rather than going out alone at once.
    await asyncio.sleep(0.5)
    rows = deliveries(environ)
    assert await second.terminate() == 0

    assert owed.count("email") == 2
    assert owed.count("slack") >= 1
    emails = by_channel(rows)["email"]
    assert [r["state"] for r in emails] == ["sent"] * 3 + ["pending"] * 2
    assert {r["tries"] for r in rows if r["state"] == "sent"} == {1}, (
        "nothing was cut off mid-send"
    )
    names = sorted(f"{given} {family}" for given, family in people)
    subjects = [
        a.message["Subject"].removeprefix("New signup: ")
        for a in smtp.recorder.arrivals
    ]
    assert sorted(subjects) == names[:3]
    posted = [r.body["text"] for r in fake_slack.to(WEBHOOK)]
    assert (
        sorted(t.removeprefix("New signup: ").split(" signed")[0] for t in posted)
        == names
    )
    assert_clean(first, second)
