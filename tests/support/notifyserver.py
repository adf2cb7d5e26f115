"""A stand-in desktop notification server on a private session bus.

``session_bus`` starts a private bus and points ``DBUS_SESSION_BUS_ADDRESS``
at it, with nothing serving notifications. ``notify_server`` also serves
``org.freedesktop.Notifications`` there, written with dbus-fast on the real
protocol, and records every Notify call; ``start_notify_server`` does the same
for a test that wants the service to come and go. ``NotifyServer.click`` emits
ActionInvoked with the "default" key and then NotificationClosed, as a
notification daemon does when a person clicks a notification.
"""

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import pytest
from dbus_fast import DBusError, Message, NameFlag, RequestNameReply
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import (
    DBusDict,
    DBusInt32,
    DBusSignature,
    DBusStr,
    DBusUInt32,
)
from dbus_fast.service import ServiceInterface, dbus_method, dbus_signal

from tests.support.privatebus import PrivateBus, start_private_bus

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
PLAIN_CAPABILITIES = ("body", "actions", "icon-static")
CLOSED_DISMISSED = 2
CLOSED_BY_CALL = 3

_StrList = Annotated[list[str], DBusSignature("as")]
_ServerInfo = Annotated[tuple[str, str, str, str], DBusSignature("ssss")]
_IdAndKey = Annotated[tuple[int, str], DBusSignature("us")]
_IdAndReason = Annotated[tuple[int, int], DBusSignature("uu")]


@dataclasses.dataclass(frozen=True)
class NotifyCall:
    """The arguments of one Notify call, and the id the server answered."""

    id: int
    app_name: str
    replaces_id: int
    icon: str
    summary: str
    body: str
    actions: list[str]
    hints: dict[str, Any]
    timeout: int


class _Notifications(ServiceInterface):
    """org.freedesktop.Notifications, version 1.2 of the specification."""

    def __init__(self) -> None:
        super().__init__(SERVICE)
        self.capabilities = list(PLAIN_CAPABILITIES)
        self.calls: list[NotifyCall] = []
        self.failure: DBusError | None = None

    @dbus_method(name="Notify")
    def notify(
        self,
        app_name: DBusStr,
        replaces_id: DBusUInt32,
        app_icon: DBusStr,
        summary: DBusStr,
        body: DBusStr,
        actions: _StrList,
        hints: DBusDict,
        expire_timeout: DBusInt32,
    ) -> DBusUInt32:
        if self.failure is not None:
            raise self.failure
        call = NotifyCall(
            id=replaces_id or len(self.calls) + 1,
            app_name=app_name,
            replaces_id=replaces_id,
            icon=app_icon,
            summary=summary,
            body=body,
            actions=list(actions),
            hints={key: variant.value for key, variant in hints.items()},
            timeout=expire_timeout,
        )
        self.calls.append(call)
        return call.id

    @dbus_method(name="GetCapabilities")
    def get_capabilities(self) -> _StrList:
        return list(self.capabilities)

    @dbus_method(name="GetServerInformation")
    def get_server_information(self) -> _ServerInfo:
        return ("hookflo-test-notifyd", "HookFlo tests", "1.0", "1.2")

    @dbus_method(name="CloseNotification")
    def close_notification(self, id_: DBusUInt32) -> None:
        self.notification_closed(id_, CLOSED_BY_CALL)

    @dbus_signal(name="ActionInvoked")
    def action_invoked(self, id_: int, action_key: str) -> _IdAndKey:
        return (id_, action_key)

    @dbus_signal(name="NotificationClosed")
    def notification_closed(self, id_: int, reason: int) -> _IdAndReason:
        return (id_, reason)


@dataclasses.dataclass
class NotifyServer:
    """The running stand-in, and the means to look into it and steer it."""

    bus: PrivateBus
    connection: MessageBus
    interface: _Notifications

    @property
    def calls(self) -> list[NotifyCall]:
        """Every Notify call so far, oldest first."""
        return self.interface.calls

    def advertise(self, *capabilities: str) -> None:
        """Answer GetCapabilities with ``capabilities`` from now on."""
        self.interface.capabilities = list(capabilities)

    def stop_answering_notify(self) -> None:
        """Take Notify calls from now on and never reply, like a hung daemon."""

        def swallow(message: Message) -> bool:
            return message.interface == SERVICE and message.member == "Notify"

        self.connection.add_message_handler(swallow)

    def fail_notify(self, name: str, text: str) -> None:
        """Answer Notify calls with the D-Bus error ``name`` from now on."""
        self.interface.failure = DBusError(name, text)

    def click(self, notification_id: int, action_key: str = "default") -> None:
        """Emit what a daemon emits when a person clicks the notification."""
        self.interface.action_invoked(notification_id, action_key)
        self.interface.notification_closed(notification_id, CLOSED_DISMISSED)

    async def stop(self) -> None:
        """Leave the bus, giving up the service name."""
        self.connection.disconnect()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2):
                await self.connection.wait_for_disconnect()


async def start_notify_server(bus: PrivateBus) -> NotifyServer:
    """Serve org.freedesktop.Notifications on ``bus`` until ``stop``."""
    connection = await MessageBus(bus_address=bus.address).connect()
    server = NotifyServer(bus, connection, _Notifications())
    try:
        connection.export(PATH, server.interface)
        reply = await connection.request_name(SERVICE, NameFlag.DO_NOT_QUEUE)
        assert reply is RequestNameReply.PRIMARY_OWNER, reply
    except BaseException:
        await server.stop()
        raise
    return server


@pytest.fixture
def session_bus(tmp_path, monkeypatch) -> Iterator[PrivateBus]:
    """Start a private session bus with nothing on it, and point HookFlo at it."""
    bus = start_private_bus(tmp_path)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
    monkeypatch.delenv("DISPLAY", raising=False)
    try:
        yield bus
    finally:
        bus.stop()


@pytest.fixture
async def notify_server(session_bus) -> AsyncIterator[NotifyServer]:
    """Serve org.freedesktop.Notifications on the private session bus."""
    server = await start_notify_server(session_bus)
    try:
        yield server
    finally:
        await server.stop()
