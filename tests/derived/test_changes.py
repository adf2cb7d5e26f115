"""The comparison itself: what counts as a change, and what is never claimed."""

import pytest

from hookflo.core.derived import changes, snapshot
from hookflo.core.derived.kinds import Kind
from tests.support import accounts


def kinds_between(before: dict, after: dict) -> list[Kind]:
    found = changes.between(snapshot.of_user(before), snapshot.of_user(after), after)
    return [change.kind for change in found]


def test_fields_a_user_object_leaves_out_are_not_changes():
    user = accounts.created_user()
    kept = ("id", "first_name", "last_name", "username", "email_addresses")
    sparse = {key: user[key] for key in kept}
    sparse["updated_at"] = user["updated_at"] + 1
    assert kinds_between(user, sparse) == []


def test_two_factor_is_read_from_its_parts_when_the_summary_is_missing():
    user = accounts.created_user()
    del user["two_factor_enabled"]
    on = accounts.updated(user, accounts.setting(backup_code_enabled=True))
    assert kinds_between(user, on) == [Kind.TWO_FACTOR_ENABLED]


@pytest.mark.parametrize("status", ["unverified", "expired", "failed"])
def test_an_address_that_is_not_verified_yet_is_only_added(status):
    user = accounts.created_user()
    after = accounts.updated(user, accounts.add_work_email(status))
    assert kinds_between(user, after) == [Kind.EMAIL_ADDED]


def test_times_in_seconds_count_like_milliseconds():
    assert snapshot.milliseconds(1716883200) == 1716883200000
    assert snapshot.milliseconds(1716883200000) == 1716883200000
    assert snapshot.milliseconds(True) is None
    assert snapshot.milliseconds("1716883200") is None


def test_a_snapshot_survives_the_store():
    user = accounts.updated(accounts.created_user(), accounts.add_phone("verified"))
    state = snapshot.of_user(user)
    assert snapshot.loads(snapshot.dumps(state)) == state
    assert "bkp-secret" not in snapshot.dumps(state)


def test_an_update_older_than_the_state_is_stale():
    user = accounts.created_user()
    older = snapshot.of_user(user)
    newer = snapshot.of_user(accounts.updated(user))
    assert changes.is_stale(newer, older)
    assert not changes.is_stale(older, newer)
    assert not changes.is_stale(older, older)
