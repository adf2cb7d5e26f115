"""Digest periods in local time, and the ``[digests]`` settings."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from hookflo.core import config, configwrite
from hookflo.core.channels.base import ChannelName
from hookflo.core.digest import compose, periods
from hookflo.core.digest.settings import DigestSettings, Kind, Schedule
from hookflo.core.errors import ConfigError

PARIS = ZoneInfo("Europe/Paris")
DAILY = Schedule(8, 30)
MONDAY = Schedule(8, 30, weekday=0)


def at(year, month, day, hour=0, minute=0, zone=PARIS) -> float:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=zone).timestamp()


def test_daily_digest_covers_the_day_before_once_its_send_time_has_come():
    before = periods.latest_due(Kind.DAILY, DAILY, at(2026, 12, 4, 8, 29), PARIS)
    on_time = periods.latest_due(Kind.DAILY, DAILY, at(2026, 12, 4, 8, 30), PARIS)

    assert before.key == "2026-12-02"
    assert on_time.key == "2026-12-03"
    assert on_time.start == at(2026, 12, 3)
    assert on_time.end == at(2026, 12, 4)
    assert on_time.previous_start == at(2026, 12, 2)
    assert on_time.send_at == at(2026, 12, 4, 8, 30)


def test_weekly_digest_covers_the_seven_days_before_its_weekday():
    friday = at(2026, 12, 4, 12, 0)

    period = periods.latest_due(Kind.WEEKLY, MONDAY, friday, PARIS)

    assert (period.first_day, period.last_day) == (
        datetime.date(2026, 11, 23),
        datetime.date(2026, 11, 29),
    )
    assert period.send_at == at(2026, 11, 30, 8, 30)
    assert period.previous_start == at(2026, 11, 16)
    assert periods.next_send_at(Kind.WEEKLY, MONDAY, friday, PARIS) == at(
        2026, 12, 7, 8, 30
    )


def test_a_day_with_a_clock_change_is_a_local_calendar_day():
    # Paris goes back from 03:00 to 02:00 on 25 October 2026: 25 hours.
    period = periods.latest_due(Kind.DAILY, DAILY, at(2026, 10, 26, 9), PARIS)

    assert period.key == "2026-10-25"
    assert period.end - period.start == 25 * 3600
    assert period.send_at == at(2026, 10, 26, 8, 30)


def test_the_next_send_time_is_the_next_local_send_time():
    assert periods.next_send_at(Kind.DAILY, DAILY, at(2026, 12, 4, 8, 29), PARIS) == (
        at(2026, 12, 4, 8, 30)
    )
    assert periods.next_send_at(Kind.DAILY, DAILY, at(2026, 12, 4, 8, 30), PARIS) == (
        at(2026, 12, 5, 8, 30)
    )


def test_period_names_read_as_days():
    assert compose.describe_days(datetime.date(2026, 12, 3), 1) == (
        "Thursday 3 December 2026"
    )
    assert compose.describe_days(datetime.date(2026, 12, 28), 7) == (
        "28 December 2026 to 3 January 2027"
    )
    assert compose.change(4, 2) == "+2"
    assert compose.change(1, 3) == "-2"
    assert compose.change(2, 2) == "no change"


def write_config(tmp_path, text: str):
    config_file = tmp_path / "config.toml"
    config_file.write_text(text, encoding="utf-8")
    return config_file


def test_digests_table_is_read_with_every_key(tmp_path):
    config_file = write_config(
        tmp_path,
        '[digests]\ndaily = "8:05"\nweekly = "Fri 17:00"\n'
        'channels = ["slack", "email"]\nnames = 3\ntimezone = "Europe/Paris"\n',
    )

    settings = config.load(config_file).digests

    assert settings == DigestSettings(
        daily=Schedule(8, 5),
        weekly=Schedule(17, 0, weekday=4),
        channels=(ChannelName.SLACK, ChannelName.EMAIL),
        names=3,
        timezone="Europe/Paris",
    )
    assert str(settings.weekly) == "friday 17:00"


def test_no_digests_table_schedules_nothing(tmp_path):
    settings = config.load(write_config(tmp_path, "")).digests

    assert not settings.enabled
    assert settings.schedules() == []


@pytest.mark.parametrize(
    ("line", "key", "expected"),
    [
        ('daily = "25:00"', "digests.daily", "a local time such as '08:30'"),
        ('daily = "8h30"', "digests.daily", "24-hour"),
        ('weekly = "08:30"', "digests.weekly", "a weekday and a local time"),
        ('weekly = "someday 08:30"', "digests.weekly", "'monday 08:30'"),
        ('channels = ["sms"]', "digests.channels", "desktop, email, slack"),
        ("names = 500", "digests.names", "a number from 0 to 50"),
        ('timezone = "Mars/Olympus"', "digests.timezone", "'Europe/Paris'"),
        ('dayly = "08:30"', "digests.dayly", "one of channels, daily"),
    ],
)
def test_a_wrong_digest_setting_is_refused_naming_the_key(
    tmp_path, line, key, expected
):
    config_file = write_config(tmp_path, f"[digests]\n{line}\n")

    with pytest.raises(ConfigError) as caught:
        config.load(config_file)

    message = str(caught.value)
    assert f"{config_file}: {key}: expected" in message
    assert expected in message


def test_quoted_times_may_carry_seconds(tmp_path):
    config_file = write_config(
        tmp_path, '[digests]\ndaily = "08:30:00"\nweekly = "friday 17:00:00"\n'
    )

    settings = config.load(config_file).digests

    assert settings.daily == Schedule(8, 30)
    assert str(settings.weekly) == "friday 17:00"


def test_an_unquoted_weekly_time_is_refused_with_the_fix(tmp_path):
    config_file = write_config(tmp_path, "[digests]\nweekly = monday 08:30\n")

    with pytest.raises(ConfigError) as caught:
        config.load(config_file)

    assert str(caught.value) == (
        f"{config_file}: not valid TOML at line 2: "
        'write the time in quotes, as weekly = "monday 08:30"'
    )


def test_a_toml_local_time_is_a_daily_time(tmp_path):
    config_file = write_config(tmp_path, "[digests]\ndaily = 08:30:00\n")

    assert config.load(config_file).digests.daily == Schedule(8, 30)


@pytest.mark.parametrize(
    ("line", "key", "got"),
    [
        ("weekly = 08:30:00", "digests.weekly", "got the time 08:30:00"),
        ("daily = 2026-12-04", "digests.daily", "got the date 2026-12-04"),
        (
            "daily = 2026-12-04T08:30:00",
            "digests.daily",
            "got the date and time 2026-12-04T08:30:00",
        ),
        ("daily = [8, 30]", "digests.daily", "got a list of 2 values"),
    ],
)
def test_a_wrong_kind_of_value_is_named_in_words(tmp_path, line, key, got):
    config_file = write_config(tmp_path, f"[digests]\n{line}\n")

    with pytest.raises(ConfigError) as caught:
        config.load(config_file)

    message = str(caught.value)
    assert f"{key}: expected" in message
    assert message.endswith(got)
    assert "datetime" not in message


def test_digest_settings_written_back_read_the_same(tmp_path):
    config_file = write_config(
        tmp_path, '[digests]\nweekly = "monday 08:30"\nchannels = ["email"]\n'
    )
    settings = config.load(config_file)

    configwrite.write(config_file, settings)

    assert config.load(config_file).digests == settings.digests
    assert 'weekly = "monday 08:30"' in config_file.read_text(encoding="utf-8")
