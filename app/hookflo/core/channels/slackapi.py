"""Slack through slack_sdk: chat.postMessage with a bot token, or a webhook.

With both secrets set, the bot token is used when ``channels.slack.channel``
is set, the webhook URL otherwise. The SDK is told neither to retry nor to
log: the outbox retries and honours ``Retry-After``, and the SDK's debug lines
carry the webhook URL, whose path is a secret. Proxies come from the
environment through aiohttp, which honours ``NO_PROXY``; the SDK's own proxy
lookup, which ignores it, is switched off.
"""

import asyncio
import enum
import logging
import re
import urllib.parse
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from slack_sdk.webhook.webhook_response import WebhookResponse

from hookflo.core import logs, loopback, retryafter
from hookflo.core.alertconfig import SlackSettings
from hookflo.core.channels import slackerrors, slackmessage
from hookflo.core.channels.base import Alert, ChannelName, DeliveryError, SendReceipt

logger = logging.getLogger(__name__)

# Not attached to the logging tree, so nothing the SDK logs goes anywhere.
_SDK_LOGGER = logging.Logger("hookflo-slack-sdk", logging.CRITICAL)
_SDK_LOGGER.disabled = True
_LOOKUP_TIMEOUT_S = 5.0
_DEFAULT_APP = "@HookFlo"
_SHOWN = re.compile(r"^#?[A-Za-z0-9._-]{1,80}$")
_TRANSPORT_ERRORS = (aiohttp.ClientError, TimeoutError, OSError)
_BLOCKS_NOTE = ", as plain text because Slack refused the blocks"


class _Mode(enum.Enum):
    BOT = "bot token"
    WEBHOOK = "incoming webhook"


def check_slack_settings(
    settings: SlackSettings, webhook_url: str | None, bot_token: str | None
) -> str | None:
    """Return why these Slack settings cannot work, or None if they may.

    Nothing is sent; the settings dialog calls this before saving, and every
    send calls it before reaching Slack.
    """
    mode = _mode(settings, webhook_url, bot_token)
    if mode is None:
        return (
            "Slack has neither a webhook URL nor a bot token: set one with "
            "`hookflo secret set slack-webhook-url` (or slack-bot-token)"
        )
    if mode is _Mode.WEBHOOK:
        return _url_problem((webhook_url or "").strip(), "The Slack webhook URL")
    token = (bot_token or "").strip()
    if token.lower().startswith(("http:", "https:")):
        return (
            "The Slack bot token is a URL: store a webhook URL as "
            "slack-webhook-url, and a token (xoxb-…) as slack-bot-token"
        )
    if any(char.isspace() for char in token):
        return "The Slack bot token contains a space or line break: set it again"
    if settings.channel is None:
        return (
            "A Slack bot token needs a channel: set channels.slack.channel to a "
            "name such as '#signups' or a channel id"
        )
    if not settings.channel.strip():
        return (
            "The Slack channel is empty: set channels.slack.channel to a name "
            "such as '#signups' or a channel id"
        )
    return _url_problem(settings.api_url, "channels.slack.api_url")


class SlackChannel:
    """Posts alerts to Slack.

    Args:
        settings: the ``[channels.slack]`` table.
        webhook_url: an incoming-webhook URL, from the keyring.
        bot_token: a bot token (``xoxb-…``), from the keyring.
    """

    name: ChannelName = ChannelName.SLACK

    def __init__(
        self,
        settings: SlackSettings,
        *,
        webhook_url: str | None = None,
        bot_token: str | None = None,
    ) -> None:
        self._settings = settings
        self._webhook_url = (webhook_url or "").strip() or None
        self._bot_token = (bot_token or "").strip() or None
        for secret in (self._webhook_url, self._bot_token):
            if secret:
                logs.register_secret(secret)
        self._session: aiohttp.ClientSession | None = None
        self._web: AsyncWebClient | None = None
        self._hook: AsyncWebhookClient | None = None
        self._app: str | None = None

    async def send(self, alert: Alert) -> SendReceipt:
        """Post ``alert`` once.

        Raises:
            DeliveryError: Slack did not take it; ``permanent`` unless waiting
                can help, ``retry_after`` when Slack said how long to wait.
        """
        problem = check_slack_settings(
            self._settings, self._webhook_url, self._bot_token
        )
        if problem:
            raise DeliveryError(problem, permanent=True)
        message = slackmessage.build(alert)
        if message is None:
            raise DeliveryError(
                "The Slack template gave an empty message: check it", permanent=True
            )
        mode = _mode(self._settings, self._webhook_url, self._bot_token)
        if mode is _Mode.BOT:
            return await self._post(message)
        return await self._post_to_webhook(message)

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
        self._session = self._web = self._hook = None

    async def _post(self, message: slackmessage.SlackMessage) -> SendReceipt:
        note = ""
        reply = await self._post_once(message, with_blocks=True)
        if reply is None:
            logger.warning("Slack refused the message's blocks; sending plain text")
            note = _BLOCKS_NOTE
            reply = await self._post_once(message, with_blocks=False)
        if reply is None:  # refused blocks, yet none were sent
            raise slackerrors.api_error("invalid_blocks", channel="", app=_DEFAULT_APP)
        channel = (
            _shown(reply.get("channel"))
            or _shown(self._settings.channel)
            or "the configured channel"
        )
        ts = _shown(reply.get("ts")) or "unknown"
        logger.debug("Slack accepted a message in %s (ts %s)", channel, ts)
        return SendReceipt(f"Slack accepted it in {channel} (ts {ts}){note}")

    async def _post_once(
        self, message: slackmessage.SlackMessage, *, with_blocks: bool
    ) -> dict[str, Any] | None:
        """Call chat.postMessage; None when Slack refused the blocks."""
        assert self._settings.channel is not None  # checked before
        client = self._web_client()
        payload = message.payload(with_blocks=with_blocks)
        try:
            async with asyncio.timeout(self._settings.timeout_s):
                response = await client.chat_postMessage(
                    channel=self._settings.channel, **payload
                )
        except SlackApiError as err:
            failure = await self._explain(err, blocks_sent="blocks" in payload)
            if failure is None:
                return None
            raise failure from None
        except (SlackClientError, *_TRANSPORT_ERRORS) as err:
            raise slackerrors.transport_error(err, self._settings.timeout_s) from None
        except AttributeError:
            # slack_sdk 3.48 checks a 200 answer with .get(), which fails when
            # the body is text or a JSON list: not Slack at the other end.
            raise slackerrors.http_error(200, None) from None
        data = response.data
        return data if isinstance(data, dict) else {}

    async def _explain(
        self, err: SlackApiError, *, blocks_sent: bool
    ) -> DeliveryError | None:
        """Turn the SDK's error into ours; None for refused blocks to drop."""
        # The SDK raises with its own response object, or with aiohttp's
        # when the body was not JSON.
        response = err.response
        status = getattr(response, "status_code", None) or getattr(
            response, "status", None
        )
        status = status if isinstance(status, int) else 0
        headers = getattr(response, "headers", None)
        data = getattr(response, "data", None)
        if status == 429:
            return slackerrors.rate_limited(retryafter.from_headers(headers))
        code = (
            slackerrors.safe_code(data.get("error")) if isinstance(data, dict) else None
        )
        if status >= 500 or code is None:
            return slackerrors.http_error(status, code)
        if blocks_sent and code in slackerrors.BLOCKS_REFUSED:
            return None
        app = _DEFAULT_APP
        if code in ("not_in_channel", "channel_not_found"):
            app = await self._app_handle()
        assert isinstance(data, dict)
        return slackerrors.api_error(
            code,
            channel=self._settings.channel or "",
            app=app,
            needed=data.get("needed"),
        )

    async def _app_handle(self) -> str:
        """Return ``@name`` of the app's bot user, for ``/invite`` hints."""
        if self._app is not None:
            return self._app
        try:
            async with asyncio.timeout(
                min(_LOOKUP_TIMEOUT_S, self._settings.timeout_s)
            ):
                reply = await self._web_client().auth_test()
        except (SlackClientError, AttributeError, *_TRANSPORT_ERRORS):
            logger.debug("Could not ask Slack for the app's name")
            return _DEFAULT_APP
        user = _shown(reply.get("user"))
        self._app = f"@{user}" if user else _DEFAULT_APP
        return self._app

    async def _post_to_webhook(self, message: slackmessage.SlackMessage) -> SendReceipt:
        note = ""
        if not await self._webhook_once(message, with_blocks=True):
            logger.warning("Slack refused the message's blocks; sending plain text")
            note = _BLOCKS_NOTE
            await self._webhook_once(message, with_blocks=False)
        logger.debug("Slack accepted a message through the incoming webhook")
        return SendReceipt(f"Slack accepted it through the incoming webhook{note}")

    async def _webhook_once(
        self, message: slackmessage.SlackMessage, *, with_blocks: bool
    ) -> bool:
        """Post to the webhook; False when Slack refused the blocks."""
        payload = message.payload(with_blocks=with_blocks)
        try:
            async with asyncio.timeout(self._settings.timeout_s):
                response: WebhookResponse = await self._webhook_client().send_dict(
                    payload
                )
        except (SlackClientError, *_TRANSPORT_ERRORS) as err:
            raise slackerrors.transport_error(err, self._settings.timeout_s) from None
        if response.status_code == 200:
            return True
        if response.status_code == 429:
            wait = retryafter.from_headers(response.headers)
            raise slackerrors.rate_limited(wait)
        code = slackerrors.safe_code(response.body)
        if "blocks" in payload and code in slackerrors.BLOCKS_REFUSED:
            return False
        raise slackerrors.webhook_error(response.status_code, code)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self._settings.timeout_s)
            self._session = aiohttp.ClientSession(timeout=timeout, trust_env=True)
            self._web = self._hook = None
        return self._session

    def _web_client(self) -> AsyncWebClient:
        session = self._http()
        if self._web is None:
            self._web = AsyncWebClient(
                token=self._bot_token,
                base_url=self._settings.api_url,
                timeout=_whole_seconds(self._settings.timeout_s),
                session=session,
                logger=_SDK_LOGGER,
                retry_handlers=[],
            )
            self._web.proxy = None
        return self._web

    def _webhook_client(self) -> AsyncWebhookClient:
        session = self._http()
        if self._hook is None:
            assert self._webhook_url is not None  # checked before
            self._hook = AsyncWebhookClient(
                self._webhook_url,
                timeout=_whole_seconds(self._settings.timeout_s),
                session=session,
                logger=_SDK_LOGGER,
                retry_handlers=[],
            )
            self._hook.proxy = None
        return self._hook


def _mode(
    settings: SlackSettings, webhook_url: str | None, bot_token: str | None
) -> _Mode | None:
    has_hook = bool((webhook_url or "").strip())
    if (bot_token or "").strip() and (settings.channel is not None or not has_hook):
        return _Mode.BOT
    return _Mode.WEBHOOK if has_hook else None


def _url_problem(url: str, label: str) -> str | None:
    """Say what is wrong with ``url``; it may hold a secret, so never show it."""
    try:
        parts = urllib.parse.urlsplit(url)
        scheme, host = parts.scheme, parts.hostname
    except ValueError:
        scheme, host = "", None
    if scheme not in ("http", "https") or not host:
        return f"{label} is not an http(s) URL: set it again"
    if scheme == "http" and not loopback.is_loopback(host):
        return (
            f"{label} uses plain http to another machine, so secrets would travel "
            "unencrypted: use https"
        )
    return None


def _shown(value: object) -> str | None:
    """Return ``value`` if it is safe to put in a message, else None."""
    if isinstance(value, str) and _SHOWN.match(value):
        return value
    return None


def _whole_seconds(seconds: float) -> int:
    # The SDK wants an int; the session's own timeout is the one in force.
    return max(1, round(seconds))
