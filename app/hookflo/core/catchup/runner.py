"""Catch up every source after a time offline.

For each source with a Clerk secret key, list the users created and updated
while HookFlo was away, store those whose real event is not stored yet as
``caught-up`` events (no alert each), and store one summary event whose
alert says "While you were away: 14 signups". Without a key, say once how
long HookFlo was offline and what may be missing. Each outcome is kept in
``catchups`` for ``hookflo status``. Runs in the background: the receiver
answers Clerk meanwhile.
"""

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import aiohttp

from hookflo.core import store
from hookflo.core.catchup import clerkkey, newevents, records, wording
from hookflo.core.catchup.clerkapi import BackendApiError, ClerkUser, Sleep, UsersClient
from hookflo.core.catchup.records import Outcome
from hookflo.core.catchup.spans import OfflineWindow
from hookflo.core.config import Config, Source
from hookflo.core.credentials import Credentials
from hookflo.core.errors import KeyringUnavailableError, StoreError
from hookflo.core.eventwriter import EventWriter, NewEvent
from hookflo.core.eventwriter import Outcome as Saved
from hookflo.core.logs import ALERT

logger = logging.getLogger(__name__)

# List from a little before the last heartbeat: the run may have received
# nothing in its last moments, and duplicates are recognised anyway.
OVERLAP_S = 60.0


class CatchUp:
    """Catches up the configured sources after one time offline.

    Args:
        config: the sources and their Backend API URLs.
        credentials: reads the Clerk secret keys from the keyring.
        environ: where ``HOOKFLO_CLERK_SECRET_KEY_<SOURCE>`` is read.
        writer: stores the caught-up events (with their summary's alerts).
        database_file: the store, for what is already there.
        clock: wall-clock seconds.
        sleep: waits out Clerk's rate limits (tests record instead).
    """

    def __init__(
        self,
        config: Config,
        credentials: Credentials,
        environ: Mapping[str, str],
        writer: EventWriter,
        database_file: Path,
        *,
        clock: Callable[[], float],
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._config = config
        self._credentials = credentials
        self._environ = environ
        self._writer = writer
        self._database_file = database_file
        self._clock = clock
        self._sleep = sleep

    async def run(self, window: OfflineWindow) -> None:
        """Catch up each source in turn; failures are told, never raised."""
        conn = await asyncio.to_thread(store.connect, self._database_file)
        try:
            for source in self._config.sources:
                await self._source(conn, source, window)
        finally:
            await asyncio.to_thread(conn.close)

    async def _source(
        self, conn: sqlite3.Connection, source: Source, window: OfflineWindow
    ) -> None:
        row = await asyncio.to_thread(
            records.begin, conn, source.name, window, self._clock()
        )
        with _finishing(conn, row, self._clock) as finish:
            try:
                key = await asyncio.to_thread(
                    clerkkey.read, self._credentials, self._environ, source.name
                )
            except KeyringUnavailableError as err:
                finish(Outcome.FAILED, self._failed(source, window, str(err)))
                return
            if key is None:
                variable = clerkkey.variable(source.name)
                message = wording.without_key(
                    source.name, window.start, window.end, variable
                )
                logger.log(ALERT, "%s", message, extra=_extra(source, "no_key"))
                finish(Outcome.NO_KEY, message)
                return
            try:
                created, updated = await self._list(source, key, window)
            except BackendApiError as err:
                finish(Outcome.FAILED, self._failed(source, window, str(err)))
                return
            try:
                stored = await self._store(conn, source, window, created, updated)
            except StoreError as err:
                finish(Outcome.FAILED, self._failed(source, window, str(err)))
                return
            message = wording.caught_up(
                source.name, len(stored.created), len(stored.updated)
            )
            logger.info("%s", message, extra=_extra(source, "caught_up"))
            finish(
                Outcome.CAUGHT_UP,
                message,
                created=len(stored.created),
                updated=len(stored.updated),
            )

    async def _list(
        self, source: Source, key: str, window: OfflineWindow
    ) -> tuple[list[ClerkUser], list[ClerkUser]]:
        since_ms = int((window.start - OVERLAP_S) * 1000)
        until_ms = int(self._clock() * 1000)
        logger.debug("Listing %s users from Clerk since %d", source.name, since_ms)
        async with aiohttp.ClientSession() as session:
            client = UsersClient(source.clerk_api_url, key, session, sleep=self._sleep)
            created = await client.created_between(since_ms, until_ms)
            updated = await client.updated_since(since_ms)
        return created, updated

    async def _store(
        self,
        conn: sqlite3.Connection,
        source: Source,
        window: OfflineWindow,
        created: list[ClerkUser],
        updated: list[ClerkUser],
    ) -> newevents.Missed:
        ids = {u.id for u in created} | {u.id for u in updated}
        since = window.start - OVERLAP_S
        known = await asyncio.to_thread(
            records.known_users, conn, source.name, since, ids
        )
        found = newevents.missed(created, updated, known, since_ms=int(since * 1000))
        now = self._clock()
        new_created = await self._save(
            [newevents.user_event(source, u, "created", now) for u in found.created]
        )
        new_updated = await self._save(
            [newevents.user_event(source, u, "updated", now) for u in found.updated]
        )
        stored = newevents.Missed(
            _kept(found.created, "created", new_created),
            _kept(found.updated, "updated", new_updated),
        )
        skipped = (
            len(created) + len(updated) - len(stored.created) - len(stored.updated)
        )
        logger.debug("%s: %d listed users were already stored", source.name, skipped)
        if stored.created or stored.updated:
            summary = newevents.summary_event(source, window, stored, now)
            await self._writer.save_event(summary)
        return stored

    async def _save(self, events: list[NewEvent]) -> set[str]:
        """Store ``events`` in one group; return the ids that were new."""
        saved = await asyncio.gather(*(self._writer.save_event(e) for e in events))
        return {
            event.svix_id
            for event, result in zip(events, saved, strict=True)
            if result.outcome is Saved.STORED
        }

    def _failed(self, source: Source, window: OfflineWindow, reason: str) -> str:
        message = (
            f"{wording.offline(window.start, window.end)}; catching up "
            f"{source.name!r} from Clerk failed: {reason}"
        )
        logger.log(ALERT, "%s", message, extra=_extra(source, "catch_up_failed"))
        return message


Finish = Callable[..., None]


@contextlib.contextmanager
def _finishing(
    conn: sqlite3.Connection, row: int, clock: Callable[[], float]
) -> Iterator[Finish]:
    """Give a ``finish(outcome, message, …)``; if none came, it was cut short."""
    done = False

    def finish(outcome: Outcome, message: str, **counts: int) -> None:
        nonlocal done
        done = True
        records.finish(conn, row, outcome, message, clock(), **counts)

    try:
        yield finish
    finally:
        if not done:
            records.finish(
                conn,
                row,
                Outcome.INTERRUPTED,
                "The catch-up stopped before it finished; the next start takes "
                "it up again",
                clock(),
            )


def _kept(
    users: Sequence[ClerkUser], change: str, stored_ids: set[str]
) -> tuple[ClerkUser, ...]:
    """Return the ``users`` whose caught-up event was new in the store."""
    return tuple(u for u in users if newevents.message_id(u, change) in stored_ids)


def _extra(source: Source, event: str) -> dict[str, str]:
    return {"source": source.name, "event": event}
