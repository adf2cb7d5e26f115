"""Settings page: the Clerk endpoints (sources) and their signing secrets.

Each source has a name, an environment, a path and the full URL to paste in
Clerk. Its signing secrets are pasted here (tidied, checked on entry) and
kept in the keyring; during a rotation a source holds two, and the old one is
removed by its fingerprint once Clerk signs with the new one.
"""

import dataclasses
import logging
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hookflo.core import config, secretinput
from hookflo.core.catchup import clerkkey
from hookflo.core.config import Config, Environment
from hookflo.core.credentials import signing_secret_entry, signing_secret_variable
from hookflo.core.errors import SecretFormatError
from hookflo.gui import endpoints
from hookflo.gui.context import AppContext
from hookflo.gui.offthread import OffThread
from hookflo.gui.settings.clerkkeybox import ClerkKeyBox, ClerkKeyDraft
from hookflo.gui.settings.model import SecretChange
from hookflo.gui.settings.page import Page
from hookflo.gui.settings.widgets import CopyField, Message

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class SourceDraft:
    """A source as edited, and its signing secrets as staged.

    Attributes:
        secrets: the stored secrets, oldest first; None until the keyring
            was read (or when it cannot be).
        saved_name: the name it is saved under; None for a new source.
    """

    name: str
    environment: Environment
    path: str
    saved_name: str | None
    secrets: list[str] | None = None
    secrets_changed: bool = False
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    clerk_api_url: str = config.DEFAULT_CLERK_API_URL
    clerk_key: ClerkKeyDraft = dataclasses.field(default_factory=ClerkKeyDraft)


class SourcesPage(Page):
    """Sources, their URLs and their signing secrets."""

    title = "Sources"

    def __init__(
        self, context: AppContext, work: OffThread, parent: QWidget | None = None
    ) -> None:
        super().__init__(context, work, parent)
        self._drafts: list[SourceDraft] = []
        self._removed: list[str] = []
        self._keyring_problem = ""
        self._current: SourceDraft | None = None
        self._build()
        self._connect_signals()
        self._load(context.config)

    def _build(self) -> None:
        self.source_list = QListWidget(self)
        self.add_button = QPushButton("Add source", self)
        self.remove_button = QPushButton("Remove source", self)
        left = QVBoxLayout()
        left.addWidget(self.source_list, 1)
        left.addWidget(self.add_button)
        left.addWidget(self.remove_button)

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

        self.secrets_group = QGroupBox("Signing secrets", self)
        self.secrets_status = Message(self.secrets_group)
        self.secret_list = QListWidget(self.secrets_group)
        self.secret_list.setMaximumHeight(70)
        self.remove_secret_button = QPushButton(
            "Remove selected secret", self.secrets_group
        )
        self.paste_edit = QLineEdit(self.secrets_group)
        self.paste_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.paste_edit.setPlaceholderText("Paste the whsec_… secret from Clerk")
        self.add_secret_button = QPushButton("Add secret", self.secrets_group)
        self.paste_message = Message(self.secrets_group)
        paste_row = QHBoxLayout()
        paste_row.addWidget(self.paste_edit, 1)
        paste_row.addWidget(self.add_secret_button)
        secrets = QVBoxLayout(self.secrets_group)
        secrets.addWidget(self.secrets_status)
        secrets.addWidget(self.secret_list)
        secrets.addWidget(self.remove_secret_button)
        secrets.addLayout(paste_row)
        secrets.addWidget(self.paste_message)

        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(self.secrets_group)
        self.clerk_key_box = ClerkKeyBox(self)
        right.addWidget(self.clerk_key_box)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 3)

    def _connect_signals(self) -> None:
        self.source_list.currentRowChanged.connect(self._on_source_list_row_changed)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.name_edit.textEdited.connect(self._on_name_edited)
        self.environment_box.currentIndexChanged.connect(self._on_environment_changed)
        self.path_edit.textEdited.connect(self._on_path_edited)
        self.paste_edit.textChanged.connect(self._on_paste_changed)
        self.add_secret_button.clicked.connect(self._on_add_secret_clicked)
        self.remove_secret_button.clicked.connect(self._on_remove_secret_clicked)
        self.secret_list.currentRowChanged.connect(self._show_secrets_buttons)
        self.clerk_key_box.remove_button.clicked.connect(self._on_remove_key_clicked)

    # Loading and saving

    def _load(self, settings: Config) -> None:
        known = {d.saved_name: d for d in self._drafts}
        self._drafts = [
            SourceDraft(
                s.name,
                s.environment,
                s.path,
                s.name,
                known[s.name].secrets if s.name in known else None,
                clerk_api_url=s.clerk_api_url,
                clerk_key=known[s.name].clerk_key
                if s.name in known
                else ClerkKeyDraft(),
            )
            for s in settings.sources
        ]
        self._removed = []
        self._current = None
        self._refresh_list(select=0)

    def keyring_entries(self) -> list[str]:
        """Return each saved source's signing-secret and Clerk key entries."""
        saved = [d.saved_name for d in self._drafts if d.saved_name is not None]
        return [signing_secret_entry(n) for n in saved] + [
            clerkkey.entry(n) for n in saved
        ]

    def keyring_loaded(self, found: dict[str, str] | None, problem: str) -> None:
        """Take each source's stored secrets (or the keyring's problem)."""
        self._keyring_problem = problem
        for draft in self._drafts:
            if found is not None and not draft.clerk_key.changed:
                entry = clerkkey.entry(draft.saved_name or draft.name)
                draft.clerk_key.stored = bool(found.get(entry))
            if draft.secrets_changed:
                continue
            if found is None:
                draft.secrets = None
            elif draft.saved_name is None:
                draft.secrets = []
            else:
                stored = found.get(signing_secret_entry(draft.saved_name), "")
                draft.secrets = stored.split()
        self._show_current()

    def contribute(self, table: dict[str, Any]) -> None:
        """Put the sources into ``table``."""
        table["sources"] = {d.name: _source_table(d) for d in self._drafts}

    def validate(self) -> bool:
        """Check names are unique and that a pasted secret is well formed."""
        ok = True
        seen: set[str] = set()
        for draft in self._drafts:
            if draft.name in seen:
                draft.errors["name"] = f"Another source is called {draft.name!r}"
                ok = False
            seen.add(draft.name)
        if self.paste_edit.text().strip():
            ok = self._add_pasted_secret() and ok
        if self._current is not None:
            ok = self.clerk_key_box.stage_pasted(self._current.clerk_key) and ok
        if not ok:
            self._select_first_fault()
        return ok

    def secret_changes(self) -> list[SecretChange]:
        """Return the rewritten secret entries of the sources changed."""
        changes = []
        for draft in self._drafts:
            if not draft.secrets_changed or draft.secrets is None:
                continue
            value = " ".join(draft.secrets) or None
            changes.append(SecretChange(signing_secret_entry(draft.name), value))
        changes.extend(
            SecretChange(clerkkey.entry(d.name), d.clerk_key.staged)
            for d in self._drafts
            if d.clerk_key.changed
        )
        return changes

    def removed_sources(self) -> list[str]:
        """Return the saved sources removed here."""
        return list(self._removed)

    def show_problem(self, key: str, message: str) -> bool:
        """Show a fault under ``sources.<name>[.field]`` by its field."""
        if key != "sources" and not key.startswith("sources."):
            return False
        name, _, field = key.removeprefix("sources.").partition(".")
        draft = next((d for d in self._drafts if d.name == name), None)
        if draft is None:
            draft = self._drafts[0] if self._drafts else None
        if draft is None:
            return False
        draft.errors["path" if field == "path" else "name"] = message
        self._select(draft)
        return True

    def show_secret_problem(self, entry: str, message: str) -> bool:
        """Show the keyring's refusal by the source's secrets."""
        draft = next(
            (d for d in self._drafts if signing_secret_entry(d.name) == entry), None
        )
        if draft is None:
            return False
        self._select(draft)
        self.paste_message.error(message)
        return True

    def clear_problems(self) -> None:
        """Forget the faults of the last Save."""
        for draft in self._drafts:
            draft.errors.clear()
        self._show_current()

    def saved(self, config: Config) -> None:
        """Take the saved sources; their staged secrets are stored now."""
        for draft in self._drafts:
            draft.saved_name = draft.name
            draft.secrets_changed = False
            if draft.clerk_key.changed:
                draft.clerk_key = ClerkKeyDraft(stored=draft.clerk_key.will_be_set)
        self._removed = []
        self._show_current()

    # Slots

    @Slot(int)
    def _on_source_list_row_changed(self, row: int) -> None:
        chosen = self._drafts[row] if 0 <= row < len(self._drafts) else None
        self._switch_to(chosen)
        self._show_current()

    @Slot()
    def _on_add_clicked(self) -> None:
        names = {d.name for d in self._drafts}
        name = next(
            n
            for n in ("clerk-dev", *(f"clerk-{i}" for i in range(2, 99)))
            if n not in names
        )
        draft = SourceDraft(
            name, Environment.DEVELOPMENT, config.default_path(name), None, []
        )
        if self._keyring_problem:
            draft.secrets = None
        else:
            draft.clerk_key.stored = False
        self._drafts.append(draft)
        self._refresh_list(select=len(self._drafts) - 1)

    @Slot()
    def _on_remove_clicked(self) -> None:
        draft = self._current
        if draft is None or len(self._drafts) <= 1:
            return
        if draft.saved_name is not None:
            self._removed.append(draft.saved_name)
        row = self._drafts.index(draft)
        self._drafts.remove(draft)
        self._current = None
        self._refresh_list(select=max(0, row - 1))

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

    @Slot(str)
    def _on_paste_changed(self, text: str) -> None:
        if not text.strip():
            self.paste_message.clear_message()
            self.add_secret_button.setEnabled(False)
            return
        try:
            tidied = secretinput.signing_secret(text)
        except SecretFormatError as err:
            self.paste_message.error(str(err))
            self.add_secret_button.setEnabled(False)
            return
        label = secretinput.fingerprint(tidied.value)
        notes = [*tidied.notes, f"Fingerprint {label}; press Add secret, then Save"]
        self.paste_message.note(". ".join(notes))
        self.add_secret_button.setEnabled(self._secrets_editable())

    @Slot()
    def _on_remove_key_clicked(self) -> None:
        if self._current is not None:
            self.clerk_key_box.stage_removal(self._current.clerk_key)
            self._show_current()

    @Slot()
    def _on_add_secret_clicked(self) -> None:
        self._add_pasted_secret()

    @Slot()
    def _on_remove_secret_clicked(self) -> None:
        draft = self._current
        item = self.secret_list.currentItem()
        if draft is None or draft.secrets is None or item is None:
            return
        label = item.text().split()[0]
        draft.secrets = secretinput.without_secret(draft.secrets, label)
        draft.secrets_changed = True
        self.paste_message.note(f"Secret {label} is removed when you save")
        self._show_current()

    # Showing

    def _add_pasted_secret(self) -> bool:
        draft = self._current
        if draft is None:
            return False
        if draft.secrets is None:
            self.paste_message.error(
                f"Cannot be stored: the keyring is not available "
                f"({self._keyring_problem or 'still reading it'})"
            )
            return False
        try:
            tidied = secretinput.signing_secret(self.paste_edit.text())
            draft.secrets = secretinput.with_secret(draft.secrets, tidied.value)
        except SecretFormatError as err:
            self.paste_message.error(str(err))
            return False
        draft.secrets_changed = True
        label = secretinput.fingerprint(tidied.value)
        notes = [*tidied.notes, f"Added {label}; it is stored when you save"]
        self.paste_edit.blockSignals(True)
        self.paste_edit.clear()
        self.paste_edit.blockSignals(False)
        self.paste_message.note(". ".join(notes))
        self._show_current()
        return True

    def _refresh_list(self, *, select: int) -> None:
        self.source_list.blockSignals(True)
        self.source_list.clear()
        for draft in self._drafts:
            self.source_list.addItem(f"{draft.name} ({draft.environment.value})")
        self.source_list.blockSignals(False)
        if self._drafts:
            select = min(select, len(self._drafts) - 1)
            self._switch_to(self._drafts[select])
            self.source_list.setCurrentRow(select)
        self._show_current()

    def _switch_to(self, draft: SourceDraft | None) -> None:
        """Make ``draft`` the one shown; a half-pasted secret stays with its own."""
        if draft is not self._current:
            self.paste_edit.clear()
            self.paste_message.clear_message()
            self.clerk_key_box.forget_pasted()
        self._current = draft

    def _select(self, draft: SourceDraft) -> None:
        self._refresh_list(select=self._drafts.index(draft))

    def _select_first_fault(self) -> None:
        faulty = next((d for d in self._drafts if d.errors), None)
        if faulty is not None:
            self._select(faulty)

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

    def _show_secrets(self, draft: SourceDraft) -> None:
        self.secret_list.clear()
        for index, secret in enumerate(draft.secrets or []):
            newest = index == len(draft.secrets or []) - 1
            role = "newest, signs HookFlo's test events" if newest else "older"
            self.secret_list.addItem(f"{secretinput.fingerprint(secret)}  ({role})")
        self.secrets_status.note(self._secrets_text(draft))
        self._show_secrets_buttons()

    @Slot()
    def _show_secrets_buttons(self) -> None:
        editable = self._secrets_editable()
        self.paste_edit.setEnabled(editable)
        self.remove_secret_button.setEnabled(
            editable and self.secret_list.currentRow() >= 0
        )
        if not editable or not self.paste_edit.text().strip():
            self.add_secret_button.setEnabled(False)

    def _secrets_editable(self) -> bool:
        return self._current is not None and self._current.secrets is not None

    def _secrets_text(self, draft: SourceDraft) -> str:
        override = signing_secret_variable(draft.name)
        prefix = ""
        if self.context.environ.get(override, "").strip():
            prefix = f"{override} is set and is used instead of the keyring. "
        if draft.secrets is None:
            if self._keyring_problem:
                return f"{prefix}Cannot be read or stored: {self._keyring_problem}"
            return f"{prefix}Reading the keyring…"
        pending = " (changes are stored when you save)" if draft.secrets_changed else ""
        count = len(draft.secrets)
        if count == 0:
            return (
                f"{prefix}No signing secret: Clerk's deliveries are refused (503, "
                f"Clerk retries) until you add one{pending}"
            )
        if count == 1:
            return f"{prefix}One signing secret{pending}"
        return (
            f"{prefix}{count} signing secrets (rotation): any of them verifies; "
            f"remove the old one once Clerk signs with the new one{pending}"
        )


def _source_table(draft: SourceDraft) -> dict[str, str]:
    table = {"environment": draft.environment.value, "path": draft.path}
    if draft.clerk_api_url != config.DEFAULT_CLERK_API_URL:
        table["clerk_api_url"] = draft.clerk_api_url
    return table
