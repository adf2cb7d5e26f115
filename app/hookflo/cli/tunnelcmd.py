"""``hookflo tunnel status``: the public URL and health of the running tunnel.

It reads what the running ``hookflo serve --tunnel`` (or the tray app)
publishes in its data directory; it never starts or touches an agent.
``hookflo tunnel install`` (``tunnelinstall``) downloads the agent.
"""

import argparse
import json

from hookflo.cli import listing, tunnelinstall
from hookflo.cli.environment import Env
from hookflo.cli.status import ExitStatus
from hookflo.core.errors import UserFacingError
from hookflo.core.tunnel import notices, runtimefile
from hookflo.core.tunnel.status import TunnelState, TunnelStatus


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``tunnel`` command."""
    parser = commands.add_parser(
        "tunnel",
        help="the ngrok tunnel of the running HookFlo",
        description=(
            "Show the public URL that the running HookFlo's tunnel serves, or "
            "install the ngrok agent."
        ),
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    status = actions.add_parser(
        "status",
        help="show the public URL per source and whether it works",
        description="Exit status 0 when the tunnel is up, 1 otherwise.",
    )
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.set_defaults(handler=show_status)
    tunnelinstall.register(actions)


def show_status(args: argparse.Namespace, env: Env) -> ExitStatus:
    """Print the tunnel's state, URL and health."""
    found = runtimefile.read(env.paths.data_dir)
    if found is None:
        raise UserFacingError(
            "No tunnel is running: start one with `hookflo serve --tunnel`, or set "
            "enabled = true in the [tunnel] table of config.toml"
        )
    if args.json:
        env.print(json.dumps(found.to_json(), indent=2))
    else:
        for line in describe(found):
            env.print(line)
    return ExitStatus.SUCCESS if found.state is TunnelState.UP else ExitStatus.ERROR


def describe(status: TunnelStatus) -> list[str]:
    """Return the lines ``hookflo tunnel status`` prints."""
    since = listing.local_time(status.since)
    if status.state is TunnelState.UP:
        checked = listing.local_time(status.checked_at or status.since)
        lines = [
            f"Tunnel up since {since}; last reached through the public URL at "
            f"{checked}",
            f"Public URL: {status.public_url}",
        ]
        lines += [
            f"  {w.source} ({w.environment}): {w.url}" for w in status.webhook_urls
        ]
        if status.previous_url:
            lines.append(
                f"The public URL changed (it was {status.previous_url}): point the "
                "Clerk endpoint at the new one"
            )
        if not status.reserved_domain:
            lines.append(
                "Without a reserved domain this URL changes on each start; "
                + notices.STATIC_DOMAIN_ADVICE
            )
        return lines
    if status.state is TunnelState.DOWN:
        lines = [f"Tunnel down since {since}: {status.summary}; reconnecting"]
    elif status.state is TunnelState.UNAVAILABLE:
        summary = status.summary or ""
        said = summary.removeprefix("not available: ")  # "not available" once
        lines = [f"Tunnel not available: {said}"]
    else:
        lines = [f"Tunnel {status.state.value} since {since}"]
        if status.download_done is not None:
            lines.append(status.download_progress())
    if status.advice:
        lines.append(f"What to do: {status.advice}")
    if status.public_url:
        lines.append(f"Public URL (while it was up): {status.public_url}")
    return lines
