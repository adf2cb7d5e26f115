"""The digests box on the General page, saved to ``[digests]``."""

from hookflo.core import config
from hookflo.core.channels.base import ChannelName
from hookflo.core.digest.settings import DigestSettings, Schedule
from hookflo.gui.settings.dialog import SettingsDialog
from hookflo.gui.settings.generalpage import GeneralPage

WAIT_MS = 5000


def open_dialog(qtbot, context) -> SettingsDialog:
    dialog = SettingsDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.work.busy, timeout=WAIT_MS)
    return dialog


def save(qtbot, dialog: SettingsDialog) -> None:
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=WAIT_MS)


def retype(qtbot, edit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def test_digests_turned_on_in_the_dialog_are_saved_and_shown_again(qtbot, context):
    dialog = open_dialog(qtbot, context)
    page = dialog.page(GeneralPage)
    assert isinstance(page, GeneralPage)
    box = page.digests
    assert not box.daily_check.isChecked()
    assert box.message.text() == "Off: no digest is sent"

    box.daily_check.setChecked(True)
    retype(qtbot, box.daily_edit, "7:15")
    box.weekly_check.setChecked(True)
    box.weekday_combo.setCurrentIndex(4)
    assert box.message.text() == (
        "Sent daily at 7:15 and weekly on Friday at 08:30, to every channel "
        "that is set up"
    )
    save(qtbot, dialog)

    assert dialog.status.text().startswith("Saved to")
    saved = config.load(context.paths.config_file).digests
    assert saved == DigestSettings(
        daily=Schedule(7, 15), weekly=Schedule(8, 30, weekday=4)
    )
    context.config = config.load(context.paths.config_file)
    reopened = open_dialog(qtbot, context)
    again = reopened.page(GeneralPage)
    assert isinstance(again, GeneralPage)
    assert again.digests.daily_edit.text() == "07:15"
    assert again.digests.weekday_combo.currentText() == "Friday"


def test_turning_digests_off_keeps_the_other_digest_keys_out_of_the_way(qtbot, context):
    context.paths.config_file.write_text(
        '[digests]\ndaily = "08:30"\nchannels = ["email"]\n', encoding="utf-8"
    )
    context.config = config.load(context.paths.config_file)
    dialog = open_dialog(qtbot, context)
    box = dialog.page(GeneralPage).digests
    assert box.message.text() == "Sent daily at 08:30, to email"

    box.weekly_check.setChecked(True)
    save(qtbot, dialog)
    both = config.load(context.paths.config_file).digests
    box.daily_check.setChecked(False)
    box.weekly_check.setChecked(False)
    save(qtbot, dialog)

    assert both.channels == (ChannelName.EMAIL,)
    assert both.weekly == Schedule(8, 30, weekday=0)
    assert not config.load(context.paths.config_file).digests.enabled


def test_a_wrong_digest_time_is_shown_by_the_field_and_not_saved(qtbot, context):
    dialog = open_dialog(qtbot, context)
    box = dialog.page(GeneralPage).digests
    box.daily_check.setChecked(True)
    retype(qtbot, box.daily_edit, "25:00")
    assert box.message.is_error
    assert box.message.text() == (
        "Daily: expected a time such as 08:30 (24-hour), got '25:00'"
    )

    save(qtbot, dialog)

    assert dialog.status.text().startswith("Nothing was saved")
    assert not context.paths.config_file.exists()
