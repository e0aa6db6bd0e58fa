"""Every parameter of every service's document is described, and every field's title reads
in Vietnamese (README: "Vietnamese summary and description of every operation and field"):
the texts come by name from shared/apitexts.py FIELDS and the service's own `FIELDS`, so a
new parameter or field without a text there fails here instead of reaching Swagger, ReDoc
and the generated clients as "Recognition Level" or as nothing (G13)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Literal

import pytest
from fastapi import FastAPI, Query
from pydantic import BaseModel

from shared.apitexts import AS_OF_DESCRIPTION, FIELDS
from shared.openapi import document_fields
from shared.settings import Settings

SERVICES = ("religion", "dialogue", "indicators", "reporting")
#: Titles that are names, not words: a schema's own title that names the type a generated
#: client makes (the `Error` component's detail, shared/openapi.py ERROR_SCHEMA).
NOT_WORDS = frozenset({"ErrorDetail"})


def _vietnamese_looking(title: str) -> bool:
    # Vietnamese words almost all carry a diacritic; an all-ASCII title is English or a code.
    return any(ch.isalpha() and not ch.isascii() for ch in title) or title in NOT_WORDS


def gaps(document: dict[str, Any]) -> list[str]:
    """The parameters without a description and the field titles that are not Vietnamese."""
    found = [
        f"{method.upper()} {path} parameter {parameter['name']} ({parameter['in']}) has no "
        "description"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
        if not str(parameter.get("description", "")).strip()
    ]
    found += [
        f"{name}.{field} is titled {prop['title']!r}"
        for name, schema in document.get("components", {}).get("schemas", {}).items()
        for field, prop in schema.get("properties", {}).items()
        if "title" in prop and not _vietnamese_looking(str(prop["title"]))
    ]
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_parameter_is_described_and_every_field_titled_in_vietnamese(
    service: str, tmp_path: Path
) -> None:
    module = importlib.import_module(f"services.{service}.app")
    app: FastAPI = module.create_app(Settings.for_service(
        service, database_url=f"sqlite:///{tmp_path / service}.db", environment="test",
        data_dir=tmp_path / "data", auth_mode="development"))
    try:
        assert gaps(app.openapi()) == []
    finally:
        app.state.runtime.engine.dispose()


class _Model(BaseModel):
    recognition_level: Literal["none", "commune"] = "none"
    note: str = ""


def _bare_document() -> dict[str, Any]:
    app = FastAPI()

    @app.get("/models")
    def models(unit: str | None = None, overdue: bool = False,
               kept: str = Query("", description="Đã có mô tả")) -> _Model:
        return _Model()

    document = app.openapi()
    # Only the model's schema: FastAPI's own 422 schemas are replaced by `Error` in a
    # service's document (shared/openapi.py).
    schemas = document["components"]["schemas"]
    document["components"]["schemas"] = {"_Model": schemas["_Model"]}
    return document


def test_the_check_finds_what_the_tables_do_not_cover() -> None:
    """Not vacuous: FastAPI's own document has English titles and bare parameters, which the
    check names; the table fills them by name (a parameter named like a field reads the
    same), and leaves a route's own description alone."""
    document = _bare_document()
    assert set(gaps(document)) == {
        "GET /models parameter unit (query) has no description",
        "GET /models parameter overdue (query) has no description",
        "_Model.recognition_level is titled 'Recognition Level'",
        "_Model.note is titled 'Note'",
    }
    fields = {**FIELDS, "overdue": ("Quá hạn", "Chỉ các hồ sơ quá hạn"),
              "_Model.note": ("Ghi chú của mô hình", "Ghi chú")}
    document_fields(document, {}, fields)
    assert gaps(document) == []
    parameters = {p["name"]: p for p in document["paths"]["/models"]["get"]["parameters"]}
    assert parameters["unit"]["description"] == FIELDS["unit"][1]
    assert parameters["overdue"]["description"] == "Chỉ các hồ sơ quá hạn"
    assert parameters["kept"]["description"] == "Đã có mô tả"
    properties = document["components"]["schemas"]["_Model"]["properties"]
    assert properties["recognition_level"]["title"] == FIELDS["recognition_level"][0]
    assert properties["note"]["title"] == "Ghi chú của mô hình"  # the schema's own first


def test_the_register_lists_as_of_says_it_only_judges_deadlines(tmp_path: Path) -> None:
    """Finding H8: GET /sites?as_of= answers today's register (only `overdue` is judged at the
    date) but was described as «the data of that moment»: an official took it for the register
    of a past conference. The register as known at a moment is `known_at`, the kernel's
    parameter, which the description names."""
    module = importlib.import_module("services.religion.app")
    app: FastAPI = module.create_app(Settings.for_service(
        "religion", database_url=f"sqlite:///{tmp_path}/religion.db", environment="test",
        data_dir=tmp_path / "data", auth_mode="development"))
    try:
        parameters = app.openapi()["paths"]["/api/v1/sites"]["get"]["parameters"]
        as_of = next(p for p in parameters if p["name"] == "as_of")
        assert "quá hạn" in as_of["description"] and "`known_at`" in as_of["description"]
        assert "không đổi nội dung sổ" in as_of["description"]
        assert "/sites/{code}/as-of" in as_of["description"]
        known_at = next(p for p in parameters if p["name"] == "known_at")
        assert known_at["description"] == AS_OF_DESCRIPTION
    finally:
        app.state.runtime.engine.dispose()
