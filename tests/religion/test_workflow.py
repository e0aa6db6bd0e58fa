"""The dossier and compliance workflows as tables: every allowed and every refused transition
(pure domain, no I/O)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.religion import messages
from services.religion.domain.model import ComplianceCase, LandDossier
from services.religion.domain.workflow import (
    CASE_STATES,
    CASE_TRANSITIONS,
    DOSSIER_STATES,
    DOSSIER_TRANSITIONS,
    EXPECTED_DAYS,
    allowed_dossier_actions,
    due_on,
    overdue_days,
)
from shared.errors import Conflict, InvalidInput

SINCE = date(2023, 3, 1)
PAIRS = [(s, a) for s in DOSSIER_STATES for a in DOSSIER_TRANSITIONS]
CASE_PAIRS = [(s, a) for s in CASE_STATES for a in CASE_TRANSITIONS]


def _dossier_in(state: str) -> LandDossier:
    dossier = LandDossier("CSTG-315-001")
    dossier.state, dossier.state_since = state, SINCE
    return dossier


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_every_dossier_action_from_every_state(state: str, action: str) -> None:
    dossier = _dossier_in(state)
    transition = DOSSIER_TRANSITIONS[action]
    number = "CS 1" if "certificate" in action else None
    if state in transition.sources:
        dossier.act(action, date(2023, 3, 5), note="Ghi chú", document_refs=["Đơn 1"],
                    unit_code="11755", certificate_number=number)
        assert dossier.state == transition.target
        assert dossier.state_since == date(2023, 3, 5)
        [pending] = dossier.pending
        assert pending.event.event_type == transition.event_type
        assert pending.event.state == transition.target  # type: ignore[attr-defined]
        return
    with pytest.raises(Conflict) as refused:
        dossier.act(action, date(2023, 3, 5), note="Ghi chú", document_refs=[],
                    unit_code="11755", certificate_number=number)
    error = refused.value
    assert error.code == "ACTION_NOT_ALLOWED"
    assert error.status_code == 409
    assert messages.DOSSIER_STATES[state] in error.message
    assert error.details["state"] == state
    assert error.details["allowed_actions"] == allowed_dossier_actions(state)
    for allowed in allowed_dossier_actions(state):
        assert messages.DOSSIER_ACTIONS[allowed] in error.message
    assert dossier.pending == [] and dossier.state == state


def test_the_happy_path_and_a_second_round_after_rejection() -> None:
    dossier = LandDossier("CSTG-315-002")
    start = date(2023, 1, 2)
    path = [("start_preparation", 0), ("lodge", 10), ("requisition", 20), ("resubmit", 30),
            ("reject", 40), ("lodge", 50), ("accept", 60), ("issue_certificate", 70),
            ("revoke_certificate", 80), ("issue_certificate", 90)]
    for action, day in path:
        dossier.act(action, start + timedelta(days=day), note="Ghi chú", document_refs=[],
                    unit_code="11755", certificate_number="CS 9")
    assert dossier.state == "certificate_issued"
    assert dossier.version == len(path)
    assert dossier.lodged_on == start + timedelta(days=50)


@pytest.mark.parametrize("action", ["requisition", "reject", "revoke_certificate"])
def test_actions_that_need_a_reason_refuse_an_empty_note(action: str) -> None:
    source = sorted(DOSSIER_TRANSITIONS[action].sources)[0]
    with pytest.raises(InvalidInput) as refused:
        _dossier_in(source).act(action, date(2023, 3, 5), note="", document_refs=[],
                                unit_code="11755", certificate_number="CS 1")
    assert refused.value.code == "NOTE_REQUIRED"


def test_a_step_cannot_be_dated_before_the_previous_one() -> None:
    with pytest.raises(InvalidInput) as refused:
        _dossier_in("lodged").act("accept", SINCE - timedelta(days=1), note="", document_refs=[],
                                  unit_code="11755")
    assert refused.value.code == "DATE_BEFORE_PREVIOUS_STEP"
    assert "01/03/2023" in refused.value.message


def test_overdue_is_computed_from_state_date_and_expected_days() -> None:
    assert EXPECTED_DAYS["lodged"] == 30
    assert due_on("lodged", SINCE) == date(2023, 3, 31)
    assert overdue_days("lodged", SINCE, date(2023, 3, 31)) == 0
    assert overdue_days("lodged", SINCE, date(2023, 4, 3)) == 3
    # Finished or not started dossiers are never overdue.
    assert due_on("certificate_issued", SINCE) is None
    assert overdue_days("not_started", None, date(2030, 1, 1)) == 0


@pytest.mark.parametrize(("state", "action"), CASE_PAIRS, ids=[f"{s}-{a}" for s, a in CASE_PAIRS])
def test_every_compliance_action_from_every_state(state: str, action: str) -> None:
    case = ComplianceCase("VV-1")
    case.state, case.state_since, case.commune_code = state, SINCE, "11755"
    transition = CASE_TRANSITIONS[action]
    if state in transition.sources:
        case.act(action, date(2023, 3, 5), note="Đã kiểm tra", referred_to="Công an huyện")
        assert case.state == transition.target
        assert case.pending[0].event.event_type == transition.event_type
        return
    with pytest.raises(Conflict) as refused:
        case.act(action, date(2023, 3, 5), note="Đã kiểm tra", referred_to="Công an huyện")
    assert refused.value.code == "ACTION_NOT_ALLOWED"
    assert messages.CASE_STATES[state] in refused.value.message
    assert case.state == state and case.pending == []


def test_a_referral_names_the_receiving_agency() -> None:
    case = ComplianceCase("VV-2")
    case.state, case.state_since = "under_review", SINCE
    with pytest.raises(InvalidInput) as refused:
        case.act("refer", date(2023, 3, 5), note="Vượt thẩm quyền")
    assert refused.value.code == "REFERRED_TO_REQUIRED"


def test_the_fast_search_fold_agrees_with_the_catalogues_fold() -> None:
    """Stored search text and typed queries must fold alike, or search silently misses."""
    from services.religion.adapters.projection import fold_text
    from shared.adminunits import default_catalogue, fold

    names = [u.name for u in default_catalogue().units(date(2023, 6, 1))]
    names += ["Chùa 福 Lâm", "ĐỀN ĐỨC Thánh – số 5/7", "Giáo xứ Ngọc Đồng (Xã Hoà Bình)", ""]
    assert [fold_text(n) for n in names] == [fold(n) for n in names]
