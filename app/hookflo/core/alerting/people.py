"""What a Clerk user object says about the person: name, contact, sign-up way.

Clerk sends users with null or blank names, several addresses (the primary
one found through ``primary_email_address_id``, not by position), and the way
they signed up spread over ``external_accounts``, the verification strategy
of their address, ``password_enabled``, passkeys and wallets.
"""

from collections.abc import Mapping
from typing import Any

from hookflo.core.alerting import jsonread

_PROVIDERS = {
    "apple": "Apple",
    "atlassian": "Atlassian",
    "bitbucket": "Bitbucket",
    "box": "Box",
    "coinbase": "Coinbase",
    "discord": "Discord",
    "dropbox": "Dropbox",
    "facebook": "Facebook",
    "github": "GitHub",
    "gitlab": "GitLab",
    "google": "Google",
    "hubspot": "HubSpot",
    "huggingface": "Hugging Face",
    "instagram": "Instagram",
    "line": "LINE",
    "linear": "Linear",
    "linkedin": "LinkedIn",
    "linkedin_oidc": "LinkedIn",
    "microsoft": "Microsoft",
    "notion": "Notion",
    "slack": "Slack",
    "spotify": "Spotify",
    "tiktok": "TikTok",
    "twitch": "Twitch",
    "twitter": "X",
    "vercel": "Vercel",
    "x": "X",
    "xero": "Xero",
}

_EMAIL_STRATEGIES = {
    "email_code": "an email code",
    "email_link": "an email link",
    "ticket": "an invitation",
}


def full_name(user: Mapping[str, Any]) -> str:
    """Return first and last name joined by one space; ``""`` if both are blank."""
    parts = (
        jsonread.text(user.get("first_name")),
        jsonread.text(user.get("last_name")),
    )
    return " ".join(part for part in parts if part)


def primary_email(user: Mapping[str, Any]) -> str:
    """Return the primary address, or the first one when no primary is named."""
    address = _primary(user, "email_addresses", "primary_email_address_id")
    return jsonread.text(address.get("email_address"))


def primary_phone(user: Mapping[str, Any]) -> str:
    """Return the primary phone number, or the first one."""
    number = _primary(user, "phone_numbers", "primary_phone_number_id")
    return jsonread.text(number.get("phone_number"))


def display_name(user: Mapping[str, Any]) -> str:
    """Return what to call the user; ``""`` only when the object has nothing.

    The name comes first, then the username (chosen by the person, so more
    personal than an address), then the primary email, phone and id.
    """
    return (
        full_name(user)
        or jsonread.text(user.get("username"))
        or primary_email(user)
        or primary_phone(user)
        or jsonread.text(user.get("id"))
    )


def signup_method(user: Mapping[str, Any]) -> str:
    """Return how the user signed up, to follow "signed up with"; ``""`` if unknown.

    Examples: ``Google``, ``email and password``, ``an email code``,
    ``a passkey``, ``a web3 wallet``.
    """
    for account in jsonread.records(user.get("external_accounts")):
        provider = jsonread.text(account.get("provider")) or jsonread.text(
            account.get("object")
        ).removesuffix("_account")
        if provider:
            return provider_label(provider)
    if jsonread.records(user.get("enterprise_accounts")) or jsonread.records(
        user.get("saml_accounts")
    ):
        return "single sign-on"
    password = user.get("password_enabled") is True
    email_strategy = _email_strategy(user)
    if email_strategy.startswith(("from_oauth_", "oauth_")):
        return provider_label(email_strategy)
    if jsonread.records(user.get("web3_wallets")):
        return "a web3 wallet"
    if jsonread.records(user.get("passkeys")) and not password:
        return "a passkey"
    if primary_email(user):
        if password:
            return "email and password"
        return _EMAIL_STRATEGIES.get(email_strategy, "email")
    if primary_phone(user):
        return "phone and password" if password else "a phone code"
    if jsonread.text(user.get("username")) and password:
        return "a username and password"
    return ""


def provider_label(provider: str) -> str:
    """Return a provider as people write it: ``oauth_github`` → ``GitHub``."""
    key = provider.lower()
    for prefix in ("from_oauth_", "oauth_", "custom_"):
        key = key.removeprefix(prefix)
    if key in _PROVIDERS:
        return _PROVIDERS[key]
    return jsonread.words(key).title() or "an identity provider"


def mask_email(address: str) -> str:
    """Return ``address`` with the mailbox hidden: ``a***@example.com``."""
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return "***"
    return f"{local[0]}***@{domain}"


def mask_phone(number: str) -> str:
    """Return ``number`` with all but its first and last two digits hidden.

    ``+1 555 555 0199`` → ``+1 *** *** **99``.
    """
    digits = [i for i, char in enumerate(number) if char.isdigit()]
    if len(digits) < 4:
        return "***"
    keep = {digits[0], digits[-2], digits[-1]} if number.startswith("+") else set()
    keep |= {digits[-2], digits[-1]}
    return "".join(
        "*" if char.isdigit() and i not in keep else char
        for i, char in enumerate(number)
    )


def _primary(user: Mapping[str, Any], list_key: str, id_key: str) -> Mapping[str, Any]:
    items = jsonread.records(user.get(list_key))
    chosen = jsonread.find(items, user.get(id_key))
    if not chosen and items:
        chosen = items[0]
    return chosen


def _email_strategy(user: Mapping[str, Any]) -> str:
    address = _primary(user, "email_addresses", "primary_email_address_id")
    verification = jsonread.mapping(address.get("verification"))
    return jsonread.text(verification.get("strategy"))
