"""No secret ever reaches a log line, on the console or in the file."""

import base64
import io
import json
import logging

import pytest

from hookflo.core import logs
from tests.support.clerk import DEV_SECRET, SECRET, clerk_body, signed_headers
from tests.support.receiverfixtures import make_source

SLACK_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_HOOK = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"
NGROK_TOKEN = "2abcDEFghiJKLmnoPQRstuVWX_7yZabCDEfgHIJklMNopq"


@pytest.fixture
def captured_logs(tmp_path):
    """Route hookflo's logs through the real set-up; restore afterwards."""
    console = io.StringIO()
    log_file = tmp_path / "logs" / "hookflo.log"
    logs.setup(level=logging.DEBUG, json_lines=True, log_file=log_file, stream=console)
    root = logging.getLogger(logs.ROOT_LOGGER)
    yield lambda: console.getvalue() + log_file.read_text(encoding="utf-8")
    logs.reset()
    assert not root.handlers


def _forms_of(secret: str) -> list[str]:
    """The secret as pasted, and the key inside it, raw and base64."""
    body = secret.removeprefix("whsec_")
    return [secret, body, base64.b64decode(body).decode("latin-1")]


@pytest.mark.expect_log_warnings
async def test_full_flow_logs_no_secret(make_receiver, captured_logs):
    harness = await make_receiver(
        sources=[make_source("clerk"), make_source("clerk-dev", "development")],
        secrets={"clerk": [SECRET], "clerk-dev": [DEV_SECRET]},
    )
    body = clerk_body()
    for secret, expected in (
        (SECRET, 200),
        (DEV_SECRET, 401),
        ("whsec_" + "A" * 32, 401),
    ):
        response = await harness.client.post(
            "/webhooks/clerk", data=body, headers=signed_headers(body, secret)
        )
        assert response.status == expected
    logger = logging.getLogger("hookflo.core.test")
    logger.warning("Slack said no to %s via %s", SLACK_TOKEN, SLACK_HOOK)
    logger.error("ngrok refused %s", NGROK_TOKEN, extra={"url": SLACK_HOOK})
    await harness.writer.flush()

    written = captured_logs()
    assert "signature" in written, "the refusals were not logged at all"
    for secret in (SECRET, DEV_SECRET):
        for form in _forms_of(secret):
            assert form not in written
    for token in (SLACK_TOKEN, SLACK_HOOK, NGROK_TOKEN):
        assert token not in written
    assert "xox?-[redacted]" in written
    console_lines = [line for line in written.splitlines() if line.startswith("{")]
    assert all(json.loads(line)["level"] for line in console_lines)


def test_registered_values_are_redacted_even_without_a_known_shape():
    logs.register_secret("correct-horse-battery-staple")
    text = logs.redact("smtp login with correct-horse-battery-staple failed")
    assert text == "smtp login with [redacted] failed"


def test_short_values_are_not_registered():
    logs.register_secret("abc")
    assert logs.redact("abcdef") == "abcdef"


def test_malformed_requests_are_one_line_without_traceback(captured_logs):
    server = logging.getLogger("aiohttp.server")
    try:
        raise ValueError("Got more than 8190 bytes when reading header line")
    except ValueError:
        server.exception("Error handling request from 127.0.0.1")
    written = captured_logs()
    assert "Refused a malformed HTTP request (ValueError)" in written
    assert "Traceback" not in written
