"""describe(): Clerk events in words people read, whatever the body holds."""

import copy
import dataclasses
import logging

import pytest

from hookflo.core import samples
from hookflo.core.alerting import people
from tests.support.facts import facts_of, sample

ADA = "Ada Example"
ADA_EMAIL = "ada.founder@example.com"

HEADLINES = {
    "user.created": f"{ADA} signed up with email and password · {ADA_EMAIL}",
    "user.updated": f"Ada Example-Renamed was updated · {ADA_EMAIL}",
    "session.created": f"{ADA} signed in · Chrome on desktop in San Francisco, US",
    "session.ended": f"{ADA} signed out",
    "session.removed": f"{ADA}'s session was removed",
    "session.revoked": f"{ADA}'s session was revoked",
    "organization.created": "Example Labs was created · example-labs",
    "organization.deleted": "Organization example-labs was deleted",
    "organizationDomain.created": "example.com was added to Example Labs",
    "organizationInvitation.created": "grace.tester@example.com was invited as Member",
    "organizationInvitation.revoked": (
        "The invitation for grace.tester@example.com was revoked"
    ),
    "organizationMembership.created": (
        "Grace Example joined Example Labs as Member · grace.tester@example.com"
    ),
    "organizationMembership.updated": (
        "Grace Example is now Admin in Example Labs · grace.tester@example.com"
    ),
    "organizationMembership.deleted": (
        "Grace Example is no longer a member of Example Labs · grace.tester@example.com"
    ),
    "role.created": "Role Content Manager was created · org:content_manager",
    "permission.deleted": "Permission perm_2g7np7Hrk0SN6kj5EDMLDaKNL0S was deleted",
    "waitlistEntry.created": "waitlist.hopeful@example.com joined the waitlist",
    "email.created": "Clerk is sending a verification code email to a***@example.com",
}


def user_created(**changes):
    body = sample("user.created")
    body["data"].update(changes)
    return body


@pytest.mark.parametrize("event_type", sorted(HEADLINES))
def test_fixture_events_read_as_sentences(event_type):
    assert facts_of(sample(event_type)).headline == HEADLINES[event_type]


@pytest.mark.parametrize("event_type", samples.event_types())
def test_every_fixture_has_a_title_and_no_null_words(event_type):
    facts = facts_of(sample(event_type))
    assert facts.title
    assert facts.headline
    texts = [getattr(facts, f.name) for f in dataclasses.fields(facts)]
    texts += [value for pair in facts.details for value in pair]
    for text in (t for t in texts if isinstance(t, str)):
        for word in ("None", "null", "undefined", "  "):
            assert word not in text


def test_signup_names_the_person_and_says_how_and_where():
    facts = facts_of(sample("user.created"), environment="development")
    assert (facts.name, facts.email, facts.method) == (
        ADA,
        ADA_EMAIL,
        "email and password",
    )
    assert facts.title == "New signup"
    assert facts.environment == "development"
    assert facts.marked_test
    assert facts.data["first_name"] == "Ada"


def test_primary_email_is_found_by_id_not_position():
    addresses = [
        {"id": "idn_other", "email_address": "old@example.com"},
        {"id": "idn_main", "email_address": "main@example.com"},
    ]
    body = user_created(email_addresses=addresses, primary_email_address_id="idn_main")
    assert facts_of(body).email == "main@example.com"


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"first_name": "  Ada  ", "last_name": None}, "Ada"),
        ({"first_name": None, "last_name": "Example"}, "Example"),
        ({"first_name": "Ada\n", "last_name": "  Ex  ample "}, "Ada Ex ample"),
        ({"first_name": None, "last_name": None, "username": "ada_x"}, "ada_x"),
        ({"first_name": "", "last_name": ""}, ADA_EMAIL),
        (
            {
                "first_name": None,
                "last_name": None,
                "email_addresses": [],
                "phone_numbers": [{"id": "idn_p", "phone_number": "+15555550101"}],
                "primary_phone_number_id": "idn_p",
            },
            "+15555550101",
        ),
        (
            {"first_name": True, "last_name": ["x"], "email_addresses": None},
            "user_2g7np7Hrk0SN6kj5EDMLDaKNL0S",
        ),
    ],
)
def test_display_name_falls_back_without_ever_saying_none(changes, name):
    assert facts_of(user_created(**changes)).name == name


@pytest.mark.parametrize(
    ("changes", "method"),
    [
        ({"external_accounts": [{"provider": "oauth_google"}]}, "Google"),
        ({"external_accounts": [{"object": "github_account"}]}, "GitHub"),
        ({"external_accounts": [{"provider": "oauth_custom_acme_id"}]}, "Acme Id"),
        ({"enterprise_accounts": [{"id": "eac_1"}]}, "single sign-on"),
        (
            {
                "password_enabled": False,
                "email_addresses": [
                    {
                        "id": "idn_1",
                        "email_address": "a@example.com",
                        "verification": {"strategy": "from_oauth_apple"},
                    }
                ],
                "primary_email_address_id": "idn_1",
            },
            "Apple",
        ),
        (
            {
                "password_enabled": False,
                "email_addresses": [],
                "web3_wallets": [{"id": "w", "web3_wallet": "0xabc"}],
            },
            "a web3 wallet",
        ),
        ({"password_enabled": False, "passkeys": [{"id": "pk_1"}]}, "a passkey"),
        ({"password_enabled": False}, "an email code"),
        (
            {
                "password_enabled": False,
                "email_addresses": [],
                "phone_numbers": [{"id": "p", "phone_number": "+15555550101"}],
            },
            "a phone code",
        ),
        ({"password_enabled": False, "email_addresses": []}, ""),
    ],
)
def test_signup_method_comes_from_how_the_account_was_made(changes, method):
    facts = facts_of(user_created(**changes))
    assert facts.method == method
    expected = f"signed up with {method}" if method else "signed up"
    assert facts.predicate == expected


def test_deleted_user_is_named_from_stored_history():
    history = sample("user.created")["data"]
    asked = []

    def lookup(user_id):
        asked.append(user_id)
        return history

    facts = facts_of(sample("user.deleted"), lookup_user=lookup)
    assert asked == ["user_2g7np7Hrk0SN6kj5EDMLDaKNL0S"]
    assert facts.headline == f"{ADA} was deleted · {ADA_EMAIL}"
    assert ("External id", "ex_123456789") in facts.details


def test_deleted_user_without_history_is_named_by_id_and_external_id():
    facts = facts_of(sample("user.deleted"), lookup_user=lambda _: None)
    assert facts.headline == (
        "User user_2g7np7Hrk0SN6kj5EDMLDaKNL0S was deleted · external id ex_123456789"
    )
    assert facts.name == "user_2g7np7Hrk0SN6kj5EDMLDaKNL0S"


@pytest.mark.expect_log_warnings
def test_a_failing_lookup_is_logged_and_the_id_used(caplog):
    def broken(_):
        raise OSError("database is locked")

    with caplog.at_level(logging.WARNING):
        facts = facts_of(sample("user.deleted"), lookup_user=broken)
    assert facts.subject == "User user_2g7np7Hrk0SN6kj5EDMLDaKNL0S"
    assert "database is locked" in caplog.text


def test_a_lookup_answering_garbage_is_ignored():
    facts = facts_of(sample("user.deleted"), lookup_user=lambda _: ["not", "a", "user"])
    assert facts.subject == "User user_2g7np7Hrk0SN6kj5EDMLDaKNL0S"


def test_session_without_embedded_user_looks_the_user_up():
    body = sample("session.created")
    del body["data"]["user"]
    facts = facts_of(
        body, lookup_user=lambda _: {"first_name": "Bo", "last_name": "Li"}
    )
    assert facts.subject == "Bo Li"


def test_organization_creator_is_named_from_stored_users():
    facts = facts_of(
        sample("organization.created"), lookup_user=lambda _: {"username": "ada_x"}
    )
    assert facts.predicate == "was created by ada_x"


def test_email_created_keeps_only_a_masked_recipient():
    body = sample("email.created")
    facts = facts_of(body)
    assert facts.email == "a***@example.com"
    assert dict(facts.data) == {
        "object": "email",
        "id": "ema_abcd",
        "slug": "verification_code",
        "status": "queued",
        "user_id": "user_abcd",
        "email_address_id": "idn_abcd",
        "delivered_by_clerk": True,
        "to_email_address": "a***@example.com",
    }
    assert "123456" not in repr(facts)
    assert ADA_EMAIL not in repr(facts)


def test_sms_created_keeps_only_a_masked_number():
    body = {
        "type": "sms.created",
        "data": {
            "object": "sms_message",
            "id": "sms_1",
            "slug": "verification_code",
            "message": "654321 is your code",
            "to_phone_number": "+15555550199",
            "data": {"otp_code": "654321"},
            "status": "queued",
        },
    }
    facts = facts_of(body)
    assert facts.headline == (
        "Clerk is sending a verification code text message to +1********99"
    )
    assert facts.phone == "+1********99"
    assert "654321" not in repr(facts)
    assert "5555550199" not in repr(facts)


def test_invitation_links_are_taken_out_of_data():
    facts = facts_of(sample("organizationInvitation.created"))
    assert "url" not in facts.data
    assert "FAKE_TOKEN" not in repr(facts)


def test_data_given_to_templates_cannot_change_the_stored_payload():
    body = sample("user.created")
    before = copy.deepcopy(body)
    facts = facts_of(body)
    with pytest.raises(TypeError):
        facts.data["first_name"] = "Mallory"  # type: ignore[index]
    assert body == before


@pytest.mark.parametrize(
    ("payload", "event_type", "title", "headline"),
    [
        ("not json at all", None, "Unreadable event", None),
        (["a", "list"], None, "Unreadable event", None),
        ({}, None, "Event", "An event without a type arrived"),
        (
            {"type": "foo.bar", "data": {"id": "x_1"}},
            "foo.bar",
            "Foo bar",
            "Foo bar · x_1",
        ),
        ({"type": "fooBaz.was_done"}, "fooBaz.was_done", "Foo baz was done", None),
        ({"type": "user.created", "data": "text"}, "user.created", "New signup", None),
        ({"type": "user.created", "data": None}, "user.created", "New signup", None),
        ({"type": "user.deleted", "data": {}}, "user.deleted", "User deleted", None),
        (
            {"type": "session.created", "data": {"user": 5}},
            "session.created",
            "Sign-in",
            None,
        ),
    ],
)
def test_odd_bodies_still_give_readable_facts(payload, event_type, title, headline):
    facts = facts_of(payload, event_type=event_type)
    assert facts.title == title
    assert facts.headline
    if headline is not None:
        assert facts.headline == headline
    for word in ("None", "null", "  "):
        assert word not in facts.headline


def test_every_known_family_copes_with_an_empty_data_object():
    for event_type in [*samples.event_types(), "sms.created", "invitation.accepted"]:
        facts = facts_of({"type": event_type, "data": {}})
        assert facts.headline, event_type
        assert "None" not in facts.headline


def test_received_time_is_shown_in_utc_and_blank_when_impossible():
    assert facts_of(sample("user.created")).received == "2025-01-01 00:00 UTC"
    odd = dataclasses.replace(facts_of(sample("user.created")), received_at=1e300)
    assert odd.received == ""


@pytest.mark.parametrize(
    ("address", "masked"),
    [("ada@example.com", "a***@example.com"), ("@example.com", "***"), ("x", "***")],
)
def test_mask_email(address, masked):
    assert people.mask_email(address) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [("+1 555 555 0199", "+1 *** *** **99"), ("5550199", "*****99"), ("12", "***")],
)
def test_mask_phone(number, masked):
    assert people.mask_phone(number) == masked
