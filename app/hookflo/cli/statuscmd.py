"""``hookflo status``: whether HookFlo runs, and whether its alerts go out now.

It reads ``config.toml``, the runtime file a running receiver writes and the
store; it starts nothing and changes nothing. Each part of the state is one
line, so later parts can add theirs: the receiver, quiet hours, each alert
channel (sending, or stopped by a permanent failure) and endpoint health.
"""

import argparse
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from hookflo.cli import channelstatus, healthstatus
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
    """Print the receiver, quiet hours, alert channels and endpoint health."""
    now = clock()
    facts = gather(env, now)
    if args.json:
        env.print(json.dumps(facts, indent=2))
        return ExitStatus.SUCCESS
    for line in describe(facts, now=now):
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
        "channels": channelstatus.gather(env, settings),
    }


def describe(facts: dict[str, Any], *, now: float) -> list[str]:
    """Return the lines ``hookflo status`` prints."""
    receiver = facts["receiver"]
    lines = [
        f"Receiver: listening on {receiver}" if receiver else "Receiver: not running"
    ]
    lines.append(_quiet_line(facts["quiet_hours"]))
    lines.extend(channelstatus.describe(facts["channels"], now))
    return lines + healthstatus.describe(facts["endpoint_health"])


def _quiet_line(quiet: dict[str, Any]) -> str:
    if not quiet["enabled"]:
        return "Quiet hours: off"
    held = ", ".join(quiet["channels"])
    span = f"{quiet['start']} to {quiet['end']}, {held} alerts held"
    if quiet["quiet_now"]:
        return f"Quiet until {quiet['end']} (quiet hours {span})"
    return f"Quiet hours: {span}; not quiet now"
