"""The interface every channel implements, and how a channel reports failure.

A channel receives an ``Alert`` whose parts were rendered by its own templates
with its own escaping (see ``hookflo.core.alerting``), sends it once, and
either returns what the far end answered or raises ``DeliveryError`` saying
whether trying again can help.
"""

import dataclasses
import enum
from collections.abc import Mapping
from typing import Protocol, runtime_checkable


class ChannelName(enum.StrEnum):
    """The channels HookFlo knows."""

    DESKTOP = "desktop"
    SLACK = "slack"
    EMAIL = "email"


@dataclasses.dataclass(frozen=True, slots=True)
class Alert:
    """One message for one channel, about one event or a burst of them.

    Attributes:
        parts: the rendered, already escaped template parts for this channel
            (desktop: ``title``, ``body``; slack: ``text``, ``mrkdwn``; email:
            ``subject``, ``text``, ``html``, and optionally ``reply_to_name``
            and ``reply_to_address``).
        event_ids: the stored events it tells about (several for a summary).
        dedupe_key: stable for this delivery across retries and restarts; a
            channel that can pass it on (an email Message-ID) does, so a resend
            after a crash can be recognised.
        is_test: the event is a test or comes from a development source.
    """

    parts: Mapping[str, str]
    event_ids: tuple[int, ...]
    dedupe_key: str
    is_test: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class SendReceipt:
    """What the channel answered to a successful send, for people to read."""

    detail: str


class DeliveryError(Exception):
    """A send that did not go through.

    Args:
        message: one plain sentence a person can act on; never a secret.
        permanent: True when retrying cannot help until someone changes the
            settings (bad credentials, unknown channel, refused recipient).
        retry_after: seconds the far end asked us to wait, if it said.
    """

    def __init__(
        self, message: str, *, permanent: bool, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after


class Channel(Protocol):
    """A place alerts are sent to."""

    name: ChannelName

    async def send(self, alert: Alert) -> SendReceipt:
        """Send ``alert`` once.

        Raises:
            DeliveryError: it was not delivered.
        """
        ...

    async def close(self) -> None:
        """Release connections; the channel is not used afterwards."""
        ...


@runtime_checkable
class Preparable(Protocol):
    """A channel whose first send has set-up costs it can pay in advance."""

    async def prepare(self) -> None:
        """Connect ahead of the first alert; never raises (``send`` reports)."""
        ...
