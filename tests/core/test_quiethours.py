"""Quiet hours: the setting, and when they hold, with the clock in the test's hands."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from hookflo.core import config, configwrite, quiethours
from hookflo.core.channels.base import Alert, ChannelName
from hookflo.core.errors import ConfigError
from hookflo.core.quiethours import QuietGate, QuietHours

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NIGHT = QuietHours(enabled=True, start=datetime.time(22, 0), end=datetime.time(7, 0))


def at(text: str, tz: datetime.tzinfo = BERLIN) -> float:
    """Unix time of the wall-clock moment ``text`` in ``tz``."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=tz).timestamp()


def _load(tmp_path, text: str) -> config.Config:
    config_file = tmp_path / "config.toml"
    config_file.write_text(text, encoding="utf-8")
    return config.load(config_file)


# The setting


def test_no_table_means_quiet_hours_off_for_desktop_22_to_7(tmp_path):
    loaded = _load(tmp_path, "")
    assert loaded.quiet_hours == QuietHours()
    assert not loaded.quiet_hours.enabled
    assert loaded.quiet_hours.channels == (ChannelName.DESKTOP,)


def test_table_is_read(tmp_path):
    loaded = _load(
        tmp_path,
        '[quiet_hours]\nenabled = true\nstart = "23:30"\nend = "6:15"\n'
        'channels = ["slack", "desktop"]\n',
    )
    assert loaded.quiet_hours == QuietHours(
        enabled=True,
        start=datetime.time(23, 30),
        end=datetime.time(6, 15),
        channels=(ChannelName.DESKTOP, ChannelName.SLACK),
    )


@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        ('enabled = "yes"', "quiet_hours.enabled", "true or false"),
        ('start = "25:00"', "quiet_hours.start", "a time such as '22:00'"),
        ('end = "7pm"', "quiet_hours.end", "a time such as '22:00'"),
        ("end = 7", "quiet_hours.end", "a time such as '22:00'"),
        ('start = "07:00"\nend = "7:00"', "quiet_hours.end", "other than the start"),
        ('channels = ["sms"]', "quiet_hours.channels", "a list of 'desktop'"),
        ("channels = []", "quiet_hours.channels", "a list of 'desktop'"),
        ("until = 3", "quiet_hours.until", "one of channels, enabled, end, start"),
    ],
)
def test_wrong_values_are_refused_naming_the_key(tmp_path, body, key, words):
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, f"[quiet_hours]\n{body}\n")
    message = str(caught.value)
    assert f"{key}: expected" in message
    assert words in message


def test_toml_local_times_are_accepted(tmp_path):
    loaded = _load(tmp_path, "[quiet_hours]\nstart = 21:00:00\nend = 06:30:00\n")
    assert (loaded.quiet_hours.start, loaded.quiet_hours.end) == (
        datetime.time(21, 0),
        datetime.time(6, 30),
    )


def test_quoted_times_with_seconds_are_accepted(tmp_path):
    loaded = _load(tmp_path, '[quiet_hours]\nstart = "22:00:00"\nend = "08:30:00"\n')
    assert (loaded.quiet_hours.start, loaded.quiet_hours.end) == (
        datetime.time(22, 0),
        datetime.time(8, 30),
    )


@pytest.mark.parametrize(
    ("line", "fix"),
    [
        ("start = 22:00", 'start = "22:00"'),
        ("end=7:00   # morning", 'end = "7:00"'),
    ],
)
def test_an_unquoted_time_is_refused_with_the_fix_in_plain_words(tmp_path, line, fix):
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, f"[quiet_hours]\nenabled = true\n{line}\n")
    assert str(caught.value) == (
        f"{tmp_path / 'config.toml'}: not valid TOML at line 3: "
        f"write the time in quotes, as {fix}"
    )


def test_other_toml_mistakes_keep_the_parsers_words(tmp_path):
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, "[quiet_hours]\nenabled = yes\n")
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'config.toml'}: not valid TOML: ")
    assert "(at line 2, column" in message
    assert "quotes" not in message


@pytest.mark.parametrize(
    ("body", "got"),
    [
        ("start = 2026-12-04", "got the date 2026-12-04"),
        ("end = 2026-12-04T07:00:00", "got the date and time 2026-12-04T07:00:00"),
        ("end = { hour = 7 }", "got a table"),
    ],
)
def test_a_wrong_kind_of_time_is_named_in_words(tmp_path, body, got):
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, f"[quiet_hours]\n{body}\n")
    message = str(caught.value)
    assert message.endswith(got)
    assert "datetime" not in message


def test_setting_survives_a_write_and_read(tmp_path):
    settings = config.default_config()
    quiet = QuietHours(
        enabled=True,
        start=datetime.time(21, 5),
        end=datetime.time(8, 0),
        channels=(ChannelName.DESKTOP, ChannelName.EMAIL),
    )
    target = tmp_path / "config.toml"
    configwrite.write(
        target, config.Config(settings.receiver, settings.sources, quiet_hours=quiet)
    )
    text = target.read_text(encoding="utf-8")
    assert '[quiet_hours]\nenabled = true\nstart = "21:05"\nend = "08:00"' in text
    assert config.load(target).quiet_hours == quiet


def test_the_default_setting_is_not_written(tmp_path):
    assert "quiet_hours" not in configwrite.render(config.default_config())


# When they hold


@pytest.mark.parametrize(
    ("moment", "until"),
    [
        ("2026-06-10T22:00", "2026-06-11T07:00"),
        ("2026-06-10T23:59", "2026-06-11T07:00"),
        ("2026-06-11T00:00", "2026-06-11T07:00"),
        ("2026-06-11T06:59:59", "2026-06-11T07:00"),
    ],
)
def test_inside_a_window_across_midnight(moment, until):
    assert quiethours.quiet_until(NIGHT, at(moment), tz=BERLIN) == at(until)


@pytest.mark.parametrize(
    "moment", ["2026-06-10T21:59:59", "2026-06-11T07:00", "2026-06-11T12:00"]
)
def test_outside_the_window(moment):
    assert quiethours.quiet_until(NIGHT, at(moment), tz=BERLIN) is None
    assert quiethours.quiet_line(NIGHT, at(moment), tz=BERLIN) == ""


def test_a_window_within_one_day():
    lunch = QuietHours(
        enabled=True, start=datetime.time(12, 0), end=datetime.time(13, 30)
    )
    assert quiethours.quiet_until(lunch, at("2026-06-10T12:45"), tz=BERLIN) == at(
        "2026-06-10T13:30"
    )
    assert quiethours.quiet_until(lunch, at("2026-06-10T23:00"), tz=BERLIN) is None


def test_nothing_holds_when_off():
    off = QuietHours(enabled=False)
    assert quiethours.quiet_until(off, at("2026-06-10T23:00"), tz=BERLIN) is None
    assert quiethours.last_window(off, at("2026-06-11T08:00"), tz=BERLIN) is None


def test_the_line_says_until_when():
    moment = at("2026-06-10T23:00")
    assert quiethours.quiet_line(NIGHT, moment, tz=BERLIN) == "Quiet until 07:00"


def test_a_night_when_clocks_go_forward_ends_at_seven_on_the_wall():
    # New York springs forward at 02:00 on 8 March 2026: the night is 8 h.
    until = quiethours.quiet_until(NIGHT, at("2026-03-08T01:30", NEW_YORK), tz=NEW_YORK)
    assert until == at("2026-03-08T07:00", NEW_YORK)
    start = at("2026-03-07T22:00", NEW_YORK)
    assert until is not None
    assert until - start == 8 * 3600


def test_a_night_when_clocks_go_back_ends_at_seven_on_the_wall():
    # Berlin falls back at 03:00 on 25 October 2026: the night is 10 h.
    start = at("2026-10-24T22:00")
    until = quiethours.quiet_until(NIGHT, start + 9.5 * 3600, tz=BERLIN)
    assert until == at("2026-10-25T07:00")
    assert until is not None
    assert until - start == 10 * 3600


def test_a_start_inside_the_dst_gap_counts_from_just_after_the_jump():
    gap = QuietHours(enabled=True, start=datetime.time(2, 30), end=datetime.time(6, 0))
    jump = at("2026-03-08T03:00", NEW_YORK)  # the first instant after 01:59:59
    assert quiethours.quiet_until(gap, jump - 1, tz=NEW_YORK) is None
    assert quiethours.quiet_until(gap, jump + 31 * 60, tz=NEW_YORK) == at(
        "2026-03-08T06:00", NEW_YORK
    )


def test_the_last_window_is_the_latest_that_is_over():
    window = quiethours.last_window(NIGHT, at("2026-06-11T09:00"), tz=BERLIN)
    assert window == (at("2026-06-10T22:00"), at("2026-06-11T07:00"))
    during = quiethours.last_window(NIGHT, at("2026-06-11T23:00"), tz=BERLIN)
    assert during == (at("2026-06-10T22:00"), at("2026-06-11T07:00"))


def test_the_gate_holds_only_the_chosen_channels():
    gate = QuietGate(NIGHT, tz=BERLIN)
    night = at("2026-06-11T02:00")
    assert gate.held_until(ChannelName.DESKTOP, night) == at("2026-06-11T07:00")
    assert gate.held_until(ChannelName.SLACK, night) is None
    assert gate.held_until(ChannelName.EMAIL, night) is None
    assert gate.last_window(ChannelName.SLACK, at("2026-06-11T08:00")) is None


def test_a_summary_of_held_alerts_says_so_in_its_title_only():
    alert = Alert({"title": "7 new signups", "body": "Ada, Bo"}, (1, 2), "k")
    held = quiethours.while_quiet(ChannelName.DESKTOP, alert)
    assert held.parts == {"title": "While quiet: 7 new signups", "body": "Ada, Bo"}
    mail = Alert({"subject": "2 events", "text": "…"}, (1, 2), "k")
    assert quiethours.while_quiet(ChannelName.EMAIL, mail).parts["subject"] == (
        "While quiet: 2 events"
    )


def test_describe_says_the_span_and_channels():
    assert quiethours.describe(NIGHT) == "22:00 to 07:00, desktop alerts held"
    assert quiethours.describe(QuietHours()) == "off"
