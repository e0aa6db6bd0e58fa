"""Query parameters a route does not take, the one name of the unit filter (finding H16), and
refusals that say what to type (finding H11): over HTTP, against the four services with
AUTH_MODE=required, on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
from typing import Any

import pytest

from services.religion import messages as religion_messages
from tests.auth.conftest import (
    HONG_BANG,
    QUAN_TOAN,
    TIEN_LANG,
    TIEN_LANG_TOWN,
    Idp,
    Services,
    head_body,
    model_body,
    site_body,
)
from tests.integration.helpers import event_count

UNKNOWN = "UNKNOWN_QUERY_PARAMETER"

#: Per service, a read with a misspelt filter and the name it meant.
MISSPELT_READS = [
    ("religion", f"/api/v1/sites?distrct={TIEN_LANG}", "distrct", "district"),
    ("religion", f"/api/v1/compliance-cases?unti={TIEN_LANG}", "unti", "unit"),
    ("dialogue", f"/api/v1/sessions?unit_cod={TIEN_LANG_TOWN}", "unit_cod", "unit_code"),
    ("dialogue", "/api/v1/heads?rol=party_secretary", "rol", "role"),
    ("indicators", f"/api/v1/models?unt={TIEN_LANG}", "unt", "unit"),
    ("indicators", "/api/v1/indicators/2023/I3/units?levle=district", "levle", "level"),
    ("reporting", f"/api/v1/reports/2023-6m?unti={TIEN_LANG}", "unti", "unit"),
    ("reporting", "/api/v1/periods?yaer=2023", "yaer", "year"),
]


def _unknown(response: Any, name: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == UNKNOWN
    assert error["details"]["unknown"] == [name]
    assert f"«{name}»" in error["message"]
    return error


@pytest.mark.parametrize(("service", "path", "name", "meant"), MISSPELT_READS)
def test_a_misspelt_filter_is_refused_naming_it_and_the_routes_parameters(
    services: Services, idp: Idp, service: str, path: str, name: str, meant: str
) -> None:
    response = services[service].get(path, headers=idp.headers("city_staff"))
    error = _unknown(response, name)
    # The parameters the route takes are named, the closest one offered.
    accepted = error["details"]["accepted"]
    assert accepted and all(f"«{p}»" in error["message"] for p in accepted)
    assert f"Có phải ý bạn là «{meant}»?" in error["message"]


@pytest.mark.parametrize("service", ["religion", "dialogue", "indicators", "reporting"])
def test_the_kernels_routes_refuse_them_too_but_not_the_probes_and_pages(
    services: Services, idp: Idp, service: str
) -> None:
    client = services[service]
    city = idp.headers("city_staff")
    _unknown(client.get("/api/v1/audit?actr=nguyen.van.a", headers=city), "actr")
    _unknown(client.get("/api/v1/auth/whoami?x=1", headers=city), "x")
    # The audit's own parameters, the paging's and the deprecated limit/offset still pass.
    assert client.get("/api/v1/audit?actor=a&page=1&limit=5", headers=city).status_code == 200
    # Monitoring and the documentation's pages take whatever their callers add.
    assert client.get("/healthz?probe=lb-1").status_code == 200
    assert client.get("/docs/oauth2-redirect?code=abc&state=xyz").status_code == 200
    assert client.get("/docs?v=2").status_code == 200


def test_the_refusal_comes_after_the_callers_credentials_and_scope(
    services: Services, idp: Idp
) -> None:
    religion = services["religion"]
    path = f"/api/v1/sites?distrct={TIEN_LANG}"
    assert religion.get(path).status_code == 401
    refused = religion.get(path, headers=idp.headers("auditor"))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "MISSING_SCOPE"
    assert religion.post("/api/v1/sites?dryrun=1", json=site_body("Q-0")).status_code == 401
    # The kernel's routes alike.
    assert religion.get("/api/v1/audit?actr=a").status_code == 401
    assert religion.get("/api/v1/audit?actr=a",
                        headers=idp.headers("religion_desk")).status_code == 403
    assert religion.get("/api/v1/auth/whoami?x=1").status_code == 401


def test_a_command_with_an_unknown_parameter_writes_nothing(services: Services, idp: Idp) -> None:
    city = idp.headers("city_staff")
    religion, dialogue, indicators = (services[s] for s in ("religion", "dialogue", "indicators"))
    _unknown(religion.post("/api/v1/sites?dryrun=1", json=site_body("Q-1"), headers=city),
             "dryrun")
    # A misspelt `dry_run` would have imported the file for real.
    sheet = ",".join(religion_messages.COLUMN_HEADERS.values()) + "\r\n" + ",".join(
        ["Q-2", "Chùa Đông", "Phật giáo", TIEN_LANG_TOWN, "Khu 1", "1250.5",
         "Đất cơ sở tôn giáo sử dụng ổn định", "05/01/2023"]) + "\r\n"
    upload = {"file": ("co-so.csv", io.BytesIO(sheet.encode()), "text/csv")}
    _unknown(religion.post("/api/v1/sites/import?dryrun=true", files=upload, headers=city),
             "dryrun")
    _unknown(dialogue.post("/api/v1/heads?unit=1", json=head_body(), headers=city), "unit")
    _unknown(indicators.post("/api/v1/models?x=1", json=model_body(), headers=city), "x")
    for client in (religion, dialogue, indicators):
        assert event_count(client) == 0
    assert religion.get("/api/v1/sites/Q-1", headers=city).status_code == 404
    # The same requests without the stray parameter are carried out.
    upload = {"file": ("co-so.csv", io.BytesIO(sheet.encode()), "text/csv")}
    dry = religion.post("/api/v1/sites/import?dry_run=true", files=upload, headers=city)
    assert dry.status_code == 200 and event_count(religion) == 0
    assert religion.post("/api/v1/sites", json=site_body("Q-1"), headers=city).status_code == 201


def test_dashboard_pages_refuse_a_misspelt_parameter_but_not_a_shared_links_tags(
    services: Services, idp: Idp
) -> None:
    reporting = services["reporting"]
    page = {**idp.headers("city_staff"), "Accept": "text/html"}
    refused = reporting.get("/?peroid=2023-6m", headers=page)
    assert refused.status_code == 422
    assert "text/html" in refused.headers["content-type"] and UNKNOWN in refused.text
    assert "peroid" in refused.text
    shared = reporting.get("/?period=2023-6m&utm_source=zalo&zarsrc=30&fbclid=a1", headers=page)
    assert shared.status_code == 200, shared.text
    # The API is not a page: the same tags are refused there.
    api = reporting.get("/api/v1/periods?utm_source=zalo", headers=idp.headers("city_staff"))
    _unknown(api, "utm_source")


def _items(response: Any) -> list[Any]:
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def codes(response: Any) -> list[str]:
    return [site["code"] for site in _items(response)]


def test_the_unit_filter_is_unit_in_every_service_and_the_old_names_still_work(
    services: Services, idp: Idp
) -> None:
    city = idp.headers("city_staff")
    religion, dialogue = services["religion"], services["dialogue"]
    for code, commune in (("U-1", TIEN_LANG_TOWN), ("U-2", QUAN_TOAN)):
        assert religion.post("/api/v1/sites", json=site_body(code, commune),
                             headers=city).status_code == 201
    for unit, old in ((TIEN_LANG, "district"), (TIEN_LANG_TOWN, "commune")):
        new = codes(religion.get(f"/api/v1/sites?unit={unit}", headers=city))
        assert new == ["U-1"]
        assert codes(religion.get(f"/api/v1/sites?{old}={unit}", headers=city)) == new
        assert _items(religion.get(f"/api/v1/compliance-cases?unit={unit}", headers=city)) == []
    assert codes(religion.get(f"/api/v1/sites?unit={HONG_BANG}", headers=city)) == ["U-2"]
    for unit in (TIEN_LANG_TOWN, QUAN_TOAN):
        assert dialogue.post("/api/v1/heads", json=head_body(unit),
                             headers=city).status_code == 201
    roster = "/api/v1/heads?on=2023-01-01"
    units = [h["unit_code"] for h in _items(dialogue.get(f"{roster}&unit={TIEN_LANG}",
                                                         headers=city))]
    assert units == [TIEN_LANG_TOWN]
    former = [h["unit_code"] for h in _items(dialogue.get(f"{roster}&unit_code={TIEN_LANG}",
                                                          headers=city))]
    assert former == units
    # Two names with two units: which one was meant is not guessed.
    for client, path in (
        (religion, f"/api/v1/sites?unit={TIEN_LANG_TOWN}&commune=11758"),
        (religion, f"/api/v1/sites?unit={TIEN_LANG}&district={HONG_BANG}"),
        (dialogue, f"{roster}&unit={TIEN_LANG}&unit_code={HONG_BANG}"),
    ):
        response = client.get(path, headers=city)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "UNIT_FILTER_DISAGREES" and "«unit»" in error["message"]
    both = religion.get(f"/api/v1/sites?unit={TIEN_LANG}&district={TIEN_LANG}", headers=city)
    assert codes(both) == ["U-1"]


FORMER_NAMES = {"unit_code", "district", "commune"}


@pytest.mark.parametrize("service", ["religion", "dialogue", "indicators", "reporting"])
def test_the_documents_name_unit_and_mark_the_former_names_deprecated(
    services: Services, service: str
) -> None:
    document = services[service].get("/openapi.json").json()
    filters = 0
    for path, operations in document["paths"].items():
        for operation in operations.values():
            query = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
            former = FORMER_NAMES & query.keys()
            assert all(query[name].get("deprecated") for name in former), (path, former)
            if former:
                assert "unit" in query and not query["unit"].get("deprecated"), path
            filters += "unit" in query
    assert filters > 0


def _details(response: Any) -> dict[str, dict[str, Any]]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    return {d["field"]: d for d in error["details"]}


DAY_FORM = "nhập theo dạng YYYY-MM-DD (ví dụ 2023-06-14)"


def test_a_refused_value_says_what_to_type(services: Services, idp: Idp) -> None:
    city = idp.headers("city_staff")
    religion, dialogue = services["religion"], services["dialogue"]
    indicators, reporting = services["indicators"], services["reporting"]
    # A date typed the Vietnamese way, or one that does not exist, in a query and a body.
    assert DAY_FORM in _details(religion.get("/api/v1/sites?as_of=14/06/2023",
                                             headers=city))["as_of"]["message"]
    assert DAY_FORM in _details(dialogue.get("/api/v1/sessions?date_from=2023-02-30",
                                             headers=city))["date_from"]["message"]
    body = {**site_body("F-1"), "registered_on": "14/06/2023", "land_area_m2": "1250,5",
            "code": "F 1"}
    refused = _details(religion.post("/api/v1/sites", json=body, headers=city))
    assert DAY_FORM in refused["registered_on"]["message"]
    assert "ví dụ 1250.5" in refused["land_area_m2"]["message"]
    assert "ví dụ CS-TL-01" in refused["code"]["message"]
    # A number, a unit's code, a moment, a choice.
    assert "ví dụ 12" in _details(reporting.get("/api/v1/periods?year=hai-nghin",
                                                headers=city))["year"]["message"]
    unit = _details(indicators.get("/api/v1/models?unit=1175", headers=city))["unit"]
    assert "5 chữ số" in unit["message"] and "ví dụ 315 hoặc 11755" in unit["message"]
    # The service's own codes say their form too.
    item = _details(indicators.get("/api/v1/plans/2023/items/V.1", headers=city))["number"]
    assert "ví dụ II.1.3" in item["message"]
    indicator = _details(indicators.get("/api/v1/indicators/2023/3I", headers=city))
    assert "ví dụ I3" in indicator["indicator_id"]["message"]
    moment = _details(religion.get("/api/v1/audit?recorded_from=hom-qua", headers=city))
    assert "2023-06-14T17:00:00+07:00" in moment["recorded_from"]["message"]
    choice = _details(dialogue.get("/api/v1/heads?role=chu_tich", headers=city))["role"]
    assert "Bí thư" in choice["message"]
    yes_no = _details(religion.get("/api/v1/sites?overdue=co", headers=city))["overdue"]
    assert "true" in yes_no["message"] and "false" in yes_no["message"]
    for client in (religion, dialogue, indicators, reporting):
        assert event_count(client) == 0


REPEATED = "QUERY_PARAMETER_REPEATED"


def _repeated(response: Any, name: str) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == REPEATED
    assert error["details"]["repeated"] == [name]
    assert f"«{name}»" in error["message"]


def test_a_single_valued_parameter_sent_twice_is_refused_not_read_as_the_last(
    services: Services, idp: Idp
) -> None:
    """Finding N6: `?unit=11824&unit=11827` answered 11827's sites and `?unit=315&unit=316`
    316's report, as if the filter had taken both."""
    city = idp.headers("city_staff")
    religion, reporting = services["religion"], services["reporting"]
    for code, commune in (("R-1", TIEN_LANG_TOWN), ("R-2", QUAN_TOAN)):
        assert religion.post("/api/v1/sites", json=site_body(code, commune),
                             headers=city).status_code == 201
    _repeated(religion.get(f"/api/v1/sites?unit={TIEN_LANG_TOWN}&unit={QUAN_TOAN}",
                           headers=city), "unit")
    # The same value twice too: one name, one value.
    _repeated(religion.get(f"/api/v1/sites?unit={QUAN_TOAN}&unit={QUAN_TOAN}",
                           headers=city), "unit")
    _repeated(religion.get("/api/v1/sites?page=1&page=2", headers=city), "page")
    _repeated(reporting.get(f"/api/v1/reports/2023-6m?unit={TIEN_LANG}&unit={HONG_BANG}",
                            headers=city), "unit")
    # A command's parameter alike: nothing written.
    sheet = ",".join(religion_messages.COLUMN_HEADERS.values()) + "\r\n"
    upload = {"file": ("co-so.csv", io.BytesIO(sheet.encode()), "text/csv")}
    _repeated(religion.post("/api/v1/sites/import?dry_run=true&dry_run=false", files=upload,
                            headers=city), "dry_run")
    # The dashboard's page answers its Vietnamese page with the code.
    page = {**city, "Accept": "text/html"}
    refused = reporting.get("/?period=2023-6m&period=2023-9m", headers=page)
    assert refused.status_code == 422 and "text/html" in refused.headers["content-type"]
    assert REPEATED in refused.text
    # A parameter documented as a list keeps every value.
    both = religion.get("/api/v1/sites?dossier_state=not_started&dossier_state=lodged",
                        headers=city)
    assert sorted(codes(both)) == ["R-1", "R-2"]
    assert codes(religion.get(f"/api/v1/sites?unit={QUAN_TOAN}", headers=city)) == ["R-2"]


@pytest.mark.parametrize("service", ["religion", "dialogue", "indicators", "reporting"])
def test_every_single_valued_parameter_of_every_route_refuses_a_repetition(
    services: Services, idp: Idp, service: str
) -> None:
    """Walks the routes as served, so a parameter added later is held to the rule too."""
    from fastapi.dependencies.models import Dependant
    from fastapi.routing import iter_route_contexts

    from shared.auth.principal import SCOPES
    from shared.requestguard import QueryNames
    from tests.auth.conftest import Role

    client = services[service]
    # Every scope: the guard answers after the caller's scope (the order documented).
    city = idp.headers(Role("quan.tri", tuple(SCOPES), "31", "Trung tâm Công nghệ thông tin"))
    checked = 0
    for route in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        if not isinstance(getattr(route, "dependant", None), Dependant):
            continue
        names = QueryNames(getattr(route, "route", route))
        single = [n for n in names.ordered if n not in names.multi]
        if not single:
            continue
        # Path parameters filled with a value of the right form is not needed: the guard
        # answers before the route reads its path.
        path = str(route.path_format)
        for param in route.dependant.path_params:
            path = path.replace("{" + param.alias + "}", "X1")
        for method in sorted((route.methods or set()) - {"HEAD"}):
            for name in single:
                response = client.request(method, f"{path}?{name}=1&{name}=2", headers=city)
                _repeated(response, name)
                checked += 1
    assert checked > 5
