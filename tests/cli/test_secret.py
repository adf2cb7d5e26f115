"""``hookflo secret set|list|delete`` in-process, against a real gnome-keyring."""

import base64
import dataclasses
import io
import logging
import os

import pytest

from hookflo.cli import main
from hookflo.cli.environment import Env
from hookflo.cli.status import ExitStatus
from hookflo.core.credentials import Credentials
from hookflo.core.signingsecret import fingerprint
from tests.support.clerk import DEV_SECRET, SECRET, SECRET_B, clerk_body, signed_headers

ALL_SECRETS = (SECRET, SECRET_B, DEV_SECRET)
ENTRY = "signing-secret:clerk"
TWO_SOURCES = """\
[sources.clerk]
environment = "production"

[sources.clerk-dev]
environment = "development"
path = "/webhooks/dev"

[sources.staging]
"""


@dataclasses.dataclass
class Run:
    """What one ``hookflo`` command did."""

    status: int
    stdout: str
    stderr: str

    def assert_no_secret_shown(self) -> None:
        for secret in ALL_SECRETS:
            for shown in (self.stdout, self.stderr):
                assert secret not in shown
                assert secret.removeprefix("whsec_") not in shown


def hookflo(*argv: str, stdin: str = "", **variables: str) -> Run:
    """Run ``hookflo`` on piped stdin in this environment plus ``variables``."""
    stdout, stderr = io.StringIO(), io.StringIO()
    env = Env(
        stdin=io.StringIO(stdin),
        stdout=stdout,
        stderr=stderr,
        environ={**os.environ, **variables},
    )
    run = Run(main(list(argv), env), stdout.getvalue(), stderr.getvalue())
    run.assert_no_secret_shown()
    return run


def secret_of(key_bytes: int) -> str:
    return "whsec_" + base64.b64encode(bytes(range(key_bytes))).decode().rstrip("=")


@pytest.fixture(autouse=True)
def _no_secret_in_logs(caplog):
    caplog.set_level(logging.DEBUG)
    yield
    for secret in ALL_SECRETS:
        assert secret.removeprefix("whsec_") not in caplog.text


@pytest.fixture
def two_sources(hookflo_home):
    hookflo_home.mkdir(parents=True, exist_ok=True)
    (hookflo_home / "config.toml").write_text(TWO_SOURCES, encoding="utf-8")


@pytest.mark.usefixtures("secret_service")
class TestSet:
    def test_piped_env_line_is_tidied_and_saved(self, secret_service):
        run = hookflo(
            "secret", "set", "clerk", stdin=f'CLERK_WEBHOOK_SECRET="{SECRET}"\n'
        )
        assert run.status == ExitStatus.SUCCESS
        assert run.stdout == (
            f"Saved the signing secret for 'clerk' in the keyring (fingerprint "
            f"{fingerprint(SECRET)}; 1 secret in use).\n"
        )
        assert run.stderr.splitlines() == [
            "Note: Kept only the value after CLERK_WEBHOOK_SECRET=.",
            "Note: Removed the surrounding quotes.",
        ]
        assert secret_service.stored() == {ENTRY: SECRET}

    def test_set_replaces_the_current_secret(self, secret_service):
        hookflo("secret", "set", "clerk", stdin=SECRET)
        run = hookflo("secret", "set", "clerk", stdin=SECRET_B)
        assert run.status == ExitStatus.SUCCESS
        assert secret_service.stored() == {ENTRY: SECRET_B}

    def test_add_keeps_both_for_a_rotation(self, secret_service):
        hookflo("secret", "set", "clerk", stdin=SECRET)
        run = hookflo("secret", "set", "clerk", "--add", stdin=f"{SECRET_B}\n")
        assert run.status == ExitStatus.SUCCESS
        assert f"fingerprint {fingerprint(SECRET_B)}; 2 secrets in use" in run.stdout
        assert secret_service.stored() == {ENTRY: f"{SECRET} {SECRET_B}"}

        again = hookflo("secret", "set", "clerk", "--add", stdin=SECRET)
        assert "2 secrets in use" in again.stdout
        assert secret_service.stored() == {ENTRY: f"{SECRET_B} {SECRET}"}

    def test_add_beyond_four_secrets_is_refused(self, secret_service):
        four = [SECRET, SECRET_B, DEV_SECRET, secret_of(32)]
        for secret in four:
            hookflo("secret", "set", "clerk", "--add", stdin=secret)
        run = hookflo("secret", "set", "clerk", "--add", stdin=secret_of(40))
        assert run.status == ExitStatus.ERROR
        assert run.stderr == (
            "hookflo: 'clerk' already has 4 secrets; delete an old one with "
            "`hookflo secret delete --fingerprint` first\n"
        )
        assert secret_service.stored() == {ENTRY: " ".join(four)}

    @pytest.mark.parametrize(
        ("pasted", "why"),
        [
            (f"v1,{SECRET.removeprefix('whsec_')}", "looks like a signature"),
            (SECRET.removeprefix("whsec_"), "starts with 'whsec_'"),
            (SECRET[:-4], "too short"),
            (f"{SECRET} {SECRET_B}", "spaces or line breaks"),
            ("", "empty"),
        ],
    )
    def test_malformed_secret_is_one_sentence_and_not_saved(
        self, secret_service, pasted, why
    ):
        run = hookflo("secret", "set", "clerk", stdin=pasted)
        assert run.status == ExitStatus.ERROR
        assert run.stdout == ""
        assert run.stderr.startswith("hookflo: Not saved: ")
        assert run.stderr.count("\n") == 1
        assert why in run.stderr
        assert "Traceback" not in run.stderr
        assert secret_service.stored() == {}

    def test_unknown_source_is_refused(self, secret_service):
        run = hookflo("secret", "set", "prod-clerk", stdin=SECRET)
        assert run.status == ExitStatus.CONFIG
        assert run.stderr == (
            "hookflo: Unknown source 'prod-clerk'; known sources: 'clerk'\n"
        )
        assert secret_service.stored() == {}

    def test_variable_that_overrides_the_keyring_is_pointed_out(self, secret_service):
        run = hookflo(
            "secret", "set", "clerk", stdin=SECRET, HOOKFLO_SECRET_CLERK=SECRET_B
        )
        assert run.status == ExitStatus.SUCCESS
        assert run.stderr == (
            "Note: HOOKFLO_SECRET_CLERK is set and takes precedence over the keyring.\n"
        )
        assert secret_service.stored() == {ENTRY: SECRET}

    def test_add_while_the_variable_is_set_keeps_the_keyring_secrets(
        self, secret_service
    ):
        hookflo("secret", "set", "clerk", stdin=SECRET)
        run = hookflo(
            "secret",
            "set",
            "clerk",
            "--add",
            stdin=SECRET_B,
            HOOKFLO_SECRET_CLERK=DEV_SECRET,
        )
        assert run.status == ExitStatus.SUCCESS
        assert secret_service.stored() == {ENTRY: f"{SECRET} {SECRET_B}"}


@pytest.mark.usefixtures("secret_service", "two_sources")
class TestList:
    def test_shows_sources_origins_and_fingerprints(self):
        hookflo("secret", "set", "clerk", stdin=SECRET)
        hookflo("secret", "set", "clerk", "--add", stdin=SECRET_B)
        run = hookflo("secret", "list", HOOKFLO_SECRET_CLERK_DEV=DEV_SECRET)
        assert run.status == ExitStatus.SUCCESS
        assert run.stdout.splitlines() == [
            f"clerk (production): {fingerprint(SECRET)}, {fingerprint(SECRET_B)} "
            "from keyring",
            f"clerk-dev (development): {fingerprint(DEV_SECRET)} from "
            "HOOKFLO_SECRET_CLERK_DEV",
            "staging (production): no signing secret",
            "clerk: Clerk secret key not set (no catch-up after time offline)",
            "clerk-dev: Clerk secret key not set (no catch-up after time offline)",
            "staging: Clerk secret key not set (no catch-up after time offline)",
            "slack-webhook-url: not set",
            "slack-bot-token: not set",
            "smtp-password: not set",
            "ngrok-authtoken: not set",
        ]
        assert run.stderr == ""

    def test_malformed_stored_secret_is_labelled_not_shown(self):
        broken = SECRET[:-4]
        Credentials({}).set_signing_secrets("staging", [broken])
        run = hookflo("secret", "list")
        assert "staging (production): malformed from keyring" in run.stdout
        assert broken not in run.stdout


@pytest.mark.usefixtures("secret_service")
class TestDelete:
    def test_deletes_every_secret_of_the_source(self, secret_service):
        hookflo("secret", "set", "clerk", stdin=SECRET)
        hookflo("secret", "set", "clerk", "--add", stdin=SECRET_B)
        run = hookflo("secret", "delete", "clerk")
        assert (run.status, run.stdout) == (
            0,
            "Deleted the signing secrets of 'clerk'.\n",
        )
        assert secret_service.stored() == {}

        again = hookflo("secret", "delete", "clerk")
        assert (again.status, again.stdout) == (
            0,
            "'clerk' had no signing secret in the keyring.\n",
        )

    def test_fingerprint_deletes_only_that_secret(self, secret_service):
        hookflo("secret", "set", "clerk", stdin=SECRET)
        hookflo("secret", "set", "clerk", "--add", stdin=SECRET_B)
        old = fingerprint(SECRET)
        run = hookflo("secret", "delete", "clerk", "--fingerprint", old)
        assert (run.status, run.stdout) == (0, f"Deleted secret {old} of 'clerk'.\n")
        assert secret_service.stored() == {ENTRY: SECRET_B}

        last = hookflo(
            "secret", "delete", "clerk", "--fingerprint", fingerprint(SECRET_B)
        )
        assert last.status == ExitStatus.SUCCESS
        assert secret_service.stored() == {}

    def test_unknown_fingerprint_is_refused_and_deletes_nothing(self, secret_service):
        hookflo("secret", "set", "clerk", stdin=SECRET)
        run = hookflo("secret", "delete", "clerk", "--fingerprint", "deadbeef")
        assert run.status == ExitStatus.ERROR
        assert run.stderr == (
            "hookflo: No keyring secret of 'clerk' has fingerprint 'deadbeef'; "
            "`hookflo secret list` shows them\n"
        )
        assert secret_service.stored() == {ENTRY: SECRET}

    def test_fingerprint_while_the_variable_is_set_still_finds_the_keyring(
        self, secret_service
    ):
        hookflo("secret", "set", "clerk", stdin=SECRET)
        hookflo("secret", "set", "clerk", "--add", stdin=SECRET_B)
        run = hookflo(
            "secret",
            "delete",
            "clerk",
            "--fingerprint",
            fingerprint(SECRET),
            HOOKFLO_SECRET_CLERK=DEV_SECRET,
        )
        assert run.status == ExitStatus.SUCCESS
        assert secret_service.stored() == {ENTRY: SECRET_B}


@pytest.mark.expect_log_warnings
@pytest.mark.parametrize(
    "argv",
    [
        ("secret", "set", "clerk"),
        ("secret", "set", "clerk", "--add"),
        ("secret", "list"),
        ("secret", "delete", "clerk"),
        ("secret", "delete", "clerk", "--fingerprint", fingerprint(SECRET)),
    ],
)
def test_locked_keyring_is_exit_5_with_a_clear_message(secret_service, argv):
    hookflo("secret", "set", "clerk", stdin=SECRET)
    secret_service.lock()
    run = hookflo(*argv, stdin=SECRET_B)
    assert run.status == ExitStatus.KEYRING == 5
    assert run.stdout == ""
    assert run.stderr == (
        "hookflo: The keyring is locked; unlock it (log in to the desktop) and "
        "try again\n"
    )


async def test_receiver_accepts_requests_signed_with_the_keyring_secret(
    secret_service, make_receiver
):
    assert hookflo("secret", "set", "clerk", stdin=SECRET).status == 0
    assert "HOOKFLO_SECRET_CLERK" not in os.environ
    harness = await make_receiver(credentials=Credentials(os.environ))
    body = clerk_body("user.created")
    headers = signed_headers(body, SECRET)
    response = await harness.client.post("/webhooks/clerk", data=body, headers=headers)
    assert response.status == 200
    (event,) = harness.events()
    assert event.svix_id == headers["svix-id"]


@pytest.mark.expect_log_warnings
async def test_receiver_refuses_requests_signed_with_another_secret(
    secret_service, make_receiver
):
    hookflo("secret", "set", "clerk", stdin=SECRET)
    harness = await make_receiver(credentials=Credentials(os.environ))
    body = clerk_body("user.created")
    response = await harness.client.post(
        "/webhooks/clerk", data=body, headers=signed_headers(body, SECRET_B)
    )
    assert response.status == 401
    assert harness.events() == []


@pytest.mark.usefixtures("secret_service")
class TestChannelSecrets:
    WEBHOOK = "https://hooks.slack.com/services/T0001/B0001/abcdefABCDEF123456"
    TOKEN = "xoxb-1111-2222-abcdefabcdefabcdef"

    def test_set_list_delete_never_show_values(self, secret_service):
        runs = [
            hookflo(
                "secret", "set", "slack-webhook-url", stdin=f"  '{self.WEBHOOK}'\n"
            ),
            hookflo("secret", "set", "smtp-password", stdin="pa ss:word\n"),
            hookflo("secret", "list", HOOKFLO_SLACK_BOT_TOKEN=self.TOKEN),
        ]
        assert [r.status for r in runs] == [0, 0, 0]
        assert (
            runs[0].stdout == "Saved the Slack incoming-webhook URL in the keyring.\n"
        )
        assert secret_service.stored().get("slack-webhook-url") == self.WEBHOOK
        assert secret_service.stored().get("smtp-password") == "pa ss:word"
        assert runs[2].stdout.splitlines()[-4:] == [
            "slack-webhook-url: set, in the keyring",
            "slack-bot-token: set, from HOOKFLO_SLACK_BOT_TOKEN",
            "smtp-password: set, in the keyring",
            "ngrok-authtoken: not set",
        ]
        deleted = hookflo("secret", "delete", "smtp-password")
        assert deleted.stdout == "Deleted the SMTP password.\n"
        assert secret_service.stored().get("smtp-password") is None
        for run in [*runs, deleted]:
            for value in (self.WEBHOOK, self.TOKEN, "pa ss:word"):
                assert value not in run.stdout + run.stderr

    @pytest.mark.parametrize(
        ("name", "pasted", "why"),
        [
            ("slack-bot-token", "xoxp", "starts with 'xoxb-'"),
            ("slack-bot-token", "https://hooks.slack.com/x", "starts with 'xoxb-'"),
            ("slack-webhook-url", "xoxb-1-2-3", "starts with https://hooks.slack.com/"),
            ("slack-webhook-url", "", "is empty"),
            ("smtp-password", "two\nlines", "line break"),
        ],
    )
    def test_wrong_values_are_refused_and_not_saved(
        self, secret_service, name, pasted, why
    ):
        run = hookflo("secret", "set", name, stdin=pasted)
        assert run.status != 0
        assert why in run.stderr
        assert run.stderr.startswith("hookflo: Not saved:")
        assert name not in secret_service.stored()
