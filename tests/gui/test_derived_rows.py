"""Derived and caught-up events in the event list and the detail pane.

The model test fills a real store the way the writer and the catch-up write
rows; the window test runs the app against the real receiver, posts a signup
and an update signed with the svix library, and follows "Open original event".
"""

import dataclasses
import json
import time

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QPushButton

from hookflo.core import store
from hookflo.gui import menu
from hookflo.gui.background import Background
from hookflo.gui.eventmodel import Column, EventTableModel
from hookflo.gui.reader import StoreReader
from hookflo.gui.records import EventRow
from tests.gui.conftest import until
from tests.gui.test_models import fill_events, no_model_failures
from tests.support import accounts

BANNED_BODY = json.dumps(
    {
        "type": "user.banned",
        "object": "event",
        "data": {
            "object": "user_change",
            "user_id": "user_1",
            "user": {"id": "user_1", "first_name": "Ada", "last_name": "Example"},
            "before": {"banned": False},
            "after": {"banned": True},
            "first_seen": False,
        },
    }
).encode()


@pytest.fixture
async def reader(tmp_path):
    opened = StoreReader(tmp_path / "store.sqlite3")
    background = Background()
    yield opened, background
    await background.close()
    await opened.close()


def add_event(database_file, *, event_type, body, origin, derived_from=None) -> int:
    conn = store.connect(database_file)
    try:
        now = time.time()
        cursor = conn.execute(
            "INSERT INTO events (source, svix_id, environment, type, received_at, "
            "signed_at, body, body_is_json, is_test, origin, derived_from) "
            "VALUES ('clerk', ?, 'production', ?, ?, ?, ?, 1, 0, ?, ?)",
            (
                f"msg_{origin}_{now}",
                event_type,
                now,
                int(now),
                body,
                origin,
                derived_from,
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid
    finally:
        conn.close()


async def test_the_list_names_derived_rows_and_marks_caught_up_ones(
    reader,
    tmp_path,
    qtmodeltester,
    qtlog,
):
    store_reader, background = reader
    database = tmp_path / "store.sqlite3"
    (update,) = fill_events(database, 1, event_type="user.updated")
    banned = add_event(
        database,
        event_type="user.banned",
        body=BANNED_BODY,
        origin="derived",
        derived_from=update,
    )
    caught = add_event(
        database,
        event_type="user.created",
        body=accounts.envelope("user.created", accounts.created_user()),
        origin="caught-up",
    )
    model = EventTableModel(store_reader, background, page_size=10)
    qtmodeltester.check(model)
    model.fetchMore(QModelIndex())
    await until(lambda: model.rowCount() == 3, what="three rows")

    def cell(row: int, column: Column, role=Qt.ItemDataRole.DisplayRole):
        return model.index(row, column).data(role)

    ids = [model.row_at(r).id for r in range(3)]
    assert ids == [caught, banned, update]
    assert cell(0, Column.TYPE) == "user.created · caught up"
    assert "Caught up" in cell(0, Column.TYPE, Qt.ItemDataRole.ToolTipRole)
    assert cell(1, Column.TYPE) == "user.banned"
    assert cell(1, Column.WHO) == "Ada Example"
    assert cell(1, Column.TYPE, Qt.ItemDataRole.ToolTipRole) == (
        f"Ada Example was banned\nRead out of event {update}"
    )
    assert cell(2, Column.TYPE) == "user.updated"
    assert model.row_at(1).derived_from == update
    no_model_failures(qtlog)


async def test_open_original_event_selects_the_update_it_came_from(start_app):
    async with start_app() as running:
        window = running.window
        window.show()
        user = accounts.created_user()
        await running.store(accounts.envelope("user.created", user))
        changed = accounts.updated(user, accounts.setting(banned=True))
        await running.store(accounts.envelope("user.updated", changed))
        await until(lambda: len(running.event_ids()) == 3, what="three rows")
        model = window.event_model
        assert model.index(0, Column.TYPE).data() == "user.banned"
        derived, update = running.event_ids()[0], running.event_ids()[1]
        button = window.findChild(QPushButton, "open-original")

        window.events.table.selectRow(0)
        detail = window.detail
        await until(lambda: detail.event_id == derived, what="derived shown")
        assert detail.headline == "Ada Example was banned"
        assert detail.original_id == update
        assert detail.origin_text == f"Read out of event {update} by HookFlo"
        assert button.isVisible()

        button.click()
        await until(lambda: detail.event_id == update, what="original shown")
        selected = window.events.table.selectionModel().selectedRows()
        assert [model.row_at(i.row()).id for i in selected] == [update]
        assert detail.original_id is None
        assert not button.isVisible()
        assert detail.origin_text == "HookFlo read these changes out of it: user.banned"


async def test_a_caught_up_event_is_marked_in_the_detail(start_app):
    async with start_app() as running:
        window = running.window
        window.show()
        await running.store()
        await until(lambda: running.event_ids(), what="a row")
        database = running.app.context.paths.database_file
        caught = add_event(
            database,
            event_type="user.created",
            body=accounts.envelope("user.created", accounts.created_user()),
            origin="caught-up",
        )
        window.show_event(caught)
        detail = window.detail
        await until(lambda: detail.event_id == caught, what="caught-up shown")
        assert detail.title.endswith("· CAUGHT UP")
        assert detail.origin_text.startswith("Caught up:")
        assert not window.findChild(QPushButton, "open-original").isVisible()


def test_the_tray_menu_marks_caught_up_events():
    row = EventRow(
        id=1,
        received_at=time.time(),
        source="clerk",
        environment="production",
        type="user.created",
        who="Ada Example",
        headline="Ada Example signed up with Google",
        is_test=False,
        origin="caught-up",
    )
    assert "Caught up · Ada Example signed up" in menu._recent_text(row)
    webhook = dataclasses.replace(row, origin="webhook")
    assert "Caught up" not in menu._recent_text(webhook)


async def test_a_change_read_out_of_a_caught_up_update_is_marked(
    reader, tmp_path, qtmodeltester, qtlog
):
    store_reader, background = reader
    database = tmp_path / "store.sqlite3"
    (update,) = fill_events(database, 1, event_type="user.updated")
    banned = add_event(
        database,
        event_type="user.banned",
        body=BANNED_BODY,
        origin="derived",
        derived_from=update,
    )
    user = accounts.created_user()
    changed = accounts.updated(user, accounts.setting(locked=True))
    caught = add_event(
        database,
        event_type="user.updated",
        body=accounts.envelope("user.updated", changed),
        origin="caught-up",
    )
    locked = add_event(
        database,
        event_type="user.locked",
        body=BANNED_BODY.replace(b"user.banned", b"user.locked"),
        origin="derived",
        derived_from=caught,
    )
    model = EventTableModel(store_reader, background, page_size=10)
    qtmodeltester.check(model)
    model.fetchMore(QModelIndex())
    await until(lambda: model.rowCount() == 4, what="four rows")

    rows = [model.row_at(r) for r in range(4)]
    assert [r.id for r in rows] == [locked, caught, banned, update]
    assert [r.is_caught_up for r in rows] == [True, True, False, False]
    assert model.index(0, Column.TYPE).data() == "user.locked · caught up"
    tooltip = model.index(0, Column.TYPE).data(Qt.ItemDataRole.ToolTipRole)
    assert f"Read out of event {caught}" in tooltip
    assert "Caught up" in tooltip
    assert model.index(2, Column.TYPE).data() == "user.banned"
    assert "Caught up · " in menu._recent_text(rows[0])
    no_model_failures(qtlog)
    details = [await store_reader.detail(i) for i in (locked, caught, banned)]
    assert [d.caught_up for d in details] == [True, True, False]
