"""Which channels are on, built from ``config.toml`` and the keyring.

A channel is on when its table is in the config and its secret is set:
Slack needs a webhook URL or a bot token, email needs the SMTP password when
a username is configured, the desktop needs nothing (``enabled = false``
turns it off). Each configured channel that stays off says why.
"""

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Mapping

from hookflo.core import channelsecrets
from hookflo.core.alertconfig import ChannelSettings
from hookflo.core.channels.base import Channel, ChannelName
from hookflo.core.channels.desktop import DesktopChannel, desktop_available
from hookflo.core.credentials import Credentials
from hookflo.core.errors import KeyringUnavailableError

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class ChannelPlan:
    """The secrets read for the channels that are on, and notes on the rest."""

    settings: ChannelSettings
    secrets: Mapping[str, str | None]
    active: frozenset[ChannelName]
    notes: tuple[str, ...]

    def fingerprints(self) -> dict[ChannelName, str]:
        """Return a digest of each active channel's settings and secret."""
        digests = {}
        for name in self.active:
            parts = [repr(getattr(self.settings, name.value))]
            for secret in channelsecrets.ALL:
                if secret.entry.startswith(_SECRET_PREFIX[name]):
                    value = self.secrets.get(secret.entry)
                    parts.append(channelsecrets.change_marker(value))
            digest = hashlib.sha256("|".join(parts).encode()).hexdigest()
            digests[name] = digest[:16]
        return digests


_SECRET_PREFIX = {
    ChannelName.DESKTOP: "desktop-",
    ChannelName.SLACK: "slack-",
    ChannelName.EMAIL: "smtp-",
}


def plan(
    settings: ChannelSettings, credentials: Credentials, environ: Mapping[str, str]
) -> ChannelPlan:
    """Decide which channels are on (reads the keyring: call it off the loop)."""
    active: set[ChannelName] = set()
    notes: list[str] = []
    secrets: dict[str, str | None] = {}

    def secret(which: channelsecrets.ChannelSecret) -> str | None:
        try:
            value = channelsecrets.read(credentials, environ, which)
        except KeyringUnavailableError as err:
            notes.append(f"Cannot read the {which.label} from the keyring: {err}")
            value = None
        secrets[which.entry] = value
        return value

    if settings.desktop.enabled:
        active.add(ChannelName.DESKTOP)
    if settings.slack is not None:
        webhook = secret(channelsecrets.SLACK_WEBHOOK_URL)
        token = secret(channelsecrets.SLACK_BOT_TOKEN)
        if webhook or token:
            active.add(ChannelName.SLACK)
        else:
            notes.append(
                "Slack is configured but has no webhook URL or bot token: set one "
                "with `hookflo secret set slack-webhook-url` (or slack-bot-token)"
            )
    if settings.email is not None:
        needs_password = settings.email.username is not None
        password = secret(channelsecrets.SMTP_PASSWORD) if needs_password else None
        if not needs_password or password:
            active.add(ChannelName.EMAIL)
        else:
            notes.append(
                "Email is configured with a username but no password: set it with "
                "`hookflo secret set smtp-password`"
            )
    for note in notes:
        logger.warning("%s", note)
    return ChannelPlan(settings, secrets, frozenset(active), tuple(notes))


async def without_missing_desktop(channel_plan: ChannelPlan) -> ChannelPlan:
    """Turn the desktop channel off when no notification service is running.

    Said once: as a warning when ``[channels.desktop]`` asks for it, as a
    note otherwise (a headless server has no desktop).
    """
    if ChannelName.DESKTOP not in channel_plan.active:
        return channel_plan
    problem = await desktop_available()
    if problem is None:
        return channel_plan
    explicit = channel_plan.settings.desktop.explicit
    logger.log(
        logging.WARNING if explicit else logging.INFO,
        "Desktop notifications are off: %s",
        problem,
    )
    return dataclasses.replace(
        channel_plan,
        active=channel_plan.active - {ChannelName.DESKTOP},
        notes=(*channel_plan.notes, f"Desktop notifications are off: {problem}"),
    )


def build(
    channel_plan: ChannelPlan,
    *,
    on_clicked: Callable[[int], None] | None = None,
) -> dict[ChannelName, Channel]:
    """Create the channel objects of the active channels.

    slack-sdk and aiosmtplib are imported only for a channel that is on: an
    app without Slack or email does not carry them (a few MB of memory).
    """
    settings = channel_plan.settings
    built: dict[ChannelName, Channel] = {}
    if ChannelName.DESKTOP in channel_plan.active:
        built[ChannelName.DESKTOP] = DesktopChannel(on_clicked=on_clicked)
    if ChannelName.SLACK in channel_plan.active and settings.slack is not None:
        from hookflo.core.channels.slackapi import SlackChannel

        built[ChannelName.SLACK] = SlackChannel(
            settings.slack,
            webhook_url=channel_plan.secrets.get(
                channelsecrets.SLACK_WEBHOOK_URL.entry
            ),
            bot_token=channel_plan.secrets.get(channelsecrets.SLACK_BOT_TOKEN.entry),
        )
    if ChannelName.EMAIL in channel_plan.active and settings.email is not None:
        from hookflo.core.channels.mailer import EmailChannel

        built[ChannelName.EMAIL] = EmailChannel(
            settings.email,
            password=channel_plan.secrets.get(channelsecrets.SMTP_PASSWORD.entry),
        )
    return built
