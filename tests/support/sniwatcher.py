"""A StatusNotifierWatcher on a private session bus: a tray host for tests.

Qt shows its tray icon through the StatusNotifierItem protocol when
``org.kde.StatusNotifierWatcher`` is on the session bus. This stand-in owns
that name (written with dbus-fast, on the real protocol), records the items
that register, and drives them as a panel would: it reads the item's
properties, reads its menu through ``com.canonical.dbusmenu`` and clicks
menu entries.
"""

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Annotated, Any

from dbus_fast import Message, MessageType, NameFlag, RequestNameReply, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusBool, DBusInt32, DBusSignature, DBusStr
from dbus_fast.service import (
    PropertyAccess,
    ServiceInterface,
    dbus_method,
    dbus_property,
    dbus_signal,
)

from tests.support.privatebus import PrivateBus

WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
ITEM = "org.kde.StatusNotifierItem"
ITEM_PATH = "/StatusNotifierItem"
MENU = "com.canonical.dbusmenu"
PROPERTIES = "org.freedesktop.DBus.Properties"

_StrList = Annotated[list[str], DBusSignature("as")]


class _Watcher(ServiceInterface):
    """org.kde.StatusNotifierWatcher, as a panel's tray host offers it."""

    def __init__(self) -> None:
        super().__init__(WATCHER)
        self.items: list[str] = []
        self.registered = asyncio.Event()

    @dbus_method(name="RegisterStatusNotifierItem")
    def register_item(self, service: DBusStr) -> None:
        self.items.append(service)
        self.registered.set()
        self.item_registered(service)

    @dbus_method(name="RegisterStatusNotifierHost")
    def register_host(self, service: DBusStr) -> None:
        pass

    @dbus_property(access=PropertyAccess.READ, name="RegisteredStatusNotifierItems")
    def registered_items(self) -> _StrList:
        return list(self.items)

    @dbus_property(access=PropertyAccess.READ, name="IsStatusNotifierHostRegistered")
    def host_registered(self) -> DBusBool:
        return True

    @dbus_property(access=PropertyAccess.READ, name="ProtocolVersion")
    def protocol_version(self) -> DBusInt32:
        return 0

    @dbus_signal(name="StatusNotifierItemRegistered")
    def item_registered(self, service: str) -> DBusStr:
        return service


@dataclasses.dataclass(frozen=True)
class MenuEntry:
    """One entry of a dbusmenu layout."""

    id: int
    label: str
    enabled: bool
    visible: bool
    children: tuple["MenuEntry", ...]

    def walk(self) -> Iterator["MenuEntry"]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclasses.dataclass
class SniWatcher:
    """The running tray host and the means to drive the registered item."""

    connection: MessageBus
    interface: _Watcher

    async def wait_for_item(self, timeout_s: float) -> str:
        """Return the bus name of the first item that registers."""
        async with asyncio.timeout(timeout_s):
            await self.interface.registered.wait()
        return self.interface.items[0]

    async def item_properties(self, item: str) -> dict[str, Any]:
        """Return every property of ``item``'s StatusNotifierItem."""
        (values,) = await self._call(item, ITEM_PATH, PROPERTIES, "GetAll", "s", ITEM)
        return {name: variant.value for name, variant in values.items()}

    async def menu(self, item: str) -> MenuEntry:
        """Return ``item``'s whole menu, as the panel would show it."""
        path = (await self.item_properties(item))["Menu"]
        _revision, layout = await self._call(
            item, path, MENU, "GetLayout", "iias", 0, -1, []
        )
        return _entry(layout)

    async def click(self, item: str, label: str) -> None:
        """Click the visible menu entry labelled ``label``."""
        path = (await self.item_properties(item))["Menu"]
        root = await self.menu(item)
        found = [e for e in root.walk() if e.label == label and e.visible]
        assert found, f"no menu entry {label!r}"
        await self._call(
            item,
            path,
            MENU,
            "Event",
            "isvu",
            found[0].id,
            "clicked",
            Variant("i", 0),
            0,
        )

    async def stop(self) -> None:
        self.connection.disconnect()

    async def _call(
        self,
        destination: str,
        path: str,
        interface: str,
        member: str,
        signature: str = "",
        *body: Any,
    ) -> list[Any]:
        reply = await self.connection.call(
            Message(
                destination=destination,
                path=path,
                interface=interface,
                member=member,
                signature=signature,
                body=list(body),
            )
        )
        if reply.message_type is MessageType.ERROR:
            raise AssertionError(f"{member} failed: {reply.error_name} {reply.body}")
        return list(reply.body)


async def start_sni_watcher(bus: PrivateBus) -> SniWatcher:
    """Own org.kde.StatusNotifierWatcher on ``bus`` until ``stop``."""
    connection = await MessageBus(bus_address=bus.address).connect()
    watcher = SniWatcher(connection, _Watcher())
    connection.export(WATCHER_PATH, watcher.interface)
    reply = await connection.request_name(WATCHER, NameFlag.DO_NOT_QUEUE)
    assert reply is RequestNameReply.PRIMARY_OWNER, reply
    return watcher


def _entry(layout: Any) -> MenuEntry:
    entry_id, properties, children = layout
    values = {key: variant.value for key, variant in properties.items()}
    return MenuEntry(
        id=entry_id,
        label=values.get("label", ""),
        enabled=values.get("enabled", True),
        visible=values.get("visible", True),
        children=tuple(_entry(child.value) for child in children),
    )
