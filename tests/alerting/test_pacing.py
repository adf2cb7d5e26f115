"""The pacer alone: when a channel sends one alert, waits, or sums up a burst."""

from hookflo.core.alerting.pacing import POLICIES, Pacer, Policy
from hookflo.core.channels.base import ChannelName

SLACK = POLICIES[ChannelName.SLACK]


def drain(pacer: Pacer, waiting: int, now: float) -> list[tuple[float, int]]:
    """Run the lane's loop over a backlog; return (time, alerts told) per send."""
    sends: list[tuple[float, int]] = []
    while waiting:
        plan = pacer.plan(now)
        if plan.wait_until is not None:
            now = plan.wait_until
            continue
        told = min(waiting, pacer.policy.summary_size) if plan.summary else 1
        pacer.record_send(now)
        sends.append((now, told))
        waiting -= told
    pacer.caught_up()
    return sends


def test_a_backlog_after_spread_out_sends_goes_out_as_one_summary():
    # Five Slack sends spread over the last minute: by the end of each hold
    # one of them has left the window, which once let the backlog leak out
    # one message per freed slot.
    pacer = Pacer(SLACK)
    for at in (0.0, 1.0, 21.0, 42.0, 43.0):
        pacer.record_send(at)
    sends = drain(pacer, 40, now=44.0)
    assert sends == [(44.0 + SLACK.hold_s, 40)]


def test_a_backlog_longer_than_a_summary_goes_out_in_summaries_only():
    pacer = Pacer(SLACK)
    sends = drain(pacer, 2000, now=0.0)
    singles = [told for _, told in sends if told == 1]
    assert len(singles) == SLACK.individual_limit
    assert [told for _, told in sends[len(singles) :]] == [500, 500, 500, 495]
    # one hold between summaries, not one send per freed slot for hours
    assert sends[-1][0] < 5 * (SLACK.hold_s + SLACK.min_interval_s) + 10


def test_single_alerts_resume_once_the_backlog_is_gone():
    policy = Policy(individual_limit=2, window_s=10.0, hold_s=1.0)
    pacer = Pacer(policy)
    assert drain(pacer, 5, now=0.0) == [(0.0, 1), (0.0, 1), (1.0, 3)]
    # a lone signup after the window has passed goes out at once, alone
    assert drain(pacer, 1, now=20.0) == [(20.0, 1)]


def test_sends_before_a_restart_count_against_the_window():
    policy = Policy(individual_limit=3, window_s=60.0, hold_s=5.0)
    pacer = Pacer(policy, recent_sends=[100.0, 90.0, 95.0])
    assert pacer.plan(110.0).wait_until == 115.0
    assert pacer.plan(115.0).summary


def test_the_gap_between_sends_is_kept_across_a_restart():
    pacer = Pacer(SLACK, recent_sends=[100.0])
    assert pacer.plan(100.2).wait_until == 100.0 + SLACK.min_interval_s


def test_a_restart_while_summing_up_goes_on_summing_up():
    now = 1000.0
    pacer = Pacer(SLACK, recent_sends=[now - 47, now - 26, now - 5], collapsing=True)
    assert drain(pacer, 300, now=now) == [(now + SLACK.hold_s, 300)]
