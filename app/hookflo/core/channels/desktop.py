"""Desktop notifications through the platform's own notification service.

desktop-notifier reaches ``org.freedesktop.Notifications`` on the session bus
on Linux and the native notification centre on macOS and Windows. A click on a
notification calls back with the event id, so the GUI can open the event;
clicks arrive on the event loop that sent the notification, through the
connection the channel keeps open until ``close``. Where no notification
service exists, the channel says so once in the log and fails each send at
once, permanently, so the other channels go on.
"""

import asyncio
import contextlib
import functools
import html
import logging
import platform
import sys
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

from desktop_notifier import DesktopNotifier, Icon
from desktop_notifier.backends.dummy import DummyNotificationCenter
from desktop_notifier.main import get_backend_class

from hookflo.core.channels.base import Alert, ChannelName, DeliveryError, SendReceipt

if sys.platform == "linux":
    from hookflo.core.channels import freedesktop

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 5.0
# desktop-notifier logs a failed send here instead of raising it.
_LIBRARY_LOGGER = "desktop_notifier.backends.base"


def app_icon() -> Path | None:
    """Return HookFlo's icon as a file, or None when it is not on disk."""
    icon = resources.files("hookflo.resources").joinpath("hookflo.png")
    return icon if isinstance(icon, Path) and icon.is_file() else None


async def desktop_available() -> str | None:
    """Return why desktop notifications cannot be shown, or None if they can.

    Takes at most ``DEFAULT_TIMEOUT_S`` seconds.
    """
    try:
        async with asyncio.timeout(DEFAULT_TIMEOUT_S):
            await _find_server()
    except DeliveryError as error:
        return error.message
    except TimeoutError:
        return _no_answer(DEFAULT_TIMEOUT_S)
    return None


class DesktopChannel:
    """Shows alerts as native desktop notifications.

    Args:
        app_name: the application name the notification service shows.
        icon: the image shown with every notification; HookFlo's when None.
        on_clicked: called with the alert's first event id when someone
            clicks its notification. It runs on the event loop and must not
            block; what it raises is logged, never propagated.
        timeout: seconds one send may take, from connecting to the answer.
    """

    name = ChannelName.DESKTOP

    def __init__(
        self,
        *,
        app_name: str = "HookFlo",
        icon: Path | None = None,
        on_clicked: Callable[[int], None] | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self._app_name = app_name
        self._icon = icon if icon is not None else app_icon()
        self._on_clicked = on_clicked
        self._timeout = timeout
        self._notifier: DesktopNotifier | None = None
        self._server = ""
        self._body_markup = False
        self._warned = False
        self._lock = asyncio.Lock()

    async def send(self, alert: Alert) -> SendReceipt:
        """Show ``alert`` as one notification, within the timeout.

        Raises:
            DeliveryError: permanent when no notification service exists;
                temporary when the service failed or did not answer in time.
        """
        title = alert.parts.get("title", "").strip()
        if not title:
            raise DeliveryError("The desktop alert has no title", permanent=True)
        async with self._lock:
            try:
                async with asyncio.timeout(self._timeout):
                    return await self._send(alert, title, alert.parts.get("body", ""))
            except TimeoutError:
                await self._drop()
                raise DeliveryError(
                    _no_answer(self._timeout), permanent=False
                ) from None

    async def prepare(self) -> None:
        """Connect to the service ahead of the first alert, within the timeout.

        Finding the server, connecting desktop-notifier and reading the
        service's interface cost a burst's worth of request time on the event
        loop; paid at start, they do not delay the acks of the first signups.
        A failure is left for ``send`` to report.
        """
        async with self._lock:
            try:
                async with asyncio.timeout(self._timeout):
                    notifier = await self._connect()
                    await notifier.get_capabilities()
            except DeliveryError as error:
                logger.debug("Desktop notifications not ready yet: %s", error)
            except Exception:  # a timeout, or the library's own failure
                logger.debug("Desktop notifications not ready yet", exc_info=True)
                await self._drop()

    async def close(self) -> None:
        """Close the connection to the service; later clicks are not reported.

        Does not wait for a send in flight, which then fails.
        """
        await self._drop()

    async def _send(self, alert: Alert, title: str, body: str) -> SendReceipt:
        notifier = await self._connect()
        if self._body_markup:
            body = html.escape(body, quote=False)
        sent = False

        def dispatched() -> None:
            nonlocal sent
            sent = True

        with _catching_library_failure() as failure:
            await notifier.send(
                title,
                body,
                on_dispatched=dispatched,
                on_clicked=self._click_handler(alert),
            )
        if not sent:
            await self._drop()
            raise DeliveryError(
                "The desktop notification service refused the notification: "
                f"{failure.reason()}",
                permanent=False,
            )
        self._warned = False
        return SendReceipt(f"Shown by {self._server}")

    async def _connect(self) -> DesktopNotifier:
        if self._notifier is not None:
            return self._notifier
        try:
            self._server, self._body_markup = await _find_server()
        except DeliveryError as error:
            if error.permanent:
                self._report(error.message)
            raise
        icon = Icon(path=self._icon) if self._icon is not None else None
        self._notifier = DesktopNotifier(self._app_name, icon)
        return self._notifier

    def _report(self, problem: str) -> None:
        if self._warned:
            logger.debug("Desktop alert not shown: %s", problem)
            return
        self._warned = True
        logger.warning("%s; desktop alerts fail until one is available", problem)

    async def _drop(self) -> None:
        notifier, self._notifier = self._notifier, None
        if notifier is not None and sys.platform == "linux":
            await freedesktop.release(notifier)

    def _click_handler(self, alert: Alert) -> Callable[[], None] | None:
        if self._on_clicked is None or not alert.event_ids:
            return None
        return functools.partial(_clicked, self._on_clicked, alert.event_ids[0])


def _clicked(callback: Callable[[int], None], event_id: int) -> None:
    logger.debug("Desktop notification for event %d clicked", event_id)
    try:
        callback(event_id)
    except Exception:
        logger.exception("Opening event %d after a click failed", event_id)


async def _find_server() -> tuple[str, bool]:
    """Return the service's description and whether it takes body markup."""
    if sys.platform == "linux":
        server = await freedesktop.probe()
        return server.description, server.body_markup
    else:  # an else, not a fall-through: mypy checks only the platform it runs on
        if not _has_backend():
            raise DeliveryError(
                "No desktop notification service is running (desktop-notifier has "
                f"no notification centre to use on {platform.system()})",
                permanent=True,
            )
        return "the notification centre", False


@functools.cache
def _has_backend() -> bool:
    return not issubclass(get_backend_class(), DummyNotificationCenter)


def _no_answer(timeout: float) -> str:
    return f"The desktop notification service did not answer within {timeout:g} s"


class _FailureCatcher(logging.Filter):
    """Keeps the exception desktop-notifier logs for a failed send, not the log."""

    def __init__(self) -> None:
        super().__init__()
        self.error: BaseException | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info is not None and record.exc_info[1] is not None:
            self.error = record.exc_info[1]
            logger.debug("desktop-notifier failed to send", exc_info=record.exc_info)
            return False
        return True

    def reason(self) -> str:
        if self.error is None:
            return "no reason given"
        if sys.platform == "linux":
            return freedesktop.describe(self.error)
        else:
            return str(self.error) or type(self.error).__name__


@contextlib.contextmanager
def _catching_library_failure() -> Iterator[_FailureCatcher]:
    catcher = _FailureCatcher()
    library = logging.getLogger(_LIBRARY_LOGGER)
    library.addFilter(catcher)
    try:
        yield catcher
    finally:
        library.removeFilter(catcher)
