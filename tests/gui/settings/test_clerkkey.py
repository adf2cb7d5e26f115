"""The Sources page's Clerk secret key, through the real Secret Service."""

from PySide6.QtWidgets import QLabel, QLineEdit

from hookflo.core import config
from hookflo.core.catchup import clerkkey
from hookflo.core.credentials import Credentials
from hookflo.gui.settings.dialog import SettingsDialog
from hookflo.gui.settings.sourcespage import SourcesPage

WAIT_MS = 5000
KEY = "sk_live_PastedInTheSettingsDialog000000000003"
API = "http://127.0.0.1:9/clerk-stand-in"


def _open(qtbot, context) -> tuple[SettingsDialog, SourcesPage]:
    dialog = SettingsDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.work.busy, timeout=WAIT_MS)
    sources = dialog.page(SourcesPage)
    assert isinstance(sources, SourcesPage)
    return dialog, sources


def _save(qtbot, dialog: SettingsDialog) -> None:
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=WAIT_MS)
    assert dialog.status.text().startswith("Saved to"), dialog.status.text()


def _shown(dialog) -> str:
    shown = [label.text() for label in dialog.findChildren(QLabel)]
    shown += [
        e.text()
        for e in dialog.findChildren(QLineEdit)
        if e.echoMode() == QLineEdit.EchoMode.Normal
    ]
    return "\n".join(shown)


def test_a_pasted_key_is_stored_on_save_and_never_shown(
    qtbot, make_context, secret_service, hookflo_home
):
    hookflo_home.mkdir(parents=True, exist_ok=True)
    (hookflo_home / "config.toml").write_text(
        f'[sources.clerk]\nclerk_api_url = "{API}"\n', encoding="utf-8"
    )
    context = make_context(Credentials({}))
    dialog, sources = _open(qtbot, context)
    box = sources.clerk_key_box
    assert box.status.text().startswith("Not set")

    box.edit.setText("pk_live_notTheSecretKey")
    assert "publishable key" in box.message.text()
    box.edit.setText(f"  {KEY}\n")
    assert box.message.text() == "Looks right; it is stored when you save"
    _save(qtbot, dialog)

    assert secret_service.stored()[clerkkey.entry("clerk")] == KEY
    assert KEY not in _shown(dialog)
    assert KEY not in context.paths.config_file.read_text(encoding="utf-8")
    # The Backend API address survives a save of the dialog.
    assert config.load(context.paths.config_file).sources[0].clerk_api_url == API
    dialog.close()

    again, sources = _open(qtbot, context)
    assert sources.clerk_key_box.status.text().startswith("Set: after time offline")
    sources.clerk_key_box.remove_button.click()
    assert "removed when you save" in sources.clerk_key_box.message.text()
    _save(qtbot, again)
    assert clerkkey.entry("clerk") not in secret_service.stored()
