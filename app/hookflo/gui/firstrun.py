"""The first-run guide: Clerk's webhook set-up, step by step, ticked as it happens.

1. The tunnel is up: the endpoint URL to copy (ticks when the tunnel runs).
2. In the Clerk dashboard: add the endpoint with the recommended events
   (ticks when the first request reaches the source).
3. Paste the endpoint's signing secret (ticks once one is stored; a request
   refused for its secret shows the receiver's hint here).
4. Send a test event, from Clerk or from here (ticks on the first verified
   event).

Development and production instances have separate sources, secrets and
wording. The guide watches the store off the UI thread (and wakes up early
when the server's writer reports something); it never blocks, and closing
it never quits the app.
"""

import concurrent.futures
import dataclasses
import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from hookflo.core import config, configwrite, secretinput, selftest, setupprogress
from hookflo.core.config import Config, Environment, Source
from hookflo.core.credentials import (
    SecretValues,
)
from hookflo.core.errors import SecretFormatError, UserFacingError
from hookflo.core.eventwriter import NewAttempt, NewEvent
from hookflo.core.setupprogress import ProgressReader, SourceProgress
from hookflo.gui import endpoints, guidesteps
from hookflo.gui.context import AppContext
from hookflo.gui.offthread import OffThread
from hookflo.gui.qtutil import show_single
from hookflo.gui.settings.widgets import CopyField, Message

logger = logging.getLogger(__name__)

TITLE = "HookFlo — Connect Clerk"
NEW_SOURCE = {
    Environment.DEVELOPMENT: "clerk-dev",
    Environment.PRODUCTION: "clerk-prod",
}

_open_guides: dict[int, "FirstRunGuide"] = {}


def open_first_run(
    context: AppContext,
    parent: QWidget | None = None,
    *,
    on_saved: Callable[[Config], None] | None = None,
) -> None:
    """Show the first-run guide, or bring the open one to the front.

    Args:
        context: the running app's shared state.
        parent: the window it belongs to, if any.
        on_saved: called with the new settings when the guide adds a source.
    """
    guide = show_single(
        _open_guides, id(context), lambda: FirstRunGuide(context, parent)
    )
    if on_saved is not None:
        guide.saved.connect(on_saved)


@dataclasses.dataclass(frozen=True, slots=True)
class SecretState:
    """Whether the source has a signing secret, as far as known."""

    known: bool
    count: int = 0
    problem: str = ""


class FirstRunGuide(QDialog):
    """Walks through connecting one Clerk instance to HookFlo.

    Args:
        context: the running app's shared state.
        parent: the window it belongs to, if any.

    Attributes:
        poll_ms: how often the store is read for progress.

    Signals:
        saved: (Config) the guide added a source and saved the settings.
        _core_news: a listener of the server reported something; private.
    """

    saved = Signal(object)
    _core_news = Signal()
    poll_ms = 1000

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle(TITLE)
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.resize(760, 720)
        self.work = OffThread(self)
        self.opened_at = time.time()
        self.progress: SourceProgress | None = None
        self.secret_state = SecretState(known=False)
        self._reader = ProgressReader(context.paths.database_file)
        self._reader_lock = threading.Lock()
        self._polling = False
        self._build()
        self._connect_signals()
        self._subscribe()
        self._choose_environment(self._default_environment())
        self._timer.start()

    # Building

    def _build(self) -> None:
        intro = QLabel(
            "HookFlo receives Clerk's webhooks and tells you about each signup. "
            "Connect one Clerk instance at a time; each gets its own endpoint "
            "and signing secret.",
            self,
        )
        intro.setWordWrap(True)
        self.development = QRadioButton("Development instance", self)
        self.production = QRadioButton("Production instance", self)
        self._environments = QButtonGroup(self)
        self._environments.addButton(self.development)
        self._environments.addButton(self.production)
        choice = QHBoxLayout()
        choice.addWidget(QLabel("Connect my", self))
        choice.addWidget(self.development)
        choice.addWidget(self.production)
        choice.addStretch(1)
        self.source_message = Message(self)
        self.add_source_button = QPushButton(self)
        self.add_source_button.hide()

        self.tunnel_step = guidesteps.Step(1, "Open the tunnel", self)
        self.url_field = CopyField(self.tunnel_step)
        self.tunnel_message = Message(self.tunnel_step)
        self.tunnel_step.add(self.url_field)
        self.tunnel_step.add(self.tunnel_message)

        self.clerk_step = guidesteps.Step(2, "Add the endpoint in Clerk", self)
        self.clerk_steps = QLabel(self.clerk_step)
        self.clerk_steps.setWordWrap(True)
        self.clerk_steps.setTextFormat(Qt.TextFormat.RichText)
        events = "  ".join(setupprogress.RECOMMENDED_EVENTS)
        self.events_label = QLabel(f"Recommended events: {events}", self.clerk_step)
        self.events_label.setWordWrap(True)
        self.copy_events = QPushButton("Copy event names", self.clerk_step)
        self.clerk_message = Message(self.clerk_step)
        self.clerk_step.add(self.clerk_steps)
        self.clerk_step.add(self.events_label)
        self.clerk_step.add(guidesteps.left_aligned(self.copy_events))
        self.clerk_step.add(self.clerk_message)

        self.secret_step = guidesteps.Step(3, "Paste the signing secret", self)
        self.paste_edit = QLineEdit(self.secret_step)
        self.paste_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.paste_edit.setPlaceholderText("whsec_…")
        self.save_secret = QPushButton("Save secret", self.secret_step)
        self.save_secret.setEnabled(False)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.paste_edit, 1)
        row.addWidget(self.save_secret)
        holder = QWidget(self.secret_step)
        holder.setLayout(row)
        self.paste_message = Message(self.secret_step)
        self.secret_message = Message(self.secret_step)
        self.refusal_message = Message(self.secret_step)
        for widget in (
            holder,
            self.paste_message,
            self.secret_message,
            self.refusal_message,
        ):
            self.secret_step.add(widget)

        self.test_step = guidesteps.Step(4, "Send a test event", self)
        self.test_text = QLabel(
            "In Clerk, open the endpoint's Testing tab and press Send Example "
            "(pick user.created). Or let HookFlo send one, signed with your "
            "secret:",
            self.test_step,
        )
        self.test_text.setWordWrap(True)
        self.send_test = QPushButton("Send test event", self.test_step)
        self.test_message = Message(self.test_step)
        self.test_step.add(self.test_text)
        self.test_step.add(guidesteps.left_aligned(self.send_test))
        self.test_step.add(self.test_message)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        grid = QGridLayout()
        for row_number, step in enumerate(self.steps):
            grid.addWidget(step, row_number, 0)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(choice)
        layout.addWidget(self.source_message)
        layout.addWidget(guidesteps.left_aligned(self.add_source_button))
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self._timer = QTimer(self)
        self._timer.setInterval(self.poll_ms)

    @property
    def steps(self) -> list[guidesteps.Step]:
        """The four steps, in order."""
        return [self.tunnel_step, self.clerk_step, self.secret_step, self.test_step]

    def _connect_signals(self) -> None:
        self.development.toggled.connect(self._on_environment_toggled)
        self.add_source_button.clicked.connect(self._on_add_source_clicked)
        self.copy_events.clicked.connect(self._on_copy_events_clicked)
        self.paste_edit.textChanged.connect(self._on_paste_changed)
        self.save_secret.clicked.connect(self._on_save_secret_clicked)
        self.send_test.clicked.connect(self._on_send_test_clicked)
        self.buttons.rejected.connect(self.reject)
        self._timer.timeout.connect(self._poll)
        self._core_news.connect(self._poll)

    def _subscribe(self) -> None:
        """Hear about new events and refusals at once, not only by polling."""
        server = self.context.server
        if server is not None:
            server.writer.listeners.append(self._on_event_stored)
            server.writer.attempt_listeners.append(self._on_attempt_recorded)

    def _unsubscribe(self) -> None:
        server = self.context.server
        if server is None:
            return
        if self._on_event_stored in server.writer.listeners:
            server.writer.listeners.remove(self._on_event_stored)
        if self._on_attempt_recorded in server.writer.attempt_listeners:
            server.writer.attempt_listeners.remove(self._on_attempt_recorded)

    # The source being connected

    @property
    def environment(self) -> Environment:
        """The Clerk instance being connected."""
        if self.development.isChecked():
            return Environment.DEVELOPMENT
        return Environment.PRODUCTION

    @property
    def source(self) -> Source | None:
        """The source of the chosen environment, if there is one."""
        return next(
            (
                s
                for s in self.context.config.sources
                if s.environment is self.environment
            ),
            None,
        )

    def _default_environment(self) -> Environment:
        environments = {s.environment for s in self.context.config.sources}
        if environments == {Environment.DEVELOPMENT}:
            return Environment.DEVELOPMENT
        return Environment.PRODUCTION

    def _choose_environment(self, environment: Environment) -> None:
        button = (
            self.development
            if environment is Environment.DEVELOPMENT
            else self.production
        )
        button.setChecked(True)
        self._on_source_changed()

    @Slot(bool)
    def _on_environment_toggled(self, _checked: bool) -> None:
        self._on_source_changed()

    def _on_source_changed(self) -> None:
        self.progress = None
        self.secret_state = SecretState(known=False)
        self.paste_edit.clear()
        self.test_message.clear_message()
        source = self.source
        for step in self.steps:
            step.setEnabled(source is not None)
        if source is None:
            name = NEW_SOURCE[self.environment]
            self.source_message.note(
                f"No source is set up for your {self.environment} instance yet."
            )
            self.add_source_button.setText(
                f"Add the {self.environment} source {name!r} "
                f"at {config.default_path(name)}"
            )
            self.add_source_button.show()
        else:
            self.source_message.note(
                f"Connecting the source {source.name!r} ({source.environment})."
            )
            self.add_source_button.hide()
            self._read_secret_state()
        self._show_dashboard_steps()
        self._show()
        self._poll()

    # Slots

    @Slot()
    def _on_add_source_clicked(self) -> None:
        name = NEW_SOURCE[self.environment]
        current = self.context.config
        source = Source(name, self.environment, config.default_path(name))
        settings = dataclasses.replace(current, sources=(*current.sources, source))
        config_file = self.context.paths.config_file
        self.add_source_button.setEnabled(False)
        self.work.submit(
            lambda: configwrite.write(config_file, settings),
            lambda future: self._on_source_added(future, settings),
        )

    def _on_source_added(
        self, future: "concurrent.futures.Future[None]", settings: Config
    ) -> None:
        self.add_source_button.setEnabled(True)
        try:
            future.result()
        except UserFacingError as err:
            self.source_message.error(f"Could not add the source: {err}")
            return
        self.context.config = settings
        self.saved.emit(settings)
        self._on_source_changed()

    @Slot()
    def _on_copy_events_clicked(self) -> None:
        QGuiApplication.clipboard().setText("\n".join(setupprogress.RECOMMENDED_EVENTS))
        self.copy_events.setText("Copied")

    @Slot(str)
    def _on_paste_changed(self, text: str) -> None:
        if not text.strip():
            self.paste_message.clear_message()
            self.save_secret.setEnabled(False)
            return
        try:
            tidied = secretinput.signing_secret(text)
        except SecretFormatError as err:
            self.paste_message.error(str(err))
            self.save_secret.setEnabled(False)
            return
        label = secretinput.fingerprint(tidied.value)
        self.paste_message.note(". ".join([*tidied.notes, f"Fingerprint {label}"]))
        self.save_secret.setEnabled(True)

    @Slot()
    def _on_save_secret_clicked(self) -> None:
        source = self.source
        if source is None:
            return
        try:
            tidied = secretinput.signing_secret(self.paste_edit.text())
        except SecretFormatError as err:
            self.paste_message.error(str(err))
            return
        credentials = self.context.credentials
        self.save_secret.setEnabled(False)
        self.paste_message.note("Storing it in the keyring…")
        self.work.submit(
            lambda: guidesteps.store_secret(credentials, source.name, tidied.value),
            self._on_secret_saved,
        )

    def _on_secret_saved(self, future: "concurrent.futures.Future[str]") -> None:
        try:
            done = future.result()
        except UserFacingError as err:
            self.paste_message.error(f"Not stored: {err}")
            self.save_secret.setEnabled(True)
            return
        self.paste_edit.blockSignals(True)
        self.paste_edit.clear()
        self.paste_edit.blockSignals(False)
        self.paste_message.success(done)
        self._read_secret_state()

    @Slot()
    def _on_send_test_clicked(self) -> None:
        source = self.source
        if source is None:
            return
        base = endpoints.local_url(self.context)
        credentials = self.context.credentials
        self.send_test.setEnabled(False)
        self.test_message.note("Sending…")
        self.work.submit(
            lambda: selftest.post_test_event(credentials, source, base),
            self._on_test_sent,
        )

    def _on_test_sent(self, future: "concurrent.futures.Future[str]") -> None:
        self.send_test.setEnabled(True)
        try:
            self.test_message.success(future.result())
        except UserFacingError as err:
            self.test_message.error(str(err))
        self._poll()

    # Watching

    def _on_event_stored(self, _event_id: int, _event: NewEvent) -> None:
        self._core_news.emit()

    def _on_attempt_recorded(self, _attempt: NewAttempt) -> None:
        self._core_news.emit()

    @Slot()
    def _poll(self) -> None:
        self._show()
        source = self.source
        if source is None or self._polling:
            return
        self._polling = True
        since, reader, lock = self.opened_at, self._reader, self._reader_lock

        def read() -> SourceProgress:
            with lock:
                return reader.read(source, since=since)

        self.work.submit(read, lambda future: self._on_progress(future, source))

    def _on_progress(
        self, future: "concurrent.futures.Future[SourceProgress]", source: Source
    ) -> None:
        self._polling = False
        if source != self.source:
            return
        try:
            self.progress = future.result()
        except UserFacingError as err:
            self.clerk_message.error(f"Cannot read the event store: {err}")
            return
        self._show()

    def _read_secret_state(self) -> None:
        source = self.source
        if source is None:
            return
        credentials = self.context.credentials
        self.work.submit(
            lambda: credentials.signing_secrets(source.name),
            lambda future: self._on_secret_state(future, source),
        )

    def _on_secret_state(
        self, future: "concurrent.futures.Future[SecretValues]", source: Source
    ) -> None:
        if source != self.source:
            return
        try:
            found = future.result()
        except UserFacingError as err:
            self.secret_state = SecretState(known=True, problem=str(err))
        else:
            self.secret_state = SecretState(known=True, count=len(found.values))
        self._show()

    # Showing

    def _show_dashboard_steps(self) -> None:
        items = "".join(
            f"<li>{text}</li>"
            for text in setupprogress.DASHBOARD_STEPS[self.environment]
        )
        self.clerk_steps.setText(f"<ol>{items}</ol>")

    def _show(self) -> None:
        source = self.source
        if source is None:
            for step in self.steps:
                step.tick(False)
            self.url_field.set_text("")
            for message in (
                self.tunnel_message,
                self.clerk_message,
                self.secret_message,
                self.refusal_message,
            ):
                message.clear_message()
            return
        progress = self.progress
        self._show_tunnel(source)
        reached = progress is not None and progress.reached
        self.clerk_step.tick(reached)
        if reached:
            self.clerk_message.success("Clerk reached HookFlo")
        else:
            self.clerk_message.note("Waiting for the first request from Clerk…")
        self._show_secret(progress)
        verified = progress.verified if progress is not None else None
        self.test_step.tick(verified is not None)
        if verified is not None:
            when = time.strftime("%H:%M:%S", time.localtime(verified.received_at))
            kind = "test " if verified.is_test else ""
            self.test_message.success(
                f"Received a verified {kind}{verified.event_type or 'event'} at "
                f"{when}. You are all set."
            )

    def _show_tunnel(self, source: Source) -> None:
        url = endpoints.tunnel_url(self.context)
        base, public = endpoints.base_url(self.context)
        self.url_field.set_text(base + source.path)
        self.tunnel_step.tick(url is not None)
        if public:
            self.tunnel_message.success(
                "The tunnel is up: paste this URL as the endpoint in Clerk"
            )
        else:
            self.tunnel_message.note(self._tunnel_wait_note())

    def _tunnel_wait_note(self) -> str:
        """Say why the tunnel is not up yet, as its own status tells."""
        tunnel = self.context.tunnel
        status = tunnel.status if tunnel is not None else None
        if status is None:
            return (
                "The tunnel is off, and Clerk cannot reach this local address: "
                "turn it on and set the ngrok authtoken under Settings → Tunnel"
            )
        if status.problem is None:
            return f"Waiting for the tunnel ({status.describe()})"
        advice = f" {status.advice}" if status.advice else ""
        return f"Clerk cannot reach this address yet ({status.describe()}).{advice}"

    def _show_secret(self, progress: SourceProgress | None) -> None:
        state = self.secret_state
        self.secret_step.tick(state.count > 0)
        if state.problem:
            self.secret_message.error(f"Cannot read the keyring: {state.problem}")
        elif not state.known:
            self.secret_message.note("Reading the keyring…")
        elif state.count == 0:
            self.secret_message.note(
                "No signing secret yet: Clerk's requests are refused until you paste it"
            )
        else:
            self.secret_message.success("The signing secret is stored")
        refused = progress.refused if progress is not None else None
        if (
            refused is not None
            and progress is not None
            and progress.refusal_outstanding
        ):
            hint = f" {refused.hint}" if refused.hint else ""
            self.refusal_message.error(
                f"A request was refused ({refused.status}, {refused.message}).{hint}"
            )
        else:
            self.refusal_message.clear_message()

    # Closing

    @override
    def done(self, result: int) -> None:
        """Close: stop watching and drop pending callbacks."""
        self._stop()
        super().done(result)

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        """Close as the Close button does."""
        self._stop()
        super().closeEvent(event)

    def _stop(self) -> None:
        self._timer.stop()
        self._unsubscribe()
        self.work.close()
        reader, lock = self._reader, self._reader_lock

        def close_reader() -> None:
            with lock:
                reader.close()

        threading.Thread(target=close_reader, name="hookflo-guide-close").start()
