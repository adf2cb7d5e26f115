"""The detail pane: one event in words, its payload, headers and deliveries.

The summary is ``describe(...).headline``, the sentence the alerts use. The
payload is the stored body, formatted, with sign-in codes and links hidden
(``hiddenfields``). Of the headers only what the store
keeps is shown, and the signature never. The delivery history lists each
channel's outcome; "Retry" makes a failed or waiting delivery due now, "Send
again" repeats one that was sent. A change HookFlo derived says so and offers
"Open original event"; a caught-up user is marked as such. An event that is
not stored (a link to one deleted, or of another home) is said to be missing.
Everything is read off the UI thread.
"""

import json
import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hookflo.core import eventlinks, store
from hookflo.core.alerting import hiddenfields
from hookflo.core.alerting.outboxstore import Delivery, State
from hookflo.gui.background import Background
from hookflo.gui.deliverymodel import DeliveryTableModel
from hookflo.gui.reader import StoreReader
from hookflo.gui.records import EventDetail

logger = logging.getLogger(__name__)

_RETRYABLE = frozenset({State.PENDING, State.RETRYING, State.FAILED})


class EventDetailPane(QWidget):
    """Shows one stored event.

    Args:
        reader: reads the event and its deliveries.
        background: runs the reads and the retries.
        wake: tells the dispatcher that deliveries are due now.

    Signals:
        shown: (int) the pane now shows this event id.
        original_requested: (int) the user asked to open the event the one
            shown was derived from; the argument is that event's id.
    """

    shown = Signal(int)
    original_requested = Signal(int)

    def __init__(
        self,
        reader: StoreReader,
        background: Background,
        wake: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._reader = reader
        self._background = background
        self._wake = wake
        self._event_id: int | None = None
        self._original_id: int | None = None
        self._asked: int | None = None
        self._build()

    @property
    def event_id(self) -> int | None:
        """The id of the event shown, None when the pane is empty."""
        return self._event_id

    @property
    def title(self) -> str:
        """The title shown (the kind of event, and its marks)."""
        return self._title.text()

    @property
    def headline(self) -> str:
        """The summary sentence shown."""
        return self._headline.text()

    @property
    def origin_text(self) -> str:
        """Where the event shown came from, when Clerk did not send it as is."""
        return self._origin.text()

    @property
    def original_id(self) -> int | None:
        """The id of the event the one shown was derived from, if any."""
        return self._original_id

    def open_original(self) -> None:
        """Ask for the event the one shown was derived from (as the button does)."""
        if self._original_id is not None:
            self.original_requested.emit(self._original_id)

    @property
    def payload_text(self) -> str:
        """The formatted payload shown."""
        return self._payload.toPlainText()

    @property
    def deliveries(self) -> DeliveryTableModel:
        """The delivery history's model."""
        return self._deliveries

    def show_event(self, event_id: int | None) -> None:
        """Read and show the event ``event_id`` (None empties the pane)."""
        self._asked = event_id
        if event_id is None:
            self._show(None)
            return
        self._background.start(self._load(event_id), name="EventDetailPane.load")

    def refresh(self) -> None:
        """Read the event shown again (its deliveries moved)."""
        if self._event_id is not None:
            self.show_event(self._event_id)

    def _build(self) -> None:
        self._title = QLabel("Select an event")
        title_font = QFont(self._title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        title_font.setBold(True)
        self._title.setFont(title_font)
        self._headline = QLabel("")
        self._headline.setWordWrap(True)
        self._headline.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self._meta = QLabel("")
        self._meta.setWordWrap(True)
        self._meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._origin = QLabel("")
        self._origin.setObjectName("origin")
        self._origin.setWordWrap(True)
        self._open_original_button = QPushButton("Open original event")
        self._open_original_button.setObjectName("open-original")
        self._open_original_button.setToolTip(
            "Select the user.updated this change was read out of"
        )
        self._open_original_button.clicked.connect(self.open_original)
        origin_row = QHBoxLayout()
        origin_row.addWidget(self._origin, 1)
        origin_row.addWidget(self._open_original_button)

        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self._payload = QPlainTextEdit(readOnly=True)
        self._payload.setObjectName("payload")
        self._payload.setFont(fixed)
        self._payload.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self._headers = QPlainTextEdit(readOnly=True)
        self._headers.setObjectName("headers")
        self._headers.setFont(fixed)
        texts = QTabWidget()
        texts.addTab(self._payload, "Payload")
        texts.addTab(self._headers, "Headers")

        self._deliveries = DeliveryTableModel()
        self._table = QTableView()
        self._table.setObjectName("deliveries")
        self._table.setModel(self._deliveries)
        self._table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._table.verticalHeader().hide()
        self._table.horizontalHeader().setStretchLastSection(True)
        self._table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self._table.selectionModel().selectionChanged.connect(self._on_selection)
        self._retry = QPushButton("Retry")
        self._retry.setObjectName("retry")
        self._retry.setToolTip("Send this alert now (it failed or is waiting)")
        self._retry.clicked.connect(self._on_retry_clicked)
        self._again = QPushButton("Send again")
        self._again.setObjectName("send-again")
        self._again.setToolTip("Send this alert once more")
        self._again.clicked.connect(self._on_retry_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("Deliveries"))
        buttons.addStretch(1)
        buttons.addWidget(self._retry)
        buttons.addWidget(self._again)

        layout = QVBoxLayout(self)
        layout.addWidget(self._title)
        layout.addWidget(self._headline)
        layout.addWidget(self._meta)
        layout.addLayout(origin_row)
        layout.addWidget(texts, 3)
        layout.addLayout(buttons)
        layout.addWidget(self._table, 1)
        self._show(None)

    async def _load(self, event_id: int) -> None:
        detail = await self._reader.detail(event_id)
        if self._asked != event_id:
            return  # another event was asked for meanwhile
        self._show(detail)
        if detail is None:  # a link to it, or deleted since it was listed
            self._title.setText("Event not found")
            self._headline.setText(eventlinks.not_stored(event_id))

    def _show(self, detail: EventDetail | None) -> None:
        previous = self._event_id
        self._event_id = None if detail is None else detail.event.id
        self._show_origin(detail)
        if detail is None:
            self._title.setText("Select an event")
            for label in (self._headline, self._meta):
                label.setText("")
            self._payload.setPlainText("")
            self._headers.setPlainText("")
            self._deliveries.set_deliveries([])
            self._update_buttons()
            return
        event, facts = detail.event, detail.facts
        test = " · TEST" if event.is_test else ""
        caught_up = " · CAUGHT UP" if detail.caught_up else ""
        self._title.setText(f"{facts.title}{test}{caught_up}")
        self._headline.setText(facts.headline)
        received = datetime.fromtimestamp(event.received_at)
        self._meta.setText(
            f"{event.environment} · source {event.source} · "
            f"received {received:%Y-%m-%d %H:%M:%S} · event {event.id}"
        )
        self._payload.setPlainText(_formatted(event))
        self._headers.setPlainText(_headers_text(event.svix_id, event.signed_at))
        selected = self._selected_channel() if previous == event.id else None
        self._deliveries.set_deliveries(detail.deliveries)
        self._select_channel(selected)
        self._update_buttons()
        self.shown.emit(event.id)

    def _show_origin(self, detail: EventDetail | None) -> None:
        event = None if detail is None else detail.event
        derived = event is not None and event.origin == store.ORIGIN_DERIVED
        self._original_id = event.derived_from if event and derived else None
        if detail is None or event is None:
            text = ""
        elif event.origin == store.ORIGIN_WEBHOOK:
            named = ", ".join(detail.derived_types)
            text = f"HookFlo read these changes out of it: {named}" if named else ""
        elif event.origin == store.ORIGIN_CAUGHT_UP:
            text = (
                "Caught up: HookFlo listed this user from Clerk after being "
                "offline; Clerk's own event did not reach it"
            )
        elif self._original_id is not None:
            text = f"Read out of event {self._original_id} by HookFlo"
        else:
            text = f"Made by HookFlo ({event.origin})"
        self._origin.setText(text)
        self._origin.setVisible(bool(text))
        self._open_original_button.setVisible(self._original_id is not None)

    def _selected(self) -> Delivery | None:
        rows = self._table.selectionModel().selectedRows()
        if not rows:
            return None
        return self._deliveries.delivery_at(rows[0].row())

    def _selected_channel(self) -> str | None:
        delivery = self._selected()
        return None if delivery is None else delivery.channel

    def _select_channel(self, channel: str | None) -> None:
        count = self._deliveries.rowCount()
        for row in range(count):
            if channel is None or self._deliveries.delivery_at(row).channel == channel:
                self._table.selectRow(row)
                return

    def _update_buttons(self) -> None:
        delivery = self._selected()
        state = None if delivery is None else delivery.state
        self._retry.setEnabled(state in _RETRYABLE)
        self._again.setEnabled(state is State.SENT)

    def _on_selection(self, _selected: QItemSelection, _old: QItemSelection) -> None:
        self._update_buttons()

    def _on_retry_clicked(self) -> None:
        delivery = self._selected()
        if delivery is not None:
            self._retry.setEnabled(False)
            self._again.setEnabled(False)
            self._background.start(
                self._send_again(delivery.id), name="EventDetailPane.retry"
            )

    async def _send_again(self, delivery_id: int) -> None:
        await self._reader.retry_delivery(delivery_id)
        self._wake()
        self.refresh()


def _formatted(event: store.StoredEvent) -> str:
    text = event.body.decode("utf-8", errors="replace")
    if not event.body_is_json:
        return text
    try:
        parsed = json.loads(event.body)
    except ValueError:
        return text
    shown = hiddenfields.shown_payload(event.type, parsed)
    return json.dumps(shown, indent=2, ensure_ascii=False)


def _headers_text(svix_id: str, signed_at: int) -> str:
    signed = datetime.fromtimestamp(signed_at)
    return (
        f"svix-id: {svix_id}\n"
        f"svix-timestamp: {signed_at} ({signed:%Y-%m-%d %H:%M:%S})\n"
        "svix-signature: (hidden; it was verified before the event was stored)"
    )
