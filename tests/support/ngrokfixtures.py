"""The stand-in ngrok agent for tests, and a receiver with a tunnel to it.

``fake_ngrok`` points everything at ``fakengrok/fakengrok.py``: HOME and
XDG_CONFIG_HOME are temporary (no real ngrok config is read or written),
pyngrok's download fails loudly, ngrok's CDN is never a download's source
(a test that installs the agent names its stand-in server in ``[tunnel]
download_url``), only loopback is reachable, and every agent the stand-in
recorded is ended (by pid) at the end of the test.
``tunnel_stack`` adds a real ``Server`` on 127.0.0.1:0 and builds
``Tunnel`` objects for it with short timings.
"""

import dataclasses
import json
import os
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import keyring.backends.null
import pytest
from pyngrok import exception, installer, process

from hookflo.core import config, paths
from hookflo.core.credentials import Credentials
from hookflo.core.server import Server
from hookflo.core.tunnel import build, health, procs, supervisor
from tests.support.clerk import SECRET
from tests.support.fakeslack import PROXY_VARIABLES, LoopbackGuard

FAKE_NGROK = Path(__file__).resolve().parent / "fakengrok" / "fakengrok.py"
TOKEN = "2hkFAKEngrokTOKEN0000000000_0000FAKEfakeFAKEfake0000"
FAST = supervisor.TunnelTiming(
    startup_timeout_s=3.0,
    api_timeout_s=0.5,
    probe_timeout_s=1.0,
    first_check_s=2.0,
    health_interval_s=0.5,
    poll_s=0.05,
    backoff_first_s=0.1,
    backoff_max_s=0.4,
    reconnect_grace_s=0.6,
    keyring_timeout_s=2.0,
    agent_poll_s=0.1,
)


@dataclasses.dataclass
class FakeNgrok:
    """Where the stand-in keeps its record, its controls and its sessions."""

    path: Path
    root: Path
    record_file: Path
    control_file: Path
    account_dir: Path
    scratch_root: Path

    def environ(self) -> dict[str, str]:
        """The variables a HookFlo subprocess needs to use this stand-in."""
        return {
            "HOME": str(self.root / "home"),
            "XDG_CONFIG_HOME": str(self.root / "xdg-config"),
            "XDG_RUNTIME_DIR": str(self.scratch_root),
            "FAKE_NGROK_RECORD": str(self.record_file),
            "FAKE_NGROK_CONTROL": str(self.control_file),
            "FAKE_NGROK_ACCOUNT_DIR": str(self.account_dir),
        }

    def control(self, **knobs: Any) -> None:
        """Change the knobs of every stand-in, running ones included."""
        self.control_file.write_text(json.dumps(knobs), encoding="utf-8")

    def records(self, event: str | None = None) -> list[dict[str, Any]]:
        if not self.record_file.exists():
            return []
        lines = self.record_file.read_text(encoding="utf-8").splitlines()
        entries = [json.loads(line) for line in lines if line.strip()]
        return [e for e in entries if event is None or e["event"] == event]

    def starts(self) -> list[dict[str, Any]]:
        """The recorded ``start`` runs of the agent, oldest first."""
        return [r for r in self.records("run") if r["argv"][:1] == ["start"]]

    def live_agents(self) -> list[int]:
        return [r["pid"] for r in self.starts() if procs.is_alive(r["pid"])]

    def proxy_for(self, public_url: str) -> str:
        """The local public side serving ``public_url`` (the newest one)."""
        found = [r for r in self.records("endpoint") if r["url"] == public_url]
        assert found, f"no endpoint was opened for {public_url}"
        return str(found[-1]["proxy_url"])

    def probe(self) -> health.HttpProbe:
        """A health probe that reaches fake public URLs through their proxy."""

        def rewrite(url: str) -> str:
            for entry in reversed(self.records("endpoint")):
                if url.startswith(entry["url"]):
                    return entry["proxy_url"] + url[len(entry["url"]) :]
            return url

        return health.HttpProbe(timeout_s=FAST.probe_timeout_s, rewrite=rewrite)

    def end_agents(self) -> None:
        """End (by pid) every agent the stand-in recorded that still runs."""
        for pid in self.live_agents():
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def fake_ngrok(tmp_path, monkeypatch) -> Iterator[FakeNgrok]:
    """The stand-in agent, with a private HOME and no way to download ngrok."""
    root = tmp_path / "ngrok"
    fake = FakeNgrok(
        path=FAKE_NGROK,
        root=root,
        record_file=root / "record.jsonl",
        control_file=root / "control.json",
        account_dir=root / "account",
        scratch_root=root / "run",
    )
    for directory in (root, fake.account_dir, root / "home", root / "xdg-config"):
        directory.mkdir(parents=True, exist_ok=True)
    fake.scratch_root.mkdir(mode=0o700)
    for name, value in fake.environ().items():
        monkeypatch.setenv(name, value)
    for name in ("NGROK_AUTHTOKEN", "NGROK_API_KEY", "HOOKFLO_NGROK_AUTHTOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def no_download(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"pyngrok tried to download ngrok: {args} {kwargs}")

    monkeypatch.setattr(installer, "install_ngrok", no_download)
    asked_cdn: list[str] = []

    def no_cdn(*args: Any) -> str:
        asked_cdn.append(repr(args))
        raise exception.PyngrokNgrokInstallError("tests never use ngrok's CDN")

    monkeypatch.setattr(installer, "get_ngrok_cdn_url", no_cdn)
    guard = LoopbackGuard()
    guard.install(monkeypatch)
    try:
        yield fake
    finally:
        fake.end_agents()
        process.is_process_running(str(FAKE_NGROK))  # forget dead agents
    assert not guard.refused, f"tried to leave loopback: {guard.refused}"
    assert not asked_cdn, "a download fell back to ngrok's CDN: set download_url"


@dataclasses.dataclass
class TunnelStack:
    """A real receiver on 127.0.0.1:0 and the tunnels built for it."""

    home: Path
    fake: FakeNgrok
    server: Server | None = None
    tunnels: list[supervisor.Tunnel] = dataclasses.field(default_factory=list)

    @property
    def environ(self) -> dict[str, str]:
        return {"HOOKFLO_HOME": str(self.home), "HOOKFLO_SECRET_CLERK": SECRET}

    def write_config(
        self, tunnel: str = "", sources: str = "", *, stand_in: bool = True
    ) -> None:
        """Write config.toml: the stand-in as ngrok_path, plus ``tunnel`` lines."""
        self.home.mkdir(parents=True, exist_ok=True)
        path = f"ngrok_path = {json.dumps(str(self.fake.path))}\n" if stand_in else ""
        text = (
            "[channels.desktop]\nenabled = false\n\n"
            f"[tunnel]\n{path}{tunnel}\n{sources}"
        )
        (self.home / "config.toml").write_text(text, encoding="utf-8")

    async def start_server(self) -> Server:
        if not (self.home / "config.toml").exists():
            self.write_config()
        where = paths.resolve(self.environ)
        self.server = Server(
            where,
            config.load(where.config_file),
            Credentials(self.environ, backend=keyring.backends.null.Keyring()),
            host="127.0.0.1",
            port=0,
            environ=self.environ,
        )
        await self.server.start()
        return self.server

    def tunnel(
        self, authtoken: str | None = TOKEN, **options: Any
    ) -> supervisor.Tunnel:
        """Build a tunnel for the running server (reading ``authtoken``)."""
        assert self.server is not None, "start the server first"
        where = paths.resolve(self.environ)
        loaded = config.load(where.config_file)
        environ = dict(self.environ)
        if authtoken is not None:
            environ["HOOKFLO_NGROK_AUTHTOKEN"] = authtoken
        options.setdefault("timing", FAST)
        options.setdefault("scratch_root", self.fake.scratch_root)
        built = build.for_server(
            self.server,
            loaded,
            Credentials(environ, backend=keyring.backends.null.Keyring()),
            where,
            environ={**os.environ, **environ},
            **options,
        )
        self.tunnels.append(built)
        return built


@pytest.fixture
async def tunnel_stack(fake_ngrok, tmp_path) -> AsyncIterator[TunnelStack]:
    """A receiver and its tunnels; all stopped at the end of the test."""
    stack = TunnelStack(home=tmp_path / "hookflo-home", fake=fake_ngrok)
    try:
        yield stack
    finally:
        for tunnel in stack.tunnels:
            await tunnel.stop()
        if stack.server is not None:
            await stack.server.stop()
