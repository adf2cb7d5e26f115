"""Every way a Slack send can fail, as one sentence and a retry decision.

Messages name Slack's error code and the configured channel, never the bot
token or the webhook URL (its path is the secret). Anything a server sends
back is shown only if it looks like one of Slack's error codes.
"""

import asyncio
import os
import re
import socket

import aiohttp

from hookflo.core.channels.base import DeliveryError

_CODE = re.compile(r"^[a-z0-9_.:-]{1,60}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")

_AUTH = {
    "invalid_auth": "Slack refused the bot token (invalid_auth): check that it "
    "was copied whole, or reinstall the app and set the new token",
    "not_authed": "Slack received no bot token (not_authed): set it again with "
    "`hookflo secret set slack-bot-token`",
    "token_revoked": "The Slack bot token was revoked (token_revoked): reinstall "
    "the app and set the new token",
    "token_expired": "The Slack bot token has expired (token_expired): set a new "
    "one, or turn off token rotation for the app",
    "account_inactive": "The Slack app's bot user or workspace is deactivated "
    "(account_inactive): reinstall the app and set the new token",
    "not_allowed_token_type": "Slack does not let this kind of token post "
    "(not_allowed_token_type): use the app's bot token, which starts with xoxb-",
}
_DENIED = {
    "access_denied",
    "no_permission",
    "team_access_not_granted",
    "ekm_access_denied",
    "enterprise_is_restricted",
    "org_login_required",
    "two_factor_setup_required",
}
_RESTRICTED = {
    "restricted_action",
    "restricted_action_read_only_channel",
    "restricted_action_thread_only_channel",
    "restricted_action_non_threadable_channel",
    "messages_tab_disabled",
}
_PASSING = {
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "team_added_to_org",
    "message_limit_exceeded",
}
_RATE_LIMITED = {"ratelimited", "rate_limited"}
_WEBHOOK_GONE = {
    "no_service",
    "no_team",
    "team_disabled",
    "invalid_token",
    "action_prohibited",
    "channel_not_found",
    "channel_is_archived",
    "user_not_found",
    "posting_to_general_channel_denied",
    "no_active_hooks",
}
BLOCKS_REFUSED = {"invalid_blocks", "invalid_blocks_format"}


def safe_code(value: object) -> str | None:
    """Return ``value`` if it looks like a Slack error code, else None."""
    if isinstance(value, str) and _CODE.match(value.strip()):
        return value.strip()
    return None


def rate_limited(wait: float | None) -> DeliveryError:
    """Slack asked to slow down."""
    later = f"; trying again in {wait:g} s" if wait is not None else ""
    return DeliveryError(
        f"Slack asked HookFlo to slow down (rate limited){later}",
        permanent=False,
        retry_after=wait,
    )


def api_error(
    code: str, *, channel: str, app: str, needed: str | None = None
) -> DeliveryError:
    """Turn a Web API ``{"ok": false, "error": code}`` into a failure.

    Args:
        code: Slack's error code (already checked with ``safe_code``).
        channel: the channel as configured, for hints.
        app: how to name the app in ``/invite`` hints, e.g. ``@hookflo``.
        needed: the scope Slack said is missing, if it said.
    """
    where = _channel_label(channel)
    if code in _RATE_LIMITED:
        return rate_limited(None)
    if code in _AUTH:
        return DeliveryError(_AUTH[code], permanent=True)
    if code in _DENIED:
        return _permanent(
            f"Slack denied the app access to the workspace ({code}): ask a "
            "workspace admin to check the app's installation"
        )
    if code == "missing_scope":
        scope = safe_code(needed) or "chat:write"
        return _permanent(
            f"The Slack app lacks the {scope} scope (missing_scope): add it "
            "under OAuth & Permissions and reinstall the app"
        )
    if code == "channel_not_found":
        return _permanent(_not_found(channel, app))
    if code == "not_in_channel":
        return _permanent(
            f"The Slack app is not a member of {where} (not_in_channel): "
            f"invite it with /invite {app} in {where}"
        )
    if code == "is_archived":
        return _permanent(
            f"The Slack channel {where} is archived (is_archived): unarchive it "
            "or choose another channel"
        )
    if code in _RESTRICTED:
        return _permanent(
            f"A Slack workspace setting stops the app posting in {where} "
            f"({code}): ask an admin, or choose another channel"
        )
    if code == "msg_too_long":
        return _permanent(
            "Slack refused the message as too long (msg_too_long) even after "
            "HookFlo shortened it: shorten the Slack template"
        )
    if code == "no_text":
        return _permanent(
            "Slack refused an empty message (no_text): check the template"
        )
    if code in _PASSING:
        return DeliveryError(
            f"Slack could not take the message just now ({code}); HookFlo will "
            "try again",
            permanent=False,
        )
    return _permanent(f"Slack refused the message ({code})")


def http_error(status: int, code: str | None) -> DeliveryError:
    """A Web API answer that was not JSON with an error code."""
    named = f"HTTP {status} {code}" if code else f"HTTP {status}"
    if status >= 500:
        return DeliveryError(
            f"Slack's API answered {named}; HookFlo will try again",
            permanent=False,
        )
    return _permanent(
        f"Slack's API answered {named} instead of a Slack reply: check "
        "channels.slack.api_url in config.toml"
    )


def webhook_error(status: int, code: str | None) -> DeliveryError:
    """Turn an incoming webhook's refusal into a failure."""
    named = f"HTTP {status} {code}" if code else f"HTTP {status}"
    if status >= 500:
        return DeliveryError(
            f"Slack's webhook service answered {named}; HookFlo will try again",
            permanent=False,
        )
    if code == "channel_is_archived" or status == 410:
        return _permanent(
            f"Slack refused the webhook ({named}): its channel was archived or "
            "deleted, which revokes the webhook URL; create a new incoming webhook"
        )
    if code in _WEBHOOK_GONE or status in (403, 404):
        return _permanent(
            f"Slack refused the webhook ({named}): the webhook URL was revoked or "
            "is wrong; create a new incoming webhook and set it with "
            "`hookflo secret set slack-webhook-url`"
        )
    if code == "no_text":
        return _permanent(
            f"Slack refused an empty message ({named}): check the template"
        )
    return _permanent(f"Slack refused the message sent through the webhook ({named})")


def transport_error(error: BaseException, timeout_s: float) -> DeliveryError:
    """A request that got no answer from Slack at all."""
    if isinstance(error, TimeoutError | asyncio.TimeoutError):
        return DeliveryError(
            f"Slack did not answer within {timeout_s:g} s; HookFlo will try again",
            permanent=False,
        )
    if isinstance(error, aiohttp.InvalidURL):
        return _permanent("The Slack URL is not a valid URL: set it again")
    if isinstance(error, aiohttp.ClientConnectorError) and isinstance(
        error.os_error, socket.gaierror
    ):
        return DeliveryError(
            "HookFlo could not look up Slack's address (no network, or DNS "
            "failed); it will try again",
            permanent=False,
        )
    if isinstance(error, aiohttp.ClientConnectorError):
        # strerror can carry the address; the errno's own text cannot.
        number = error.os_error.errno
        reason = os.strerror(number) if number else type(error.os_error).__name__
        return DeliveryError(
            f"HookFlo could not connect to Slack ({reason.lower()}); it will try again",
            permanent=False,
        )
    return DeliveryError(
        f"The connection to Slack broke off ({type(error).__name__}); HookFlo "
        "will try again",
        permanent=False,
    )


def _not_found(channel: str, app: str) -> str:
    where = _channel_label(channel)
    if channel != channel.strip():
        return (
            f"Slack has no channel {channel!r} (channel_not_found): the name has "
            "a leading or trailing space; remove it (HookFlo trims names on save)"
        )
    if _CHANNEL_ID.match(channel):
        return (
            f"Slack found no channel {channel} (channel_not_found): if it is a "
            f"private channel, invite the app first (/invite {app} in it); "
            "otherwise check the id"
        )
    return (
        f"Slack found no channel {where} (channel_not_found): check the name, or "
        f"if it is private, invite the app first (/invite {app} in it)"
    )


def _channel_label(channel: str) -> str:
    name = channel.strip()
    if _CHANNEL_ID.match(name) or name.startswith("#"):
        return name
    return f"#{name}"


def _permanent(message: str) -> DeliveryError:
    return DeliveryError(message, permanent=True)
