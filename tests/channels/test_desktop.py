"""DesktopChannel against a stand-in notification server on a private bus."""

import asyncio
import html.parser
import logging
import socket
import time

import pytest

from hookflo.core.channels.base import Alert, ChannelName, DeliveryError
from hookflo.core.channels.desktop import DesktopChannel, app_icon, desktop_available
from tests.support.notifyserver import PLAIN_CAPABILITIES, start_notify_server

pytestmark = pytest.mark.timeout(10)

TIMEOUT_S = 0.5
NO_SERVICE = "No desktop notification service is running ("
CHANNEL_LOGGER = "hookflo.core.channels.desktop"


def make_alert(
    title: str = "Ada Example signed up",
    body: str = "with Google · ada@example.com",
    event_ids: tuple[int, ...] = (7,),
) -> Alert:
    return Alert({"title": title, "body": body}, event_ids, "desktop-7")


@pytest.fixture
async def make_channel():
    """Build channels with a short timeout; close them after the test."""
    made: list[DesktopChannel] = []

    def make(**kwargs) -> DesktopChannel:
        kwargs.setdefault("timeout", TIMEOUT_S)
        channel = DesktopChannel(**kwargs)
        made.append(channel)
        return channel

    yield make
    for channel in made:
        await channel.close()


@pytest.fixture
def no_bus(monkeypatch):
    """Leave the process without any session bus address."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)


def warnings_from_channel(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == CHANNEL_LOGGER and r.levelno >= logging.WARNING
    ]


class _ShownText(html.parser.HTMLParser):
    """The text a body-markup server shows: tags applied, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""

    def handle_data(self, data: str) -> None:
        self.text += data


def shown_by_markup_server(body: str) -> str:
    parser = _ShownText()
    parser.feed(body)
    parser.close()
    return parser.text


async def test_send_shows_title_body_app_name_and_icon(notify_server, make_channel):
    channel = make_channel()

    receipt = await channel.send(make_alert())

    assert channel.name is ChannelName.DESKTOP
    assert receipt.detail == "Shown by hookflo-test-notifyd 1.0"
    [call] = notify_server.calls
    assert call.app_name == "HookFlo"
    assert call.summary == "Ada Example signed up"
    assert call.body == "with Google · ada@example.com"
    icon = app_icon()
    assert icon is not None
    assert call.icon == icon.as_uri()
    assert "default" in call.actions[::2]


def test_the_app_icon_is_a_png_shipped_with_the_package():
    icon = app_icon()

    assert icon is not None
    assert icon.parts[-3:] == ("hookflo", "resources", "hookflo.png")
    assert icon.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


async def test_given_icon_is_sent(notify_server, make_channel, tmp_path):
    icon = tmp_path / "other.png"

    await make_channel(icon=icon, app_name="HookFlo dev").send(make_alert())

    [call] = notify_server.calls
    assert call.icon == icon.as_uri()
    assert call.app_name == "HookFlo dev"


async def test_body_is_escaped_for_a_server_that_reads_markup(
    notify_server, make_channel
):
    notify_server.advertise(*PLAIN_CAPABILITIES, "body-markup")
    name = "<b>x</b> & <i>"

    await make_channel().send(make_alert(title=name, body=name))

    [call] = notify_server.calls
    assert call.body == "&lt;b&gt;x&lt;/b&gt; &amp; &lt;i&gt;"
    assert shown_by_markup_server(call.body) == name
    assert call.summary == name  # the summary is plain text for every server


async def test_body_is_sent_as_is_to_a_server_that_shows_plain_text(
    notify_server, make_channel
):
    name = "<b>x</b> & <i>"

    await make_channel().send(make_alert(body=name))

    assert notify_server.calls[0].body == name


async def test_click_calls_on_clicked_with_the_first_event_id(
    notify_server, make_channel
):
    clicked = asyncio.Event()
    event_ids: list[int] = []

    def on_clicked(event_id: int) -> None:
        event_ids.append(event_id)
        clicked.set()

    channel = make_channel(on_clicked=on_clicked)
    await channel.send(make_alert(event_ids=(41, 42)))
    notify_server.click(notify_server.calls[0].id)

    async with asyncio.timeout(2):
        await clicked.wait()
    assert event_ids == [41]


@pytest.mark.expect_log_warnings
async def test_a_failing_click_handler_is_logged_not_raised(
    notify_server, make_channel, caplog
):
    clicked = asyncio.Event()

    def on_clicked(event_id: int) -> None:
        clicked.set()
        raise RuntimeError("the window is gone")

    channel = make_channel(on_clicked=on_clicked)
    await channel.send(make_alert())
    notify_server.click(notify_server.calls[0].id)

    async with asyncio.timeout(2):
        await clicked.wait()
    [record] = caplog.records
    assert record.getMessage() == "Opening event 7 after a click failed"
    assert await channel.send(make_alert())  # the channel still works


@pytest.mark.expect_log_warnings
async def test_no_session_bus_fails_permanently_and_warns_once(
    no_bus, make_channel, caplog
):
    channel = make_channel()

    for _ in range(3):
        started = time.monotonic()
        with pytest.raises(DeliveryError) as caught:
            await channel.send(make_alert())
        assert time.monotonic() - started < TIMEOUT_S

    assert caught.value.permanent
    assert caught.value.message == (
        f"{NO_SERVICE}no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set)"
    )
    assert warnings_from_channel(caplog) == [
        f"{caught.value.message}; desktop alerts fail until one is available"
    ]


@pytest.mark.parametrize("stale", [False, True], ids=["missing", "stale"])
@pytest.mark.expect_log_warnings
async def test_a_dead_bus_socket_fails_permanently_and_warns_once(
    stale, monkeypatch, tmp_path, make_channel, caplog
):
    path = tmp_path / "bus"
    if stale:  # a socket file with nobody listening, as a crashed daemon leaves
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(path))
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={path}")
    monkeypatch.delenv("DISPLAY", raising=False)
    channel = make_channel()

    for _ in range(2):
        started = time.monotonic()
        with pytest.raises(DeliveryError) as caught:
            await channel.send(make_alert())
        assert time.monotonic() - started < TIMEOUT_S

    assert caught.value.permanent
    assert caught.value.message.startswith(
        f"{NO_SERVICE}cannot reach the session bus at unix:path={path}: "
    )
    assert len(warnings_from_channel(caplog)) == 1


@pytest.mark.expect_log_warnings
async def test_a_bus_without_notification_service_fails_permanently(
    session_bus, make_channel, caplog
):
    channel = make_channel()

    for _ in range(3):
        with pytest.raises(DeliveryError) as caught:
            await channel.send(make_alert())

    assert caught.value.permanent
    assert caught.value.message == (
        f"{NO_SERVICE}nothing on the session bus provides "
        "org.freedesktop.Notifications)"
    )
    assert len(warnings_from_channel(caplog)) == 1


@pytest.mark.expect_log_warnings
async def test_service_coming_and_going_is_reported_once_per_absence(
    session_bus, make_channel, caplog
):
    channel = make_channel()
    with pytest.raises(DeliveryError):
        await channel.send(make_alert())

    server = await start_notify_server(session_bus)
    try:
        await channel.send(make_alert())
        assert len(server.calls) == 1
    finally:
        await server.stop()

    with pytest.raises(DeliveryError) as gone:
        await channel.send(make_alert())
    assert not gone.value.permanent  # the connection we had failed
    assert "ServiceUnknown" in gone.value.message
    with pytest.raises(DeliveryError) as absent:
        await channel.send(make_alert())
    assert absent.value.permanent
    assert len(warnings_from_channel(caplog)) == 2


async def test_a_server_that_never_answers_fails_within_the_timeout(
    notify_server, make_channel
):
    notify_server.stop_answering_notify()
    channel = make_channel()

    for _ in range(2):  # the second send starts over on a new connection
        started = time.monotonic()
        with pytest.raises(DeliveryError) as caught:
            await channel.send(make_alert())
        assert time.monotonic() - started < TIMEOUT_S + 0.5

    assert not caught.value.permanent
    assert caught.value.message == (
        "The desktop notification service did not answer within 0.5 s"
    )
    assert len(notify_server.calls) == 0


async def test_an_error_from_notify_is_temporary_and_named(
    notify_server, make_channel, caplog
):
    notify_server.fail_notify("org.example.Error.Busy", "Too many popups")

    with pytest.raises(DeliveryError) as caught:
        await make_channel().send(make_alert())

    assert not caught.value.permanent
    assert caught.value.message == (
        "The desktop notification service refused the notification: "
        "Too many popups (org.example.Error.Busy)"
    )
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_an_alert_without_title_is_refused(no_bus, make_channel):
    with pytest.raises(DeliveryError) as caught:
        await make_channel().send(make_alert(title=" "))

    assert caught.value.permanent
    assert caught.value.message == "The desktop alert has no title"


async def test_desktop_available_with_a_server(notify_server):
    assert await desktop_available() is None


async def test_desktop_available_without_a_server(session_bus):
    problem = await desktop_available()

    assert problem is not None
    assert problem.startswith(NO_SERVICE)


async def test_desktop_available_without_a_bus(no_bus):
    problem = await desktop_available()

    assert problem is not None
    assert "DBUS_SESSION_BUS_ADDRESS is not set" in problem


async def bus_connections() -> set[str]:
    """The unique names connected to the session bus, this probe's excluded."""
    from dbus_fast import Message
    from dbus_fast.aio import MessageBus

    bus = await MessageBus().connect()
    try:
        reply = await bus.call(
            Message(
                destination="org.freedesktop.DBus",
                path="/org/freedesktop/DBus",
                interface="org.freedesktop.DBus",
                member="ListNames",
            )
        )
        return {n for n in reply.body[0] if n.startswith(":")} - {bus.unique_name}
    finally:
        bus.disconnect()


async def test_prepare_connects_ahead_and_the_send_reuses_the_connection(
    notify_server, make_channel
):
    channel = make_channel()
    before = await bus_connections()

    await channel.prepare()
    prepared = await bus_connections()
    receipt = await channel.send(make_alert())

    assert len(prepared - before) == 1  # desktop-notifier's own connection
    assert await bus_connections() == prepared
    assert receipt.detail == "Shown by hookflo-test-notifyd 1.0"
    assert [call.summary for call in notify_server.calls] == ["Ada Example signed up"]


@pytest.mark.expect_log_warnings
async def test_prepare_without_a_service_leaves_the_failure_to_send(
    session_bus, make_channel, caplog
):
    channel = make_channel()

    await channel.prepare()  # does not raise
    with pytest.raises(DeliveryError) as caught:
        await channel.send(make_alert())

    assert caught.value.permanent
    assert caught.value.message.startswith(NO_SERVICE)
    assert len(warnings_from_channel(caplog)) == 1
