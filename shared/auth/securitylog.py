"""Security events in the OWASP Logging Vocabulary (authn_*, authz_*), one logger for all.

Each line carries `owasp_event` as the vocabulary writes it (`authz_fail:userid,resource`),
a Vietnamese `description` for the operator, and never a token, key or password: only who
(subject, key prefix) and why.
"""

from __future__ import annotations

from typing import Any

from shared import messages
from shared.logs import get_logger

log = get_logger("danvan.security")

DESCRIPTIONS = messages.SECURITY_EVENTS


def security_event(
    event: str, subject: str | None, *resource: str, level: str = "warning", **fields: Any
) -> None:
    target = ",".join([subject or "anonymous", *resource])
    getattr(log, level)(
        event,
        owasp_event=f"{event}:{target}",
        description=DESCRIPTIONS.get(event, event),
        **fields,
    )
