"""Head posts (chức danh người đứng đầu) and the terms of the people who hold them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from services.dialogue import messages
from services.dialogue.domain.events import (
    HeadLeftOffice,
    HeadLeftOfficeCorrected,
    HeadTookOffice,
    HeadTookOfficeCorrected,
    Level,
    Role,
)
from shared.adminunits import default_catalogue
from shared.aggregate import Aggregate
from shared.clock import format_date_vn
from shared.envelope import DomainEvent
from shared.errors import ActionRefused, InvalidInput
from shared.planrules import term_last_day

ROLES: tuple[Role, ...] = ("party_secretary", "people_committee_chair")


def office_last_day(unit_code: str, from_date: date, to_date: date | None) -> date | None:
    """The last day in office of a term begun on `from_date` in `unit_code` that left on
    `to_date` (None: never left): a term cannot outlast the unit the post was of when it began
    (the kernel's rule: a commune merged on 1 July 2025 ends its heads' terms on 30 June even
    where the new commune kept its code, so the new commune's head may take the post). The
    post's rule and the read models' (roster, rule compliance, a head's record) alike."""
    return term_last_day(to_date, default_catalogue().last_day_of(unit_code, from_date))


@dataclass
class Term:
    """One person's time in the post; `to_date` is the day recorded as their last in office
    (inclusive); the post's `last_day` also ends it with its unit."""

    head_id: str
    full_name: str
    from_date: date
    to_date: date | None = None


class HeadPost(Aggregate):
    """Người đứng đầu: the post of Party committee secretary (Bí thư cấp ủy) or People's
    Committee chair (Chủ tịch UBND) of one unit, as the succession of its holders.

    The post, not the person, is the aggregate so that two holders can never overlap: two
    concurrent appointments to the same post collide on the aggregate version. Each term has
    its own `head_id`, which sessions refer to.
    """

    aggregate_type = "head"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        # The id is "<unit_code>:<role>"; the first event confirms both.
        self.unit_code, _, role = aggregate_id.partition(":")
        self.role: Role = (
            "people_committee_chair" if role == "people_committee_chair" else "party_secretary"
        )
        self.terms: dict[str, Term] = {}
        #: Per head: the taking of office in force and its version (what a correction names).
        self.took: dict[str, tuple[int, HeadTookOffice]] = {}
        #: Per head that left: the leaving in force and its version (what a correction names).
        self.left: dict[str, tuple[int, HeadLeftOffice]] = {}

    def require_in_office(self, head_id: str, action: str) -> None:
        """`head_id` is still in office, else 409 HEAD_ALREADY_LEFT: the state, which the
        leave and hand_over handlers ask before anything about the day the body carries
        (docs/api-conventions.md, "The order of the refusals")."""
        term = self.terms[head_id]
        if term.to_date is not None:
            raise ActionRefused(
                "HEAD_ALREADY_LEFT", messages.HEAD, action=action,
                subject=messages.HEAD_SUBJECT.format(name=term.full_name), state="left",
                # A leaving recorded on the wrong day is put right by its correction.
                allowed=["correct_to_date"], note=messages.HEAD_LEFT_ON.format(
                    to_date=format_date_vn(term.to_date)),
                head_id=term.head_id,
            )

    @staticmethod
    def post_id(unit_code: str, role: Role) -> str:
        return f"{unit_code}:{role}"

    def last_day(self, from_date: date, to_date: date | None) -> date | None:
        """The last day in office of a term of this post (`office_last_day`)."""
        return office_last_day(self.unit_code, from_date, to_date)

    def holder_on(self, on: date) -> Term | None:
        return next((t for t in self.terms.values() if t.from_date <= on and (
            (last := self.last_day(t.from_date, t.to_date)) is None or on <= last)), None)

    def term(self, head_id: str) -> Term | None:
        return self.terms.get(head_id)

    def take_office(
        self,
        head_id: str,
        full_name: str,
        from_date: date,
        level: Level,
        to_date: date | None = None,
        predecessor_head_id: str | None = None,
    ) -> None:
        if to_date is not None and to_date < from_date:
            raise InvalidInput(
                "TERM_ENDS_BEFORE_IT_STARTS",
                messages.TERM_ENDS_BEFORE_IT_STARTS.format(
                    from_date=format_date_vn(from_date), to_date=format_date_vn(to_date)
                ),
            )
        self._refuse_overlap(from_date, to_date, "take_office")
        self.record(
            HeadTookOffice(
                head_id=head_id,
                unit_code=self.unit_code,
                role=self.role,
                full_name=full_name,
                from_date=from_date,
                level=level,
                predecessor_head_id=predecessor_head_id,
            ),
            from_date,
            unit_code=self.unit_code,
        )
        if to_date is not None:
            self.leave(head_id, to_date)

    def _refuse_overlap(
        self, from_date: date, to_date: date | None, action: str, but: Sequence[str] = ()
    ) -> None:
        """Two holders of the post never overlap (`but`: the terms being corrected), each
        term as long as its unit lasts."""
        to_date = self.last_day(from_date, to_date)
        for other in self.terms.values():
            other_to = self.last_day(other.from_date, other.to_date)
            if other.head_id not in but and (to_date is None or other.from_date <= to_date) and (
                    other_to is None or from_date <= other_to):
                raise ActionRefused(
                    "HEAD_POST_OCCUPIED", messages.HEAD, action=action,
                    subject=messages.HEAD_POST_SUBJECT.format(
                        role=messages.ROLE[self.role], unit=self.unit_code),
                    state="occupied",
                    allowed=self._ways_out(other, from_date),
                    note=messages.HEAD_POST_HOLDER.format(
                        name=other.full_name,
                        from_date=format_date_vn(other.from_date),
                        to_date=format_date_vn(other_to) if other_to
                        else messages.UNTIL_NOW,
                    ),
                    head_id=other.head_id,
                )

    @staticmethod
    def _ways_out(other: Term, from_date: date) -> list[str]:
        """What frees the days `other` holds: a later holder's start corrected; an earlier
        holder in office leaves or hands over; a past term's leaving corrected (L2: a
        hand-over recorded on the wrong day is not a dead end)."""
        if other.from_date > from_date:
            return ["correct_from_date"]
        return ["leave", "hand_over"] if other.to_date is None else ["correct_to_date"]

    def handed_over_by(self, head_id: str) -> Term | None:
        """The predecessor whose leaving the hand-over to `head_id` recorded, while it is
        still the eve of `head_id`'s first day: the two dates are one hand-over's day."""
        predecessor = self.took[head_id][1].predecessor_head_id
        if predecessor is None or predecessor not in self.left:
            return None
        left = self.left[predecessor][1]
        first_day = self.terms[head_id].from_date
        if left.successor_head_id != head_id or left.to_date != first_day - timedelta(days=1):
            return None
        return self.terms[predecessor]

    def correct_from_date(
        self, head_id: str, from_date: date, reason: str, event_id: Callable[[int], str]
    ) -> None:
        """Đính chính: `head_id` took office on `from_date`, not on the day recorded. The term
        keeps the post's rules: it starts no later than it ends and overlaps no other term.
        A successor's first day recorded by a hand-over is the hand-over's day: the
        predecessor's leaving moves with it to the eve (L2), corrected first, so the post
        has a holder every day it had one. `event_id`: the id of the event of a version."""
        term = self.terms[head_id]
        version, took = self.took[head_id]
        if from_date == term.from_date:
            raise InvalidInput("CORRECTION_CHANGES_NOTHING", messages.CORRECTION_CHANGES_NOTHING)
        if term.to_date is not None and term.to_date < from_date:
            raise InvalidInput(
                "TERM_ENDS_BEFORE_IT_STARTS",
                messages.TERM_ENDS_BEFORE_IT_STARTS.format(
                    from_date=format_date_vn(from_date), to_date=format_date_vn(term.to_date)
                ),
            )
        predecessor = self.handed_over_by(head_id)
        moved = [head_id]
        if predecessor is not None:
            eve = from_date - timedelta(days=1)
            if from_date <= predecessor.from_date:
                raise InvalidInput(
                    "SUCCESSOR_BEFORE_INCUMBENT",
                    messages.SUCCESSOR_BEFORE_INCUMBENT.format(
                        name=predecessor.full_name,
                        from_date=format_date_vn(predecessor.from_date)),
                )
            moved.append(predecessor.head_id)
            self._refuse_overlap(predecessor.from_date, eve, "correct_from_date", but=moved)
        self._refuse_overlap(from_date, term.to_date, "correct_from_date", but=moved)
        if predecessor is not None:
            self._record_to_date(predecessor.head_id, eve, reason, event_id)
        self.record(
            HeadTookOfficeCorrected(
                corrects=event_id(version), corrected_version=version, reason=reason,
                head_id=head_id, unit_code=self.unit_code, role=self.role,
                full_name=took.full_name, from_date=from_date, level=took.level,
                predecessor_head_id=took.predecessor_head_id,
                previous_from_date=term.from_date,
            ),
            from_date,
            unit_code=self.unit_code,
        )

    def require_left(self, head_id: str) -> None:
        """A leaving is corrected only where one was recorded: 409 HEAD_NOT_LEFT, the state,
        before anything about the day the body carries (docs/api-conventions.md, "The order
        of the refusals": a caller must not be told to move a leaving that does not exist,
        finding M1)."""
        if head_id not in self.left:
            raise ActionRefused(
                "HEAD_NOT_LEFT", messages.HEAD, action="correct_to_date",
                subject=messages.HEAD_SUBJECT.format(name=self.terms[head_id].full_name),
                state="occupied", allowed=["leave", "hand_over"], head_id=head_id,
            )

    def correct_to_date(
        self, head_id: str, to_date: date, reason: str, event_id: Callable[[int], str]
    ) -> None:
        """Đính chính: `head_id`'s last day in office was `to_date`, not the day recorded
        (a new event restating the leaving, L2). The term keeps the post's rules: it ends
        no earlier than it starts and overlaps no other term (a successor's first day is
        corrected by its own correction, which moves this leaving with it)."""
        term = self.terms[head_id]
        self.require_left(head_id)
        if to_date == term.to_date:
            raise InvalidInput("CORRECTION_CHANGES_NOTHING", messages.CORRECTION_CHANGES_NOTHING)
        if to_date < term.from_date:
            raise InvalidInput(
                "TERM_ENDS_BEFORE_IT_STARTS",
                messages.TERM_ENDS_BEFORE_IT_STARTS.format(
                    from_date=format_date_vn(term.from_date), to_date=format_date_vn(to_date)
                ),
            )
        self._refuse_overlap(term.from_date, to_date, "correct_to_date", but=[head_id])
        self._record_to_date(head_id, to_date, reason, event_id)

    def _record_to_date(
        self, head_id: str, to_date: date, reason: str, event_id: Callable[[int], str]
    ) -> None:
        version, left = self.left[head_id]
        self.record(
            HeadLeftOfficeCorrected(
                corrects=event_id(version), corrected_version=version, reason=reason,
                head_id=head_id, unit_code=self.unit_code, role=self.role, to_date=to_date,
                leave_reason=left.reason, successor_head_id=left.successor_head_id,
                previous_to_date=left.to_date,
            ),
            to_date,
            unit_code=self.unit_code,
        )

    def leave(
        self,
        head_id: str,
        to_date: date,
        reason: str = "",
        successor_head_id: str | None = None,
    ) -> None:
        term = self.terms[head_id]
        self.require_in_office(head_id, "leave")
        if to_date < term.from_date:
            raise InvalidInput(
                "TERM_ENDS_BEFORE_IT_STARTS",
                messages.TERM_ENDS_BEFORE_IT_STARTS.format(
                    from_date=format_date_vn(term.from_date), to_date=format_date_vn(to_date)
                ),
            )
        self.record(
            HeadLeftOffice(
                head_id=head_id,
                unit_code=self.unit_code,
                role=self.role,
                to_date=to_date,
                reason=reason,
                successor_head_id=successor_head_id,
            ),
            to_date,
            unit_code=self.unit_code,
        )

    def hand_over(
        self, incumbent_id: str, successor_id: str, full_name: str, from_date: date, level: Level
    ) -> None:
        """The incumbent's last day is the eve of the successor's first day."""
        incumbent = self.terms[incumbent_id]
        self.require_in_office(incumbent_id, "hand_over")
        if from_date <= incumbent.from_date:
            raise InvalidInput(
                "SUCCESSOR_BEFORE_INCUMBENT",
                messages.SUCCESSOR_BEFORE_INCUMBENT.format(
                    name=incumbent.full_name, from_date=format_date_vn(incumbent.from_date)
                ),
            )
        self.leave(
            incumbent_id,
            from_date - timedelta(days=1),
            messages.REASON_SUCCESSION,
            successor_head_id=successor_id,
        )
        self.take_office(
            successor_id, full_name, from_date, level, predecessor_head_id=incumbent_id
        )

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, HeadTookOffice):
            self.unit_code, self.role = event.unit_code, event.role
            self.terms[event.head_id] = Term(event.head_id, event.full_name, event.from_date)
            self.took[event.head_id] = (self.version + 1, event)
        elif isinstance(event, HeadTookOfficeCorrected):
            self.terms[event.head_id].from_date = event.from_date
            fact = event.corrected_fact()
            assert isinstance(fact, HeadTookOffice)
            self.took[event.head_id] = (self.version + 1, fact)
        elif isinstance(event, HeadLeftOffice):
            self.terms[event.head_id].to_date = event.to_date
            self.left[event.head_id] = (self.version + 1, event)
        elif isinstance(event, HeadLeftOfficeCorrected):
            self.terms[event.head_id].to_date = event.to_date
            left = event.corrected_fact()
            assert isinstance(left, HeadLeftOffice)
            self.left[event.head_id] = (self.version + 1, left)
