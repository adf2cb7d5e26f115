"""Describe the messages Clerk sends for users (``email.*``, ``sms.*``).

Their subject, body and data hold one-time codes and magic links; only the
kind of message and a masked recipient are ever described.
"""

from collections.abc import Mapping
from typing import Any

from hookflo.core.alerting import jsonread, people
from hookflo.core.alerting.draft import Draft, UserLookup


def email(draft: Draft, data: Mapping[str, Any], action: str, _: UserLookup) -> None:
    """Describe ``email.*`` by its kind and masked recipient, never its content."""
    _message(draft, data, action, "email")
    draft.title = "Email from Clerk"
    draft.email = draft.name


def sms(draft: Draft, data: Mapping[str, Any], action: str, _: UserLookup) -> None:
    """Describe ``sms.*`` by its kind and masked recipient, never its content."""
    _message(draft, data, action, "text message")
    draft.title = "Text message from Clerk"
    draft.phone = draft.name


def _message(draft: Draft, data: Mapping[str, Any], action: str, medium: str) -> None:
    recipient = masked_recipient(data)
    kind = jsonread.words(jsonread.text(data.get("slug")))
    what = f"{kind} {medium}" if kind else medium
    article = "an" if what[0] in "aeiou" else "a"
    to_whom = f" to {recipient}" if recipient else ""
    draft.subject = "Clerk"
    draft.predicate = f"is sending {article} {what}{to_whom}"
    if action not in ("", "created"):
        status = jsonread.words(action)
        draft.predicate = f"reports {article} {what}{to_whom} as {status}"
    draft.name = recipient
    draft.user_id = jsonread.text(data.get("user_id"))
    draft.object_id = jsonread.text(data.get("id"))
    draft.detail("Recipient", recipient)
    draft.detail("Kind", kind)
    draft.detail("Status", jsonread.words(jsonread.text(data.get("status"))))


def masked_recipient(data: Mapping[str, Any]) -> str:
    """Return the message's recipient with most of it hidden, or ``""``."""
    address = jsonread.text(data.get("to_email_address"))
    if address:
        return people.mask_email(address)
    number = jsonread.text(data.get("to_phone_number"))
    return people.mask_phone(number) if number else ""
