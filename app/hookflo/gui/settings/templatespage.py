"""Settings page: edit the alert templates, with a live preview.

Pick a channel and a template (the layout, the generic one, the burst
summary or one event type); the editor starts from your version or the
shipped default, the preview renders a sample event as you type (off the UI
thread), and "Save template" writes it only when it renders. "Reset to
default" deletes your version. Templates are files of their own, saved by
these buttons apart from the dialog's Save.
"""

import concurrent.futures
import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from hookflo.core.channels.base import ChannelName
from hookflo.gui.context import AppContext
from hookflo.gui.offthread import OffThread
from hookflo.gui.settings import templatepreview
from hookflo.gui.settings.page import Page
from hookflo.gui.settings.templatepreview import Preview
from hookflo.gui.settings.widgets import Message

logger = logging.getLogger(__name__)

PREVIEW_DELAY_MS = 250
_NAME_ROLE = Qt.ItemDataRole.UserRole
_HELP = (
    "Variables: name, email, method, headline, heading, subject, predicate, "
    "aside, environment, source, data … Each part is a block "
    "(desktop: title, body; Slack: text, mrkdwn; email: subject, text, html)."
)


class TemplatesPage(Page):
    """The template editor and its preview."""

    title = "Templates"

    def __init__(
        self, context: AppContext, work: OffThread, parent: QWidget | None = None
    ) -> None:
        super().__init__(context, work, parent)
        self._drafts: dict[tuple[ChannelName, str], str] = {}
        self._generation = 0
        self._preview_ok = False
        self._build()
        self._connect_signals()
        self._show_names()

    @property
    def template_dir(self) -> Path:
        """The folder of the user's templates."""
        return self.context.paths.template_dir

    def selected(self) -> tuple[ChannelName, str]:
        """Return the channel and template being edited."""
        channel = ChannelName(self.channel_box.currentData())
        # Qt answers None when nothing is selected, whatever the stubs say.
        item: QListWidgetItem | None = self.name_list.currentItem()
        name = item.data(_NAME_ROLE) if item is not None else ""
        return channel, str(name)

    def _build(self) -> None:
        self.channel_box = QComboBox(self)
        for channel in ChannelName:
            self.channel_box.addItem(channel.value.capitalize(), channel)
        self.name_list = QListWidget(self)
        left = QVBoxLayout()
        left.addWidget(self.channel_box)
        left.addWidget(self.name_list, 1)

        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.editor = QPlainTextEdit(self)
        self.editor.setFont(fixed)
        self.preview_view = QPlainTextEdit(self)
        self.preview_view.setReadOnly(True)
        self.problem = Message(self)
        self.status = Message(self)
        self.save_button = QPushButton("Save template", self)
        self.reset_button = QPushButton("Reset to default", self)
        help_label = QLabel(_HELP, self)
        help_label.setWordWrap(True)
        splitter = QSplitter(self)
        for title, widget in (
            ("Template", self.editor),
            ("Preview (a sample event)", self.preview_view),
        ):
            box = QWidget(splitter)
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(QLabel(title, box))
            column.addWidget(widget, 1)
            splitter.addWidget(box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(splitter, 1)
        right.addWidget(self.problem)
        right.addLayout(buttons)
        right.addWidget(self.status)
        right.addWidget(help_label)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 4)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)

    def _connect_signals(self) -> None:
        self.channel_box.currentIndexChanged.connect(self._on_channel_changed)
        self.name_list.currentItemChanged.connect(self._on_name_changed)
        self.editor.textChanged.connect(self._on_editor_text_changed)
        self._timer.timeout.connect(self._start_preview)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.reset_button.clicked.connect(self._on_reset_clicked)

    # Slots

    @Slot(int)
    def _on_channel_changed(self, _index: int) -> None:
        self._show_names()

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_name_changed(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        if current is None:
            return
        channel, name = self.selected()
        text = self._drafts.get((channel, name))
        if text is None:
            text = templatepreview.current_text(self.template_dir, channel, name)
        self.editor.blockSignals(True)
        self.editor.setPlainText(text)
        self.editor.blockSignals(False)
        self.status.clear_message()
        self._show_buttons()
        self._start_preview()

    @Slot()
    def _on_editor_text_changed(self) -> None:
        channel, name = self.selected()
        self._drafts[(channel, name)] = self.editor.toPlainText()
        self._preview_ok = False
        self.save_button.setEnabled(False)
        self._timer.start()

    @Slot()
    def _start_preview(self) -> None:
        self._timer.stop()
        self._generation += 1
        generation = self._generation
        channel, name = self.selected()
        text, folder = self.editor.toPlainText(), self.template_dir
        self.work.submit(
            lambda: templatepreview.preview(folder, channel, name, text),
            lambda future: self._show_preview(generation, future),
        )

    @Slot()
    def _on_save_clicked(self) -> None:
        channel, name = self.selected()
        text, folder = self.editor.toPlainText(), self.template_dir

        def check_then_save() -> Preview:
            checked = templatepreview.preview(folder, channel, name, text)
            if checked.problem is None:
                templatepreview.save(folder, channel, name, text)
            return checked

        self.save_button.setEnabled(False)
        self.work.submit(check_then_save, self._on_saved)

    @Slot()
    def _on_reset_clicked(self) -> None:
        channel, name = self.selected()
        try:
            templatepreview.reset(self.template_dir, channel, name)
        except OSError as err:
            self.status.error(f"Could not delete your template: {err}")
            return
        self._drafts.pop((channel, name), None)
        self._refresh_item_labels()
        self.status.success(f"{name} for {channel} is back to HookFlo's default")
        self._on_name_changed(self.name_list.currentItem(), None)

    # Showing

    def _on_saved(self, future: "concurrent.futures.Future[Preview]") -> None:
        channel, name = self.selected()
        try:
            checked = future.result()
        except OSError as err:
            self.status.error(f"Could not save the template: {err}")
            self._show_buttons()
            return
        if checked.problem is not None:
            self.problem.error(f"Not saved: {checked.problem}")
            self._show_buttons()
            return
        self._drafts.pop((channel, name), None)
        self._refresh_item_labels()
        self.status.success(f"Saved; the next {channel} alerts use it")
        self._show_buttons()

    def _show_preview(
        self, generation: int, future: "concurrent.futures.Future[Preview]"
    ) -> None:
        if generation != self._generation:
            return
        try:
            result = future.result()
        except Exception as err:
            logger.exception("The template preview failed")
            result = Preview({}, f"{type(err).__name__}: {err}")
        self.preview_view.setPlainText(
            "\n\n".join(f"[{part}]\n{text}" for part, text in result.parts.items())
        )
        if result.problem:
            self.problem.error(result.problem)
        else:
            self.problem.clear_message()
        self._preview_ok = result.problem is None
        self._show_buttons()

    def _show_names(self) -> None:
        self.name_list.blockSignals(True)
        self.name_list.clear()
        for name in templatepreview.template_names():
            item = QListWidgetItem()
            item.setData(_NAME_ROLE, name)
            self.name_list.addItem(item)
        self.name_list.blockSignals(False)
        self._refresh_item_labels()
        self.name_list.setCurrentRow(0)

    def _refresh_item_labels(self) -> None:
        channel = ChannelName(self.channel_box.currentData())
        for row in range(self.name_list.count()):
            item = self.name_list.item(row)
            name = str(item.data(_NAME_ROLE))
            label = templatepreview.SPECIAL.get(name, name)
            user_file = templatepreview.override_file(self.template_dir, channel, name)
            item.setText(f"{label} (yours)" if user_file.is_file() else label)

    def _show_buttons(self) -> None:
        channel, name = self.selected()
        user_file = templatepreview.override_file(self.template_dir, channel, name)
        self.reset_button.setEnabled(user_file.is_file())
        self.save_button.setEnabled(
            self._preview_ok and (channel, name) in self._drafts
        )
