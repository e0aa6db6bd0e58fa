"""The total of an I2 whose scope has several units at its top is «chưa đến hạn» while no head
of the scope owes a session yet (examiner-figures, Medium-Low). The total was judged unless
every root was «chưa đến hạn», and a root without any head (no figure, no status) counted as
one that owes: a scope of Hồng Bàng (no head recorded) and Tiên Lãng (four heads, none owing
by 14/06 of a window opened on 01/04) read 4/4 «đạt» in the year overview and on the
indicator's own route, where every unit of it is «chưa đến hạn». SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from services.indicators.application.announce import EVERYTHING
from services.indicators.application.compute import compute
from services.indicators.domain.definitions import Definition
from shared.planrules import CHUA_DEN_HAN, DAT
from shared.runtime import ServiceRuntime
from tests.indicators.conftest import apply
from tests.indicators.scenario import HONG_BANG, TIEN_LANG, TIEN_LANG_TOWN, Events

I2_2024 = Definition(
    indicator_id="I2", year=2024, name="Đối thoại trực tiếp", method="dialogue_heads",
    comparator="ge", target_percent=Fraction(100), denominator_fixed=None,
    numerator_text="", denominator_text="", scope=(HONG_BANG, TIEN_LANG),
    period_start=date(2024, 4, 1), period_end=date(2024, 12, 31))


def test_a_scope_of_several_units_nobody_owes_in_is_not_yet_due(
    runtime: ServiceRuntime,
) -> None:
    ev = Events()
    apply(runtime, [ev.rule("commune", 2, date(2015, 1, 27)),
                    ev.head("H1", TIEN_LANG_TOWN, date(2020, 1, 1))])
    with runtime.engine.connect() as conn:
        # 01/04 to 14/06/2024, 75 days at 2 a year: 0.41 owed, rounded to 0.
        early = compute(conn, I2_2024, date(2024, 6, 14), EVERYTHING)
        # To 14/12/2024, 258 days: 1.41, 1 owed and none held.
        late = compute(conn, I2_2024, date(2024, 12, 14), EVERYTHING)
    assert early.figures[HONG_BANG].status is None  # no head: no figure
    assert early.figures[TIEN_LANG].status == CHUA_DEN_HAN
    assert (early.total.numerator, early.total.denominator) == (1, 1)
    assert early.total.status == CHUA_DEN_HAN
    assert (late.total.numerator, late.total.denominator) == (0, 1)
    assert late.total.status != CHUA_DEN_HAN and late.total.status != DAT
