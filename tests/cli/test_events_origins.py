"""``hookflo events`` shows where each event came from, and what it came out of.

Derived events come from the real receiver and ``ChangeRecorder`` (through
the alert stack's ``Server``); a caught-up row is written as the catch-up
after time offline writes it, straight into the store.
"""

import json
import sqlite3
import time

from tests.support import accounts
from tests.support.alertstack import ROOMY_POLICIES, signup


def add_caught_up(database_file) -> int:
    """Store a user listed from Clerk's API, as the catch-up stores one."""
    body = accounts.envelope("user.created", accounts.created_user())
    conn = sqlite3.connect(database_file)
    try:
        now = time.time()
        cursor = conn.execute(
            "INSERT INTO events (source, svix_id, environment, type, received_at, "
            "signed_at, body, body_is_json, is_test, origin) "
            "VALUES ('clerk', 'caughtup_user_1', 'production', 'user.created', ?, ?, "
            "?, 1, 0, 'caught-up')",
            (now, int(now), body),
        )
        conn.commit()
        assert cursor.lastrowid is not None
        return cursor.lastrowid
    finally:
        conn.close()


async def test_events_json_gives_origin_and_derived_from(alert_stack):
    stack = alert_stack
    await stack.start(ROOMY_POLICIES)
    user = json.loads(signup())["data"]
    await stack.store(signup())
    update_id = await stack.store(
        accounts.envelope(
            "user.updated",
            accounts.updated(user, accounts.setting(banned=True, locked=True)),
        )
    )
    caught_up = add_caught_up(stack.paths.database_file)

    events = stack.cli("events", "--json").json()

    by_svix = {e["svix_id"]: e for e in events}
    update = by_svix[update_id]
    assert (update["origin"], update["derived_from"]) == ("webhook", None)
    for kind in ("user.locked", "user.banned"):
        derived = by_svix[f"{update_id}#{kind}"]
        assert (derived["type"], derived["origin"]) == (kind, "derived")
        assert derived["derived_from"] == update["id"]
        assert derived["payload"]["data"]["user_id"] == user["id"]
    listed = {e["id"]: e for e in events}[caught_up]
    assert (listed["origin"], listed["derived_from"]) == ("caught-up", None)


async def test_events_text_marks_caught_up_and_derived_rows(alert_stack):
    stack = alert_stack
    await stack.start(ROOMY_POLICIES)
    user = json.loads(signup())["data"]
    await stack.store(signup())
    await stack.store(
        accounts.envelope(
            "user.updated", accounts.updated(user, accounts.setting(banned=True))
        )
    )
    add_caught_up(stack.paths.database_file)
    update = [
        e for e in stack.cli("events", "--json").json() if e["type"] == "user.updated"
    ]

    lines = stack.cli("events").stdout.splitlines()

    caught, banned, updated, created = lines
    assert caught.endswith(" CAUGHT UP")
    assert " user.banned " in banned
    assert banned.endswith(f" (from event {update[0]['id']})")
    assert "CAUGHT UP" not in updated + created
    assert "(from event" not in updated + created


def add_derived(database_file, *, event_type: str, derived_from: int) -> int:
    """Store a change read out of ``derived_from``, as the recorder stores one."""
    body = json.dumps({"type": event_type, "data": {"user_id": "user_1"}}).encode()
    conn = sqlite3.connect(database_file)
    try:
        now = time.time()
        cursor = conn.execute(
            "INSERT INTO events (source, svix_id, environment, type, received_at, "
            "signed_at, body, body_is_json, is_test, origin, derived_from) "
            "VALUES ('clerk', ?, 'production', ?, ?, ?, ?, 1, 0, 'derived', ?)",
            (
                f"derived_{derived_from}_{event_type}",
                event_type,
                now,
                int(now),
                body,
                derived_from,
            ),
        )
        conn.commit()
        assert cursor.lastrowid is not None
        return cursor.lastrowid
    finally:
        conn.close()


async def test_changes_read_out_of_a_caught_up_event_are_marked(alert_stack):
    stack = alert_stack
    await stack.start(ROOMY_POLICIES)
    user = json.loads(signup())["data"]
    await stack.store(signup())
    await stack.store(
        accounts.envelope(
            "user.updated", accounts.updated(user, accounts.setting(banned=True))
        )
    )
    caught = add_caught_up(stack.paths.database_file)
    locked = add_derived(
        stack.paths.database_file, event_type="user.locked", derived_from=caught
    )

    events = {e["id"]: e for e in stack.cli("events", "--json").json()}
    lines = stack.cli("events").stdout.splitlines()

    assert events[locked]["caught_up"] is True
    assert events[caught]["caught_up"] is True
    others = [e for e in events.values() if e["id"] not in (locked, caught)]
    assert [e["type"] for e in others] == [
        "user.banned",
        "user.updated",
        "user.created",
    ]
    assert not any(e["caught_up"] for e in others)
    assert lines[0].endswith(f" (from event {caught}) CAUGHT UP")
    assert lines[1].endswith(" CAUGHT UP")
    assert not any("CAUGHT UP" in line for line in lines[2:])
