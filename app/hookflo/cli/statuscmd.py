"""``hookflo status``: whether HookFlo runs, and whether its alerts are held now.

It reads ``config.toml`` and the runtime file a running receiver writes; it
starts nothing and changes nothing. Each part of the state is one line, so
later parts can add theirs.
"""

import argparse
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from hookflo.cli import healthstatus
from hookflo.cli.environment import Env
from hookflo.cli.status import ExitStatus
from hookflo.core import clocktime, quiethours, server

logger = logging.getLogger(__name__)


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``status`` command."""
    parser = commands.add_parser(
        "status",
        help="show whether HookFlo runs and whether alerts are held",
        description="Show whether a receiver runs here and the quiet hours.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=show_status)


def show_status(
    args: argparse.Namespace, env: Env, *, clock: Callable[[], float] = time.time
) -> ExitStatus:
    """Print the receiver's address (if it runs) and the quiet hours."""
    facts = gather(env, clock())
    if args.json:
        env.print(json.dumps(facts, indent=2))
        return ExitStatus.SUCCESS
    for line in describe(facts):
        env.print(line)
    return ExitStatus.SUCCESS


def gather(env: Env, now: float) -> dict[str, Any]:
    """Return what ``status`` reports, as JSON-ready values."""
    settings = env.load_config()
    running = server.read_runtime_file(env.paths.runtime_file)
    quiet = settings.quiet_hours
    until = quiethours.quiet_until(quiet, now)
    return {
        "receiver": None if running is None else f"{running[0]}:{running[1]}",
        "quiet_hours": {
            "enabled": quiet.enabled,
            "start": clocktime.show(quiet.start),
            "end": clocktime.show(quiet.end),
            "channels": [c.value for c in quiet.channels],
            "quiet_now": until is not None,
            "quiet_until": until,
        },
        "endpoint_health": healthstatus.gather(env, settings, now, running=running),
    }


def describe(facts: dict[str, Any]) -> list[str]:
    """Return the lines ``hookflo status`` prints."""
    receiver = facts["receiver"]
    lines = [
        f"Receiver: listening on {receiver}" if receiver else "Receiver: not running"
    ]
    quiet = facts["quiet_hours"]
    if not quiet["enabled"]:
        lines.append("Quiet hours: off")
        return lines + healthstatus.describe(facts["endpoint_health"])
    held = ", ".join(quiet["channels"])
    span = f"{quiet['start']} to {quiet['end']}, {held} alerts held"
    if quiet["quiet_now"]:
        lines.append(f"Quiet until {quiet['end']} (quiet hours {span})")
    else:
        lines.append(f"Quiet hours: {span}; not quiet now")
    return lines + healthstatus.describe(facts["endpoint_health"])
