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

The guide is built in layers, one job each: ``guidelayout`` (the widgets),
``guidechecks`` (what each step shows), ``guidewatch`` (reading progress)
and, here, the dialog that acts on what the user does.
"""

import concurrent.futures
import dataclasses
import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import QWidget
from typing_extensions import override

from hookflo.core import config, configwrite, secretinput, selftest, setupprogress
from hookflo.core.config import Config, Environment, Source
from hookflo.core.errors import SecretFormatError, UserFacingError
from hookflo.core.setupprogress import ProgressReader, SourceProgress
from hookflo.gui import endpoints, guidesteps
from hookflo.gui.context import AppContext
from hookflo.gui.guidechecks import SecretState
from hookflo.gui.guidewatch import GuideWatch
from hookflo.gui.offthread import OffThread
from hookflo.gui.qtutil import show_single

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


class FirstRunGuide(GuideWatch):
    """Walks through connecting one Clerk instance to HookFlo.

    Args:
        context: the running app's shared state.
        parent: the window it belongs to, if any.

    Attributes:
        poll_ms: how often the store is read for progress.

    Signals:
        saved: (Config) the guide added a source and saved the settings.
    """

    saved = Signal(object)
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
