"""The receiver's view of the signing secrets: loaded once, refreshed on need.

Reading the keyring can block, so it never happens on the request path: the
secrets are loaded in a thread at start and re-read (at most every few
seconds) when a request fails verification, which is how a secret set with
``hookflo secret set`` while the receiver runs takes effect.
"""

import asyncio
import logging
import time
from collections.abc import Sequence

from hookflo.core import logs
from hookflo.core.config import Source
from hookflo.core.credentials import Credentials, Origin, signing_secret_variable
from hookflo.core.errors import KeyringUnavailableError
from hookflo.core.verify import SourceVerifier

logger = logging.getLogger(__name__)

REFRESH_INTERVAL_S = 5.0


class SecretCache:
    """Holds one ``SourceVerifier`` per source, or the error that prevented it."""

    def __init__(self, credentials: Credentials, sources: Sequence[Source]) -> None:
        self._credentials = credentials
        self._sources = tuple(sources)
        self._verifiers: dict[str, SourceVerifier | KeyringUnavailableError] = {}
        self._loaded_at = 0.0
        self._refreshing: asyncio.Future[None] | None = None
        self._said: dict[str, str] = {}

    def verifier(self, source_name: str) -> SourceVerifier:
        """Return the verifier of a source.

        Raises:
            KeyringUnavailableError: its secrets could not be read.
        """
        found = self._verifiers[source_name]
        if isinstance(found, KeyringUnavailableError):
            raise found
        return found

    def others(self, source_name: str) -> list[SourceVerifier]:
        """Return the loaded verifiers of every other source."""
        return [
            v
            for name, v in self._verifiers.items()
            if name != source_name and isinstance(v, SourceVerifier)
        ]

    async def load(self) -> None:
        """Read every source's secrets from the environment or the keyring."""
        loaded = await asyncio.to_thread(self._read_all)
        self._verifiers = loaded
        self._loaded_at = time.monotonic()

    async def refresh_if_stale(self) -> bool:
        """Re-read the secrets unless that was done moments ago.

        Returns:
            True if the secrets were read again.
        """
        if self._refreshing is not None:
            await self._refreshing
            return True
        if time.monotonic() - self._loaded_at < REFRESH_INTERVAL_S:
            return False
        self._refreshing = asyncio.get_running_loop().create_future()
        try:
            await self.load()
            logger.debug("Signing secrets re-read")
        finally:
            self._refreshing.set_result(None)
            self._refreshing = None
        return True

    def _read_all(self) -> dict[str, SourceVerifier | KeyringUnavailableError]:
        result: dict[str, SourceVerifier | KeyringUnavailableError] = {}
        for source in self._sources:
            try:
                found = self._credentials.signing_secrets(source.name)
            except KeyringUnavailableError as err:
                self._tell(source.name, str(err))
                result[source.name] = err
                continue
            self._said.pop(source.name, None)
            for value in found.values:
                logs.register_secret(value)
            result[source.name] = SourceVerifier(
                source.name, found.values, origin=_origin(source.name, found.origin)
            )
        return result

    def _tell(self, source_name: str, problem: str) -> None:
        """Log why a source's secrets cannot be read, once until it changes.

        Every refused request re-reads the secrets; the same sentence each
        time would bury everything else in the log.
        """
        if self._said.get(source_name) == problem:
            logger.debug("Still cannot read the secret of %s", source_name)
            return
        self._said[source_name] = problem
        logger.error("Cannot read the secret of %s: %s", source_name, problem)


def _origin(source_name: str, origin: Origin) -> str:
    """Return where a source's secrets came from, in words."""
    if origin is Origin.ENVIRONMENT:
        return signing_secret_variable(source_name)
    return "the keyring" if origin is Origin.KEYRING else ""
