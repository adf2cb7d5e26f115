"""Settings page: the Clerk endpoints (sources) and their signing secrets.

Each source has a name, an environment, a path and the full URL to paste in
Clerk. Its signing secrets are pasted here (tidied, checked on entry) and
kept in the keyring; during a rotation a source holds two, and the old one is
removed by its fingerprint once Clerk signs with the new one.

The page is built in layers, one job each: ``sourcedraft`` (a source as
edited), ``sourcesecrets`` (its signing secrets), ``sourceform`` (the editor
form) and, here, the list of sources and the page's part in saving.
"""

import logging
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hookflo.core import config
from hookflo.core.catchup import clerkkey
from hookflo.core.config import Config, Environment
from hookflo.core.credentials import signing_secret_entry
from hookflo.gui.context import AppContext
from hookflo.gui.offthread import OffThread
from hookflo.gui.settings.clerkkeybox import ClerkKeyBox, ClerkKeyDraft
from hookflo.gui.settings.model import SecretChange
from hookflo.gui.settings.sourcedraft import SourceDraft, source_table
from hookflo.gui.settings.sourceform import SourceForm

logger = logging.getLogger(__name__)


class SourcesPage(SourceForm):
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

        form = self._build_form()
        self._build_secrets()

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
        table["sources"] = {d.name: source_table(d) for d in self._drafts}

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
