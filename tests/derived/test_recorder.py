"""Derived account events from sequences of real user shapes, via the receiver.

Each body is a shipped Clerk fixture changed in one way, signed with the svix
library and posted to the real receiver; the event writer runs the real
``ChangeRecorder`` in its transactions and the store is a real SQLite file.
"""

import json
import sqlite3
import time

import pytest

from hookflo.core.alertconfig import Route
from hookflo.core.channels.base import ChannelName
from hookflo.core.derived.kinds import Kind
from hookflo.core.derived.recorder import ChangeRecorder
from hookflo.core.eventwriter import NewEvent
from hookflo.core.store import StoredEvent
from tests.support import accounts
from tests.support.accounts import PHONE_ID, USER_ID, WORK_EMAIL_ID
from tests.support.clerk import clerk_body, signed_headers

PATH = "/webhooks/clerk"


@pytest.fixture
async def harness(make_receiver):
    running = await make_receiver()
    running.writer.derive = ChangeRecorder()
    return running


async def send(harness, user, event_type="user.updated", msg_id=None) -> str:
    """Post ``user`` as a signed ``event_type``; return its svix-id."""
    body = accounts.envelope(event_type, user)
    headers = signed_headers(body, msg_id=msg_id)
    response = await harness.client.post(PATH, data=body, headers=headers)
    assert response.status == 200, await response.text()
    return headers["svix-id"]


def stored(harness) -> list[StoredEvent]:
    return sorted(harness.events(), key=lambda e: e.id)


def derived_from(harness, svix_id: str) -> list[StoredEvent]:
    """The derived events read out of the event with ``svix_id``."""
    events = stored(harness)
    (original,) = [e for e in events if e.svix_id == svix_id]
    return [e for e in events if e.derived_from == original.id]


def types(events: list[StoredEvent]) -> list[str | None]:
    return [e.type for e in events]


@pytest.mark.parametrize("kind", list(Kind), ids=lambda k: k.value)
async def test_each_change_is_named_once(harness, kind):
    scene, change = accounts.STEPS[kind]
    user = accounts.created_user()
    await send(harness, user, "user.created")
    if scene:
        user = accounts.updated(user, *scene)
        await send(harness, user)
    user = accounts.updated(user, *change)
    msg_id = await send(harness, user)

    (event,) = derived_from(harness, msg_id)
    assert event.type == kind.value
    assert event.origin == "derived"
    (original,) = [e for e in stored(harness) if e.svix_id == msg_id]
    assert (event.source, event.environment, event.is_test) == (
        original.source,
        original.environment,
        original.is_test,
    )
    assert (event.received_at, event.signed_at) == (
        original.received_at,
        original.signed_at,
    )
    item = {"email": f"#{WORK_EMAIL_ID}", "phone": f"#{PHONE_ID}"}.get(
        kind.value.removeprefix("user.").split("_")[0], ""
    )
    assert event.svix_id == f"{msg_id}#{kind.value}{item}"
    data = event.payload()["data"]
    assert (data["user_id"], data["first_seen"]) == (USER_ID, False)
    assert data["user"]["email_address"] == accounts.PRIMARY_EMAIL
    assert data["before"] != data["after"]


async def test_the_fixture_update_names_the_rename_and_two_factor(harness):
    real_update = json.loads(clerk_body("user.updated"))["data"]
    await send(harness, accounts.created_user(), "user.created")
    msg_id = await send(harness, real_update)

    two_factor, renamed = derived_from(harness, msg_id)
    assert (two_factor.type, renamed.type) == (
        "user.two_factor_enabled",
        "user.renamed",
    )
    change = renamed.payload()["data"]
    assert change["before"] == {
        "first_name": "Ada",
        "last_name": "Example",
        "username": "",
    }
    assert change["after"] == {
        "first_name": "Ada",
        "last_name": "Example-Renamed",
        "username": "ada_example",
    }
    after = two_factor.payload()["data"]["after"]
    assert after == {"two_factor_enabled": True, "methods": ["authenticator app"]}


async def test_an_update_that_changes_nothing_named_derives_nothing(harness):
    user = accounts.created_user()
    await send(harness, user, "user.created")
    quiet = accounts.updated(
        user,
        accounts.setting(last_sign_in_at=user["updated_at"] + 5, public_metadata={}),
    )
    msg_id = await send(harness, quiet)
    assert derived_from(harness, msg_id) == []
    assert types(stored(harness)) == ["user.created", "user.updated"]


async def test_a_second_change_compares_with_the_state_after_the_first(harness):
    user = accounts.created_user()
    await send(harness, user, "user.created")
    user = accounts.updated(user, accounts.add_work_email())
    first = await send(harness, user)
    user = accounts.updated(
        user, accounts.verify_item("email_addresses", WORK_EMAIL_ID)
    )
    second = await send(harness, user)
    assert types(derived_from(harness, first)) == ["user.email_added"]
    (verified,) = derived_from(harness, second)
    data = verified.payload()["data"]
    assert data["before"] == {
        "email_address": accounts.WORK_EMAIL,
        "status": "unverified",
    }
    assert data["after"]["status"] == "verified"


async def test_an_address_added_verified_is_added_and_verified(harness):
    user = accounts.created_user()
    await send(harness, user, "user.created")
    msg_id = await send(
        harness, accounts.updated(user, accounts.add_work_email("verified"))
    )
    assert types(derived_from(harness, msg_id)) == [
        "user.email_added",
        "user.email_verified",
    ]


async def test_the_same_update_delivered_twice_derives_once(harness):
    user = accounts.created_user()
    await send(harness, user, "user.created")
    change = accounts.updated(user, accounts.setting(banned=True))
    msg_id = await send(harness, change)
    body = accounts.envelope("user.updated", change)
    headers = signed_headers(body, msg_id=msg_id)
    again = await harness.client.post(PATH, data=body, headers=headers)
    assert await again.json() == {"status": "duplicate"}
    assert types([e for e in stored(harness) if e.origin == "derived"]) == [
        "user.banned"
    ]


async def test_a_late_retry_of_an_older_update_derives_nothing(harness):
    user = accounts.created_user()
    await send(harness, user, "user.created")
    older = accounts.updated(user, accounts.setting(locked=True))
    newer = accounts.updated(older, accounts.setting(locked=False))
    await send(harness, newer)  # the older one failed at first; Svix retries it
    late = await send(harness, older)
    assert derived_from(harness, late) == []
    again = await send(harness, accounts.updated(newer))
    assert derived_from(harness, again) == []


class TestFirstSeen:
    """A ``user.updated`` of a user HookFlo never saw claims only what it shows."""

    async def test_the_fixture_update_alone_claims_nothing(self, harness):
        real_update = json.loads(clerk_body("user.updated"))["data"]
        msg_id = await send(harness, real_update)
        assert derived_from(harness, msg_id) == []

    async def test_a_ban_a_lock_and_a_verification_just_now_are_named(self, harness):
        user = accounts.updated(
            accounts.created_user(),
            accounts.setting(banned=True, locked=True),
            accounts.add_work_email(),
            accounts.verify_item("email_addresses", WORK_EMAIL_ID),
            accounts.setting(last_name="Renamed", password_enabled=False),
        )
        msg_id = await send(harness, user)
        found = derived_from(harness, msg_id)
        assert types(found) == [
            "user.email_added",
            "user.email_verified",
            "user.locked",
            "user.banned",
        ]
        for event in found:
            data = event.payload()["data"]
            assert (data["first_seen"], data["before"]) == (True, None)

    async def test_an_old_verification_is_not_claimed(self, harness):
        user = accounts.created_user()
        user["updated_at"] += 3_600_000  # an hour after the address was verified
        msg_id = await send(harness, user)
        assert derived_from(harness, msg_id) == []

    async def test_two_factor_turned_on_in_this_update_is_named(self, harness):
        user = accounts.updated(
            accounts.created_user(),
            accounts.setting(two_factor_enabled=True, totp_enabled=True),
        )
        msg_id = await send(harness, user)
        assert types(derived_from(harness, msg_id)) == ["user.two_factor_enabled"]

    async def test_a_deleted_user_is_forgotten(self, harness):
        user = accounts.created_user()
        await send(harness, user, "user.created")
        await send(
            harness, {"id": USER_ID, "object": "user", "deleted": True}, "user.deleted"
        )
        msg_id = await send(
            harness, accounts.updated(user, accounts.setting(last_name="Other"))
        )
        assert derived_from(harness, msg_id) == []


async def test_derived_bodies_carry_no_secret_of_the_user(harness):
    user = accounts.created_user()
    user["private_metadata"] = {"stripe_customer": "cus_SECRET"}
    await send(harness, user, "user.created")
    msg_id = await send(harness, accounts.updated(user, accounts.add_phone()))
    (event,) = derived_from(harness, msg_id)
    text = event.body.decode()
    for secret in ("bkp-secret", "cus_SECRET", "private_metadata", "expire_at"):
        assert secret not in text


async def test_test_events_derive_test_events(harness):
    user = accounts.created_user()
    await send(harness, user, "user.created")
    payload = json.loads(
        accounts.envelope(
            "user.updated", accounts.updated(user, accounts.setting(banned=True))
        )
    )
    payload["hookflo_test"] = True
    body = json.dumps(payload).encode()
    headers = signed_headers(body)
    assert (await harness.client.post(PATH, data=body, headers=headers)).status == 200
    (event,) = derived_from(harness, headers["svix-id"])
    assert event.is_test


@pytest.mark.expect_log_warnings
async def test_a_failure_while_deriving_never_costs_the_event(harness, caplog):
    user = accounts.created_user()
    await send(harness, user, "user.created")
    conn = sqlite3.connect(harness.database_file)
    conn.execute("DROP TABLE user_states")
    conn.close()
    msg_id = await send(harness, accounts.updated(user, accounts.setting(banned=True)))
    assert derived_from(harness, msg_id) == []
    assert "Could not read changes out of event" in caplog.text


async def test_routed_changes_get_deliveries_and_the_update_none(harness):
    harness.writer.router = lambda event: ("desktop",)
    user = accounts.created_user()
    await send(harness, user, "user.created")
    msg_id = await send(harness, accounts.updated(user, accounts.setting(banned=True)))
    (banned,) = derived_from(harness, msg_id)
    conn = sqlite3.connect(harness.database_file)
    try:
        rows = dict(conn.execute("SELECT event_id, channel FROM deliveries"))
    finally:
        conn.close()
    original = banned.derived_from
    assert rows.get(banned.id) == "desktop"
    assert original not in rows


@pytest.mark.parametrize(
    ("routes", "replaces"),
    [
        ((), True),
        ((Route(("*",), (ChannelName.DESKTOP,)),), True),
        ((Route(("user.*",), (ChannelName.SLACK,)),), True),
        ((Route(("user.updated",), (ChannelName.SLACK,)),), False),
        (
            (
                Route(("user.updated",), (ChannelName.SLACK,), "development"),
                Route(("*",), (ChannelName.DESKTOP,)),
            ),
            True,
        ),
    ],
)
def test_only_a_rule_naming_user_updated_keeps_its_alert(routes, replaces):
    assert ChangeRecorder(routes).replaces_updates("production") is replaces


async def test_changes_in_a_caught_up_update_are_kept_but_not_alerted(harness):
    harness.writer.router = lambda event: ("desktop",)
    user = accounts.created_user()
    await send(harness, user, "user.created")
    changed = accounts.updated(user, accounts.setting(banned=True))
    body = accounts.envelope("user.updated", changed)
    saved = await harness.writer.save_event(
        NewEvent(
            source="clerk",
            svix_id="caughtup_user_updated_1",
            environment="production",
            type="user.updated",
            received_at=time.time(),
            signed_at=int(time.time()),
            body=body,
            body_is_json=True,
            is_test=False,
            origin="caught-up",
        )
    )
    (banned,) = [e for e in stored(harness) if e.derived_from == saved.event_id]
    assert banned.type == "user.banned"
    conn = sqlite3.connect(harness.database_file)
    try:
        routed = {row[0] for row in conn.execute("SELECT event_id FROM deliveries")}
    finally:
        conn.close()
    assert banned.id not in routed
