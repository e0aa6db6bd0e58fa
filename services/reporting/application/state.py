"""Everything the reporting service keeps in memory between requests, in ONE object owned by
its runtime (`ReportingRuntime`, made by `app.create_runtime`) and passed down to what uses
it: never in module globals, so each database (tests open many in one process) sees only its
own, and a test can drop it all at once (`forget`).

- `figures`: the figures of recent reports, keyed by the facts they see (`figures.py`);
- `frozen`: the canonical text of finalised reports' frozen figures, verified against their
  hash once (`reports.py`);
- `copies`: the chunk figures summed per unit, kept up to date (`chunk_sums.py`);
- `owed`: what the dialogue rule owes each head per window (`heads.py`);
- `tails`: what the days between a running period's chunks and today change, per source
  (`chunk_tail.py`).

Nothing here changes a figure: each cache is keyed by what decides its value, and dropping
any of them only makes the next report slower.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from services.reporting.application.chunk_sums import ChunkCopies
from services.reporting.application.chunk_tail import KeptTails, kept_tails
from services.reporting.application.heads import KeptOwed, kept_windows
from services.reporting.application.lru import Lru
from services.reporting.application.report_figures import Figures
from shared.clock import today_vn
from shared.runtime import ServiceRuntime

Clock = Callable[[], date]

FIGURES_KEPT = 24  # reports: a few periods and scopes, each with the period before
FROZEN_KEPT = 16  # frozen contents: a finalised report's and the period's before it


class ReportingState:
    """The reporting service's process state for one database (see the module docstring)."""

    def __init__(self) -> None:
        self.figures: Lru[tuple[Any, ...], Figures] = Lru(FIGURES_KEPT)
        self.frozen: Lru[str, str] = Lru(FROZEN_KEPT)
        self.copies = ChunkCopies()
        self.owed: KeptOwed = kept_windows()
        self.tails: KeptTails = kept_tails()

    def forget(self) -> None:
        """Drop everything kept: the next report reads the tables afresh."""
        self.figures.clear()
        self.frozen.clear()
        self.copies.clear()
        self.owed.clear()
        self.tails.clear()


class ReportingRuntime(ServiceRuntime):
    """The reporting service's runtime: the kernel's, holding the service's state, and the
    business clock `today` (Asia/Ho_Chi_Minh), as the dialogue service's: tests pass their
    own to set the day a running period's report is taken at."""

    def __init__(
        self, state: ReportingState, *args: Any, today: Clock = today_vn, **kwargs: Any
    ) -> None:
        self.reporting = state
        self.today = today
        super().__init__(*args, **kwargs)


def state_of(runtime: ServiceRuntime) -> ReportingState:
    """The state of a reporting runtime (routes and background jobs get the kernel's type)."""
    if not isinstance(runtime, ReportingRuntime):
        raise TypeError("not a reporting runtime: make it with services.reporting.app")
    return runtime.reporting


def today_of(runtime: ServiceRuntime) -> date:
    """The business day of a reporting runtime (its clock)."""
    if not isinstance(runtime, ReportingRuntime):
        raise TypeError("not a reporting runtime: make it with services.reporting.app")
    return runtime.today()
