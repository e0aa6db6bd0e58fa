"""The Vietnamese a person reads carries no English identifier: no snake_case word
("party_secretary", "only_valid") in any message catalogue, and a refused choice names the
values allowed by their Vietnamese labels (the identifiers go to programs apart)."""

from __future__ import annotations

import enum
import importlib
import re
from collections.abc import Iterator
from types import ModuleType
from typing import Any, Literal, get_args, get_origin

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from services.dialogue import messages as dialogue
from services.dialogue.domain.events import Handling, IssueCategory, Level, Role
from services.indicators import messages as indicators
from services.indicators.domain.events import ContestAward, Method, ModelField, RecognitionLevel
from services.religion import messages as religion
from services.religion.application.commands import ViolationType
from services.reporting import messages as reporting
from shared import errors, validation, web
from shared import messages as kernel_messages
from shared.errors import Lifecycle
from shared.settings import Settings

# A lower-case word joined to another by "_", outside a {placeholder}.
SNAKE = re.compile(r"(?<![\w{])[a-z][a-z0-9]*_[a-z0-9_]+(?![\w}])")
CATALOGUES: list[ModuleType] = [dialogue, indicators, religion, reporting]


def _texts(value: Any) -> Iterator[str]:
    """Every text a value holds: strings, a dict's values (its keys are identifiers),
    sequences, and a lifecycle's labels."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, Lifecycle):
        yield from _texts(dict(value.actions))
        yield from _texts(dict(value.states))
        yield value.nothing_allowed


def _identifiers(module: ModuleType) -> list[tuple[str, str]]:
    found = []
    for name, value in vars(module).items():
        if name.startswith("_") or not name.isupper():
            continue
        for text in _texts(value):
            without_placeholders = re.sub(r"\{[^{}]*\}", "", text)
            found += [(name, word) for word in SNAKE.findall(without_placeholders)]
    return found


# The kernel's texts too (its constants that are identifiers, such as planrules' status keys,
# are not catalogues; its status labels are scanned through indicators' STATUS_LABELS).
@pytest.mark.parametrize("module", [*CATALOGUES, kernel_messages, errors, validation, web],
                         ids=lambda m: m.__name__)
def test_no_catalogue_text_carries_an_english_identifier(module: ModuleType) -> None:
    assert _identifiers(module) == []


def test_the_scan_finds_an_identifier_where_there_is_one() -> None:
    module = ModuleType("sample")
    module.ROLE_TEXT = "cho phép: party_secretary hoặc {role_name}"  # type: ignore[attr-defined]
    module.LABELS = {"only_valid": "Chỉ nhập dòng hợp lệ"}  # type: ignore[attr-defined]
    assert _identifiers(module) == [("ROLE_TEXT", "party_secretary")]


class _Head(BaseModel):
    role: Role
    level: Level = "commune"


def test_a_refused_choice_names_the_labels_and_gives_programs_the_values() -> None:
    with pytest.raises(ValidationError) as refused:
        _Head(role="chairman")
    (error,) = validation.vietnamese_errors(refused.value.errors(), dialogue.VALUE_LABELS)
    assert error["code"] == "LITERAL_ERROR"
    assert error["message"] == (
        "Giá trị không hợp lệ; cho phép: «Bí thư cấp ủy» hoặc «Chủ tịch Ủy ban nhân dân»")
    assert error["allowed"] == ["party_secretary", "people_committee_chair"]
    with pytest.raises(ValidationError) as three:
        _Head(role="party_secretary", level="city")
    (error,) = validation.vietnamese_errors(three.value.errors(), dialogue.VALUE_LABELS)
    assert error["message"].endswith("«cấp thành phố», «cấp huyện» hoặc «cấp xã»")
    # Without labels for the field the values are shown as they are (never a 500).
    (bare,) = validation.vietnamese_errors(refused.value.errors())
    assert "party_secretary" in bare["message"]


@pytest.mark.parametrize(
    ("labels", "field", "choice"),
    [
        (dialogue.VALUE_LABELS, "role", Role),
        (dialogue.VALUE_LABELS, "level", Level),
        (dialogue.VALUE_LABELS, "category", IssueCategory),
        (dialogue.VALUE_LABELS, "handling", Handling),
        (indicators.VALUE_LABELS, "field", ModelField),
        (indicators.VALUE_LABELS, "recognition_level", RecognitionLevel),
        (indicators.VALUE_LABELS, "award", ContestAward),
        (indicators.VALUE_LABELS, "method", Method),
        (religion.VALUE_LABELS, "violation_type", ViolationType),
    ],
)
def test_every_choice_value_has_its_label(
    labels: dict[str, dict[str, str]], field: str, choice: Any,
) -> None:
    assert set(get_args(choice)) <= set(labels[field])


# --- every choice a route takes has its labels (finding O12) --------------------------------

SERVICES = ["religion", "dialogue", "indicators", "reporting"]
# A value written as a program's identifier ("lodged", "all_or_nothing", "xlsx") needs a label;
# one that is already Vietnamese text ("Phật giáo") is its own.
IDENTIFIER = re.compile(r"[a-z0-9_]+", re.ASCII)


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every API route, inside the routers the app includes too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # FastAPI's included router
            yield from _api_routes(route.original_router.routes)


def _choices(annotation: Any, name: str, seen: set[type]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(field name, values) of every Literal or Enum a parameter's type takes, through its
    models, lists, unions and Annotated, under the name its refusal's location ends with."""
    if get_origin(annotation) is Literal:
        yield name, get_args(annotation)
    elif isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        yield name, tuple(member.value for member in annotation)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for field_name, field in annotation.model_fields.items():
            yield from _choices(field.annotation, field.alias or field_name, seen)
    else:
        for argument in get_args(annotation):
            yield from _choices(argument, name, seen)


def _dependant_choices(dependant: Dependant) -> Iterator[tuple[str, tuple[Any, ...]]]:
    for param in [*dependant.path_params, *dependant.query_params, *dependant.body_params]:
        yield from _choices(param.field_info.annotation, param.alias, set())
    for sub in dependant.dependencies:
        yield from _dependant_choices(sub)


def _unlabelled(service: str) -> tuple[set[str], list[tuple[str, str, tuple[Any, ...]]]]:
    module = importlib.import_module(f"services.{service}.app")
    app = module.create_app(Settings.for_service(
        service, database_url="sqlite://", environment="test"))
    labels = app.state.value_labels
    names, missing = set(), []
    for route in _api_routes(app.routes):
        for name, values in _dependant_choices(route.dependant):
            names.add(name)
            bare = tuple(v for v in values if isinstance(v, str) and IDENTIFIER.fullmatch(v)
                         and v not in labels.get(name, {}))
            if bare:
                missing.append((route.path, name, bare))
    return names, missing


@pytest.mark.parametrize("service", SERVICES)
def test_every_choice_of_every_route_has_its_labels(service: str) -> None:
    names, missing = _unlabelled(service)
    assert missing == []
    # A walk that finds nothing is no pass: the choices of the finding are among those found.
    expected = {"religion": {"dossier_state", "state", "violation_type"},
                "dialogue": {"mode", "role", "level"},
                "indicators": {"kind", "recurrence", "qualifying_fields", "field"},
                "reporting": set()}[service]
    assert expected <= names


def test_a_refused_choice_inside_a_list_names_the_labels() -> None:
    class _Model(BaseModel):
        qualifying_fields: list[ModelField]

    with pytest.raises(ValidationError) as refused:
        _Model(qualifying_fields=["urban", "xyz"])
    (error,) = validation.vietnamese_errors(refused.value.errors(), indicators.VALUE_LABELS)
    assert error["field"] == "qualifying_fields.1"
    assert "«Chỉnh trang, hiện đại hóa đô thị»" in error["message"]
    assert "new_rural" not in error["message"]
    assert "new_rural" in error["allowed"]
