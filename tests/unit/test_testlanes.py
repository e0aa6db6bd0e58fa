"""`make test`'s two lanes (tools/testlanes.py): which tests each runs, and the suite's status."""

from __future__ import annotations

from tools.testlanes import BASE, NO_TESTS_COLLECTED, WAITS, lanes, outcome


def _marker(command: list[str]) -> str | None:
    """The marker expression pytest is given (after `python -m pytest`)."""
    args = command[len(BASE):]
    return args[args.index("-m") + 1] if "-m" in args else None


def test_the_tests_that_wait_run_in_one_process_beside_the_workers_and_nothing_twice() -> None:
    workers, waits = lanes("auto", ["tests/deploy"])
    assert _marker(workers) == f"not {WAITS}" and workers[workers.index("-n") + 1] == "auto"
    assert _marker(waits) == WAITS and waits[waits.index("-n") + 1] == "0"
    assert workers[-1] == waits[-1] == "tests/deploy"


def test_one_lane_for_one_process_or_when_the_arguments_choose_by_marker() -> None:
    assert len(lanes("0", [])) == 1
    for args in (["-m", "unit"], ["-mfault"]):
        (only,) = lanes("auto", args)
        assert sum(arg.startswith("-m") for arg in only[len(BASE):]) == 1


def test_the_suite_fails_when_a_lane_fails_and_a_lane_with_no_test_is_no_failure() -> None:
    assert outcome([0, 0]) == 0
    assert outcome([0, NO_TESTS_COLLECTED]) == 0
    assert outcome([NO_TESTS_COLLECTED, 0]) == 0
    assert outcome([1, 0]) == 1
    assert outcome([0, 1]) == 1
    assert outcome([NO_TESTS_COLLECTED, 2]) == 2
    assert outcome([NO_TESTS_COLLECTED, NO_TESTS_COLLECTED]) == NO_TESTS_COLLECTED
