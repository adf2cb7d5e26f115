"""Describe organization events, and the roles, permissions and waitlist."""

from collections.abc import Mapping
from typing import Any

from hookflo.core.alerting import jsonread, people
from hookflo.core.alerting.draft import Draft, UserLookup

_PAST = {"created": "was created", "updated": "was updated", "deleted": "was deleted"}


def organization(
    draft: Draft, data: Mapping[str, Any], action: str, lookup: UserLookup
) -> None:
    """Describe ``organization.*``; the creator is named from stored users."""
    _organization(draft, data)
    draft.title = {
        "created": "New organization",
        "updated": "Organization updated",
        "deleted": "Organization deleted",
    }.get(action, _title("organization", action))
    draft.subject = draft.org_name or f"Organization {_label(data)}".strip()
    draft.predicate = _PAST.get(action, "")
    creator_id = jsonread.text(data.get("created_by"))
    creator = people.display_name(lookup(creator_id)) if creator_id else ""
    if action == "created" and creator:
        draft.predicate = f"was created by {creator}"
    draft.aside = jsonread.text(data.get("slug")) if draft.org_name else ""
    draft.detail("Members", jsonread.text(data.get("members_count")))
    draft.detail("Created by", creator)
    draft.detail("Organization id", draft.object_id)


def domain(draft: Draft, data: Mapping[str, Any], action: str, _: UserLookup) -> None:
    """Describe ``organizationDomain.*``."""
    name = jsonread.text(data.get("name"))
    owner = jsonread.mapping(data.get("public_organization_data"))
    draft.org_name = jsonread.text(owner.get("name"))
    draft.object_id = jsonread.text(data.get("id"))
    draft.title = {
        "created": "Domain added",
        "updated": "Domain updated",
        "deleted": "Domain removed",
    }.get(action, _title("organization domain", action))
    draft.subject = name or f"Domain {draft.object_id}".strip()
    to_org = f" to {draft.org_name}" if draft.org_name else ""
    draft.predicate = {
        "created": f"was added{to_org}",
        "updated": "was updated",
        "deleted": "was removed",
    }.get(action, "")
    verification = jsonread.mapping(data.get("verification"))
    status = jsonread.text(verification.get("status"))
    draft.aside = f"verification {jsonread.words(status)}" if status else ""
    draft.detail("Organization", draft.org_name)
    draft.detail(
        "Enrollment", jsonread.words(jsonread.text(data.get("enrollment_mode")))
    )
    draft.detail("Domain id", draft.object_id)


def invitation(
    draft: Draft, data: Mapping[str, Any], action: str, _: UserLookup
) -> None:
    """Describe ``organizationInvitation.*`` and ``invitation.*``.

    The invitation link is left out: whoever holds it can accept it.
    """
    draft.email = jsonread.text(data.get("email_address"))
    draft.role = _role_name(data)
    draft.object_id = jsonread.text(data.get("id"))
    invitee = draft.email or "Someone"
    draft.name = draft.email
    draft.title = {
        "created": "Invitation sent",
        "accepted": "Invitation accepted",
        "revoked": "Invitation revoked",
    }.get(action, _title("invitation", action))
    if action == "created":
        draft.subject = invitee
        draft.predicate = (
            f"was invited as {draft.role}" if draft.role else "was invited"
        )
    elif action == "accepted":
        draft.subject = invitee
        draft.predicate = "accepted the invitation"
    else:
        draft.subject = f"The invitation for {draft.email or 'someone'}"
        draft.predicate = f"was {jsonread.words(action)}" if action else ""
    draft.detail("Role", draft.role)
    draft.detail("Status", jsonread.words(jsonread.text(data.get("status"))))
    draft.detail("Organization id", jsonread.text(data.get("organization_id")))
    draft.detail("Invitation id", draft.object_id)


def membership(
    draft: Draft, data: Mapping[str, Any], action: str, _: UserLookup
) -> None:
    """Describe ``organizationMembership.*``: who joined, changed role or left."""
    member = jsonread.mapping(data.get("public_user_data"))
    identifier = jsonread.text(member.get("identifier"))
    draft.user_id = jsonread.text(member.get("user_id"))
    draft.name = people.full_name(member) or identifier or draft.user_id
    draft.email = identifier if "@" in identifier else ""
    draft.role = _role_name(data)
    draft.org_name = jsonread.text(
        jsonread.mapping(data.get("organization")).get("name")
    )
    draft.object_id = jsonread.text(data.get("id"))
    org = draft.org_name or "an organization"
    as_role = f" as {draft.role}" if draft.role else ""
    draft.title = {
        "created": "New member",
        "updated": "Member role changed",
        "deleted": "Member removed",
    }.get(action, _title("membership", action))
    draft.subject = draft.name or "Someone"
    draft.predicate = {
        "created": f"joined {org}{as_role}",
        "updated": f"is now {draft.role or 'a member'} in {org}",
        "deleted": f"is no longer a member of {org}",
    }.get(action, "")
    draft.aside = draft.email if draft.email != draft.name else ""
    draft.detail("Email", draft.email)
    draft.detail("Organization", draft.org_name)
    draft.detail("Role", draft.role)
    draft.detail("User id", draft.user_id)


def role(draft: Draft, data: Mapping[str, Any], action: str, _: UserLookup) -> None:
    """Describe ``role.*``."""
    _access(draft, data, action, "role")
    permissions = jsonread.records(data.get("permissions"))
    names = [
        jsonread.text(p.get("name")) or jsonread.text(p.get("key")) for p in permissions
    ]
    draft.detail("Permissions", ", ".join(name for name in names if name))


def permission(
    draft: Draft, data: Mapping[str, Any], action: str, _: UserLookup
) -> None:
    """Describe ``permission.*``."""
    _access(draft, data, action, "permission")


def waitlist_entry(
    draft: Draft, data: Mapping[str, Any], action: str, _: UserLookup
) -> None:
    """Describe ``waitlistEntry.*``."""
    draft.email = jsonread.text(data.get("email_address"))
    draft.name = draft.email
    draft.object_id = jsonread.text(data.get("id"))
    status = jsonread.words(jsonread.text(data.get("status")))
    draft.subject = draft.email or "Someone"
    if action == "created":
        draft.title = "Waitlist signup"
        draft.predicate = "joined the waitlist"
    else:
        draft.title = _title("waitlist entry", action)
        draft.predicate = f"is now {status} on the waitlist" if status else ""
    draft.detail("Status", status)
    draft.detail("Entry id", draft.object_id)


def _organization(draft: Draft, data: Mapping[str, Any]) -> None:
    draft.org_name = jsonread.text(data.get("name"))
    draft.object_id = jsonread.text(data.get("id"))


def _access(draft: Draft, data: Mapping[str, Any], action: str, kind: str) -> None:
    name = jsonread.text(data.get("name"))
    key = jsonread.text(data.get("key"))
    draft.object_id = jsonread.text(data.get("id"))
    draft.title = _title(kind, action)
    draft.subject = jsonread.sentence_case(f"{kind} {name or key or draft.object_id}")
    draft.predicate = _PAST.get(action, "")
    draft.aside = key if name else ""
    draft.detail("Key", key)
    draft.detail("Description", jsonread.text(data.get("description")))
    draft.detail(f"{jsonread.sentence_case(kind)} id", draft.object_id)


def _role_name(data: Mapping[str, Any]) -> str:
    named = jsonread.text(data.get("role_name"))
    if named:
        return named
    key = jsonread.text(data.get("role")).removeprefix("org:")
    return jsonread.sentence_case(jsonread.words(key))


def _label(data: Mapping[str, Any]) -> str:
    return jsonread.text(data.get("slug")) or jsonread.text(data.get("id"))


def _title(thing: str, action: str) -> str:
    return jsonread.sentence_case(
        " ".join(p for p in (thing, jsonread.words(action)) if p)
    )
