"""The dashboard's plan page (`/ke-hoach`): "Kết quả thực hiện nhiệm vụ" and the district
boards' period reports, as the conference report holds them (the same JSON part)."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from services.reporting import messages
from services.reporting.application.reports import Report
from services.reporting.application.views import backdated_reason, period_name
from services.reporting.domain.periods import Period
from services.reporting.outputs.page import (
    data_window,
    finalised_note,
    nav,
    period_form,
    render_page,
)
from shared.clock import format_date_vn


def render_plan_page(report: Report, choices: list[Period]) -> str:
    heading = messages.PLAN_PAGE_TITLE
    back = (f'<a id="dashboard-link" href="/?period={escape(report.period.id)}">'
            f"{escape(messages.DASH_TITLE)}</a>")
    return render_page(
        "plan.html",
        title=f"{heading} — {period_name(report.period)}",
        heading=heading,
        head='<link rel="stylesheet" href="/static/reporting/plan.css">',
        nav=nav(messages.NAV_PAGES, back),
        period_form=period_form("/ke-hoach", report.period, choices, scope=report.scope),
        window_text=data_window(report, report.tree.root.name),
        finalised_html=finalised_note(report),
        body=_body(report.plan),
    )


def _body(plan: dict[str, Any] | None) -> str:
    if plan is None:
        return f'<p class="no-data" id="no-plan">{escape(messages.PLAN_PAGE_NO_PLAN)}</p>'
    return _items(plan["items"]) + _districts(plan["district_reports"])


def _day(value: str | None) -> str:
    return format_date_vn(date.fromisoformat(value)) if value else messages.VALUE_MISSING


def _items(part: dict[str, Any]) -> str:
    counts = part["status_counts"]
    summary = messages.DOC_PLAN_SUMMARY.format(
        on=_day(part["judged_on"]), total=part["total"], done=counts["done"],
        in_progress=counts["in_progress"], not_started=counts["not_started"],
        overdue=counts["overdue"])
    rows = []
    for item in part["items"]:
        latest = item["latest_result"]
        result = (f"{_day(latest['reported_on'])}: {latest['result']} "
                  f"({latest['acting_party_name']})") if latest else messages.VALUE_MISSING
        rows.append(
            f'<tr id="item-{escape(item["number"])}"><td>{escape(item["number"])}</td>'
            f'<td>{escape(item["text"])}</td><td>{escape(item["responsible_name"])}</td>'
            f'<td class="status status-{escape(item["status"])}">'
            f'{escape(item["status_label"])}</td><td>{escape(result)}</td></tr>')
    return (
        f'<section id="plan-items"><h2>{escape(messages.DOC_PART_PLAN.format(year=part["year"]))}'
        f'</h2><p class="summary" id="plan-summary">{escape(summary)}</p>'
        f'<table class="plan"><thead><tr><th>{escape(messages.COL_NO)}</th>'
        f"<th>{escape(messages.COL_ITEM)}</th><th>{escape(messages.COL_RESPONSIBLE)}</th>"
        f"<th>{escape(messages.COL_ITEM_STATUS)}</th>"
        f"<th>{escape(messages.COL_LATEST_RESULT)}</th></tr></thead>"
        f'<tbody>{"".join(rows)}</tbody></table></section>'
    )


def _backdated(row: dict[str, Any]) -> str:
    """The reason a back-dated first submission was recorded so, with its day (K5): as the
    conference report, its Word/PDF and Excel show it, from the same row."""
    reason = backdated_reason(row)
    if reason is None:
        return ""
    return messages.PLAN_BACKDATED.format(on=_day(row["first_submitted_on"]), reason=reason)


def _districts(part: dict[str, Any] | None) -> str:
    title = f"<h2>{escape(messages.DOC_PART_DISTRICT_REPORTS)}</h2>"
    if part is None:
        return (f'<section id="district-reports">{title}'
                f"<p>{escape(messages.DOC_NO_DEADLINE)}</p></section>")
    summary = messages.DOC_DISTRICT_SUMMARY.format(
        deadline=_day(part["deadline"]), on=_day(part["judged_on"]),
        submitted=part["submitted"], owed=part["owed"], on_time=part["on_time"],
        late=part["late"], returned=part["returned"], missing=part["missing_overdue"])
    rows = "".join(
        f'<tr id="district-{escape(d["district_code"])}"><td>{escape(d["district_name"])}</td>'
        f'<td class="status status-{escape(d["status"])}">{escape(d["status_label"])}</td>'
        f'<td>{escape(_day(d["last_submitted_on"]))}</td><td>{d["returns"]}</td>'
        f'<td>{escape(d["last_return_reason"] or "")}</td>'
        f'<td class="backdated">{escape(_backdated(d))}</td></tr>'
        for d in part["districts"])
    return (
        f'<section id="district-reports">{title}'
        f'<p class="summary" id="district-summary">{escape(summary)}</p>'
        f'<table class="plan"><thead><tr><th>{escape(messages.COL_UNIT)}</th>'
        f"<th>{escape(messages.COL_ITEM_STATUS)}</th>"
        f"<th>{escape(messages.COL_SUBMITTED_ON)}</th><th>{escape(messages.COL_RETURNS)}</th>"
        f"<th>{escape(messages.COL_RETURN_REASON)}</th>"
        f"<th>{escape(messages.COL_BACKDATED_REASON)}</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section>"
    )
