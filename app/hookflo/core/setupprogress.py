"""What the first-run guide watches: did Clerk reach a source, and did it verify?

Qt-free. Reads the event store (its own connection; call it off the UI
thread): the latest refused request to a source since the guide opened, with
the hint the receiver stored, and the latest verified event of the source.
"""

import dataclasses
import sqlite3
from pathlib import Path

from hookflo.core import store
from hookflo.core.config import Environment, Source
from hookflo.core.refusal import Reason

RECOMMENDED_EVENTS: tuple[str, ...] = (
    "user.created",
    "user.updated",
    "user.deleted",
    "organization.created",
    "organizationMembership.created",
    "waitlistEntry.created",
)
"""The Clerk events to subscribe an endpoint to: signups and what follows."""

DASHBOARD_STEPS: dict[Environment, tuple[str, ...]] = {
    Environment.DEVELOPMENT: (
        "Open the Clerk dashboard and switch to your Development instance "
        "(the instance picker at the top).",
        "Go to Configure → Webhooks and press Add Endpoint.",
        "Paste HookFlo's endpoint URL (step 1) into Endpoint URL.",
        "Under Subscribe to events, tick the recommended events.",
        "Press Create, then copy the Signing Secret from the endpoint's page.",
    ),
    Environment.PRODUCTION: (
        "Open the Clerk dashboard and switch to your Production instance "
        "(the instance picker at the top).",
        "Go to Configure → Webhooks and press Add Endpoint.",
        "Paste HookFlo's endpoint URL (step 1) into Endpoint URL. Use a "
        "reserved ngrok "
        "domain (Settings → Tunnel) so the URL stays the same after a restart.",
        "Under Subscribe to events, tick the recommended events.",
        "Press Create, then copy the Signing Secret from the endpoint's page. "
        "It differs from the Development instance's secret.",
    ),
}
"""Clerk's own webhook set-up, in HookFlo's words, per instance."""


@dataclasses.dataclass(frozen=True, slots=True)
class Refused:
    """A request to the source that HookFlo refused, and what to do about it."""

    received_at: float
    status: int
    reason: str
    message: str
    hint: str

    @property
    def wrong_secret(self) -> bool:
        """Whether the signing secret is the likely cause."""
        return self.reason in {
            Reason.SIGNATURE_MISMATCH,
            Reason.SECRET_MALFORMED,
            Reason.NO_SECRET,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class Verified:
    """A verified event stored for the source."""

    event_id: int
    received_at: float
    event_type: str | None
    is_test: bool


@dataclasses.dataclass(frozen=True, slots=True)
class SourceProgress:
    """What reached one source.

    Attributes:
        refused: the latest refused request since the guide opened.
        verified: the latest verified event (at any time).
    """

    refused: Refused | None
    verified: Verified | None

    @property
    def reached(self) -> bool:
        """Whether any request, refused or verified, reached the source."""
        return self.refused is not None or self.verified is not None

    @property
    def refusal_outstanding(self) -> bool:
        """Whether the latest request was refused (no event verified since)."""
        if self.refused is None:
            return False
        return self.verified is None or self.verified.received_at < (
            self.refused.received_at
        )


class ProgressReader:
    """Reads a source's progress from the store; one call at a time.

    Args:
        database_file: the event store.
    """

    def __init__(self, database_file: Path) -> None:
        self._database_file = database_file
        self._conn: sqlite3.Connection | None = None

    def read(self, source: Source, *, since: float) -> SourceProgress:
        """Return what reached ``source``; refusals only from ``since`` on.

        Raises:
            StoreError: the store cannot be opened.
        """
        if self._conn is None:
            self._conn = store.connect(self._database_file)
        refused = self._conn.execute(
            "SELECT received_at, status, reason, message, hint FROM attempts "
            "WHERE (source = ? OR path = ?) AND received_at >= ? "
            "ORDER BY id DESC LIMIT 1",
            (source.name, source.path, since),
        ).fetchone()
        verified = self._conn.execute(
            "SELECT id, received_at, type, is_test FROM events WHERE source = ? "
            "ORDER BY id DESC LIMIT 1",
            (source.name,),
        ).fetchone()
        return SourceProgress(
            refused=Refused(*refused) if refused else None,
            verified=Verified(
                int(verified[0]), verified[1], verified[2], bool(verified[3])
            )
            if verified
            else None,
        )

    def close(self) -> None:
        """Close the connection, if open."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
