"""The endpoint-health part of ``hookflo status``.

Whether Clerk reaches HookFlo: the last verified event and the refused share
of the last hour per source, what the catch-up after the latest time offline
did, and what to do when Clerk's retries ran out or the endpoint may be
disabled. Read from the store; nothing is started or changed.
"""

from typing import Any

from hookflo.cli.environment import Env
from hookflo.core.config import Config
from hookflo.core.health import advice, facts


def gather(
    env: Env, settings: Config, now: float, *, running: object | None
) -> dict[str, Any] | None:
    """Return the health report as JSON-ready values; None without a store."""
    found = facts.read(
        env.paths.database_file, settings.sources, now, running=running is not None
    )
    return None if found is None else advice.to_json(found)


def describe(report: dict[str, Any] | None) -> list[str]:
    """Return the lines of the health report."""
    if report is None:
        return ["Endpoint health: nothing stored yet"]
    return list(report["lines"])
