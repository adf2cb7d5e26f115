"""``hookflo events`` never prints a sign-in code, yet the store keeps it.

The shipped ``email.created`` fixture (a verification code email) goes
through the real receiver; what the command prints is then compared with
what the store holds.
"""

import json
import sqlite3

from hookflo.core.alerting import hiddenfields
from tests.support.alertstack import ROOMY_POLICIES
from tests.support.clerk import clerk_body

CODE = "123456"


def stored_body(database_file, svix_id: str) -> bytes:
    conn = sqlite3.connect(database_file)
    try:
        row = conn.execute(
            "SELECT body FROM events WHERE svix_id = ?", (svix_id,)
        ).fetchone()
    finally:
        conn.close()
    return bytes(row[0])


async def test_events_json_hides_the_code_and_keeps_the_stored_body(alert_stack):
    stack = alert_stack
    await stack.start(ROOMY_POLICIES)
    body = clerk_body("email.created")
    svix_id = await stack.store(body)

    run = stack.cli("events", "--json", "--type", "email.created")

    assert CODE not in run.stdout
    assert "fake-app-00" not in run.stdout
    (event,) = run.json()
    data = event["payload"]["data"]
    assert data["subject"] == hiddenfields.HIDDEN_CODE
    assert data["body"] == data["body_plain"] == hiddenfields.HIDDEN_CODE
    assert data["data"] == hiddenfields.HIDDEN_CODE
    assert data["to_email_address"] == "a***@example.com"
    assert (data["slug"], data["status"]) == ("verification_code", "queued")
    assert event["payload"]["type"] == "email.created"
    assert stored_body(stack.paths.database_file, svix_id) == body


async def test_events_text_shows_no_code(alert_stack):
    stack = alert_stack
    await stack.start(ROOMY_POLICIES)
    svix_id = await stack.store(clerk_body("email.created"))

    run = stack.cli("events")

    (line,) = run.stdout.splitlines()
    assert " email.created " in line
    assert svix_id in line
    assert CODE not in run.stdout
    assert "ada.founder" not in run.stdout


def test_text_messages_and_invitation_links_are_hidden_too():
    sms = {
        "type": "sms.created",
        "data": {
            "object": "sms_message",
            "message": "Your code is 654321",
            "to_phone_number": "+15555550199",
            "status": "queued",
        },
    }
    invitation = json.loads(clerk_body("organizationInvitation.created"))
    invitation["data"]["url"] = "https://example.com/accept?ticket=t0k3n"

    shown_sms = hiddenfields.shown_payload(None, sms)
    shown_invitation = hiddenfields.shown_payload(
        "organizationInvitation.created", invitation
    )

    assert "654321" not in json.dumps(shown_sms)
    assert "0199" not in json.dumps(shown_sms)
    assert shown_sms["data"]["to_phone_number"].endswith("99")
    assert shown_sms["data"]["status"] == "queued"
    assert "t0k3n" not in json.dumps(shown_invitation)
    assert shown_invitation["data"]["url"] == hiddenfields.HIDDEN_LINK
    assert sms["data"]["message"] == "Your code is 654321"  # the input is untouched
