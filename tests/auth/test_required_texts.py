"""A text a command requires is refused when it is blank, not only when it is empty (finding
N2): `Field(min_length=1)` on a type that trims (shared.validation.ShortText/LongText) is
checked before the trimming, so "   " passed and the event stored "" (a succession recorded
without its legal basis, a period moved without a reason). Walks the body of every route of
the four services as served, so a field added later is held to the rule too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, get_args

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, TypeAdapter, ValidationError

from tests.auth.conftest import Idp, Services

SERVICES = ("religion", "dialogue", "indicators", "reporting")
BLANK = " \t  "


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The models an annotation holds: itself, or inside a list, a union, an Annotated."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in get_args(annotation):
        yield from _models(arg)


def _body_models(services: Services, service: str) -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    for route in iter_route_contexts(services[service].app.routes):  # type: ignore[attr-defined]
        dependant = getattr(route, "dependant", None)
        if not isinstance(dependant, Dependant):
            continue
        for param in dependant.body_params:
            found.update(_models(param.field_info.annotation))
    # The models nested in them (an evidence reference in a progress report).
    todo = list(found)
    while todo:
        model = todo.pop()
        for field in model.model_fields.values():
            for nested in _models(field.annotation):
                if nested not in found:
                    found.add(nested)
                    todo.append(nested)
    return found


def _refused(adapter: TypeAdapter[Any], value: Any) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return True
    return False


def _blank_accepted_where_empty_is_refused(model: type[BaseModel]) -> list[str]:
    wrong = []
    for name, field in model.model_fields.items():
        annotation: Any = (Annotated[(field.annotation, *field.metadata)] if field.metadata
                           else field.annotation)
        adapter: TypeAdapter[Any] = TypeAdapter(annotation)
        # A text, a list of texts, a mapping keyed by texts.
        for empty, blank in (("", BLANK), ([""], [BLANK]), ({"": 1.0}, {BLANK: 1.0})):
            if _refused(adapter, empty) and not _refused(adapter, blank):
                wrong.append(f"{model.__module__}.{model.__qualname__}.{name}")
    return wrong


@pytest.mark.parametrize("service", SERVICES)
def test_every_required_text_of_every_command_refuses_a_blank_one(
    services: Services, service: str
) -> None:
    models = _body_models(services, service)
    assert models, service
    wrong = [w for model in models for w in _blank_accepted_where_empty_is_refused(model)]
    assert not wrong, sorted(wrong)


def _blank_refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and error["message"]
    assert [d["field"] for d in error["details"]] == [field]
    assert error["details"][0]["code"] == "BLANK"


def test_the_examiners_blank_legal_basis_and_reason_write_nothing(
    services: Services, idp: Idp
) -> None:
    from tests.integration.helpers import event_count

    city = idp.headers("city_staff")
    indicators, reporting = services["indicators"], services["reporting"]
    succession = {"predecessor_code": "11803", "successor_code": "11755", "legal_basis": "   "}
    _blank_refused(indicators.post("/api/v1/units/successions", json=succession,
                                   headers=city), "legal_basis")
    assert event_count(indicators) == 0
    period = reporting.get("/api/v1/periods/2026-3m", headers=city)
    window = {"data_from": "2025-12-15", "cutoff_on": "2026-03-15", "reason": " \u200b "}
    moved = reporting.put("/api/v1/periods/2026-3m", json=window,
                          headers={**city, "If-Match": period.headers["ETag"]})
    _blank_refused(moved, "reason")
    assert event_count(reporting) == 0
    # With the texts given, both are recorded.
    succession["legal_basis"] = "NQ 1669/NQ-UBTVQH15"
    recorded = indicators.post("/api/v1/units/successions", json=succession, headers=city)
    assert recorded.status_code == 201, recorded.text
    window["reason"] = "Lùi giao ban"
    moved = reporting.put("/api/v1/periods/2026-3m", json=window,
                          headers={**city, "If-Match": period.headers["ETag"]})
    assert moved.status_code == 200, moved.text
