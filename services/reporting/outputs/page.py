"""What every dashboard page shares: the frame (`page.html`: the head, the issuer's header
with the page's title and links) around the page's own part (`<main>` and what follows it,
in the page's .html file), and the pieces the pages repeat (period choice, data window,
finalisation note)."""

from __future__ import annotations

import functools
from html import escape
from importlib import resources
from string import Template

from services.reporting import messages
from services.reporting.application.reports import Report
from services.reporting.application.views import period_name, provisional_note
from services.reporting.domain.periods import Period
from shared.clock import VN_TZ, format_date_vn


@functools.cache
def _template(name: str) -> Template:
    return Template((resources.files("services.reporting.outputs") / name).read_text("utf-8"))


def render_page(
    part: str, *, title: str, heading: str, nav: str = "", head: str = "", **values: object
) -> str:
    """The page `part` (an .html file of this package) filled with `values`, in the frame.
    `title` and `heading` are text (escaped here); `nav`, `head` and the values are HTML."""
    content = _template(part).substitute(values)
    return _template("page.html").substitute(
        title=escape(title), heading=escape(heading), nav=nav, head=head, content=content
    )


def nav(label: str, links: str) -> str:
    """The header's links (`links` is HTML), named for screen readers by `label`."""
    return f'<nav class="themes" aria-label="{escape(label)}">{links}</nav>'


def period_form(action: str, current: Period, choices: list[Period], **hidden: str) -> str:
    """The period chooser; the page's other parameters (`hidden`, text) ride along."""
    fields = "".join(
        f'    <input type="hidden" name="{name}" value="{escape(value)}">\n'
        for name, value in hidden.items()
    )
    options = "".join(
        f'<option value="{escape(p.id)}"{" selected" if p.id == current.id else ""}>'
        f"{escape(period_name(p))}</option>"
        for p in choices
    )
    return _template("periodform.html").substitute(
        action=escape(action), period_options=options, hidden=fields
    )


def data_window(report: Report, unit_name: str) -> str:
    """The period's data window and the moment the figures reflect, for the unit shown; a
    period still running says first that its figures are provisional."""
    window = escape(messages.DATA_WINDOW.format(
        data_from=format_date_vn(report.period.data_from),
        cutoff_on=format_date_vn(report.period.cutoff_on),
        as_of=report.as_of.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y"),
        scope=messages.SCOPE_SUFFIX.format(scope=unit_name)))
    note = provisional_note(report)
    if note is None:
        return window
    return f'<strong class="provisional" id="provisional">{escape(note)}</strong> {window}'



def finalised_note(report: Report, changed: int = 0) -> str:
    """When the report was finalised (and how many figures moved since, `changed`: those of
    the unit shown, `views.differences_under`). Asked as of a time, the figures are live:
    the note says they are not the finalised ones, without the stamp's hash."""
    if report.finalisation is None:
        return ""
    when = report.finalisation.finalised_at.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")
    if not report.figures_finalised:  # asked as of a time: live figures, no stamp
        text = messages.DASH_LIVE.format(
            when=when, as_of=report.as_of.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y"))
        if changed:
            text += messages.DASH_LIVE_CHANGED.format(count=changed)
        return f'<p class="finalised live changed" id="finalised">{escape(text)}</p>'
    text = messages.DASH_FINALISED.format(when=when, hash=report.finalisation.content_hash[:12])
    if report.finalisation.later_facts_acknowledged:
        text += messages.DASH_LATER_FACTS_ACKNOWLEDGED.format(
            as_of=report.finalisation.as_of.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y"))
    if changed:
        text += messages.DASH_CHANGED.format(count=changed)
        return f'<p class="finalised changed" id="finalised">{escape(text)}</p>'
    return f'<p class="finalised" id="finalised">{escape(text)}</p>'
