"""The conference report (and each thematic report) as a Word document of the Commission, in
the Party's format (Hướng dẫn 36-HD/VPTW, `partydoc.py`).

The report is a list of parts (I. Kết quả thực hiện, II. Đánh giá chung, III. Nhiệm vụ trọng
tâm kỳ tới), each a list of section writers: a function that writes its own heading (the
document numbers it), text and at most one table. Adding a section to the report is adding
one function to `REPORT_PARTS`. The parts a person writes (assessment, next tasks, the date
and number) are left marked for the office's secretary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.reporting import messages
from services.reporting.application.reports import Report
from services.reporting.application.views import (
    THEMES,
    backdated_reason,
    children_rows,
    current_label,
    difference_value,
    differences_under,
    figure_label,
    flows_note,
    format_number,
    indicator_rows,
    lines_under,
    not_comparable_note,
    period_name,
    previous_value,
    provisional_note,
    reported_indicator_rows,
    restated_note,
    restatements_under,
    section_rows,
    summed_from_text,
    targets_note,
    unit_name_of,
)
from services.reporting.domain.indicators import CORE_INDICATORS
from services.reporting.domain.metrics import SECTIONS, Section
from services.reporting.outputs.partydoc import Column, PartyDocument, Signature
from services.reporting.outputs.reproducible import made_on
from shared.clock import VN_TZ, day_vn, format_date_vn
from shared.planrules import REGISTER_DIFFERS_FROM_BASE, base_note


@dataclass(frozen=True)
class ReportContext:
    """What every section writer reads: the report, the unit it is seen from, the theme."""

    report: Report
    unit: str
    theme: str | None
    indicators: tuple[str, ...]
    sections: tuple[Section, ...]


#: The task sections in the plan's order (II.2.3 models and dialogue, II.2.4 religion).
TASKS_IN_PLAN_ORDER: tuple[Section, ...] = ("models", "dialogue", "religion", "compliance")

SectionWriter = Callable[[PartyDocument, ReportContext], None]


@dataclass(frozen=True)
class Part:
    """A first-level part of the report (I., II., ...) and its sections in order."""

    title: str
    sections: tuple[SectionWriter, ...]


def report_document(report: Report, unit: str, theme: str | None = None) -> bytes:
    indicators, sections = THEMES[theme] if theme else (CORE_INDICATORS, SECTIONS)
    context = ReportContext(report, unit, theme, tuple(indicators), tuple(sections))
    doc = PartyDocument()
    issuer = _issuer(report, unit)
    doc.header_block(superior=issuer.superior, issuer=issuer.issuer, number=issuer.number,
                     party=messages.PARTY_NAME, place_date=issuer.place_date)
    doc.title(messages.REPORT_WORD, _subject(context), _data_line(context))
    if (note := provisional_note(report)) is not None:
        doc.text(note, bold=True, italic=True)
    if (note := targets_note(report, context.indicators)) is not None:
        doc.text(note, italic=True)
    for part in REPORT_PARTS:
        doc.heading(1, part.title)
        for write in part.sections:
            write(doc, context)
    doc.signature_block(
        Signature(messages.DOC_SIGNER_AUTHORITY, messages.DOC_SIGNER,
                  messages.DOC_SIGNER_NAME_BLANK),
        messages.DOC_RECIPIENTS, issuer.recipients)
    return doc.save()


@dataclass(frozen=True)
class Issuer:
    """Who issues the report: its header block and its recipients."""

    superior: str
    issuer: str
    number: str
    place_date: str
    recipients: tuple[str, ...]
    # What the writer of parts II and III is asked to add, and the district's committee
    # («Huyện ủy») when the document is a district board's (None: the Commission's).
    note: str = messages.DOC_SECRETARY_NOTE
    next_tasks: str = messages.DOC_SECRETARY_NEXT
    committee: str | None = None


CITY_ISSUER = Issuer(messages.PARTY_COMMITTEE, messages.ISSUER, messages.DOC_NUMBER,
                     messages.PLACE_DATE_BLANK, messages.DOC_RECIPIENT_LINES)


def _issuer(report: Report, unit: str) -> Issuer:
    """A district's report is its own board's, to the city's Commission (finding H7: a
    district's download carried the Commission's name and number block, a document it could
    file as the Commission's); every other report is the Commission's."""
    node = report.tree.nodes.get(unit)
    if node is None or node.level != "district":
        return CITY_ISSUER
    for kind, (committee, suffix) in messages.DISTRICT_COMMITTEES.items():
        if node.name.startswith(f"{kind} "):
            place = node.name[len(kind) + 1:]
            committee_name = f"{committee} {place.upper()}"
            return Issuer(
                committee_name, messages.DISTRICT_ISSUER,
                messages.DISTRICT_DOC_NUMBER.format(suffix=suffix),
                messages.DISTRICT_PLACE_DATE_BLANK.format(place=place),
                tuple(line.format(committee=committee.capitalize(),
                                  kind=kind.lower())
                      for line in messages.DISTRICT_RECIPIENT_LINES),
                messages.DISTRICT_BOARD_NOTE.format(committee=committee.capitalize()),
                messages.DISTRICT_BOARD_NEXT.format(committee=committee.capitalize()),
                committee.capitalize())
    return CITY_ISSUER


def _subject(context: ReportContext) -> str:
    name = period_name(context.report.period)
    if context.theme:
        return messages.THEMATIC_TITLE.format(theme=messages.THEME_TITLES[context.theme],
                                              period=name)
    return messages.REPORT_TITLE.format(period=name)


def _data_line(context: ReportContext) -> str:
    report = context.report
    return messages.DOC_DATA_LINE.format(
        data_from=format_date_vn(report.period.data_from),
        cutoff_on=format_date_vn(report.period.cutoff_on),
        as_of=report.as_of.astimezone(VN_TZ).strftime("%H:%M ngày %d/%m/%Y"),
        scope=report.tree.nodes[context.unit].name,
        made_on=format_date_vn(made_on(report)),
    )


# -- part I: results ----------------------------------------------------------------------------

def targets_section(doc: PartyDocument, context: ReportContext) -> None:
    """The plan's indicators (II.1): one sentence each, their data warnings, one table, and
    the plan's base explained where a fixed base is the denominator."""
    doc.heading(2, messages.DOC_PART_TARGETS)
    _indicators_table(doc, context, indicator_rows(context.report, context.unit,
                                                   context.indicators))


def other_targets_section(doc: PartyDocument, context: ReportContext) -> None:
    """The indicators units report (I5...): as the plan's, their totals over the unit
    reported on and their statuses; none in a thematic report, nothing without any."""
    rows = [] if context.theme else reported_indicator_rows(context.report, context.unit)
    if rows:
        doc.heading(2, messages.DOC_PART_OTHER_TARGETS)
        _indicators_table(doc, context, rows)


def _indicators_table(
    doc: PartyDocument, context: ReportContext, rows: list[dict[str, Any]]
) -> None:
    """One sentence per indicator, its data warnings, one table, the fixed bases' notes
    under it (`views.indicator_rows`' rows), and the previous rates of another measure than
    this period's marked and explained (finding J9)."""
    notes: list[str] = []  # the fixed bases' notes, marked (*), (**)... in the table
    marks: dict[str, str] = {}
    for row in rows:
        sentence = (messages.DOC_INDICATOR_SENTENCE if row["target"] is not None
                    else messages.DOC_INDICATOR_SENTENCE_NO_TARGET)
        doc.text(sentence.format(
            name=row["name"], numerator=format_number(row["numerator"]),
            denominator=format_number(row["denominator"]), value=format_number(row["value"]),
            target=row["target_text"], status=row["status_label"],
        ))
        # A unit's figure summed from the units under it that reported: from how many.
        if (summed := summed_from_text(row)) is not None:
            doc.text(messages.DOC_SUMMED_FROM.format(text=summed))
        for warning in row["warnings"]:
            if warning["code"] == REGISTER_DIFFERS_FROM_BASE:
                continue  # the base's note under the table says it, with the register's count
            doc.text(messages.DOC_DATA_WARNING.format(text=warning["message"]))
        if row["register"] is not None:
            note = base_note(row["id"], row["denominator"], row["register"])
            if note not in notes:
                notes.append(note)
            marks[row["id"]] = f"({'*' * (notes.index(note) + 1)})"
    doc.table(
        (Column(messages.COL_NO, 10), Column(messages.COL_INDICATOR, 47, align_left=True),
         Column(messages.COL_TARGET, 21), Column(messages.COL_RESULT, 24),
         Column(messages.COL_RATE, 18), Column(messages.COL_PREVIOUS, 18),
         Column(messages.COL_STATUS, 27)),
        [[str(i), row["short_name"], row["target_text"], _result(row, marks.get(row["id"])),
          format_number(row["value"]),
          _previous_rate(row), row["status_label"]]
         for i, row in enumerate(rows, start=1)],
        note=" ".join(f"({'*' * n}) {text}." for n, text in enumerate(notes, start=1))
        or None,
    )
    not_comparable = not_comparable_note(context.report, rows, context.unit)
    if not_comparable is not None:
        doc.text(f"{messages.DOC_NOT_COMPARABLE_MARK} {not_comparable}", italic=True)


def _previous_rate(row: dict[str, Any]) -> str:
    """The previous column's rate, marked when it is not the same measure as this one's."""
    previous = previous_value(row)
    if previous is None:
        return messages.VALUE_MISSING
    if row["previous"]["comparable"]:
        return format_number(previous)
    return f"{format_number(previous)} {messages.DOC_NOT_COMPARABLE_MARK}"


def _result(row: dict[str, Any], mark: str | None) -> str:
    result = f"{format_number(row['numerator'])}/{format_number(row['denominator'])}"
    return f"{result} {mark}" if mark else result


def tasks_section(doc: PartyDocument, context: ReportContext) -> None:
    """The plan's specific tasks (II.2): one numbered sub-section and one table each."""
    doc.heading(2, messages.DOC_PART_TASKS)
    flows = flows_note(context.report)
    if flows is not None:  # across a year boundary: flows have no change (finding J9)
        doc.text(flows, italic=True)
    in_plan_order = sorted(context.sections, key=TASKS_IN_PLAN_ORDER.index)
    for section in section_rows(context.report, context.unit, in_plan_order):
        doc.heading(3, messages.DOC_TASK_TITLES[section["key"]])
        doc.table(
            (Column(messages.COL_NO, 10), Column(messages.COL_FIGURE, 95, align_left=True),
             Column(messages.COL_PERIOD, 20), Column(messages.COL_PREVIOUS, 20),
             Column(messages.COL_CHANGE, 20)),
            [[str(i), f["label"], format_number(f["value"]), format_number(f["previous"]),
              _signed(f["change"])]
             for i, f in enumerate(section["figures"], start=1)],
        )


def restated_section(doc: PartyDocument, context: ReportContext) -> None:
    """Under the tables with a previous column: where that column is the previous period's
    signed report and figures of it were restated since, the note and every such figure."""
    rows = restatements_under(context.report, context.unit)
    note = restated_note(context.report, rows)
    if note is None:
        return
    doc.heading(2, messages.DOC_RESTATED)
    doc.text(note, italic=True)
    doc.table(
        (Column(messages.COL_NO, 10), Column(messages.COL_CODE, 18),
         Column(messages.COL_UNIT, 40, align_left=True),
         Column(messages.COL_FIGURE, 55, align_left=True),
         Column(messages.COL_SIGNED_PREVIOUS, 28), Column(messages.COL_RESTATED_PREVIOUS, 28)),
        [[str(i), d["unit_code"], unit_name_of(context.report, d["unit_code"]),
          figure_label(d["figure"]), difference_value(d["frozen"]),
          difference_value(d["current"])]
         for i, d in enumerate(rows[:200], start=1)],
    )


def units_section(doc: PartyDocument, context: ReportContext) -> None:
    """The indicators of each unit directly under the one reported on (none for a commune)."""
    children = children_rows(context.report, context.unit, context.indicators)
    if not children:
        return
    doc.heading(2, messages.DOC_PART_UNITS)
    share = 100 / len(context.indicators)
    doc.table(
        (Column(messages.COL_NO, 10), Column(messages.COL_UNIT, 55, align_left=True),
         *(Column(f"{messages.INDICATOR_SHORT[key]} (%)", share)
           for key in context.indicators)),
        [[str(i), child["name"],
          *(format_number(child["indicators"][key]["value"]) for key in context.indicators)]
         for i, child in enumerate(children, start=1)],
        note=messages.DOC_UNITS_NOTE.format(
            unit=context.report.tree.nodes[context.unit].name),
    )
    # What the rows above lack to add up to the unit reported on.
    for line in lines_under(context.report, context.unit):
        text = messages.DOC_OWN if line["kind"] == "own" else messages.DOC_UNATTRIBUTED
        doc.text(text.format(label=line["label"], figures="; ".join(
            f"{messages.METRIC_LABELS[key]}: {format_number(value)}"
            for key, value in line["figures"].items() if value)), italic=True)


def finalisation_section(doc: PartyDocument, context: ReportContext) -> None:
    """A finalised report says so; figures changed since are listed in one table. Asked as
    of a time, its figures are not the frozen ones: no stamp, a line saying so, and the
    table of what differs from the frozen figures."""
    report = context.report
    if report.finalisation is None:
        return
    on = format_date_vn(day_vn(report.finalisation.finalised_at))
    finalised = messages.DOC_FINALISED.format(
        on=on, hash=report.finalisation.content_hash[:16]) if report.figures_finalised \
        else messages.DOC_LIVE.format(
            on=on, as_of=report.as_of.astimezone(VN_TZ).strftime("%H:%M ngày %d/%m/%Y"))
    committee = _issuer(report, context.unit).committee
    if committee is not None and report.figures_finalised:
        # A district board's document over the Commission's signing says whose it is (J23).
        finalised = messages.DOC_FINALISED_BY_CITY.format(
            report=report.finalisation.report_id, on=on,
            hash=report.finalisation.content_hash[:16], committee=committee)
    if report.figures_finalised and report.finalisation.later_facts_acknowledged:
        finalised += " " + messages.DOC_LATER_FACTS_ACKNOWLEDGED.format(
            as_of=report.finalisation.as_of.astimezone(VN_TZ).strftime("%H:%M ngày %d/%m/%Y"))
    differences = differences_under(report, context.unit)
    if not differences:
        doc.text(finalised, italic=True)
        return
    doc.heading(2, messages.DOC_DIFFERENCES)
    doc.text(finalised, italic=True)
    doc.table(
        (Column(messages.COL_NO, 10), Column(messages.COL_CODE, 18),
         Column(messages.COL_UNIT, 40, align_left=True),
         Column(messages.COL_FIGURE, 55, align_left=True), Column(messages.COL_FROZEN, 28),
         Column(current_label(report), 28)),
        [[str(i), d["unit_code"], unit_name_of(context.report, d["unit_code"]),
          figure_label(d["figure"]), difference_value(d["frozen"]),
          difference_value(d["current"])]
         for i, d in enumerate(differences[:200], start=1)],
    )


def plan_items_section(doc: PartyDocument, context: ReportContext) -> None:
    """Kết quả thực hiện nhiệm vụ: every item of the plan with its status at the cut-off and
    its latest result in the period, the overdue first (as the report's plan part lists them)."""
    plan = context.report.plan
    if context.theme or plan is None:
        return
    part = plan["items"]
    doc.heading(2, messages.DOC_PART_PLAN.format(year=part["year"]))
    counts = part["status_counts"]
    doc.text(messages.DOC_PLAN_SUMMARY.format(
        on=format_date_vn(date.fromisoformat(part["judged_on"])), total=part["total"],
        done=counts["done"], in_progress=counts["in_progress"],
        not_started=counts["not_started"], overdue=counts["overdue"]))
    doc.table(
        (Column(messages.COL_NO, 16), Column(messages.COL_ITEM, 62, align_left=True),
         Column(messages.COL_RESPONSIBLE, 30, align_left=True),
         Column(messages.COL_ITEM_STATUS, 22), Column(messages.COL_LATEST_RESULT, 50,
                                                       align_left=True)),
        [[item["number"], _shorten(item["text"]), item["responsible_name"],
          item["status_label"], _latest(item["latest_result"])]
         for item in part["items"]],
    )


def district_reports_section(doc: PartyDocument, context: ReportContext) -> None:
    """The district boards' period reports (IV.3): who submitted, on time or late, returned."""
    plan = context.report.plan
    if context.theme or plan is None:
        return
    doc.heading(2, messages.DOC_PART_DISTRICT_REPORTS)
    part = plan["district_reports"]
    if part is None:
        doc.text(messages.DOC_NO_DEADLINE, italic=True)
        return
    doc.text(messages.DOC_DISTRICT_SUMMARY.format(
        deadline=format_date_vn(date.fromisoformat(part["deadline"])),
        on=format_date_vn(date.fromisoformat(part["judged_on"])), submitted=part["submitted"],
        owed=part["owed"], on_time=part["on_time"], late=part["late"],
        returned=part["returned"], missing=part["missing_overdue"]))
    doc.table(
        (Column(messages.COL_NO, 10), Column(messages.COL_UNIT, 45, align_left=True),
         Column(messages.COL_ITEM_STATUS, 35), Column(messages.COL_SUBMITTED_ON, 25),
         Column(messages.COL_RETURNS, 20), Column(messages.COL_RETURN_REASON, 45,
                                                  align_left=True)),
        [[str(i), row["district_name"],
          f"{row['status_label']} {messages.DOC_BACKDATED_MARK}" if backdated_reason(row)
          else row["status_label"],
          format_date_vn(date.fromisoformat(row["last_submitted_on"]))
          if row["last_submitted_on"] else messages.VALUE_MISSING,
          str(row["returns"]), row["last_return_reason"] or ""]
         for i, row in enumerate(part["districts"], start=1)],
    )
    for row in part["districts"]:
        reason = backdated_reason(row)
        if reason:
            doc.text(messages.DOC_BACKDATED_NOTE.format(
                district=row["district_name"], reason=reason,
                submitted_on=format_date_vn(date.fromisoformat(row["first_submitted_on"]))),
                italic=True)


def _shorten(text: str, words: int = 30) -> str:
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]) + " …"


def _latest(result: dict[str, Any] | None) -> str:
    if result is None:
        return messages.VALUE_MISSING
    on = format_date_vn(date.fromisoformat(result["reported_on"]))
    return f"{on}: {result['result']} ({result['acting_party_name']})"


# -- parts II and III: written by the office ----------------------------------------------------

def assessment_section(doc: PartyDocument, context: ReportContext) -> None:
    doc.text(_issuer(context.report, context.unit).note, italic=True)


def next_tasks_section(doc: PartyDocument, context: ReportContext) -> None:
    doc.text(_issuer(context.report, context.unit).next_tasks, italic=True)


REPORT_PARTS: tuple[Part, ...] = (
    Part(messages.DOC_PART_RESULTS,
         (targets_section, other_targets_section, tasks_section, restated_section,
          units_section, plan_items_section, district_reports_section, finalisation_section)),
    Part(messages.DOC_PART_ASSESSMENT, (assessment_section,)),
    Part(messages.DOC_PART_TASKS_NEXT, (next_tasks_section,)),
)


def _signed(value: int | None) -> str:
    if value is None:
        return messages.VALUE_MISSING
    return f"+{format_number(value)}" if value > 0 else format_number(value)
