"""The settings dialog: its pages, and saving all of them or nothing.

Save gathers every page's values into the TOML tables, checks them with the
real parser (a fault is shown next to its field, and nothing is written),
then, off the UI thread, stores the staged secrets in the keyring and only
then replaces ``config.toml`` atomically. The keyring is read and written
off the UI thread with a time limit, so a locked keyring never freezes the
dialog; closing the dialog abandons a save that has not written the file.

Closing this window never quits the app (C27).
"""

import concurrent.futures
import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from hookflo.core import configwrite
from hookflo.core.config import Config
from hookflo.core.errors import KeyringUnavailableError
from hookflo.gui.context import AppContext
from hookflo.gui.offthread import OffThread
from hookflo.gui.qtutil import show_single
from hookflo.gui.settings import model
from hookflo.gui.settings.channelspage import ChannelsPage
from hookflo.gui.settings.generalpage import GeneralPage
from hookflo.gui.settings.page import Page
from hookflo.gui.settings.routingpage import RoutingPage
from hookflo.gui.settings.sourcespage import SourcesPage
from hookflo.gui.settings.templatespage import TemplatesPage
from hookflo.gui.settings.tunnelpage import TunnelPage
from hookflo.gui.settings.widgets import Message

logger = logging.getLogger(__name__)

TITLE = "HookFlo — Settings"
PAGES: tuple[type[Page], ...] = (
    SourcesPage,
    ChannelsPage,
    RoutingPage,
    TemplatesPage,
    TunnelPage,
    GeneralPage,
)

_open_dialogs: dict[int, "SettingsDialog"] = {}


def open_settings(
    context: AppContext,
    parent: QWidget | None = None,
    *,
    on_saved: Callable[[Config], None] | None = None,
) -> None:
    """Show the settings dialog, or bring the open one to the front.

    Args:
        context: the running app's shared state; ``context.config`` is
            replaced when the settings are saved.
        parent: the window it belongs to, if any.
        on_saved: called with the new settings after each save (the app
            restarts what depends on them).
    """
    dialog = show_single(
        _open_dialogs, id(context), lambda: SettingsDialog(context, parent)
    )
    if on_saved is not None:
        dialog.saved.connect(on_saved)


class SettingsDialog(QDialog):
    """Every setting of HookFlo, on pages; Save writes all of them or none.

    Args:
        context: the running app's shared state.
        parent: the window it belongs to, if any.

    Signals:
        saved: (Config) the settings just written to ``config.toml``.
    """

    saved = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle(TITLE)
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.resize(920, 640)
        self.work = OffThread(self)
        self._abandon = threading.Event()
        self._saving = False
        self.tabs = QTabWidget(self)
        self.pages: list[Page] = []
        for page_class in PAGES:
            page = page_class(context, self.work, self.tabs)
            self.pages.append(page)
            self.tabs.addTab(page, page.title)
        self.status = Message(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel,
            self,
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.buttons.rejected.connect(self.reject)
        self._read_keyring()

    def page(self, page_class: type[Page]) -> Page:
        """Return the page of ``page_class``."""
        return next(p for p in self.pages if isinstance(p, page_class))

    @property
    def saving(self) -> bool:
        """Whether a save is under way."""
        return self._saving

    # Keyring

    def _read_keyring(self) -> None:
        entries = [e for page in self.pages for e in page.keyring_entries()]
        credentials = self.context.credentials
        self.status.note("Reading the keyring…")
        self.work.submit(
            lambda: model.read_entries(credentials, entries), self._on_keyring_read
        )

    def _on_keyring_read(
        self, future: "concurrent.futures.Future[dict[str, str]]"
    ) -> None:
        try:
            found: dict[str, str] | None = future.result()
            problem = ""
        except KeyringUnavailableError as err:
            found, problem = None, str(err)
        for page in self.pages:
            page.keyring_loaded(found, problem)
        if found is None:
            self.status.error(
                f"Secrets cannot be read or stored: {problem}. The other "
                "settings can still be saved"
            )
        elif not self._saving:
            self.status.clear_message()

    # Saving

    @Slot()
    def _on_save_clicked(self) -> None:
        if self._saving:
            return
        self.status.clear_message()
        for page in self.pages:
            page.clear_problems()
        table = configwrite.to_table(self.context.config)
        for page in self.pages:
            page.contribute(table)
        faulty = [page for page in self.pages if not page.validate()]
        if faulty:
            self._refuse(faulty[0], "Nothing was saved: correct the fields in red")
            return
        config_file = self.context.paths.config_file
        try:
            settings = configwrite.check(table, config_file)
        except configwrite.ConfigValueError as err:
            self._show_config_problem(err)
            return
        changes = [c for page in self.pages for c in page.secret_changes()]
        removed = [name for page in self.pages for name in page.removed_sources()]
        credentials, abandon = self.context.credentials, self._abandon
        self._saving = True
        self.save_button.setEnabled(False)
        self.status.note("Saving…")
        self.work.submit(
            lambda: model.save(
                credentials,
                changes,
                config_file,
                settings,
                removed_sources=removed,
                abandoned=abandon,
            ),
            lambda future: self._on_saved(future, settings),
        )

    def _on_saved(
        self, future: "concurrent.futures.Future[model.SaveOutcome]", settings: Config
    ) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        try:
            outcome = future.result()
        except Exception as err:
            logger.exception("Saving the settings failed")
            self.status.error(f"Nothing was saved: {type(err).__name__}: {err}")
            return
        if outcome.failed is not None:
            change, why = outcome.failed
            for page in self.pages:
                if page.show_secret_problem(change.entry, why):
                    self.tabs.setCurrentWidget(page)
                    break
            self.status.error(
                f"config.toml was not changed: the keyring refused "
                f"{change.entry}: {why}"
            )
            return
        if outcome.error is not None:
            self.status.error(outcome.error)
            return
        self.context.config = settings
        for page in self.pages:
            page.saved(settings)
        notes = " ".join(outcome.notes)
        self.status.success(f"Saved to {self.context.paths.config_file}. {notes}")
        self.cancel_button.setText("Close")
        self.saved.emit(settings)

    def _show_config_problem(self, err: configwrite.ConfigValueError) -> None:
        key = err.key or ""
        for page in self.pages:
            if key and page.show_problem(key, f"{err.detail}"):
                self._refuse(page, f"Nothing was saved: {err}")
                return
        self.status.error(f"Nothing was saved: {err}")

    def _refuse(self, page: Page, text: str) -> None:
        self.tabs.setCurrentWidget(page)
        self.status.error(text)

    # Closing

    @override
    def done(self, result: int) -> None:
        """Close: abandon a save not yet written and drop pending callbacks."""
        self._abandon.set()
        self.work.close()
        super().done(result)

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        """Close as Cancel does."""
        self._abandon.set()
        self.work.close()
        super().closeEvent(event)
