"""Issues raised at a session (ý kiến, kiến nghị của Nhân dân)."""

from __future__ import annotations

from datetime import date

from services.dialogue import messages
from services.dialogue.domain.events import CitizenContactErased, IssueRaised
from shared.aggregate import Aggregate
from shared.envelope import DomainEvent
from shared.errors import ActionRefused, InvalidInput, NotFound


class RaisedIssue(Aggregate):
    """Ý kiến, kiến nghị: answered on the spot or assigned to an agency.

    Who raised it is not part of the aggregate: the citizen's name and contact are kept in a
    separate table so that they never travel with the events.
    """

    aggregate_type = "issue"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.session_id = ""
        self.unit_code = ""
        self.has_citizen_contact = False

    def raise_issue(self, event: IssueRaised) -> None:
        if self.exists:
            raise ActionRefused(
                "ISSUE_EXISTS", messages.ISSUE, action="raise_issue",
                subject=messages.ISSUE_SUBJECT.format(id=self.id), state="raised",
                allowed=["erase_citizen_contact"] if self.has_citizen_contact else [],
            )
        if event.handling == "assigned" and not event.assigned_agency:
            raise InvalidInput("AGENCY_REQUIRED", messages.AGENCY_REQUIRED)
        if event.handling == "answered_on_spot" and event.assigned_agency:
            raise InvalidInput("AGENCY_NOT_EXPECTED", messages.AGENCY_NOT_EXPECTED)
        self.record(event, event.raised_on, unit_code=event.unit_code)

    def erase_citizen_contact(self, on: date) -> None:
        if not self.has_citizen_contact:
            raise NotFound(
                "CITIZEN_CONTACT_NOT_FOUND", messages.CITIZEN_CONTACT_NOT_FOUND.format(id=self.id)
            )
        self.record(
            CitizenContactErased(issue_id=self.id, erased_on=on), on, unit_code=self.unit_code
        )

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, IssueRaised):
            self.session_id = event.session_id
            self.unit_code = event.unit_code
            self.has_citizen_contact = event.has_citizen_contact
        elif isinstance(event, CitizenContactErased):
            self.has_citizen_contact = False
