"""Turn the health facts into lines to read and warnings to act on.

Svix (which delivers Clerk's webhooks) retries a failed delivery for about
27 hours and disables an endpoint whose deliveries all failed for 5 days
(docs.svix.com/retries). So an outage is harmless while the retries last,
worth a warning once they run out, and needs the user in Clerk's dashboard
once messages were dropped or the endpoint may be disabled.
"""

import dataclasses
import enum
from typing import Any

from hookflo.core.catchup import wording
from hookflo.core.catchup.records import Outcome
from hookflo.core.catchup.wording import SVIX_DISABLE_AFTER_S, SVIX_RETRY_WINDOW_S
from hookflo.core.health.facts import Cause, Facts, Outage, SourceHealth

# After the try at 7 h 35 min only the two 10-hour waits are left.
RUNNING_OUT_AFTER_S = 5 + 5 * 60 + 30 * 60 + 2 * 3600 + 5 * 3600
# A past outage that cost messages stays on show this long after it ended.
KEEP_PAST_S = 3 * 24 * 3600.0
# What the latest catch-up did (or could not do) is told for a day.
KEEP_CATCH_UP_S = 24 * 3600.0

RECOVER_STEPS = (
    "In Clerk's dashboard open Webhooks, choose this endpoint, then "
    "Recover failed messages (in its menu) from {since}"
)
ENABLE_STEPS = (
    "In Clerk's dashboard open Webhooks and choose this endpoint; if it says "
    "Disabled, enable it, then Recover failed messages (in its menu) from {since}"
)


class Stage(enum.StrEnum):
    """How far an outage got in Svix's retry schedule."""

    RETRYING = "retrying"
    RUNNING_OUT = "running-out"
    RETRIES_OVER = "retries-over"
    MAY_BE_DISABLED = "may-be-disabled"


@dataclasses.dataclass(frozen=True, slots=True)
class Concern:
    """A problem to act on, and how."""

    text: str
    steps: str = ""


def stage(outage: Outage, now: float) -> Stage:
    """Return where ``outage`` stands in the retry schedule."""
    lasted = outage.seconds(now)
    if lasted >= SVIX_DISABLE_AFTER_S:
        return Stage.MAY_BE_DISABLED
    if lasted >= SVIX_RETRY_WINDOW_S:
        return Stage.RETRIES_OVER
    if lasted >= RUNNING_OUT_AFTER_S:
        return Stage.RUNNING_OUT
    return Stage.RETRYING


def concerns(facts: Facts) -> list[Concern]:
    """Return what needs the user's attention, the most serious first."""
    found = []
    outage = _outage_warning(facts)
    if outage is not None:
        found.append(outage)
    # Without a key there is nothing to fix now: that is told, not warned of
    # (an outage long enough to lose events has its own warning above).
    found.extend(
        Concern(record.message)
        for record in facts.catchups
        if record.outcome is Outcome.FAILED
        and facts.checked_at - record.offline_until < KEEP_CATCH_UP_S
    )
    return found


def summary(facts: Facts) -> list[str]:
    """Return a line per source, and what the latest catch-up found."""
    report = [_source_line(s, facts.checked_at) for s in facts.sources]
    outage, now = facts.outage, facts.checked_at
    if (
        outage is not None
        and outage.cause is Cause.OFFLINE
        and outage.end is None
        and stage(outage, now) is Stage.RETRYING
    ):
        report.append(
            f"Not listening since {wording.moment(outage.start, now)} "
            f"({wording.duration(outage.seconds(now))}); Clerk retries each "
            f"delivery for about {wording.duration(SVIX_RETRY_WINDOW_S)}"
        )
    report.extend(
        record.message
        for record in facts.catchups
        if record.outcome in (Outcome.CAUGHT_UP, Outcome.NO_KEY)
        and facts.checked_at - record.offline_until < KEEP_CATCH_UP_S
    )
    return report


def lines(facts: Facts) -> list[str]:
    """Return the health report, a line per fact, warnings last."""
    report = summary(facts)
    for concern in concerns(facts):
        report.append(f"Warning: {concern.text}")
        if concern.steps:
            report.append(f"What to do: {concern.steps}")
    return report


def to_json(facts: Facts) -> dict[str, Any]:
    """Return the report as JSON-ready values."""
    now = facts.checked_at
    outage = facts.outage
    return {
        "sources": [
            {
                "source": s.source,
                "environment": s.environment,
                "last_verified_at": s.last_verified_at,
                "last_hour": {
                    "accepted": s.accepted,
                    "refused": s.refused,
                    "refused_share": s.refused_share,
                    "main_reason": s.main_reason,
                },
            }
            for s in facts.sources
        ],
        "outage": None
        if outage is None
        else {
            "cause": outage.cause.value,
            "start": outage.start,
            "end": outage.end,
            "seconds": round(outage.seconds(now), 1),
            "stage": stage(outage, now).value,
        },
        "catch_up": [
            {
                "source": r.source,
                "offline_from": r.offline_from,
                "offline_until": r.offline_until,
                "outcome": r.outcome.value,
                "created": r.created,
                "updated": r.updated,
                "message": r.message,
            }
            for r in facts.catchups
        ],
        "warnings": [{"text": w.text, "steps": w.steps} for w in concerns(facts)],
        "lines": lines(facts),
    }


def _source_line(health: SourceHealth, now: float) -> str:
    name = f"{health.source} ({health.environment})"
    if health.last_verified_at is None:
        last = "no verified event from Clerk yet"
    else:
        ago = wording.duration(now - health.last_verified_at)
        at = wording.moment(health.last_verified_at, now)
        last = f"last verified event at {at} ({ago} ago)"
    share = health.refused_share
    if share is None:
        hour = "no requests in the last hour"
    elif not health.refused:
        hour = f"last hour: all {health.accepted} requests verified"
    else:
        total = health.accepted + health.refused
        reason = (health.main_reason or "").replace("_", " ")
        hour = (
            f"last hour: {health.refused} of {total} requests refused "
            f"({share:.0%}), mostly {reason}"
        )
    return f"{name}: {last}; {hour}"


def _outage_warning(facts: Facts) -> Concern | None:
    outage, now = facts.outage, facts.checked_at
    if outage is None:
        return None
    level = stage(outage, now)
    since = wording.moment(outage.start, now)
    lasted = wording.duration(outage.seconds(now))
    what = (
        "HookFlo was not listening"
        if outage.cause is Cause.OFFLINE
        else "HookFlo refused Clerk's deliveries"
    )
    if outage.end is None:
        when = f"{what} for {lasted} now (since {since})"
    else:
        if now - outage.end > KEEP_PAST_S:
            return None
        if level is Stage.MAY_BE_DISABLED and facts.delivered_since_outage:
            level = Stage.RETRIES_OVER  # a delivery since shows it is enabled
        until = wording.moment(outage.end, now)
        when = f"{what} for {lasted} (from {since} to {until})"
    if level is Stage.RETRYING:
        return None
    if level is Stage.RUNNING_OUT:
        if outage.end is not None:
            return None  # it ended while retries were still coming
        left = wording.duration(outage.start + SVIX_RETRY_WINDOW_S - now)
        return Concern(
            f"{when}: Clerk's retries are running out; the first messages get "
            f"their last try in about {left}"
        )
    if level is Stage.RETRIES_OVER:
        return Concern(
            f"{when}: Clerk stopped retrying the messages of the first hours",
            RECOVER_STEPS.format(since=since),
        )
    return Concern(
        f"{when}: Clerk disables an endpoint after 5 days of failed deliveries, "
        "so it may be disabled",
        ENABLE_STEPS.format(since=since),
    )
