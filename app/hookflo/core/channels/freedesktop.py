"""The desktop notification service on Linux, asked directly over D-Bus.

desktop-notifier sends the notification but swallows every failure and does
not say whether the server interprets markup in the body. This module asks the
session bus first: is ``org.freedesktop.Notifications`` there (or can it be
started), who serves it, and does it advertise ``body-markup``. Linux only; it
imports dbus-fast, which desktop-notifier installs there.
"""

import asyncio
import contextlib
import dataclasses
import logging
import os
from typing import Any

from dbus_fast import AuthError, DBusError, InvalidAddressError, Message, MessageType
from dbus_fast.aio import MessageBus
from desktop_notifier import DesktopNotifier

from hookflo.core.channels.base import DeliveryError

logger = logging.getLogger(__name__)

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
NO_SERVICE = "No desktop notification service is running ({reason})"
_BUS = "org.freedesktop.DBus"
_BUS_PATH = "/org/freedesktop/DBus"
_DISCONNECT_WAIT_S = 1.0


@dataclasses.dataclass(frozen=True, slots=True)
class NotificationServer:
    """What the notification server on the session bus says about itself.

    Attributes:
        description: its name and version, for people to read ("dunst 1.9.0").
        body_markup: it interprets a subset of HTML in the body.
    """

    description: str
    body_markup: bool


async def probe() -> NotificationServer:
    """Ask the session bus for the notification service; unbounded in time.

    Raises:
        DeliveryError: permanent when there is no session bus or nothing
            provides the service; temporary when the server answers with an
            error.
    """
    bus = await _connect()
    try:
        return await _ask(bus)
    finally:
        await disconnect(bus)


async def release(notifier: DesktopNotifier) -> None:
    """Close the session bus connection ``notifier`` opened for its sends.

    desktop-notifier has no way to close it: its Linux backend keeps the
    connection in ``bus`` for as long as the notifier lives, to hear clicks.
    """
    bus = getattr(getattr(notifier, "_backend", None), "bus", None)
    if isinstance(bus, MessageBus):
        await disconnect(bus)


async def disconnect(bus: MessageBus) -> None:
    """Close ``bus`` and wait briefly until its socket is closed."""
    bus.disconnect()
    with contextlib.suppress(Exception):
        async with asyncio.timeout(_DISCONNECT_WAIT_S):
            await bus.wait_for_disconnect()  # type: ignore[no-untyped-call]


async def _connect() -> MessageBus:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS") and not os.environ.get("DISPLAY"):
        raise _unavailable("no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set")
    try:
        bus = MessageBus()
    except (InvalidAddressError, KeyError, OSError) as error:
        raise _unavailable(f"no D-Bus session bus: {error}") from error
    try:
        return await bus.connect()
    except OSError as error:
        address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        where = f" at {address}" if address else ""
        why = error.strerror or type(error).__name__
        raise _unavailable(f"cannot reach the session bus{where}: {why}") from error
    except AuthError as error:
        raise _unavailable(
            f"the session bus refused the connection: {error}"
        ) from error


async def _ask(bus: MessageBus) -> NotificationServer:
    [owned] = await _call(bus, _BUS, "NameHasOwner", "s", SERVICE)
    if not owned:
        [startable] = await _call(bus, _BUS, "ListActivatableNames")
        if SERVICE not in startable:
            raise _unavailable(f"nothing on the session bus provides {SERVICE}")
    try:
        name, _vendor, version, _spec = await _call(
            bus, SERVICE, "GetServerInformation"
        )
        [capabilities] = await _call(bus, SERVICE, "GetCapabilities")
    except DBusError as error:
        if not owned:
            reason = f"{SERVICE} could not be started: {error.text}"
            raise _unavailable(reason) from error
        raise DeliveryError(
            f"The desktop notification service failed: {describe(error)}",
            permanent=False,
        ) from error
    description = f"{name} {version}".strip()
    return NotificationServer(description, "body-markup" in capabilities)


async def _call(
    bus: MessageBus, destination: str, member: str, signature: str = "", *body: Any
) -> list[Any]:
    reply = await bus.call(
        Message(
            destination=destination,
            path=_BUS_PATH if destination == _BUS else PATH,
            interface=destination,
            member=member,
            signature=signature,
            body=list(body),
        )
    )
    if reply.message_type is MessageType.ERROR:
        text = reply.body[0] if reply.body else ""
        raise DBusError(reply.error_name or "org.freedesktop.DBus.Error.Failed", text)
    return list(reply.body)


def describe(error: BaseException) -> str:
    """Return a short reason for ``error``, D-Bus error names included."""
    if isinstance(error, DBusError):
        return f"{error.text} ({error.type})" if error.text else error.type
    return str(error) or type(error).__name__


def _unavailable(reason: str) -> DeliveryError:
    return DeliveryError(NO_SERVICE.format(reason=reason), permanent=True)
