"""The Vietnamese dashboard page, rendered on the server (no CDN, no build step).

Stable ids and data attributes (`tile-I1`, `data-indicator`, `data-value`, `data-unit`,
`drilldown`) are part of the page's contract: the browser test reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlencode

from services.reporting import messages
from services.reporting.application.reports import Report
from services.reporting.application.views import (
    THEMES,
    children_reported,
    children_rows,
    differences_under,
    flows_note,
    format_number,
    indicator_rows,
    lines_under,
    not_comparable_note,
    period_name,
    previous_value,
    rate_beside_others,
    reported_indicator_rows,
    restated_note,
    restatements_under,
    section_rows,
    summed_from_text,
    targets_note,
)
from services.reporting.domain.indicators import CORE_INDICATORS
from services.reporting.domain.metrics import SECTIONS
from services.reporting.domain.periods import Period
from services.reporting.outputs.page import (
    data_window,
    finalised_note,
    nav,
    period_form,
    render_page,
)
from shared.clock import format_date_vn
from shared.planrules import CHUA_DEN_HAN

DRILL_FIGURES = ("sites", "sessions_held", "commitments_overdue", "models_active")


@dataclass(frozen=True)
class ProgressPoint:
    period: Period
    indicators: dict[str, dict[str, Any]] | None  # None: period not yet cut off


def render_dashboard(
    report: Report, unit: str, theme: str | None, progress: list[ProgressPoint],
    period_choices: list[Period], *, has_data: bool = True,
) -> str:
    indicators, sections = THEMES[theme] if theme else (CORE_INDICATORS, SECTIONS)
    base = f"/chuyen-de/{theme}" if theme else "/"
    api = f"/api/v1/themes/{theme}/{report.period.id}" if theme else \
        f"/api/v1/reports/{report.period.id}"
    query = urlencode({"scope": report.scope, "unit": unit})
    # The plan's indicators, then those units report (I5...; not on a theme's page, as the
    # JSON, Word and Excel of a theme leave them out too).
    rows = [*indicator_rows(report, unit, indicators),
            *([] if theme else reported_indicator_rows(report, unit))]
    heading = messages.THEME_TITLES[theme] if theme else messages.DASH_TITLE
    node = report.tree.nodes[unit]
    return render_page(
        "dashboard.html",
        title=f"{heading} — {period_name(report.period)}",
        heading=heading,
        head='<script src="/static/reporting/dashboard.js" defer></script>',
        nav=nav(messages.NAV_THEMES, _theme_links(report, theme)),
        period_form=period_form(base, report.period, period_choices, unit=unit,
                                scope=report.scope),
        # The unit shown, not the report's root: a commune's page names the commune.
        window_text=data_window(report, node.name),
        no_data_html=_no_data(report) if not has_data else "",
        targets_html=_targets(report, indicators),
        finalised_html=finalised_note(report, len(differences_under(report, unit))),
        restated_html=_restated(report, unit) + _not_comparable(report, unit, rows),
        docx_href=escape(f"{api}/report.docx?{query}"),
        pdf_href=escape(f"{api}/report.pdf?{query}"),
        xlsx_href=escape(f"{api}/tables.xlsx?{query}"),
        json_href=escape(f"{api}?{query}"),
        breadcrumb=_breadcrumb(report, unit, base),
        tiles="".join(_tile(row) for row in rows),
        year=report.period.year,
        charts="".join(_chart(report, key, progress) for key in indicators),
        table_title=escape(messages.DASH_TABLE_TITLE.format(unit=node.name)),
        drill_table=_drill_table(report, unit, base, indicators,
                                 {} if theme else children_reported(report, unit)),
        sections="".join(_section(s) for s in section_rows(report, unit, sections)),
    )


def _theme_links(report: Report, theme: str | None) -> str:
    links = [] if theme is None else [
        f'<a href="/?period={escape(report.period.id)}">{escape(messages.DASH_TITLE)}</a>'
    ]
    for key, title in messages.THEME_TITLES.items():
        if key != theme:
            links.append(
                f'<a id="theme-{key}" href="/chuyen-de/{key}?period={escape(report.period.id)}">'
                f"{escape(_shorten(title))}</a>"
            )
    # The plan's page (Kết quả thực hiện nhiệm vụ) is reached from every dashboard page.
    links.append(f'<a id="plan-link" href="/ke-hoach?period={escape(report.period.id)}">'
                 f"{escape(messages.PLAN_PAGE_LINK)}</a>")
    return "".join(links)


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _targets(report: Report, indicators: tuple[str, ...]) -> str:
    """Why the tiles have no status and how the Commission records the year's targets."""
    text = targets_note(report, indicators, staff=True)
    return "" if text is None else f'<p class="no-targets" id="no-targets">{escape(text)}</p>'


def _no_data(report: Report) -> str:
    text = messages.DASH_NO_DATA.format(
        period=period_name(report.period), data_from=format_date_vn(report.period.data_from))
    return f'<p class="no-data" id="no-data">{escape(text)}</p>'


def _href(base: str, report: Report, unit: str) -> str:
    return f"{base}?" + urlencode({"period": report.period.id, "scope": report.scope,
                                   "unit": unit})


def _restated(report: Report, unit: str) -> str:
    """The note that the previous column was restated since the previous report was signed."""
    note = restated_note(report, restatements_under(report, unit))
    return "" if note is None else \
        f'<p class="finalised changed" id="previous-restated">{escape(note)}</p>'


def _not_comparable(report: Report, unit: str, rows: list[dict[str, Any]]) -> str:
    """The notes of the previous column's rates (of the tiles' `rows`) and flows that are not
    comparable with this period's (finding J9), as every output shows them."""
    notes = ((not_comparable_note(report, rows, unit), "previous-not-comparable"),
             (flows_note(report), "previous-flows"))
    return "".join(f'<p class="previous-note" id="{key}">{escape(text)}</p>'
                   for text, key in notes if text is not None)


def _breadcrumb(report: Report, unit: str, base: str) -> str:
    parts = []
    path = report.tree.path(unit)
    for node in path[:-1]:
        parts.append(f'<a href="{escape(_href(base, report, node.code))}" '
                     f'data-unit="{node.code}">{escape(node.name)}</a>')
    parts.append(f'<strong id="current-unit" data-unit="{path[-1].code}">'
                 f"{escape(path[-1].name)}</strong>")
    return " › ".join(parts)


def _tile(row: dict[str, Any]) -> str:
    previous = previous_value(row)
    # A previous rate of another measure (finding J9) says so on the tile itself.
    line = (messages.DASH_PREVIOUS if row["previous"] is None or row["previous"]["comparable"]
            else messages.DASH_PREVIOUS_NOT_COMPARABLE)
    before = line.format(value=format_number(previous)) if previous is not None else ""
    value = row["value"]
    return (
        f'<div class="tile status-{row["status"] or "none"}" id="tile-{row["id"]}" '
        f'data-indicator="{row["id"]}" data-status="{row["status"] or ""}" '
        f'data-value="{"" if value is None else value}" '
        f'data-numerator="{row["numerator"]}" data-denominator="{row["denominator"]}">'
        f'<h3>{escape(row["id"])}. {escape(row["short_name"])}</h3>'
        f'<div class="tile-value">{format_number(value)}%</div>'
        f'<div class="tile-detail">{format_number(row["numerator"])}/'
        f'{format_number(row["denominator"])} · {escape(messages.DASH_TARGET)} '
        f'{escape(row["target_text"])}</div>'
        f'<div class="tile-status">{escape(row["status_label"])}</div>'
        + "".join(f'<div class="tile-warning" data-warning="{escape(w["code"])}">'
                  f'{escape(w["message"])}</div>' for w in row["warnings"])
        + _summed_from(row)
        + f'<div class="tile-previous">{escape(before)}</div></div>'
    )


def _summed_from(row: dict[str, Any]) -> str:
    """A summed reported figure's tile says from how many of the units under it."""
    text = summed_from_text(row)
    if text is None:
        return ""
    summed = row["summed_from"]
    return (f'<div class="tile-summed" data-units-with-figure="{summed["units_with_figure"]}" '
            f'data-units-under="{summed["units_under"]}">{escape(text)}</div>')


def _chart(report: Report, indicator_id: str, progress: list[ProgressPoint]) -> str:
    """Bars for the four conference periods of the year against the target line."""
    width, height, left, bottom, top = 300, 170, 34, 24, 12
    plot_h = height - bottom - top
    slot = (width - left - 8) / max(len(progress), 1)
    # No target line for an indicator of a year without a definition.
    target = report.targets[indicator_id].target if report.targets[indicator_id].defined else None

    def y(value: float) -> float:
        return top + plot_h * (1 - min(max(value, 0.0), 100.0) / 100.0)

    shapes = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 4}" y2="{top + plot_h}" '
        'stroke="#555"/>',
    ]
    for tick in (0, 50, 100):
        shapes.append(f'<text x="{left - 4}" y="{y(tick) + 4:.1f}" font-size="10" '
                      f'text-anchor="end">{tick}%</text>')
    for index, point in enumerate(progress):
        x = left + index * slot + slot * 0.2
        label_x = left + index * slot + slot / 2
        shapes.append(f'<text x="{label_x:.1f}" y="{height - 8}" font-size="11" '
                      f'text-anchor="middle">{messages.DASH_SHORT_MONTHS[point.period.months]}</text>')
        figure = point.indicators.get(indicator_id) if point.indicators else None
        # The bars stand side by side, so a period's rate is drawn as it may stand beside
        # another's: I2's 100 at 3 months «chưa đến hạn» is no bar (finding H10).
        shown = rate_beside_others(figure)
        if figure is None or shown is None:
            if figure is not None and figure["status"] == CHUA_DEN_HAN:
                shapes.append(f'<text class="not-due" x="{label_x:.1f}" y="{top + plot_h - 3}" '
                              f'font-size="9" text-anchor="middle" data-period="{point.period.id}">'
                              f'{escape(messages.STATUS_LABELS[CHUA_DEN_HAN])}</text>')
            continue
        value = float(shown)
        shapes.append(
            f'<rect class="bar status-{figure["status"]}" x="{x:.1f}" y="{y(value):.1f}" '
            f'width="{slot * 0.6:.1f}" height="{top + plot_h - y(value):.1f}" '
            f'data-period="{point.period.id}" '
            f'data-value="{value}"><title>{escape(period_name(point.period))}: '
            f"{format_number(value)}%</title></rect>"
        )
        shapes.append(f'<text x="{label_x:.1f}" y="{y(value) - 3:.1f}" font-size="10" '
                      f'text-anchor="middle">{format_number(value)}</text>')
    if target is not None:
        shapes.append(f'<line x1="{left}" y1="{y(target):.1f}" x2="{width - 4}" '
                      f'y2="{y(target):.1f}" stroke="#8b0000" stroke-dasharray="5,3"/>')
    title = f"{indicator_id}. {messages.INDICATOR_SHORT[indicator_id]}"
    return (
        f'<figure class="chart" id="chart-{indicator_id}"><h3>{escape(title)}</h3>'
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}">{"".join(shapes)}</svg></figure>'
    )


def _drill_table(
    report: Report, unit: str, base: str, indicators: tuple[str, ...],
    reported: dict[str, list[dict[str, Any]]],
) -> str:
    """The units under `unit`: the plan's indicators, then those units report (I5...: each
    child's own report or its sum, said so), as the tiles above them, then a few figures."""
    children = children_rows(report, unit, indicators)
    if not children:
        return f'<p id="no-children">{escape(messages.DASH_NO_CHILDREN)}</p>'
    others = [(row["id"], row["short_name"]) for row in next(iter(reported.values()), [])]
    head = "".join(f"<th>{escape(k)}. {escape(messages.INDICATOR_SHORT[k])} (%)</th>"
                   for k in indicators)
    head += "".join(f"<th>{escape(k)}. {escape(name)} (%)</th>" for k, name in others)
    head += "".join(f"<th>{escape(messages.METRIC_LABELS[k])}</th>" for k in DRILL_FIGURES)
    body = []
    for child in children:
        href = escape(_href(base, report, child["code"]))
        cells = [f'<td class="name"><a class="drill" href="{href}" '
                 f'data-unit="{child["code"]}">{escape(child["name"])}</a></td>']
        for key in indicators:
            figure = child["indicators"][key]
            cells.append(
                f'<td class="status-{figure["status"]}" data-indicator="{key}" '
                f'data-value="{"" if figure["value"] is None else figure["value"]}">'
                f'{format_number(figure["value"])}</td>'
            )
        cells.extend(_reported_cell(figure) for figure in reported.get(child["code"], []))
        cells.extend(f'<td data-figure="{k}">{format_number(child["figures"][k])}</td>'
                     for k in DRILL_FIGURES)
        body.append(f'<tr data-unit="{child["code"]}" data-href="{href}">{"".join(cells)}</tr>')
    for line in lines_under(report, unit):  # what the rows above lack to add up to the unit
        cells = [f'<td class="name">{escape(line["label"])}</td>',
                 *("<td></td>" for _ in (*indicators, *others)),  # a line has none
                 *(f'<td data-figure="{k}">{format_number(line["figures"][k])}</td>'
                   for k in DRILL_FIGURES)]
        body.append(f'<tr class="{line["kind"]}">{"".join(cells)}</tr>')
    return (f'<table id="drilldown"><thead><tr><th>{messages.COL_UNIT}</th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _reported_cell(figure: dict[str, Any]) -> str:
    """A child's reported figure in the drill-down: its rate and status as an I1-I4 cell's,
    and, when it is a sum of the units under the child, from how many of them (a title to
    read and data attributes), as its tile says."""
    value = figure["value"]
    summed = figure["summed_from"]
    text = summed_from_text(figure)
    extra = "" if summed is None or text is None else (
        f' data-units-with-figure="{summed["units_with_figure"]}" '
        f'data-units-under="{summed["units_under"]}" title="{escape(text)}"')
    mark = "" if summed is None else ' <span class="summed">({})</span>'.format(escape(
        messages.DASH_SUMMED_FROM.format(with_figure=format_number(summed["units_with_figure"]),
                                         under=format_number(summed["units_under"]))))
    return (f'<td class="status-{figure["status"]}" data-indicator="{figure["id"]}" '
            f'data-value="{"" if value is None else value}"{extra}>'
            f'{format_number(value)}{mark}</td>')


def _section(section: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr data-figure="{f["key"]}"><td class="name">{escape(f["label"])}</td>'
        f'<td>{format_number(f["value"])}</td><td>{format_number(f["previous"])}</td></tr>'
        for f in section["figures"]
    )
    return (
        f'<div class="section" id="section-{section["key"]}"><h2>{escape(section["title"])}</h2>'
        f"<table><thead><tr><th>{messages.COL_FIGURE}</th><th>{messages.COL_PERIOD}</th>"
        f"<th>{messages.COL_PREVIOUS}</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )
