"""Derived account events through the whole alert stack, end to end.

The real ``Server`` (event writer with the ``ChangeRecorder``, router,
dispatcher, templates and channels) receives a signup and then updates signed
with the svix library; the alerts are read back from the stand-ins.
"""

import json

import pytest

from tests.support import accounts
from tests.support.alertstack import ROOMY_POLICIES, by_channel, signup

pytestmark = pytest.mark.timeout(30)

VERIFIED = "Ada Example verified ada@work.example.com"


def signup_user() -> accounts.User:
    user: accounts.User = json.loads(signup())["data"]
    return user


def address_added_then_verified(user: accounts.User) -> tuple[bytes, bytes]:
    added = accounts.updated(user, accounts.add_work_email())
    verified = accounts.updated(
        added, accounts.verify_item("email_addresses", accounts.WORK_EMAIL_ID)
    )
    return (
        accounts.envelope("user.updated", added),
        accounts.envelope("user.updated", verified),
    )


def added_and_verified(user: accounts.User) -> bytes:
    changed = accounts.updated(user, accounts.add_work_email("verified"))
    return accounts.envelope("user.updated", changed)


async def test_a_named_change_alerts_by_default_and_its_update_does_not(
    alert_stack,
):
    stack = alert_stack
    await stack.start(ROOMY_POLICIES)
    user = signup_user()
    await stack.store(signup())
    await stack.settled(3)  # the signup reaches every channel

    update_id = await stack.store(
        accounts.envelope(
            "user.updated", accounts.updated(user, accounts.setting(banned=True))
        )
    )
    rows = await stack.settled(4)

    derived = rows[-1]
    assert (derived["channel"], derived["event_type"]) == ("desktop", "user.banned")
    assert derived["svix_id"] == f"{update_id}#user.banned"
    assert update_id not in {r["svix_id"] for r in rows}
    popup = stack.notify.calls[-1]
    assert popup.summary == "User banned"
    assert popup.body == "Ada Example was banned\nproduction · clerk"


async def test_retry_of_an_update_names_the_derived_event_that_alerted(
    alert_stack,
):
    stack = alert_stack
    await stack.start(ROOMY_POLICIES)
    user = signup_user()
    await stack.store(signup())
    await stack.settled(3)
    update_id = await stack.store(
        accounts.envelope(
            "user.updated", accounts.updated(user, accounts.setting(banned=True))
        )
    )
    derived = (await stack.settled(4))[-1]

    result = await stack.cli_async("retry", update_id)

    assert result.status == 0, result.stderr
    update = derived["event_id"] - 1
    assert result.stdout == (
        f"Event {update} had no alerts of its own; the derived event "
        f"{derived['event_id']} alerted instead (retry one with `hookflo retry "
        f"event:{derived['event_id']}`).\n"
    )


async def test_routes_send_named_changes_like_clerk_types(alert_stack):
    stack = alert_stack
    stack.configure(
        routes=[
            {"events": ["user.email_verified"], "channels": ["slack", "email"]},
            {"events": ["*"], "channels": []},
        ]
    )
    await stack.start(ROOMY_POLICIES)
    await stack.store(signup())
    update_id = await stack.store(added_and_verified(signup_user()))
    rows = await stack.settled(2)

    assert {(r["channel"], r["event_type"]) for r in rows} == {
        ("slack", "user.email_verified"),
        ("email", "user.email_verified"),
    }
    assert {r["svix_id"] for r in rows} == {
        f"{update_id}#user.email_verified#{accounts.WORK_EMAIL_ID}"
    }
    (post,) = stack.slack_posts()
    assert post["text"] == f"Email verified: {VERIFIED}"
    (mail,) = stack.emails
    assert mail.message["Subject"] == VERIFIED


async def test_a_rule_naming_user_updated_keeps_the_update_alerting(alert_stack):
    stack = alert_stack
    stack.configure(
        routes=[
            {"events": ["user.updated"], "channels": ["desktop"]},
            {"events": ["*"], "channels": ["desktop"]},
        ]
    )
    await stack.start(ROOMY_POLICIES)
    await stack.store(signup())
    update_id = await stack.store(
        accounts.envelope(
            "user.updated",
            accounts.updated(signup_user(), accounts.setting(locked=True)),
        )
    )
    rows = await stack.settled(3)

    # The changes' deliveries are added first, in the update's transaction.
    assert [r["event_type"] for r in rows] == [
        "user.created",
        "user.locked",
        "user.updated",
    ]
    assert {r["svix_id"] for r in rows[1:]} == {update_id, f"{update_id}#user.locked"}


async def test_each_change_is_delivered_once_across_a_retry_and_a_restart(
    alert_stack,
):
    stack = alert_stack
    await stack.start(ROOMY_POLICIES)
    await stack.store(signup())
    added, verified = address_added_then_verified(signup_user())
    await stack.store(added)
    update_id = await stack.store(verified)
    rows = await stack.settled(5)

    status, answer = await stack.post(verified, msg_id=update_id)  # a retry
    assert (status, answer) == (200, {"status": "duplicate"})
    await stack.start(ROOMY_POLICIES)  # a restart resumes nothing twice
    await stack.store(accounts.envelope("user.deleted", {"id": signup_user()["id"]}))
    after = await stack.settled(6)

    assert after[:5] == rows
    grouped = by_channel(after)
    assert [r["event_type"] for r in grouped["desktop"]] == [
        "user.created",
        "user.email_added",
        "user.email_verified",
        "user.deleted",
    ]
    bodies = [call.body.splitlines()[0] for call in stack.notify.calls]
    assert bodies[1:3] == ["Ada Example added ada@work.example.com", VERIFIED]
    events = stack.cli("events", "--json", "--limit", "100").json()
    derived = [e for e in events if e["origin"] == "derived"]
    assert [e["type"] for e in derived] == ["user.email_verified", "user.email_added"]
    assert all(e["derived_from"] for e in derived)


async def test_a_late_older_update_is_stored_but_alerts_nothing(alert_stack, caplog):
    stack = alert_stack
    await stack.start(ROOMY_POLICIES)
    user = signup_user()
    await stack.store(signup())
    older = accounts.updated(user, accounts.setting(first_name="Bob", last_name="Seq"))
    newer = accounts.updated(older, accounts.setting(first_name="Robert"))
    await stack.store(accounts.envelope("user.updated", newer))
    before = await stack.settled(4)  # the signup everywhere, the rename on desktop

    with caplog.at_level("INFO", logger="hookflo.core.derived.recorder"):
        late_id = await stack.store(accounts.envelope("user.updated", older))
    rows = stack.deliveries()

    assert rows == before
    assert late_id not in {r["svix_id"] for r in rows}
    stored = [e["svix_id"] for e in stack.cli("events", "--json").json()]
    assert late_id in stored
    assert not any(late_id in s and s != late_id for s in stored)
    assert "Bob Seq" not in " ".join(p.body for p in stack.notify.calls)
    assert any(
        "older than the state kept" in r.getMessage() and r.levelname == "INFO"
        for r in caplog.records
    )
