"""``hookflo test-channel``: send a marked test alert and show the answer."""

import argparse
import asyncio
import time
import uuid

from hookflo.cli.environment import Env
from hookflo.cli.status import ExitStatus
from hookflo.core import samples
from hookflo.core.alerting import channelset
from hookflo.core.alerting.describe import describe
from hookflo.core.alerting.templates import Renderer
from hookflo.core.channels.base import Alert, Channel, ChannelName, DeliveryError
from hookflo.core.errors import UserFacingError


class ChannelTestError(UserFacingError):
    """The channel refused the test message."""


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``test-channel`` command."""
    parser = commands.add_parser(
        "test-channel",
        help="send a clearly marked test alert through one channel",
        description=(
            "Send a test alert (a sample signup, marked TEST) through a channel "
            "as configured, and print what the channel answered."
        ),
    )
    parser.add_argument("channel", choices=[c.value for c in ChannelName])
    parser.set_defaults(handler=test_channel)


def test_channel(args: argparse.Namespace, env: Env) -> ExitStatus:
    """Send the test alert through the chosen channel."""
    name = ChannelName(args.channel)
    config = env.load_config()
    plan = channelset.plan(config.channels, env.secrets(), env.environ)
    if name not in plan.active:
        reasons = [n for n in plan.notes if n.lower().startswith(name.value)]
        if (
            not reasons
            and name is ChannelName.DESKTOP
            and not config.channels.desktop.enabled
        ):
            reasons = [
                "Desktop notifications are turned off: set enabled = true under "
                f"[channels.desktop] in {env.paths.config_file}"
            ]
        raise UserFacingError(
            reasons[0]
            if reasons
            else f"The {name} channel is not set up: add [channels.{name}] to "
            f"{env.paths.config_file}"
        )
    channel = channelset.build(plan)[name]
    alert = sample_alert(name, Renderer(env.paths.template_dir))
    try:
        detail = asyncio.run(_send(channel, alert))
    except DeliveryError as err:
        kind = "permanent" if err.permanent else "temporary"
        raise ChannelTestError(
            f"The {name} channel did not take the test alert ({kind}): {err.message}"
        ) from None
    env.print(f"{name}: {detail}")
    return ExitStatus.SUCCESS


def sample_alert(name: ChannelName, renderer: Renderer) -> Alert:
    """Return a test alert about the sample signup, rendered for ``name``."""
    facts = describe(
        "user.created",
        samples.sample_payload("user.created"),
        environment="production",
        is_test=True,
        source="test",
        event_id=0,
        received_at=time.time(),
    )
    rendered = renderer.render(name, facts)
    return Alert(
        parts=rendered.parts,
        event_ids=(0,),
        dedupe_key=f"test-channel.{uuid.uuid4().hex}",
        is_test=True,
    )


async def _send(channel: Channel, alert: Alert) -> str:
    try:
        receipt = await channel.send(alert)
    finally:
        await channel.close()
    return receipt.detail
