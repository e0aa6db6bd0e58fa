"""A report's units are read as of the report's own cut-off, by the kernel's rule
(shared.auth.checks): its unit table lists the units the caller's scope covered then, and a
unit's page (JSON, theme, Word, Excel, dashboard) opens exactly those. Asked as of today, a
commune that has since changed district (11587, Huyện An Dương's in 2023, Quận Hải An's from
2025) was listed in An Dương's 2023 table and refused on its own page."""

from __future__ import annotations

from services.reporting.application.reports import Report
from shared.auth.checks import may_read_unit, readable_unit
from shared.auth.principal import Principal


def may_read_report_unit(principal: Principal, code: str, report: Report) -> bool:
    return may_read_unit(principal, code, report.period.cutoff_on)


def report_unit(principal: Principal, requested: str | None, report: Report) -> str | None:
    """The unit a report is seen from: the one asked if the caller may read it in this
    report (403 otherwise), else the caller's own."""
    return readable_unit(principal, requested, report.period.cutoff_on)


def own_unit(principal: Principal, requested: str | None) -> str | None:
    """The unit a page is for before its report is chosen (checked by `report_unit` once it
    is): the one asked, else the caller's own (None for the city)."""
    return requested or (None if principal.is_city else principal.unit_scope)
