"""Describe the catch-up's summary: what arrived while HookFlo was away."""

from collections.abc import Mapping
from typing import Any

from hookflo.core.alerting import jsonread
from hookflo.core.alerting.draft import Draft, UserLookup


def summary(draft: Draft, data: Mapping[str, Any], action: str, _: UserLookup) -> None:
    """Describe ``hookflo.caught_up``: "While you were away: 14 signups"."""
    created = _number(data.get("created"))
    updated = _number(data.get("updated"))
    parts = []
    if created:
        parts.append(f"{created} signup{'s' if created != 1 else ''}")
    if updated:
        parts.append(f"{updated} updated user{'s' if updated != 1 else ''}")
    counted = " and ".join(parts) or "nothing new"
    draft.title = f"While you were away: {counted}"
    draft.subject = counted
    draft.predicate = "caught up from Clerk"
    names = [jsonread.text(n) for n in data.get("names") or [] if jsonread.text(n)]
    more = created - len(names)
    if names:
        draft.aside = ", ".join(names) + (f" and {more} more" if more > 0 else "")
    draft.detail("Source", jsonread.text(data.get("source")))


def _number(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
