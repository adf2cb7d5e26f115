"""The tray icons: every state and variant ships, loads and draws (C30, 5)."""

from pathlib import Path

import pytest
from PySide6.QtGui import QColor

from hookflo.gui import icons
from hookflo.gui.icons import Variant
from hookflo.gui.status import TrayState

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("variant", list(Variant))
@pytest.mark.parametrize("state", list(TrayState))
def test_each_state_has_a_light_and_a_dark_icon_that_draws(qapp, state, variant):
    icon = icons.tray_icon(state, variant)
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} >= {16, 22, 32, 64}
    image = icon.pixmap(32, 32).toImage()
    opaque = sum(
        image.pixelColor(x, y).alpha() > 0 for x in range(32) for y in range(32)
    )
    assert opaque > 100, "the icon is (nearly) empty"


def test_the_packaged_icons_are_the_ones_in_resources():
    shipped = sorted(p.name for p in (REPO / "resources" / "icons").glob("*.svg"))
    assert shipped == sorted(
        icons.file_name(state, variant) for state in TrayState for variant in Variant
    )
    for name in shipped:
        packaged = REPO / "app" / "hookflo" / "resources" / "icons" / name
        assert (
            packaged.read_bytes() == (REPO / "resources" / "icons" / name).read_bytes()
        )


def test_variants_differ_in_stroke_colour(qapp):
    light = icons.tray_icon(TrayState.HEALTHY, Variant.LIGHT).pixmap(64, 64).toImage()
    dark = icons.tray_icon(TrayState.HEALTHY, Variant.DARK).pixmap(64, 64).toImage()
    # The dot at the top of the hook: dark on the light variant, light on dark.
    assert light.pixelColor(36, 9).lightness() < 100
    assert dark.pixelColor(36, 9).lightness() > 200


def test_the_new_events_icon_shows_the_count(qapp):
    plain = icons.tray_icon(TrayState.NEW, Variant.LIGHT).pixmap(64, 64).toImage()
    counted = icons.tray_icon(TrayState.NEW, Variant.LIGHT, 7).pixmap(64, 64).toImage()
    assert plain != counted
    centre = counted.pixelColor(48, 48)
    assert centre == QColor("#ffffff") or plain.pixelColor(48, 48) != centre


def test_a_missing_icon_is_an_error_not_a_blank_tray(monkeypatch):
    monkeypatch.setattr(icons, "ICON_FOLDER", "no-such-folder")
    with pytest.raises(icons.IconError, match="missing from the package"):
        icons.svg_bytes(TrayState.PROBLEM, Variant.DARK)
