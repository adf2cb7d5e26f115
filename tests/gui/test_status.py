"""What the tray says: its state, status line and tooltip from the facts."""

import time

from hookflo.gui.records import ChannelTrouble
from hookflo.gui.status import Status, StatusTracker, TrayState


def test_a_listening_app_with_nothing_new_is_healthy():
    status = Status(listening="http://127.0.0.1:8787")
    assert status.state is TrayState.HEALTHY
    assert status.headline() == "Listening; all is well"
    assert status.tooltip() == (
        "HookFlo: Listening; all is well\nReceiving on http://127.0.0.1:8787"
    )


def test_new_events_are_counted_until_seen():
    tracker = StatusTracker()
    tracker.set_listening("http://127.0.0.1:8787")
    tracker.count_new(1)
    tracker.count_new(2)
    assert tracker.status.state is TrayState.NEW
    assert tracker.status.headline() == "3 new events since you last looked"
    tracker.mark_seen()
    assert tracker.status.state is TrayState.HEALTHY


def test_problems_come_first_and_are_all_in_the_tooltip():
    status = Status(
        listening="http://127.0.0.1:8787",
        unseen=4,
        blocked={"slack": "Slack says the token is invalid (invalid_auth)"},
        retrying={"email": "SMTP server busy", "slack": "ignored while blocked"},
        refused=2,
        last_refusal="the signature did not match the signing secret",
        keyring="The keyring is locked",
        tunnel="ngrok: authentication failed",
    )
    assert status.state is TrayState.PROBLEM
    assert status.problems == [
        "Slack alerts stopped: Slack says the token is invalid (invalid_auth)",
        "Email alerts are failing and being retried: SMTP server busy",
        "Keyring problem: The keyring is locked",
        "The tunnel is down: ngrok: authentication failed",
        "2 requests from Clerk refused since you last looked: the signature did "
        "not match the signing secret",
    ]
    assert status.headline() == (
        "Slack alerts stopped: Slack says the token is invalid (invalid_auth) "
        "(and 4 more problems)"
    )
    assert status.tooltip().splitlines()[1:] == status.problems[1:]


def test_only_refusals_of_clerk_deliveries_are_problems():
    tracker = StatusTracker()
    tracker.add_refusals(["unknown_source", "method_not_allowed", "missing_headers"])
    assert tracker.status.state is TrayState.HEALTHY  # scanners, not Clerk
    tracker.add_refusals(["timestamp_too_old"])
    assert tracker.status.problems == [
        "1 request from Clerk refused since you last looked: the signature was "
        "too old (is the clock right?)"
    ]
    tracker.mark_refusals_seen()
    assert tracker.status.state is TrayState.HEALTHY


def test_keyring_trouble_shows_until_an_event_verifies_again():
    tracker = StatusTracker()
    tracker.add_refusals(["keyring_unavailable"])
    tracker.mark_refusals_seen()
    assert tracker.status.keyring == "the signing secrets cannot be read"
    tracker.note_alert("hookflo.core.secretcache", "Cannot read the secret of clerk")
    assert tracker.status.problems == [
        "Keyring problem: Cannot read the secret of clerk"
    ]
    tracker.note_alert("hookflo.core.alerting.outbox", "Slack alerts stopped: x")
    assert tracker.status.keyring == "Cannot read the secret of clerk"
    tracker.count_new(1)
    assert tracker.status.state is TrayState.NEW


def test_channel_trouble_and_pause_show():
    tracker = StatusTracker()
    changes = []
    tracker.changed.connect(lambda: changes.append(1))
    tracker.set_trouble(ChannelTrouble(blocked={"desktop": "gone"}, retrying={}))
    tracker.set_trouble(ChannelTrouble(blocked={"desktop": "gone"}, retrying={}))
    assert len(changes) == 1  # no change, no signal
    assert tracker.status.headline() == "Desktop alerts stopped: gone"
    now = time.mktime((2026, 12, 4, 9, 0, 0, 0, 0, -1))
    tracker.set_paused(now + 3600)
    assert tracker.status.pause_line(now) == "Alerts paused until 10:00"
    assert tracker.status.pause_line(now + 7200) == ""
    assert Status(paused_until=now + 86400).pause_line(now) == (
        "Alerts paused until Sat 09:00"
    )
