"""A "Dân vận khéo" model's dated steps: it stops only by a dated closing, after what was
recorded of it (examiner findings G6 and G9)."""

from __future__ import annotations

from datetime import date

import pytest

from services.indicators.domain.events import (
    ModelClosed,
    ModelRecognised,
    ModelRegistered,
    ModelStatus,
)
from services.indicators.domain.model import DanVanKheoModel
from shared.errors import InvalidInput


def _registered(status: ModelStatus = "building") -> ModelRegistered:
    return ModelRegistered(model_id="MH-1", unit_code="11758", field="urban", title="Phố xanh",
                           started_on=date(2023, 2, 1), recognition_level="none",
                           status=status)


def test_a_registration_stored_as_closed_stays_open_until_a_dated_closing() -> None:
    """Registered "closed" (accepted before it was refused), the model had no closing date:
    every figure counted it running while the register said stopped, and it could never be
    closed. It reads as running, as the figures do, and a desk can record the closing."""
    model = DanVanKheoModel.rehydrate("MH-1", [_registered("closed")])
    assert model.status == "building"
    assert model.allowed_actions() == ["recognise", "close"]
    model.close(ModelClosed(model_id="MH-1", closed_on=date(2023, 3, 1), reason="Đã dừng"))
    assert model.status == "closed" and model.version == 2


def test_a_model_is_not_closed_before_its_last_recorded_step() -> None:
    model = DanVanKheoModel.rehydrate("MH-1", [
        _registered(),
        ModelRecognised(model_id="MH-1", recognition_level="district",
                        recognised_on=date(2023, 5, 1)),
    ])
    with pytest.raises(InvalidInput) as refused:
        model.close(ModelClosed(model_id="MH-1", closed_on=date(2023, 4, 1), reason="x"))
    assert refused.value.code == "DATE_BEFORE_PREVIOUS_STEP"
    assert "01/05/2023" in refused.value.message
    assert model.pending == [] and model.status == "recognised"
    # The closing day is the model's first day out (shared.planrules.closed_by): not the day
    # of its last recognition, the day after it is the earliest.
    with pytest.raises(InvalidInput) as refused:
        model.close(ModelClosed(model_id="MH-1", closed_on=date(2023, 5, 1), reason="x"))
    assert refused.value.code == "CLOSED_BEFORE_RECOGNITION"
    assert model.pending == [] and model.status == "recognised"
    model.close(ModelClosed(model_id="MH-1", closed_on=date(2023, 5, 2), reason="x"))
    assert model.status == "closed"
