"""The first-run guide against a real in-process Server: steps tick as it happens."""

import dataclasses

import aiohttp
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from hookflo.core import config, setupprogress
from hookflo.core.config import Environment
from hookflo.core.credentials import Credentials, signing_secret_entry
from hookflo.core.server import Server
from hookflo.gui import firstrun
from hookflo.gui.firstrun import FirstRunGuide, open_first_run
from tests.gui.settings.conftest import shoot, until
from tests.support.clerk import DEV_SECRET, SECRET, SECRET_B, clerk_body
from tests.support.clerk import signed_headers as svix_headers

PUBLIC_URL = "https://hookflo-test.ngrok-free.app"
QUIET_CONFIG = """\
[channels.desktop]
enabled = false
"""


@dataclasses.dataclass
class TunnelStandIn:
    """What the guide reads of the tunnel: its public URL once up."""

    public_url: str | None = None


@pytest.fixture(autouse=True)
def _quick_polls(monkeypatch):
    monkeypatch.setattr(FirstRunGuide, "poll_ms", 50)


@pytest.fixture
def guide_context(make_context, memory_keyring, hookflo_home):
    hookflo_home.mkdir(parents=True, exist_ok=True)
    (hookflo_home / "config.toml").write_text(QUIET_CONFIG, encoding="utf-8")
    return make_context(Credentials({}, backend=memory_keyring, timeout=2.0))


@pytest.fixture
async def start_server(guide_context):
    """Return ``start()``: the real receiver on 127.0.0.1, port 0."""
    running: list[Server] = []

    async def start() -> Server:
        server = Server(
            guide_context.paths,
            guide_context.config,
            guide_context.credentials,
            host="127.0.0.1",
            port=0,
            environ={},
        )
        await server.start()
        running.append(server)
        guide_context.server = server
        return server

    try:
        yield start
    finally:
        for server in running:
            await server.stop()


@pytest.fixture
async def server(start_server, memory_keyring) -> Server:
    """The receiver, with the production source's secret stored."""
    memory_keyring.set_password("hookflo", signing_secret_entry("clerk"), SECRET)
    return await start_server()


def open_guide(qtbot, context) -> FirstRunGuide:
    guide = FirstRunGuide(context)
    qtbot.addWidget(guide)
    guide.show()
    return guide


async def post(server: Server, secret: str) -> int:
    body = clerk_body("user.created")
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            server.base_url + "/webhooks/clerk",
            data=body,
            headers=svix_headers(body, secret),
        ) as response,
    ):
        return response.status


async def test_steps_tick_on_a_refused_then_a_verified_request(
    qtbot, guide_context, server, screenshots
):
    guide = open_guide(qtbot, guide_context)
    assert guide.production.isChecked()
    await until(lambda: guide.secret_step.done, what="the stored secret")
    assert [step.done for step in guide.steps] == [False, False, True, False]
    assert guide.url_field.text() == server.base_url + "/webhooks/clerk"
    assert "The tunnel is off" in guide.tunnel_message.text()
    shoot(guide, screenshots, "firstrun-start")

    guide_context.tunnel = TunnelStandIn(PUBLIC_URL)
    await until(lambda: guide.tunnel_step.done, what="the tunnel tick")
    assert guide.url_field.text() == PUBLIC_URL + "/webhooks/clerk"
    guide.url_field.copy_button.click()
    assert QApplication.clipboard().text() == PUBLIC_URL + "/webhooks/clerk"

    # Clerk signs with another secret (say, the development instance's).
    assert await post(server, SECRET_B) == 401
    await until(lambda: guide.clerk_step.done, what="the first request")
    await until(lambda: guide.refusal_message.is_error, what="the refusal")
    refusal = guide.refusal_message.text()
    assert refusal.startswith("A request was refused (401, ")
    assert "secret" in refusal.lower()
    assert not guide.test_step.done
    shoot(guide, screenshots, "firstrun-refused")

    # HookFlo's own test event, signed with the stored secret, is verified.
    guide.send_test.click()
    await until(lambda: guide.test_step.done, what="the verified event")
    assert guide.test_message.text().startswith("Received a verified test user.created")
    assert not guide.refusal_message.is_error
    assert all(step.done for step in guide.steps)
    shoot(guide, screenshots, "firstrun-done")

    # A real Clerk delivery counts too.
    assert await post(server, SECRET) == 200
    guide.close()
    assert guide._on_event_stored not in server.writer.listeners
    assert guide._on_attempt_recorded not in server.writer.attempt_listeners


@pytest.mark.expect_log_warnings  # the receiver starts without a secret
async def test_pasting_the_secret_stores_it_and_ticks_the_step(
    qtbot, guide_context, memory_keyring, start_server
):
    await start_server()
    guide = open_guide(qtbot, guide_context)
    await until(lambda: "No signing secret yet" in guide.secret_message.text())
    guide.paste_edit.setText("whsec_tooShort")
    assert guide.paste_message.is_error
    assert not guide.save_secret.isEnabled()

    guide.paste_edit.setText(f"CLERK_WEBHOOK_SECRET='{SECRET}'")
    assert "Kept only the value after CLERK_WEBHOOK_SECRET=" in (
        guide.paste_message.text()
    )
    guide.save_secret.click()
    await until(lambda: guide.secret_step.done, what="the secret tick")
    assert (
        memory_keyring.get_password("hookflo", signing_secret_entry("clerk")) == SECRET
    )
    assert guide.paste_edit.text() == ""
    assert SECRET not in guide.paste_message.text()

    # No request has reached the receiver yet: the secret alone is not enough.
    assert not guide.clerk_step.done


async def test_the_development_path_adds_its_own_source(qtbot, guide_context, server):
    saved = []
    open_first_run(guide_context, on_saved=saved.append)
    guide = firstrun._open_guides[id(guide_context)]
    qtbot.addWidget(guide)
    guide.development.setChecked(True)
    assert not guide.secret_step.isEnabled()
    assert guide.add_source_button.text() == (
        "Add the development source 'clerk-dev' at /webhooks/clerk-dev"
    )
    steps = guide.clerk_steps.text()
    assert "Development instance" in steps
    assert "reserved ngrok domain" not in steps

    guide.add_source_button.click()
    await until(lambda: saved, what="the new source")
    saved_config = config.load(guide_context.paths.config_file)
    assert saved == [saved_config] == [guide_context.config]
    source = saved_config.source("clerk-dev")
    assert source.environment is Environment.DEVELOPMENT
    assert not saved_config.channels.desktop.enabled  # the rest is kept
    assert guide.secret_step.isEnabled()
    assert guide.url_field.text().endswith("/webhooks/clerk-dev")

    guide.production.setChecked(True)
    assert "Production instance" in guide.clerk_steps.text()
    assert "reserved ngrok domain" in guide.clerk_steps.text()
    guide.close()


def test_recommended_events_are_real_clerk_types():
    from hookflo.core import samples

    assert set(setupprogress.RECOMMENDED_EVENTS) <= set(samples.event_types())


def test_closing_the_guide_never_quits_the_app(qtbot, guide_context, qapp):
    """C27 step 5: the guide is the only window; closing it leaves the app."""
    qapp.setQuitOnLastWindowClosed(True)
    try:
        with qtbot.assertNotEmitted(qapp.lastWindowClosed, wait=50):
            # Not handed to qtbot: the guide deletes itself on close, and
            # qtbot would close it again after that at teardown.
            guide = FirstRunGuide(guide_context)
            guide.show()
            qtbot.waitExposed(guide)
            assert not guide.testAttribute(Qt.WidgetAttribute.WA_QuitOnClose)
            guide.close()
            QApplication.processEvents()
    finally:
        qapp.setQuitOnLastWindowClosed(False)


async def test_a_development_secret_on_the_production_source_is_explained(
    qtbot, guide_context, server
):
    guide = open_guide(qtbot, guide_context)
    assert await post(server, DEV_SECRET) == 401
    await until(lambda: guide.refusal_message.is_error, what="the refusal")
    assert guide.refusal_message.text().startswith("A request was refused (401, ")
