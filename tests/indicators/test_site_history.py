"""A site's live history, folded fact by fact, gives what a full re-fold of its facts gives.

`SiteHistory` keeps its state with every fact folded, and folds a fact added after every
other of its list from where the last fold stood; one added out of order, or taken out by a
correction, has the whole history folded again. Hypothesis plays random histories of one site
(registrations, moves, closings, dossier steps, certificates issued and revoked, on dates
around the 2025 reorganisation, in the batch's order or in any stored order, corrections
taking facts out), asking the site's part after every step as a live batch does, and compares
each answer with `fold_sites` over the facts known then, sorted afresh.

Bounded and reproducible: a fixed number of examples, derandomized, no deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.indicators.domain.facts import (
    SiteFact,
    SiteFactKind,
    SiteState,
    SiteStepFact,
    Switch,
    fold_sites,
)
from services.indicators.domain.sitetally import Ordered, SiteHistory, SiteTally, site_tally
from shared.adminunits import default_catalogue
from tests.indicators.scenario import DAI_THANG, QUAN_TOAN, TIEN_LANG_TOWN

CODE = "S1"
BACH_LONG_VI_2025 = "11948"  # a code of the 2025 structure only: placed by the catalogue
COMMUNES = (TIEN_LANG_TOWN, DAI_THANG, QUAN_TOAN, BACH_LONG_VI_2025, None)
FIRST = date(2025, 6, 20)  # across 1 July 2025: placement dates differ on either side
DAYS = 25
#: Dates a live batch evaluates on (None: with every fact known).
DATES: tuple[date | None, ...] = (None, date(2025, 6, 30), date(2025, 7, 1), date(2025, 7, 5))

Fact = SiteFact | SiteStepFact
SITE_KINDS: tuple[SiteFactKind, ...] = ("registered", "amended", "closed")
SWITCHES: tuple[Switch, ...] = ("on", "off", "none")


@dataclass(frozen=True)
class Step:
    """A fact added to the list `kind` ("sites", "dossier", "certificate"), after the facts
    stored (`in_batch`, as a batch's events) or anywhere among them; or, with `take_out`, the
    fact of an earlier step taken out by a correction."""

    kind: str = ""
    fact: Fact | None = None
    in_batch: bool = False
    take_out: int | None = None


@st.composite
def facts(draw: st.DrawFn) -> Step:
    on = FIRST + timedelta(days=draw(st.integers(0, DAYS)))
    kind = draw(st.sampled_from(("sites", "sites", "dossier", "certificate")))
    fact: Fact
    if kind == "sites":
        fact = SiteFact(CODE, draw(st.sampled_from(SITE_KINDS)), on,
                        draw(st.sampled_from(COMMUNES)),
                        draw(st.sampled_from((None, "Chùa A", "Chùa B"))))
    else:
        fact = SiteStepFact(CODE, draw(st.sampled_from(SWITCHES)), on,
                            draw(st.sampled_from(("", "GCN1", "GCN2"))))
    return Step(kind, fact, draw(st.booleans()))


@st.composite
def steps(draw: st.DrawFn) -> list[Step]:
    out: list[Step] = []
    added = 0
    for _ in range(draw(st.integers(1, 14))):
        if added and draw(st.integers(0, 5)) == 0:
            out.append(Step(take_out=draw(st.integers(0, added - 1))))
        else:
            out.append(draw(facts()))
            added += 1
    return out


def _refolded(history: SiteHistory, on: date | None) -> SiteState | None:
    """The full evaluation's fold of the facts known on `on`, sorted afresh."""
    def known(items: list[tuple[Ordered, Fact]]) -> list[Fact]:
        return [f for o, f in sorted(items, key=lambda item: item[0])
                if on is None or o[0] <= on]

    return fold_sites(known(history.sites), known(history.dossier),  # type: ignore[arg-type]
                      known(history.certificate)).get(CODE)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(plan=steps(), asked=st.lists(st.booleans(), min_size=14, max_size=14))
def test_a_history_folded_fact_by_fact_equals_a_full_refold(
    plan: list[Step], asked: list[bool]
) -> None:
    catalogue = default_catalogue()
    history = SiteHistory(CODE)
    ids: list[str] = []
    # Stored facts come in any order of `seq`; a batch's come after them, in event order.
    stored, batch = 0, 1 << 62
    for index, step in enumerate(plan):
        if step.fact is not None:
            if step.in_batch:
                batch += 1
                seq = batch
            else:
                stored += 1
                seq = (stored * 7919) % 1000  # stored rows read back in no particular order
            event_id = f"e{index}"
            history.add(step.kind, event_id, (step.fact.on, seq), step.fact)
            ids.append(event_id)
        elif step.take_out is not None:
            history.take_out(ids[step.take_out])  # taken twice: False, nothing changes
        if not asked[index]:
            continue  # several facts in a row before the part is asked again
        expected: dict[date | None, SiteTally | None] = {
            on: site_tally(_refolded(history, on), catalogue) for on in DATES}
        assert history.tallies(DATES, catalogue) == expected
        assert history.state() == _refolded(history, None)
        days = [o[0] for o, _ in (*history.sites, *history.dossier, *history.certificate)]
        assert history.latest() == (max(days) if days else None)
