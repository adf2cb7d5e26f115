"""``hookflo digest``: the digest schedule, recent digests, and a send now.

``--send-now daily|weekly`` sends the digest of the newest due period at
once (``--dry-run`` prints it instead), to check the channels and templates.
It is a preview: it does not count as that period's digest, so the
scheduled one still goes out.
"""

import argparse
import asyncio
import dataclasses
import time
from collections.abc import Mapping, Sequence

from hookflo.cli.environment import Env
from hookflo.cli.listing import local_time
from hookflo.cli.status import ExitStatus
from hookflo.core import store
from hookflo.core.alerting import channelset
from hookflo.core.alerting.templates import BODY_PARTS, HEADING_PARTS, Renderer
from hookflo.core.channels.base import Alert, Channel, ChannelName, DeliveryError
from hookflo.core.config import Config
from hookflo.core.digest import compose, launch, periods, signups
from hookflo.core.digest.periods import Period
from hookflo.core.digest.runs import DigestRuns
from hookflo.core.digest.settings import Kind, Schedule
from hookflo.core.errors import UserFacingError

PREVIEW_SCHEDULES = {Kind.DAILY: Schedule(8, 30), Kind.WEEKLY: Schedule(8, 30, 0)}
"""The send times a preview assumes when that digest is not scheduled."""


class DigestSendError(UserFacingError):
    """A channel did not take the digest."""


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``digest`` command."""
    parser = commands.add_parser(
        "digest",
        help="show the digest schedule and recent digests, or send one now",
        description=(
            "Without options: the [digests] schedule and the recent digests with "
            "what happened to each. With --send-now: send the digest of the "
            "newest due period now, as a preview (the scheduled one still goes)."
        ),
    )
    parser.add_argument(
        "--send-now",
        choices=[k.value for k in Kind],
        help="send the daily or weekly digest now",
    )
    parser.add_argument(
        "--channel",
        choices=[c.value for c in ChannelName],
        help="only to this channel (default: the digest channels)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the digest instead of sending"
    )
    parser.set_defaults(handler=digest)


def digest(args: argparse.Namespace, env: Env) -> ExitStatus:
    """Show the schedule, or send (or print) a digest now."""
    config = env.load_config()
    if args.send_now is None:
        if args.dry_run or args.channel:
            raise UserFacingError("--channel and --dry-run go with --send-now KIND")
        return _show(config, env)
    period = _period(config, Kind(args.send_now))
    conn = store.connect(env.paths.database_file)
    try:
        stats = signups.read(conn, period)
    finally:
        conn.close()
    renderer = Renderer(env.paths.template_dir)
    names = config.digests.names
    only = ChannelName(args.channel) if args.channel else None
    if args.dry_run:
        shown = (only,) if only else config.digests.channels or tuple(ChannelName)
        for name in shown:
            made, _ = compose.alert(renderer, name, period, stats, names=names)
            _print_parts(env, name, made.parts)
        return ExitStatus.SUCCESS
    channels = _channels(config, env, only)
    failures = []
    for name, channel in channels.items():
        made, _ = compose.alert(renderer, name, period, stats, names=names)
        try:
            detail = asyncio.run(_send(channel, made))
        except DeliveryError as err:
            failures.append(f"{name}: {err.message}")
            continue
        env.print(f"{name}: {detail}")
    if failures:
        raise DigestSendError("The digest did not go out to " + "; ".join(failures))
    return ExitStatus.SUCCESS


def _period(config: Config, kind: Kind) -> Period:
    scheduled = dict(config.digests.schedules())
    schedule = scheduled.get(kind, PREVIEW_SCHEDULES[kind])
    return periods.latest_due(kind, schedule, time.time(), config.digests.zone())


def _channels(
    config: Config, env: Env, only: ChannelName | None
) -> dict[ChannelName, Channel]:
    """Build the channels to send to; raise if none of them is set up."""
    plan = channelset.plan(config.channels, env.secrets(), env.environ)
    wanted: Sequence[ChannelName] = (
        (only,) if only else launch.digest_channels(config.digests, plan.active)
    )
    missing = [name for name in wanted if name not in plan.active]
    if missing or not wanted:
        why = "; ".join(plan.notes) or f"see [channels] in {env.paths.config_file}"
        which = ", ".join(missing) or "no digest channel"
        raise UserFacingError(f"Cannot send the digest: {which} is not set up ({why})")
    return channelset.build(dataclasses.replace(plan, active=frozenset(wanted)))


def _show(config: Config, env: Env) -> ExitStatus:
    settings = config.digests
    if not settings.enabled:
        env.print(
            f"No digest is scheduled: add a [digests] table to "
            f'{env.paths.config_file}, e.g. daily = "08:30".'
        )
    for kind, schedule in settings.schedules():
        zone = settings.timezone or "local time"
        env.print(f"{kind} digest at {schedule} ({zone})")
    if settings.enabled:
        channels = ", ".join(settings.channels) or "every channel that is set up"
        env.print(f"to {channels}")
    runs = DigestRuns(env.paths.database_file)
    try:
        recent = runs.recent()
    finally:
        runs.close()
    if recent:
        env.print("")
    for run in recent:
        note = f"  {run.last_error}" if run.last_error else ""
        when = local_time(run.sent_at or run.updated_at)
        env.print(
            f"{run.kind:<7} {run.period_start}  {run.channel:<8} {run.state:<9} "
            f"{when}  tries {run.tries}{note}"
        )
    return ExitStatus.SUCCESS


def _print_parts(env: Env, name: ChannelName, parts: Mapping[str, str]) -> None:
    env.print(f"--- {name} ---")
    env.print(parts[HEADING_PARTS[name]])
    body = BODY_PARTS[name][-1] if name is ChannelName.SLACK else BODY_PARTS[name][0]
    if body != HEADING_PARTS[name]:
        env.print("")
        env.print(parts[body])
    env.print("")


async def _send(channel: Channel, alert: Alert) -> str:
    try:
        receipt = await channel.send(alert)
    finally:
        await channel.close()
    return receipt.detail
