"""Send a channel's test alert with the settings as they are being edited.

Qt-free and blocking (keyring reads, then a network conversation in a loop
of its own): the settings dialog runs it off the UI thread. Secrets are
taken as the running app would take them: the environment variable first,
then a value typed in the dialog, then the keyring.
"""

import asyncio
import dataclasses
import logging
from collections.abc import Mapping
from pathlib import Path

from hookflo.cli import testchannel
from hookflo.core import channelsecrets
from hookflo.core.alertconfig import ChannelSettings, EmailSettings
from hookflo.core.alerting.templates import Renderer
from hookflo.core.channels import mailer
from hookflo.core.channels.base import Channel, ChannelName, DeliveryError
from hookflo.core.channels.desktop import DesktopChannel
from hookflo.core.channels.mailer import EmailChannel
from hookflo.core.channels.slackapi import SlackChannel, check_slack_settings
from hookflo.core.channelsecrets import ChannelSecret
from hookflo.core.credentials import Credentials

logger = logging.getLogger(__name__)

TEST_TIMEOUT_S = 30.0


@dataclasses.dataclass(frozen=True, slots=True)
class DraftSecrets:
    """The secrets as staged in the dialog.

    Attributes:
        typed: tidied values typed but not saved yet, by keyring entry.
        cleared: entries the user cleared (not removed yet).
    """

    typed: Mapping[str, str] = dataclasses.field(default_factory=dict)
    cleared: frozenset[str] = frozenset()


@dataclasses.dataclass(frozen=True, slots=True)
class SecretSource:
    """Where the channel tests read secrets from."""

    credentials: Credentials
    environ: Mapping[str, str]
    draft: DraftSecrets

    def read(self, secret: ChannelSecret) -> str | None:
        """Return the value the test uses for ``secret``.

        Raises:
            KeyringUnavailableError: it has to come from the keyring, which
                cannot be read.
        """
        override = self.environ.get(secret.variable, "").strip()
        if override:
            return override
        if secret.entry in self.draft.typed:
            return self.draft.typed[secret.entry]
        if secret.entry in self.draft.cleared:
            return None
        return channelsecrets.read(self.credentials, {}, secret)


def send_test(
    name: ChannelName,
    channels: ChannelSettings,
    secrets: SecretSource,
    template_dir: Path,
) -> str:
    """Send the marked test alert through ``name``; return what it answered.

    Raises:
        DeliveryError: the channel did not take it (or is not set up).
        KeyringUnavailableError: a secret could not be read.
    """
    channel = _channel(name, channels, secrets)
    alert = testchannel.sample_alert(name, Renderer(template_dir))

    async def send() -> str:
        try:
            async with asyncio.timeout(TEST_TIMEOUT_S):
                receipt = await channel.send(alert)
        except TimeoutError:
            raise DeliveryError(
                f"The {name} channel did not answer within {TEST_TIMEOUT_S:.0f} s",
                permanent=False,
            ) from None
        finally:
            await channel.close()
        return receipt.detail

    logger.debug("Sending a test alert through %s", name)
    return asyncio.run(send())


def check_email(settings: EmailSettings, secrets: SecretSource) -> str:
    """Connect and sign in as a send would, without sending; return the answer.

    Raises:
        DeliveryError: the server refused or could not be reached.
        KeyringUnavailableError: the password could not be read.
    """
    password = secrets.read(channelsecrets.SMTP_PASSWORD)
    return asyncio.run(mailer.check_email_settings(settings, password))


def _channel(
    name: ChannelName, channels: ChannelSettings, secrets: SecretSource
) -> Channel:
    if name is ChannelName.DESKTOP:
        return DesktopChannel()
    if name is ChannelName.SLACK:
        if channels.slack is None:
            raise DeliveryError("Slack is not turned on", permanent=True)
        webhook = secrets.read(channelsecrets.SLACK_WEBHOOK_URL)
        token = secrets.read(channelsecrets.SLACK_BOT_TOKEN)
        problem = check_slack_settings(channels.slack, webhook, token)
        if problem:
            raise DeliveryError(problem, permanent=True)
        return SlackChannel(channels.slack, webhook_url=webhook, bot_token=token)
    if channels.email is None:
        raise DeliveryError("Email is not turned on", permanent=True)
    password = secrets.read(channelsecrets.SMTP_PASSWORD)
    if channels.email.username and not password:
        raise DeliveryError(
            "Email has a username but no password: type the SMTP password",
            permanent=True,
        )
    return EmailChannel(channels.email, password=password)
