"""``hookflo serve`` and ``send-test`` run without the heavy libraries they avoid.

The svix package imports its whole API client (pydantic, httpx) just to offer
signature checks, so HookFlo signs and verifies by itself; slack-sdk and
aiosmtplib are loaded only when their channel is on, pyngrok (with yaml)
only when the tunnel is. Python's own import log
(``PYTHONPROFILEIMPORTTIME``) lists every module a real process loaded, lazy
imports included.
"""

import http.client
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_serve_subprocess import PATH, Serving, environ_for, run_cli
from tests.support.clerk import clerk_body, signed_headers

pytestmark = pytest.mark.slow

AVOIDED = (
    "svix",
    "standardwebhooks",
    "pydantic",
    "httpx",
    "slack_sdk",
    "aiosmtplib",
    "pyngrok",  # the tunnel is off: pyngrok and yaml, which it imports, wait
    "yaml",
)
_IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*([\w.]+)\s*$", re.M)


def imported(output: str) -> set[str]:
    """Return the top-level packages named in Python's import log."""
    return {name.split(".")[0] for name in _IMPORT_LINE.findall(output)}


def post_signed_event(port: int) -> int:
    body = clerk_body("user.created")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", PATH, body=body, headers=signed_headers(body))
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_serve_and_send_test_verify_and_sign_without_svix(tmp_path: Path):
    environ = environ_for(tmp_path / "home") | {"PYTHONPROFILEIMPORTTIME": "1"}
    server = Serving(environ, tmp_path / "serve.log")
    try:
        server.wait_listening()
        assert post_signed_event(server.port) == 200
        sent = run_cli(environ, "send-test")
        assert sent.returncode == 0, sent.stderr
        assert "stored" in sent.stdout
        assert server.terminate() == 0
    finally:
        if server.process.poll() is None:
            server.kill()  # by its own pid: only what this test started
        server.process.wait(timeout=10)

    for output in (server.log_text(), sent.stderr):
        loaded = imported(output)
        assert {"aiohttp", "hookflo"} <= loaded  # the import log is there
        assert loaded.isdisjoint(AVOIDED), sorted(loaded & set(AVOIDED))


def test_the_import_log_names_a_package_that_is_loaded():
    # The check above is only as good as the parsing of Python's import log.
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import svix.webhooks"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert {"svix", "pydantic", "httpx"} <= imported(result.stderr)
