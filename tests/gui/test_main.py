"""``hookflo`` alone (or with --host/--port) is the tray app; the rest, commands."""

import pytest

from hookflo import main
from hookflo.gui import launcher


@pytest.mark.parametrize(
    ("argv", "gui"),
    [
        ([], True),
        (["--port", "9000"], True),
        (["--host", "0.0.0.0", "--port=9000"], True),
        (["--host=::1"], True),
        (["serve"], False),
        (["serve", "--port", "9000"], False),
        (["--port", "9000", "events"], False),
        (["--version"], False),
        (["--help"], False),
    ],
)
def test_only_host_and_port_start_the_tray_app(argv, gui):
    assert main.wants_gui(argv) is gui


def test_without_a_display_the_tray_app_says_to_use_serve(monkeypatch, capsys):
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(launcher.sys, "platform", "linux")
    assert launcher.main([]) == 1
    assert capsys.readouterr().err == (
        "hookflo: no desktop display found (DISPLAY and WAYLAND_DISPLAY are not "
        "set); use `hookflo serve` to run headless\n"
    )


def test_a_wrong_port_is_a_usage_error(capsys):
    assert launcher.main(["--port", "http"]) == 2
    assert "argument --port: not a port number: 'http'" in capsys.readouterr().err


def test_a_hookflo_link_goes_to_the_tray_app_not_to_the_commands(monkeypatch, capsys):
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(launcher.sys, "platform", "linux")
    # The tray app's own refusal: the commands would call it an unknown one.
    assert main.main(["hookflo://event/42"]) == 1
    assert "no desktop display found" in capsys.readouterr().err


@pytest.mark.parametrize(
    "link", ["hookflo://event/0", "hookflo://event/42/x", "HOOKFLO://event/42"]
)
def test_a_bad_hookflo_link_is_one_plain_error_and_exit_2(link, capsys):
    assert main.main([link]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"hookflo: not a HookFlo event link: {link!r} "
        "(expected hookflo://event/<number>)\n"
    )
