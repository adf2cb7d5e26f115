"""Turn a stored Clerk event into the facts people read in an alert.

``describe`` never raises: a body that is not JSON, a missing field or an
unknown event type still gives readable facts. The outgoing messages Clerk
reports (``email.created``, ``sms.created``) carry sign-in codes and links,
so for them only a masked recipient is kept, in the facts and in ``data``.
"""

import dataclasses
import logging
import math
import types
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from hookflo.core.alerting import (
    catchupfacts,
    hiddenfields,
    jsonread,
    messagefacts,
    orgfacts,
    people,
    userfacts,
)
from hookflo.core.alerting.draft import Draft, Lookup, UserLookup
from hookflo.core.derived import facts as derivedfacts
from hookflo.core.derived import kinds as derivedkinds

logger = logging.getLogger(__name__)

Describer = Callable[[Draft, Mapping[str, Any], str, UserLookup], None]


@dataclasses.dataclass(frozen=True, slots=True)
class EventFacts:
    """What one stored event says, in words; every text field is ``""`` if unknown.

    A sentence about the event reads ``subject predicate · aside``, e.g.
    "Ada Example" "signed up with Google" · "ada@example.com"; templates can
    emphasise the subject, or print ``headline`` for the whole sentence.

    Attributes:
        event_id: the stored event's id.
        event_type: Clerk's type (``user.created``), or ``""`` when absent.
        family: the part before the dot (``user``, ``organizationMembership``).
        title: a short heading for the kind of event ("New signup").
        subject: who or what the event is about ("Ada Example").
        predicate: what happened to the subject ("signed up with Google").
        aside: one supporting detail, often an address.
        name: the person concerned, by the best name known.
        email: their email address (masked for ``email.created``).
        phone: their phone number (masked for ``sms.created``).
        username: their username.
        user_id: their Clerk user id.
        external_id: the id your own system gave them, if Clerk has it.
        method: how they signed up, to follow "with" ("Google").
        org_name: the organization concerned.
        role: the organization role by name ("Admin").
        object_id: the id of the object the event is about.
        details: label and value pairs for longer message bodies.
        environment: ``production`` or ``development``, from the source.
        is_test: the event was sent by ``hookflo send-test``.
        source: the name of the configured source it came in on.
        received_at: when HookFlo stored it (Unix time).
        data: the event's ``data`` object for custom templates, with sign-in
            codes, message bodies and invitation links taken out.
    """

    event_id: int
    event_type: str
    family: str
    title: str
    subject: str
    predicate: str
    aside: str
    name: str
    email: str
    phone: str
    username: str
    user_id: str
    external_id: str
    method: str
    org_name: str
    role: str
    object_id: str
    details: tuple[tuple[str, str], ...]
    environment: str
    is_test: bool
    source: str
    received_at: float
    data: Mapping[str, Any]

    @property
    def headline(self) -> str:
        """Return the event as one sentence without markup."""
        sentence = " ".join(part for part in (self.subject, self.predicate) if part)
        return " · ".join(part for part in (sentence, self.aside) if part)

    @property
    def marked_test(self) -> bool:
        """Return whether alerts must say TEST: a test or non-production event."""
        return self.is_test or self.environment != "production"

    @property
    def received(self) -> str:
        """Return when it was received, in UTC, to the minute."""
        if not math.isfinite(self.received_at):
            return ""
        try:
            moment = datetime.fromtimestamp(self.received_at, UTC)
        except (OverflowError, OSError, ValueError):
            return ""
        return moment.strftime("%Y-%m-%d %H:%M UTC")


def describe(
    event_type: str | None,
    payload: object,
    *,
    environment: str,
    is_test: bool,
    source: str,
    event_id: int,
    received_at: float,
    lookup_user: Lookup | None = None,
) -> EventFacts:
    """Return the facts of one stored event.

    Args:
        event_type: the stored type, or None when the body had none.
        payload: the parsed body (``StoredEvent.payload()``), or its text.
        environment: the source's environment.
        is_test: the event came from ``hookflo send-test``.
        source: the name of the source it came in on.
        event_id: the stored event's id.
        received_at: when it was stored (Unix time).
        lookup_user: returns the latest stored user object for an id, so a
            ``user.deleted`` (which carries only the id) can name the person.
    """
    envelope = jsonread.mapping(payload)
    if event_type is None:
        event_type = jsonread.text(envelope.get("type"))
    data = jsonread.mapping(envelope.get("data"))
    family, _, action = event_type.partition(".")
    draft = Draft()
    try:
        describer = _DESCRIBERS.get(family, _generic)
        if derivedkinds.is_derived_type(event_type):
            describer = derivedfacts.change
        describer(draft, data, action, _safe(lookup_user))
    except Exception:
        # A describer bug must not cost the alert: say what arrived instead.
        logger.exception("Could not describe a %s event; using plain words", family)
        draft = Draft()
        _generic(draft, data, action, _safe(None))
    _fill_in(draft, payload, family, action)
    return EventFacts(
        event_id=event_id,
        event_type=event_type,
        family=family,
        title=draft.title,
        subject=draft.subject,
        predicate=draft.predicate,
        aside=draft.aside,
        name=draft.name,
        email=draft.email,
        phone=draft.phone,
        username=draft.username,
        user_id=draft.user_id,
        external_id=draft.external_id,
        method=draft.method,
        org_name=draft.org_name,
        role=draft.role,
        object_id=draft.object_id,
        details=tuple(draft.details),
        environment=environment,
        is_test=is_test,
        source=source,
        received_at=received_at,
        data=_public_data(family, data),
    )


def _generic(draft: Draft, data: Mapping[str, Any], action: str, _: UserLookup) -> None:
    """Describe an event of a type HookFlo has no words for yet.

    ``describe`` makes the title from the type; this adds what the object is.
    """
    if data.get("object") == "user":
        draft.name = people.display_name(data)
        draft.aside = draft.name
    else:
        draft.aside = (
            jsonread.text(data.get("name"))
            or jsonread.text(data.get("email_address"))
            or jsonread.text(data.get("slug"))
            or jsonread.text(data.get("id"))
        )
    draft.object_id = jsonread.text(data.get("id"))
    draft.detail("Id", draft.object_id)


_DESCRIBERS: Mapping[str, Describer] = {
    "user": userfacts.user,
    "session": userfacts.session,
    "organization": orgfacts.organization,
    "organizationDomain": orgfacts.domain,
    "organizationInvitation": orgfacts.invitation,
    "invitation": orgfacts.invitation,
    "organizationMembership": orgfacts.membership,
    "role": orgfacts.role,
    "permission": orgfacts.permission,
    "waitlistEntry": orgfacts.waitlist_entry,
    "email": messagefacts.email,
    "sms": messagefacts.sms,
    "hookflo": catchupfacts.summary,
}


def _fill_in(draft: Draft, payload: object, family: str, action: str) -> None:
    """Give every event a title and a sentence, even one HookFlo cannot read."""
    if not isinstance(payload, Mapping):
        draft.title = "Unreadable event"
        draft.subject = "A webhook body that is not a JSON object"
        draft.predicate = "arrived"
        return
    if not draft.title:
        named = " ".join(
            p for p in (jsonread.words(family), jsonread.words(action)) if p
        )
        draft.title = jsonread.sentence_case(named) or "Event"
    if not draft.subject:
        draft.subject = draft.title if family else "An event without a type"
        draft.predicate = draft.predicate if family else "arrived"


def _public_data(family: str, data: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return ``data`` for templates, without what lets someone sign in."""
    if family in hiddenfields.MESSAGE_FAMILIES:
        kept = {key: data[key] for key in hiddenfields.MESSAGE_KEYS if key in data}
        recipient = messagefacts.masked_recipient(data)
        if "to_email_address" in data:
            kept["to_email_address"] = recipient
        if "to_phone_number" in data:
            kept["to_phone_number"] = recipient
        return types.MappingProxyType(kept)
    public = dict(data)
    if family in hiddenfields.INVITATION_FAMILIES:
        public.pop("url", None)
    nested = data.get("invitation")
    if isinstance(nested, Mapping):
        public["invitation"] = {k: v for k, v in nested.items() if k != "url"}
    return types.MappingProxyType(public)


def _safe(lookup_user: Lookup | None) -> UserLookup:
    """Wrap ``lookup_user`` so describers get a mapping and never an error."""

    def lookup(user_id: str) -> Mapping[str, Any]:
        if lookup_user is None or not user_id:
            return jsonread.EMPTY
        try:
            found = lookup_user(user_id)
        except Exception as err:  # the store may be busy or broken
            logger.warning("Could not look up user %s in the store: %s", user_id, err)
            return jsonread.EMPTY
        return found if isinstance(found, Mapping) else jsonread.EMPTY

    return lookup
