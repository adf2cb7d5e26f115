"""The whole alert path in one test: the real ``Server`` and every stand-in.

``alert_stack`` starts the loopback Slack fake, aiosmtpd with STARTTLS and
AUTH (its certificate from a test CA), and a notification server on a private
D-Bus session bus, then writes ``config.toml`` in HOOKFLO_HOME pointing every
channel at them. ``AlertStack.start`` runs the real ``hookflo.core.server.
Server`` in this process on 127.0.0.1, port 0; events are posted to it signed
as Svix signs, and what reached each stand-in is read back from them.

The email channel trusts the test CA the way a user behind a private CA
would make it: ``SSL_CERT_FILE`` (OpenSSL reads it when the default context is
made), with ``SSL_CERT_DIR`` pointing at an empty folder so nothing else is
trusted. Channel secrets come from their ``HOOKFLO_…`` variables, the signing
secret from ``HOOKFLO_SECRET_CLERK``; the keyring is the null backend.
"""

import asyncio
import copy
import dataclasses
import io
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import keyring.backends.null
import pytest

from hookflo import cli
from hookflo.cli.environment import Env
from hookflo.core import config, paths
from hookflo.core.alerting.pacing import POLICIES, Policy
from hookflo.core.channels import mailer
from hookflo.core.channels.base import ChannelName
from hookflo.core.credentials import Credentials
from hookflo.core.server import Server
from tests.support.clerk import DEV_SECRET, SECRET, clerk_body, new_msg_id
from tests.support.clerk import signed_headers as svix_headers
from tests.support.fakeslack import BOT_TOKEN, POST_MESSAGE, WEBHOOK, FakeSlack
from tests.support.notifyserver import NotifyServer
from tests.support.smtpserver import (
    PASSWORD,
    RECIPIENT,
    SENDER,
    USERNAME,
    SmtpStandIn,
)

T = TypeVar("T")

PROD_PATH = "/webhooks/clerk"
DEV_PATH = "/webhooks/clerk-dev"
WAIT_S = 5.0

ROOMY = Policy(individual_limit=100, window_s=60.0, hold_s=0.5, first_retry_s=0.5)
"""Pacing that never holds a message back, for tests about something else."""

ROOMY_POLICIES = dict.fromkeys(ChannelName, ROOMY)


def quick_retries(first_retry_s: float) -> dict[ChannelName, Policy]:
    """The default policies with a shorter first retry delay."""
    return {
        name: dataclasses.replace(policy, first_retry_s=first_retry_s)
        for name, policy in POLICIES.items()
    }


def signup(
    first: str | None = "Ada",
    last: str | None = "Example",
    email: str = "ada@example.com",
    *,
    provider: str | None = "oauth_google",
    user_id: str = "user_2hkFAKEada0000000000000001",
    username: str | None = None,
) -> bytes:
    """Return the shipped ``user.created`` fixture about this person."""
    payload = json.loads(clerk_body("user.created"))
    data = payload["data"]
    data["id"] = user_id
    data["first_name"] = first
    data["last_name"] = last
    data["username"] = username
    address = data["email_addresses"][0]
    address["email_address"] = email
    data["primary_email_address_id"] = address["id"]
    if provider is not None:
        data["external_accounts"] = [
            {
                "object": "external_account",
                "id": "eac_2hkFAKEgoogle00000000001",
                "provider": provider,
                "email_address": email,
                "first_name": first,
                "last_name": last,
            }
        ]
        data["password_enabled"] = False
        address["verification"] = {
            "status": "verified",
            "strategy": f"from_{provider}",
        }
    return json.dumps(payload).encode()


def with_type(event_type: str, **data: Any) -> bytes:
    """Return the shipped fixture of ``event_type`` with ``data`` fields set."""
    payload = json.loads(clerk_body(event_type))
    payload["data"].update(copy.deepcopy(data))
    return json.dumps(payload).encode()


@dataclasses.dataclass
class Run:
    """What one in-process ``hookflo`` command returned and printed."""

    status: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@dataclasses.dataclass
class AlertStack:
    """The stand-ins, the config that points at them, and the running server."""

    home: Path
    environ: dict[str, str]
    slack: FakeSlack
    smtp: SmtpStandIn
    notify: NotifyServer
    http: aiohttp.ClientSession
    server: Server | None = None

    @property
    def paths(self) -> paths.Paths:
        return paths.resolve(self.environ)

    @property
    def emails(self):
        return self.smtp.recorder.arrivals

    def slack_posts(self) -> list[dict[str, Any]]:
        """The messages Slack accepted (chat.postMessage or webhook), in order."""
        return [
            dict(r.body)
            for r in self.slack.requests
            if r.status == 200 and r.target in (POST_MESSAGE, WEBHOOK)
        ]

    def configure(
        self,
        *,
        desktop: bool = True,
        slack: Mapping[str, Any] | None = None,
        email: Mapping[str, Any] | None = None,
        routes: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """Write config.toml: the two Clerk sources and the channels asked for.

        ``slack`` and ``email`` change single keys of the default tables;
        pass ``{"off": True}`` to leave a table out.
        """
        tables: dict[str, dict[str, Any]] = {
            "sources.clerk": {"environment": "production", "path": PROD_PATH},
            "sources.clerk-dev": {"environment": "development", "path": DEV_PATH},
            "channels.desktop": {"enabled": desktop},
        }
        slack_table = {"channel": "#signups", "api_url": self.slack.api_url}
        slack_table.update(slack or {})
        if not slack_table.pop("off", False):
            tables["channels.slack"] = slack_table
        email_table = {
            "host": self.smtp.host,
            "port": self.smtp.port,
            "security": "starttls",
            "username": USERNAME,
            "sender": SENDER,
            "recipients": [RECIPIENT],
            "timeout": 5,
        }
        email_table.update(email or {})
        if not email_table.pop("off", False):
            tables["channels.email"] = email_table
        lines = []
        for name, table in tables.items():
            lines.append(f"[{name}]")
            lines.extend(f"{key} = {_toml(value)}" for key, value in table.items())
            lines.append("")
        for route in routes or ():
            lines.append("[[routes]]")
            lines.extend(f"{key} = {_toml(value)}" for key, value in route.items())
            lines.append("")
        self.home.mkdir(parents=True, exist_ok=True)
        text = "\n".join(lines)
        (self.home / "config.toml").write_text(text, encoding="utf-8")

    async def start(
        self,
        policies: Mapping[ChannelName, Policy] | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> Server:
        """Start the real server on this config (stopping a running one).

        ``clock`` is the alerts' wall clock (a test moves it past quiet hours).
        """
        await self.stop()
        where = self.paths
        server = Server(
            where,
            config.load(where.config_file),
            self.credentials(),
            host="127.0.0.1",
            port=0,
            environ=self.environ,
            policies=policies,
            clock=clock,
        )
        await server.start()
        self.server = server
        return server

    async def stop(self) -> None:
        if self.server is not None:
            server, self.server = self.server, None
            await server.stop()

    def credentials(self) -> Credentials:
        return Credentials(self.environ, backend=keyring.backends.null.Keyring())

    async def post(
        self,
        body: bytes,
        *,
        path: str = PROD_PATH,
        msg_id: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Post ``body`` signed for the source at ``path``; return the answer."""
        assert self.server is not None, "start the server first"
        secret = DEV_SECRET if path == DEV_PATH else SECRET
        headers = svix_headers(body, secret, msg_id=msg_id or new_msg_id())
        url = self.server.base_url + path
        async with self.http.post(url, data=body, headers=headers) as response:
            return response.status, await response.json()

    async def store(self, body: bytes, **options: Any) -> str:
        """Post ``body``; check it was stored; return its svix-id."""
        msg_id = options.pop("msg_id", None) or new_msg_id()
        status, answer = await self.post(body, msg_id=msg_id, **options)
        assert (status, answer.get("status")) == (200, "stored"), answer
        return msg_id

    def cli(self, *argv: str, **environ: str) -> Run:
        """Run ``hookflo ARGV`` in-process against this home (blocking)."""
        env_vars = {**self.environ, **environ}
        env = Env(
            stdin=io.StringIO(""),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            environ=env_vars,
            credentials=Credentials(env_vars, backend=keyring.backends.null.Keyring()),
        )
        status = cli.main(list(argv), env)
        assert isinstance(env.stdout, io.StringIO)
        assert isinstance(env.stderr, io.StringIO)
        return Run(status, env.stdout.getvalue(), env.stderr.getvalue())

    async def cli_async(self, *argv: str, **environ: str) -> Run:
        """Run a command in a thread, so this loop keeps serving meanwhile."""
        return await asyncio.to_thread(self.cli, *argv, **environ)

    def deliveries(self) -> list[dict[str, Any]]:
        """``hookflo deliveries --json``, oldest first."""
        result = self.cli("deliveries", "--json", "--limit", "10000")
        assert result.status == 0, result.stderr
        return sorted(result.json(), key=lambda d: d["id"])

    async def until(
        self, check: Callable[[], T], within: float = WAIT_S, what: str = ""
    ) -> T:
        """Poll ``check`` until it returns something true; return that."""
        deadline = time.monotonic() + within
        while True:
            found = check()
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"not reached within {within:g} s: {what or check}\n"
                    f"deliveries: {self.deliveries()}"
                )
            await asyncio.sleep(0.02)

    async def settled(self, count: int, within: float = WAIT_S) -> list[dict[str, Any]]:
        """Wait until ``count`` deliveries exist and none is pending or sending."""

        def done() -> list[dict[str, Any]]:
            rows = self.deliveries()
            finished = len(rows) == count and all(
                r["state"] in ("sent", "failed") for r in rows
            )
            return rows if finished else []

        return await self.until(done, within, f"{count} deliveries settled")


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(value)


def slack_texts(post: Mapping[str, Any]) -> list[str]:
    """Every text of a Slack message: the fallback and each block's."""
    texts = [post["text"]]
    for block in post.get("blocks", []):
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(e["text"] for e in block.get("elements", []))
    return texts


def by_channel(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Group ``deliveries --json`` rows by channel, oldest first."""
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["channel"], []).append(row)
    return grouped


def trust_only(monkeypatch: pytest.MonkeyPatch, ca_file: Path, empty_dir: Path) -> None:
    """Make the default TLS context trust ``ca_file`` and nothing else."""
    empty_dir.mkdir(exist_ok=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    monkeypatch.setenv("SSL_CERT_DIR", str(empty_dir))
    # The product loads the default context once per process.
    mailer._system_tls_context.cache_clear()


@pytest.fixture
def smtp_ca_file(smtp_ca, tmp_path) -> Path:
    """The test CA's certificate as a PEM file."""
    ca_file = tmp_path / "test-ca.pem"
    smtp_ca.cert_pem.write_to_path(str(ca_file))
    return ca_file


@pytest.fixture
async def alert_stack(
    hookflo_home,
    tmp_path,
    monkeypatch,
    fake_slack,
    smtp_server,
    notify_server,
    smtp_ca_file,
) -> AsyncIterator[AlertStack]:
    """Every stand-in running, config.toml pointing at them; start the server."""
    trust_only(monkeypatch, smtp_ca_file, tmp_path / "no-other-cas")
    environ = {
        "HOOKFLO_HOME": str(hookflo_home),
        "HOOKFLO_SECRET_CLERK": SECRET,
        "HOOKFLO_SECRET_CLERK_DEV": DEV_SECRET,
        "HOOKFLO_SLACK_BOT_TOKEN": BOT_TOKEN,
        "HOOKFLO_SMTP_PASSWORD": PASSWORD,
    }
    async with aiohttp.ClientSession() as http:
        stack = AlertStack(
            home=hookflo_home,
            environ=environ,
            slack=fake_slack,
            smtp=smtp_server(),
            notify=notify_server,
            http=http,
        )
        stack.configure()
        try:
            yield stack
        finally:
            await stack.stop()
            mailer._system_tls_context.cache_clear()
    assert fake_slack.guard.refused == []
