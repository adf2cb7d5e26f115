"""Hide sign-in codes and links from a payload before anyone sees it.

Clerk reports the emails and text messages it sends (``email.*``,
``sms.*``); their subject, bodies and template data hold one-time codes and
magic links, and invitations carry a link that admits whoever opens it.
Alerts describe these events without them; ``shown_payload`` gives the
displays (``hookflo events``, the detail pane) the same rule. The stored body
is never changed: it is the verified original.
"""

import logging
from collections.abc import Mapping
from typing import Any

from hookflo.core.alerting import jsonread, people

logger = logging.getLogger(__name__)

HIDDEN_CODE = "«hidden: sign-in code»"
HIDDEN_LINK = "«hidden: invitation link»"

# What may be shown of a message Clerk sends on a user's behalf; every other
# field of its ``data`` (subject, body, body_plain, template data) may hold a
# code or a link.
MESSAGE_KEYS = frozenset(
    {
        "object",
        "id",
        "slug",
        "status",
        "user_id",
        "email_address_id",
        "phone_number_id",
        "delivered_by_clerk",
    }
)
MESSAGE_FAMILIES = frozenset({"email", "sms"})
INVITATION_FAMILIES = frozenset({"invitation", "organizationInvitation"})


def shown_payload(event_type: str | None, payload: object) -> object:
    """Return ``payload`` as it may be displayed: codes and links hidden.

    Args:
        event_type: the stored type; the payload's own ``type`` if None.
        payload: the parsed body (``StoredEvent.payload()``) or its text.
    """
    if not isinstance(payload, Mapping):
        return payload
    if event_type is None:
        event_type = jsonread.text(payload.get("type"))
    family = event_type.partition(".")[0]
    data = payload.get("data")
    if not isinstance(data, Mapping):
        return payload
    if family in MESSAGE_FAMILIES:
        return {**payload, "data": _hidden_message(data)}
    return {**payload, "data": _hidden_links(data, family)}


def _hidden_links(data: Mapping[str, Any], family: str) -> Mapping[str, Any]:
    shown = dict(data)
    if family in INVITATION_FAMILIES and "url" in data:
        shown["url"] = HIDDEN_LINK
    nested = data.get("invitation")
    if isinstance(nested, Mapping) and "url" in nested:
        shown["invitation"] = {**nested, "url": HIDDEN_LINK}
    return shown


def _hidden_message(data: Mapping[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for key, value in data.items():
        if key in MESSAGE_KEYS:
            shown[key] = value
        elif key == "to_email_address":
            shown[key] = people.mask_email(jsonread.text(value))
        elif key == "to_phone_number":
            shown[key] = people.mask_phone(jsonread.text(value))
        else:
            shown[key] = HIDDEN_CODE
    return shown
