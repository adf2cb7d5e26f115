"""The tunnel's parts: ``[tunnel]`` settings, error translation, self-check route,
and the authtoken from a real keyring (``hookflo secret set ngrok-authtoken``).
"""

import io
import os
from pathlib import Path

import aiohttp
import pytest
from pyngrok import exception

from hookflo.cli import main
from hookflo.cli.environment import Env
from hookflo.core import config, paths
from hookflo.core.credentials import Credentials
from hookflo.core.errors import ConfigError
from hookflo.core.store import Store
from hookflo.core.tunnel import build, errors
from hookflo.core.tunnel.errors import Problem, Retry
from hookflo.core.tunnel.status import TunnelState
from hookflo.core.tunnelconfig import TunnelSettings
from tests.support.ngrokfixtures import FAST, TOKEN


class TestSettings:
    def load(self, tmp_path, text):
        config_file = tmp_path / "config.toml"
        config_file.write_text(text, encoding="utf-8")
        return config.load(config_file), config_file

    def test_defaults_keep_the_tunnel_off(self, tmp_path):
        loaded, _ = self.load(tmp_path, "")
        assert loaded.tunnel == TunnelSettings()

    def test_every_key_is_read(self, tmp_path):
        loaded, _ = self.load(
            tmp_path,
            "[tunnel]\nenabled = true\ndomain = 'Hookflo-Fake-Example.ngrok-free.app'\n"
            "region = 'eu'\nngrok_path = '/opt/ngrok/ngrok'\n"
            "download_url = 'https://mirror.example.com/ngrok-v3.tgz'\n",
        )
        assert loaded.tunnel == TunnelSettings(
            enabled=True,
            domain="hookflo-fake-example.ngrok-free.app",
            region="eu",
            ngrok_path=Path("/opt/ngrok/ngrok"),
            download_url="https://mirror.example.com/ngrok-v3.tgz",
        )

    def test_a_plain_http_download_is_for_this_machine_only(self, tmp_path):
        loaded, _ = self.load(
            tmp_path, "[tunnel]\ndownload_url = 'http://127.0.0.1:8000/ngrok.tgz'\n"
        )
        assert loaded.tunnel.download_url == "http://127.0.0.1:8000/ngrok.tgz"

    @pytest.mark.parametrize(
        ("line", "key"),
        [
            ("enabled = 'yes'", "tunnel.enabled"),
            ("domain = 'https://x.ngrok-free.app'", "tunnel.domain"),
            ("region = 'Europe'", "tunnel.region"),
            ("ngrok_path = 'bin/ngrok'", "tunnel.ngrok_path"),
            ("download_url = 'http://mirror.example.com/n.tgz'", "tunnel.download_url"),
            ("download_url = 'ftp://mirror.example.com/n.tgz'", "tunnel.download_url"),
            ("download_url = 'ngrok.tgz'", "tunnel.download_url"),
            ("authtoken = 'x'", "tunnel.authtoken"),
        ],
    )
    def test_a_wrong_value_names_file_and_key(self, tmp_path, line, key):
        with pytest.raises(ConfigError) as caught:
            self.load(tmp_path, f"[tunnel]\n{line}\n")
        assert str(caught.value).startswith(f"{tmp_path / 'config.toml'}: {key}: ")


@pytest.mark.parametrize(
    ("texts", "problem", "summary"),
    [
        (
            ["authentication failed", "bad\\r\\n\\r\\nERR_NGROK_105\\r\\n"],
            Problem.AUTHTOKEN_REJECTED,
            "authtoken rejected (ERR_NGROK_105)",
        ),
        (
            ["x509: certificate signed by unknown authority", "ERR_NGROK_334"],
            Problem.TLS_INTERCEPTED,
            "cannot reach ngrok: the TLS connection is intercepted "
            "(x509: certificate signed by unknown authority)",
        ),
        (
            ["dial tcp: lookup connect.ngrok-agent.com: no such host"],
            Problem.NO_NETWORK,
            "no network: cannot reach ngrok (dial tcp: lookup "
            "connect.ngrok-agent.com: no such host)",
        ),
        (
            ["something odd"],
            Problem.AGENT_FAILED,
            "the ngrok agent failed (something odd)",
        ),
    ],
    ids=["code-in-an-older-line", "newest-decides", "network", "unknown"],
)
def test_translation_prefers_the_newest_telling_line(texts, problem, summary):
    explained = errors.from_texts(texts, domain=None)
    assert (explained.problem, explained.summary) == (problem, summary)


def test_agent_api_refusal_is_read_from_its_answer():
    body = (
        '{"error_code":103,"status_code":502,"msg":"failed to start tunnel",'
        '"details":{"err":"The domain is reserved for another account.\\r\\n\\r\\n'
        'ERR_NGROK_320\\r\\n"}}'
    )
    refused = exception.PyngrokNgrokHTTPError("HTTP 502", "http://x", 502, "", {}, body)
    explained = errors.translate(refused, [], domain="a.ngrok-free.app")
    assert explained.problem is Problem.DOMAIN_NOT_RESERVED
    assert explained.retry is Retry.NEVER
    assert str(explained).startswith(
        "The domain a.ngrok-free.app is not reserved for this ngrok account "
        "(ERR_NGROK_320); reserve it at https://dashboard.ngrok.com/domains"
    )


def test_agent_text_in_a_message_is_redacted():
    explained = errors.from_texts([f"odd failure with {TOKEN}"], domain=None)
    assert TOKEN not in str(explained)


async def test_self_check_route_answers_its_token_only_and_is_no_attempt(
    tunnel_stack,
):
    server = await tunnel_stack.start_server()
    base = f"{server.base_url}/.hookflo/health/"
    async with aiohttp.ClientSession() as session:
        async with session.get(base + server.health_token) as answer:
            assert (answer.status, await answer.text()) == (200, server.health_token)
        async with session.get(base + "guessed") as answer:
            assert answer.status == 404
    await server.writer.flush()
    store = Store(server._paths.database_file)
    try:
        (attempt,) = store.attempts(limit=10)  # the guess, not the self-check
    finally:
        store.close()
    assert attempt.path == "/.hookflo/health/guessed"


@pytest.mark.usefixtures("fake_ngrok")
async def test_authtoken_set_with_the_cli_reaches_the_agent_from_the_keyring(
    secret_service, tunnel_stack
):
    stdout, stderr = io.StringIO(), io.StringIO()
    env = Env(
        stdin=io.StringIO(TOKEN + "\n"),
        stdout=stdout,
        stderr=stderr,
        environ=os.environ,
    )
    assert main(["secret", "set", "ngrok-authtoken"], env) == 0
    assert stdout.getvalue() == "Saved the ngrok authtoken in the keyring.\n"
    assert secret_service.stored()["ngrok-authtoken"] == TOKEN
    server = await tunnel_stack.start_server()
    where = paths.resolve(dict(os.environ))
    tunnel = build.for_server(
        server,
        config.load(where.config_file),
        Credentials(os.environ),
        where,
        timing=FAST,
        scratch_root=tunnel_stack.fake.scratch_root,
    )
    tunnel_stack.tunnels.append(tunnel)

    await tunnel.start()
    await tunnel.wait_for(TunnelState.UP, timeout_s=10)

    (run,) = tunnel_stack.fake.starts()
    assert TOKEN not in " ".join(run["argv"])
    assert TOKEN not in stdout.getvalue() + stderr.getvalue()


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8787"),
        ("0.0.0.0", "http://127.0.0.1:8787"),
        ("::1", "http://[::1]:8787"),
        ("::", "http://[::1]:8787"),
    ],
)
def test_agent_forwards_to_the_bound_address(host, url):
    assert build.upstream_url(host, 8787) == url


@pytest.mark.parametrize(
    ("http_status", "mirror", "said", "unsaid"),
    [
        (None, False, "again once online", "answered"),
        (404, True, "the server answered 404: check download_url", "once online"),
        (503, False, "ngrok's server answered 503", "once online"),
    ],
)
def test_download_advice_fits_the_failure(http_status, mirror, said, unsaid):
    error = errors.download_failed("why", http_status=http_status, mirror=mirror)

    assert said in error.advice
    assert unsaid not in error.advice
