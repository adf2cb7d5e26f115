"""The Sources page's editor form: a source's name, instance, path and URL.

``SourceForm`` builds the fields, checks them as they are typed and shows
the source being edited, its secrets (``sourcesecrets``) and its Clerk key.
"""

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QPushButton

from hookflo.core import config
from hookflo.core.catchup import clerkkey
from hookflo.core.config import Environment
from hookflo.gui import endpoints
from hookflo.gui.settings.clerkkeybox import ClerkKeyBox
from hookflo.gui.settings.sourcedraft import SourceDraft
from hookflo.gui.settings.sourcesecrets import SourceSecrets
from hookflo.gui.settings.widgets import CopyField, Message

logger = logging.getLogger(__name__)


class SourceForm(SourceSecrets):
    """The editor form of the Sources page; a base class."""

    _drafts: list[SourceDraft]
    remove_button: QPushButton
    clerk_key_box: ClerkKeyBox

    if TYPE_CHECKING:  # defined by SourcesPage

        def _refresh_list(self, *, select: int) -> None: ...

    def _build_form(self) -> QFormLayout:
        self.name_edit = QLineEdit(self)
        self.name_message = Message(self)
        self.environment_box = QComboBox(self)
        for environment in Environment:
            self.environment_box.addItem(environment.value.capitalize(), environment)
        self.path_edit = QLineEdit(self)
        self.path_message = Message(self)
        self.url_field = CopyField(self)
        self.url_message = Message(self)
        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("", self.name_message)
        form.addRow("Clerk instance", self.environment_box)
        form.addRow("Path", self.path_edit)
        form.addRow("", self.path_message)
        form.addRow("Endpoint URL", self.url_field)
        form.addRow("", self.url_message)
        return form

    @Slot(str)
    def _on_name_edited(self, text: str) -> None:
        if self._current is None:
            return
        self._current.name = text
        self._current.errors.pop("name", None)
        self._refresh_list(select=self._drafts.index(self._current))

    @Slot(int)
    def _on_environment_changed(self, index: int) -> None:
        if self._current is None or index < 0:
            return
        self._current.environment = Environment(self.environment_box.itemData(index))
        self._refresh_list(select=self._drafts.index(self._current))

    @Slot(str)
    def _on_path_edited(self, text: str) -> None:
        if self._current is None:
            return
        self._current.path = text
        self._current.errors.pop("path", None)
        self._show_current()

    @Slot()
    def _on_remove_key_clicked(self) -> None:
        if self._current is not None:
            self.clerk_key_box.stage_removal(self._current.clerk_key)
            self._show_current()

    def _show_current(self) -> None:
        draft = self._current
        self.remove_button.setEnabled(draft is not None and len(self._drafts) > 1)
        if draft is None:
            return
        if self.name_edit.text() != draft.name:
            self.name_edit.setText(draft.name)
        self.name_edit.setReadOnly(draft.saved_name is not None)
        self.name_edit.setToolTip(
            "A saved source keeps its name (its secrets are stored under it); "
            "add a new source instead"
            if draft.saved_name is not None
            else ""
        )
        self.environment_box.blockSignals(True)
        self.environment_box.setCurrentIndex(
            self.environment_box.findData(draft.environment)
        )
        self.environment_box.blockSignals(False)
        if self.path_edit.text() != draft.path:
            self.path_edit.setText(draft.path)
        self._show_field_checks(draft)
        self._show_url(draft)
        self._show_secrets(draft)
        override = clerkkey.variable(draft.name)
        self.clerk_key_box.show_draft(
            draft.clerk_key,
            override=override if self.context.environ.get(override, "") else "",
            keyring_problem=self._keyring_problem,
        )

    def _show_field_checks(self, draft: SourceDraft) -> None:
        name_error = draft.errors.get("name")
        if name_error is None and not config.SOURCE_NAME_PATTERN.match(draft.name):
            name_error = "Use lowercase letters, digits, '-' and '_' (e.g. clerk-dev)"
        path_error = draft.errors.get("path")
        if path_error is None and not config.PATH_PATTERN.match(draft.path):
            path_error = "A URL path such as /webhooks/clerk-dev"
        for message, error in (
            (self.name_message, name_error),
            (self.path_message, path_error),
        ):
            if error:
                message.error(error)
            else:
                message.clear_message()

    def _show_url(self, draft: SourceDraft) -> None:
        base, public = endpoints.base_url(self.context)
        self.url_field.set_text(base + draft.path)
        if public:
            self.url_message.note("Paste this URL in Clerk: Webhooks → Add Endpoint")
        else:
            self.url_message.note(
                "A local address: Clerk can reach it only once the tunnel is up "
                "(Tunnel page)"
            )
