"""The Vietnamese error page a browser gets instead of the JSON error body.

It shows what the JSON body says (the message, the stable code, the details of a validation
error) and nothing more, so a person and a program are told the same thing.
"""

from __future__ import annotations

from html import escape
from typing import Any

from services.reporting import messages
from services.reporting.outputs.page import render_page


def render_error_page(status: int, error: dict[str, Any]) -> str:
    heading = messages.ERROR_PAGE_TITLES.get(status, messages.ERROR_PAGE_TITLE_OTHER)
    return render_page(
        "errorpage.html",
        title=f"{heading} — {messages.DASH_TITLE}",
        heading=heading,
        code=escape(str(error.get("code", ""))),
        status=status,
        message=escape(str(error.get("message", ""))),
        details=_details(error.get("details")),
        back_href="/",
        back_text=escape(messages.ERROR_PAGE_BACK),
    )


def _details(details: Any) -> str:
    """A validation error's list of fields; other details are for programs (in the JSON)."""
    if not isinstance(details, list):
        return ""
    items = []
    for item in details:
        if not isinstance(item, dict):
            continue
        field = item.get("field")
        label = messages.ERROR_PAGE_FIELDS.get(str(field), str(field)) if field else ""
        prefix = f"{escape(label)}: " if label else ""
        items.append(f'<li data-code="{escape(str(item.get("code", "")))}">{prefix}'
                     f'{escape(str(item.get("message", "")))}</li>')
    return f'<ul class="error-details" id="error-details">{"".join(items)}</ul>' if items else ""
