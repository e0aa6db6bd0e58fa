"""`make run`'s rule for a dead service (finding K2): started again after 1, 2, 4... seconds
(at most 30), given up after 5 deaths within 120 seconds; deaths older than that are
forgotten. The times are given, nothing waits."""

from __future__ import annotations

from shared.devserver import RestartPolicy


def test_back_off_doubles_then_gives_up_after_repeated_deaths() -> None:
    policy = RestartPolicy()
    assert [policy.died(t) for t in (0.0, 2.0, 5.0, 10.0)] == [1.0, 2.0, 4.0, 8.0]
    assert policy.died(20.0) is None


def test_deaths_long_ago_are_forgotten_and_the_delay_is_capped() -> None:
    policy = RestartPolicy(give_up_after=10)
    delays = [policy.died(t) for t in (0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0)]
    assert delays[-1] == 30.0  # 64 s capped
    # Two hours later: the earlier deaths are outside the window, a fresh start.
    assert policy.died(7200.0) == 1.0
