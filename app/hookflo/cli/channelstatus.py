"""The alert-channel part of ``hookflo status``: sending, or stopped and why.

One line per configured channel (and per channel stopped since it was taken
out of the file): whether it sends, and if a permanent failure stopped it,
the reason and the ``hookflo retry`` that lets it send again; how many of
its alerts wait and the last failure. Read from the store; nothing changes.
"""

from typing import Any

from hookflo.cli.environment import Env
from hookflo.core.catchup import wording
from hookflo.core.channels.base import ChannelName
from hookflo.core.config import Config
from hookflo.core.health import alertchannels
from hookflo.core.health.alertchannels import ChannelState

STOPPED = "stopped"
SENDING = "sending"


def configured(settings: Config) -> list[str]:
    """Return the channels ``config.toml`` turns on, in the usual order."""
    tables = settings.channels
    on = {
        ChannelName.DESKTOP: tables.desktop.enabled,
        ChannelName.SLACK: tables.slack is not None,
        ChannelName.EMAIL: tables.email is not None,
    }
    return [name.value for name in ChannelName if on[name]]


def gather(env: Env, settings: Config) -> list[dict[str, Any]]:
    """Return each channel's state as JSON-ready values."""
    found = alertchannels.read(env.paths.database_file, configured(settings))
    return [to_json(state) for state in found]


def to_json(state: ChannelState) -> dict[str, Any]:
    """Return one channel's state as the ``channels`` entry of status JSON."""
    failure = state.last_failure
    return {
        "channel": state.channel,
        "state": STOPPED if state.stopped else SENDING,
        "reason": state.stop_reason,
        "stopped_since": state.stopped_since,
        "release": _release(state),
        "waiting": state.waiting,
        "failed": state.failed,
        "last_failure": None
        if failure is None
        else {
            "delivery": failure.delivery_id,
            "at": failure.at,
            "error": failure.error,
        },
    }


def describe(channels: list[dict[str, Any]], now: float) -> list[str]:
    """Return a line per channel."""
    if not channels:
        return ["Alerts: no channel is on"]
    return [_line(channel, now) for channel in channels]


def _release(state: ChannelState) -> str | None:
    if not state.stopped:
        return None
    if state.release_id is None:
        return None  # nothing of it left to retry: a change of settings lifts it
    return f"hookflo retry {state.release_id}"


def _line(channel: dict[str, Any], now: float) -> str:
    name = f"{channel['channel'].capitalize()} alerts"
    waiting = _waiting(channel)
    if channel["state"] == STOPPED:
        since = wording.moment(channel["stopped_since"], now)
        reason = str(channel["reason"]).rstrip(".")
        text = f"{name}: stopped since {since}: {reason}. {waiting.capitalize()}"
        release = channel["release"]
        if release is None:
            return f"{text}. Fix the settings; it sends again once they change"
        return f"{text}. Fix the settings, then run `{release}` to send again"
    text = f"{name}: sending; {waiting}"
    failure = channel["last_failure"]
    if failure is not None:
        at = wording.moment(failure["at"], now)
        text += f"; last failure at {at}: {failure['error']}"
    return text


def _waiting(channel: dict[str, Any]) -> str:
    parts = []
    if channel["waiting"]:
        parts.append(wording.count(channel["waiting"], "alert waits", "alerts wait"))
    if channel["failed"]:
        failed = wording.count(channel["failed"], "alert", "alerts")
        parts.append(f"{failed} failed (see `hookflo deliveries`)")
    return ", ".join(parts) if parts else "nothing waiting"
