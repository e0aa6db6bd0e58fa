"""The HTTP bench's turns (bench/http.py): danvan and the bare app each measured over stretches
that together send every command once, and each side's figures over all its stretches."""

from __future__ import annotations

import pytest

from bench.http import Run, slices


@pytest.mark.parametrize(("total", "count"), [(3000, 6), (300, 2), (7, 3), (2, 6)])
def test_stretches_send_every_index_once_in_order(total: int, count: int) -> None:
    stretches = slices(range(total), count)
    assert len(stretches) == count
    assert [n for stretch in stretches for n in stretch] == list(range(total))
    assert max(map(len, stretches)) - min(map(len, stretches)) <= 1


def test_a_side_is_its_stretches_together() -> None:
    joined = Run.joined([Run(2, 1.0, [0.001, 0.002], 0.5, (0.01,)),
                         Run(3, 0.5, [0.003, 0.004, 0.1], 0.25, ())])
    assert joined.requests == 5
    assert joined.rate == pytest.approx(5 / 1.5)
    assert joined.p99 == 0.1
    assert joined.server_cpu_s == pytest.approx(0.75)
    assert joined.driver_pauses == (0.01,)
