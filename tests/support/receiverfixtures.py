"""A receiver running in-process on aiohttp's test server, with a real store."""

import asyncio
import dataclasses
from collections.abc import Sequence
from pathlib import Path

import keyring.backends.null
import pytest
from aiohttp.test_utils import TestClient

from hookflo.core.config import (
    Config,
    Environment,
    ReceiverSettings,
    Source,
    default_path,
)
from hookflo.core.credentials import Credentials, signing_secret_variable
from hookflo.core.eventwriter import EventWriter
from hookflo.core.receiver import Receiver
from hookflo.core.secretcache import SecretCache
from hookflo.core.store import Store
from tests.support.clerk import SECRET


def make_source(
    name: str = "clerk", environment: str = "production", path: str | None = None
) -> Source:
    """Return a source as the config would."""
    return Source(name, Environment(environment), path or default_path(name))


@dataclasses.dataclass
class Harness:
    """A running receiver and the means to look into its store."""

    client: TestClient
    writer: EventWriter
    database_file: Path

    def store(self) -> Store:
        return Store(self.database_file)

    def events(self):
        store = self.store()
        try:
            return store.events(limit=10_000)
        finally:
            store.close()

    async def attempts(self):
        await self.writer.flush()
        store = self.store()
        try:
            return store.attempts(limit=10_000)
        finally:
            store.close()


@pytest.fixture
async def make_receiver(aiohttp_client, tmp_path):
    """Return a factory that starts a receiver with the given sources/secrets."""
    writers: list[EventWriter] = []

    async def factory(
        sources: Sequence[Source] = (),
        secrets: dict[str, Sequence[str]] | None = None,
        max_body_bytes: int = 1024 * 1024,
        credentials: Credentials | None = None,
    ) -> Harness:
        chosen = tuple(sources) or (make_source(),)
        config = Config(ReceiverSettings(max_body_bytes=max_body_bytes), chosen)
        if secrets is None:
            secrets = {"clerk": [SECRET]}
        environ = {
            signing_secret_variable(name): " ".join(values)
            for name, values in secrets.items()
        }
        credentials = credentials or Credentials(
            environ, backend=keyring.backends.null.Keyring()
        )
        database_file = tmp_path / f"events-{len(writers)}.sqlite3"
        writer = EventWriter(database_file, asyncio.get_running_loop())
        writer.start()
        writers.append(writer)
        cache = SecretCache(credentials, chosen)
        await cache.load()
        app = Receiver(config, writer, cache).application()
        client = await aiohttp_client(app)
        return Harness(client, writer, database_file)

    yield factory
    for writer in writers:
        await writer.close()
