"""Input refused the same way by the four services, over HTTP with AUTH_MODE=required, on
SQLite and on PostgreSQL (examiner's round O): a key given twice in a JSON body, bidi and
invisible characters in a parameter, a period of a year without periods, the bounds of a
year."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from typing import Any, get_args
from urllib.parse import quote

from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from services.religion.app import create_app as religion_app
from shared import messages
from shared.jsonbody import MAX_OBJECT_MEMBERS, JSONBodyRoute, parse_json_body
from shared.requestguard import JSON_TYPES, body_types
from shared.settings import Settings
from shared.validation import MAX_DETAILS
from tests.auth.conftest import (
    TIEN_LANG_TOWN,
    Idp,
    Services,
    head_body,
    model_body,
    site_body,
)
from tests.integration.helpers import event_count, runtime_of


def _refusal(response: Any, field: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    (detail,) = [d for d in error["details"] if d["field"] == field]
    return dict(detail)


def test_the_bounds_of_a_year_are_not_grouped_like_an_amount(
    services: Services, idp: Idp
) -> None:
    """«Phải lớn hơn hoặc bằng 2.015» (finding O9): a year is never written with a thousands
    separator; an amount's bound still is (K10)."""
    city = idp.headers("city_staff")
    reporting, religion = services["reporting"], services["religion"]
    indicators = services["indicators"]
    low = _refusal(reporting.get("/api/v1/periods?year=2014", headers=city), "year")
    assert low["message"] == "Phải lớn hơn hoặc bằng 2015"
    assert _refusal(religion.get("/api/v1/festivals?year=1", headers=city),
                    "year")["message"] == "Phải lớn hơn hoặc bằng 1901"
    assert _refusal(religion.get("/api/v1/festivals?year=3000", headers=city),
                    "year")["message"] == "Phải nhỏ hơn hoặc bằng 2099"
    assert _refusal(indicators.get("/api/v1/indicators/1999/I3", headers=city),
                    "year")["message"] == "Phải lớn hơn hoặc bằng 2000"


def test_a_period_of_a_year_without_periods_is_refused_naming_the_years(
    services: Services, idp: Idp
) -> None:
    """Finding O8: «2010-3m» was refused INVALID_PERIOD «use the form YEAR-3m», the form it
    had; the rule broken is the years, 2015 to 2100, in reporting and indicators alike."""
    city = idp.headers("city_staff")
    for service, path in (("reporting", "/api/v1/reports/2010-3m"),
                          ("reporting", "/api/v1/periods/2101-12M"),
                          ("indicators", "/api/v1/reporting-duties/2014-12m")):
        answer = services[service].get(path, headers=city)
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["code"] == "PERIOD_YEAR_OUT_OF_RANGE", path
        assert "từ 2015 đến 2100" in error["message"], error["message"]
        assert error["details"]["first_year"] == 2015
        assert error["details"]["last_year"] == 2100
    # A malformed id keeps its own code, and the same answer from both services: indicators'
    # path pattern refused it VALIDATION_ERROR before its handler could say INVALID_PERIOD.
    refusals = []
    for service, path in (("reporting", "/api/v1/reports/2023-4m"),
                          ("indicators", "/api/v1/reporting-duties/2023-4m")):
        malformed = services[service].get(path, headers=city)
        assert malformed.status_code == 422, malformed.text
        refusals.append(malformed.json()["error"])
    assert refusals[0]["code"] == "INVALID_PERIOD"
    assert refusals[1] == refusals[0]


def test_bidi_controls_and_invisible_characters_in_a_parameter_are_refused(
    services: Services, idp: Idp
) -> None:
    """Finding O2: `/certificates/%E2%80%AE` answered 404 «Không tìm thấy giấy chứng nhận số
    «\u202e»», the override echoed into a message shown to people; a body refuses it
    (BIDI_CONTROLS), a path and a query now do too, in every service, and a zero-width
    character, which a body's text loses, is refused in a parameter, matched as sent."""
    city = idp.headers("city_staff")
    for service, path, field, code in (
        ("religion", "/api/v1/certificates/%E2%80%AE", "path", "BIDI_CONTROLS"),
        ("religion", "/api/v1/sites?q=Ch%C3%B9a%E2%80%AEabc", "q", "BIDI_CONTROLS"),
        ("dialogue", "/api/v1/commitments?agency=%E2%81%A6x", "agency", "BIDI_CONTROLS"),
        ("indicators", "/api/v1/models/M%E2%80%8B1", "path", "INVISIBLE_CHARACTERS"),
        ("reporting", "/api/v1/reports/2023-3m?unit=%EF%BB%BF315", "unit",
         "INVISIBLE_CHARACTERS"),
        ("religion", "/api/v1/sites?x%E2%80%AE=1", "x\\u202e", "BIDI_CONTROLS"),
    ):
        answer = services[service].get(path, headers=city)
        assert answer.status_code == 422, (path, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "VALIDATION_ERROR"
        assert error["details"] == [{"field": field, "code": code, "message": error["details"][0][
            "message"]}], path
        assert "\u202e" not in answer.text and "\u2066" not in answer.text, path
        assert not error["details"][0]["message"].isascii()
    # Vietnamese and other scripts pass untouched, in a path and a query.
    assert services["religion"].get("/api/v1/sites?q=Ch%C3%B9a%20%D8%B4%D9%84", headers=city
                                    ).status_code == 200


def test_a_parameter_typed_decomposed_reads_as_the_records_composed_text(
    services: Services, idp: Idp
) -> None:
    """Examiner-hostile: texts are stored composed (NFC, shared.validation.clean_text), but a
    query parameter was read as sent, so a filter typed on a Mac (NFD: «Dân vận» as «a» and
    a combining mark) matched nothing: the audit of department «Ban Dân vận Thành ủy Hải
    Phòng» and dialogue's commitments of an agency answered an empty 200, read as «nothing
    recorded». Every query parameter of every service is read composed."""
    city = idp.headers("city_staff")
    religion, dialogue = services["religion"], services["dialogue"]
    assert religion.post("/api/v1/sites", json=site_body("TL-NFD"), headers=city
                         ).status_code == 201
    department = "Ban Dân vận Thành ủy Hải Phòng"
    for typed in (department, unicodedata.normalize("NFD", department)):
        audit = religion.get("/api/v1/audit", params={"department": typed}, headers=city)
        assert audit.status_code == 200, audit.text
        assert audit.json()["total"] >= 1, typed
    head = dialogue.post("/api/v1/heads", json=head_body(), headers=city)
    assert head.status_code == 201, head.text
    session = dialogue.post("/api/v1/sessions", headers=city, json={
        "unit_code": TIEN_LANG_TOWN, "head_ids": [head.json()["head_id"]],
        "planned_on": "2023-05-02", "topic": "Giải phóng mặt bằng", "place": "Hội trường"})
    assert session.status_code == 201, session.text
    session_id = session.json()["session_id"]
    assert dialogue.post(f"/api/v1/sessions/{session_id}/hold", json={"held_on": "2023-05-02"},
                         headers=city).status_code == 200
    agency = "UBND thị trấn Tiên Lãng"
    made = dialogue.post(f"/api/v1/sessions/{session_id}/commitments", headers=city, json={
        "text": "Sửa đường trục", "responsible_agency": agency, "due_on": "2023-09-30"})
    assert made.status_code == 201, made.text
    for typed in (agency, unicodedata.normalize("NFD", agency)):
        listed = dialogue.get("/api/v1/commitments", params={"agency": typed}, headers=city)
        assert [c["commitment_id"] for c in listed.json()["items"]] == [
            made.json()["commitment_id"]], typed


def _twice(body: dict[str, Any], key: str, first: Any) -> str:
    """`body` as JSON text with `key` given first as `first`, then as in `body`."""
    rest = json.dumps(body, ensure_ascii=False)[1:]
    return f"{{{json.dumps(key)}: {json.dumps(first, ensure_ascii=False)}, {rest}"


def test_a_key_given_twice_in_a_json_body_is_refused_naming_it_in_every_service(
    services: Services, idp: Idp
) -> None:
    """Finding O1: `{"code": "TL-016", "code": "TL-017", ...}` registered TL-017, the last
    value silently winning; a query parameter given twice was already refused."""
    city = idp.headers("city_staff")
    sent = {**city, "content-type": "application/json"}
    for service, path, body, key, first in (
        ("religion", "/api/v1/sites", site_body("TL-017"), "code", "TL-016"),
        ("dialogue", "/api/v1/heads", head_body(), "from_date", "2020-01-15"),
        ("indicators", "/api/v1/models", model_body(), "started_on", "2023-01-01"),
        ("reporting", "/api/v1/reports/2023-6m/finalise", {"scope": "31"}, "scope", "31"),
        # The kernel's own routes too (refused before the route's scope, as malformed JSON).
        ("religion", "/api/v1/admin/api-keys", {"owner": "x", "scopes": ["religion:read"]},
         "owner", "y"),
    ):
        client = services[service]
        before = event_count(client)
        answer = client.post(path, content=_twice(body, key, first).encode(), headers=sent)
        assert answer.status_code == 422, (path, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "VALIDATION_ERROR"
        (detail,) = error["details"]
        assert detail["field"] == key and detail["code"] == "DUPLICATE_KEY", path
        assert f"«{key}»" in detail["message"] and not detail["message"].isascii()
        assert event_count(client) == before, path
    # In a nested object too; the same body without the repetition is taken.
    religion = services["religion"]
    nested = '{"a": [{"b": 1, "b": 2}]}'
    assert (religion.post("/api/v1/sites", content=nested, headers=sent).json()["error"]
            ["details"][0]["code"]) == "DUPLICATE_KEY"
    assert religion.post("/api/v1/sites", json=site_body("TL-017"), headers=city
                         ).status_code == 201


def test_a_body_of_thousands_of_keys_is_refused_in_one_detail_not_one_per_key(
    services: Services, idp: Idp
) -> None:
    """Examiner-hostile: a body within the 2 MB limit holding 190,000 unknown keys (or figures
    of a district's report) was answered 422 listing each, a 16 MB answer built on the event
    loop in 4-6 s, during which the service answered nothing else (/healthz waited 3.9 s);
    any credential could send it, a reader's included. An object of more members than any
    command takes is refused as it is parsed, one detail TOO_MANY_KEYS; a refusal lists at
    most MAX_DETAILS problems and says how many more there are."""
    city = idp.headers("city_staff")
    sent = {**city, "content-type": "application/json"}
    religion, indicators = services["religion"], services["indicators"]
    before = event_count(religion)
    many = {**site_body("TL-018"), **{f"k{i:x}": 0 for i in range(5000)}}
    answer = religion.post("/api/v1/sites", content=json.dumps(many).encode(), headers=sent)
    assert answer.status_code == 422, answer.text[:300]
    (detail,) = answer.json()["error"]["details"]
    assert detail["code"] == "TOO_MANY_KEYS" and not detail["message"].isascii(), detail
    assert str(MAX_OBJECT_MEMBERS) in detail["message"]
    # Unauthenticated too: refused as malformed JSON is, before anything is looked at.
    assert religion.post("/api/v1/sites", content=json.dumps(many).encode(),
                         headers={"content-type": "application/json"}).status_code == 422
    report = {"summary": "Báo cáo", "figures": {f"f{i:x}": "a" for i in range(5000)}}
    answer = indicators.post("/api/v1/reporting-duties/2023-6m/districts/315/submit",
                             json=report, headers=city)
    assert answer.status_code == 422, answer.text[:300]
    assert [d["code"] for d in answer.json()["error"]["details"]] == ["TOO_MANY_KEYS"]
    # Within the bound, a refusal lists MAX_DETAILS problems, then how many more.
    some = {**site_body("TL-018"), **{f"k{i:x}": 0 for i in range(MAX_OBJECT_MEMBERS - 10)}}
    answer = religion.post("/api/v1/sites", json=some, headers=city)
    details = answer.json()["error"]["details"]
    assert len(details) == MAX_DETAILS + 1, len(details)
    assert {d["code"] for d in details[:-1]} == {"EXTRA_FORBIDDEN"}
    more = MAX_OBJECT_MEMBERS - 10 - MAX_DETAILS
    assert details[-1]["code"] == "TOO_MANY_ERRORS" and f"{more}" in details[-1]["message"]
    assert event_count(religion) == before
    # An object of the bound's size is read.
    assert len(parse_json_body(json.dumps({f"k{i}": i for i in range(MAX_OBJECT_MEMBERS)})
                               )) == MAX_OBJECT_MEMBERS
    assert religion.post("/api/v1/sites", json=site_body("TL-018"), headers=city
                         ).status_code == 201


def _routes(routes: list[Any]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found += _routes(inner.routes)
    return found


def test_every_route_reading_a_json_body_reads_it_refusing_a_repeated_key(
    services: Services,
) -> None:
    """Routers made without `route_class=JSONBodyRoute` (shared/jsonbody.py) would read their
    bodies with FastAPI's json.loads again, the last of two keys winning."""
    for service in ("religion", "dialogue", "indicators", "reporting"):
        app: Any = services[service].app
        routes = [r for r in _routes(app.routes) if body_types(r) is JSON_TYPES]
        assert routes, service
        plain = [r.path for r in routes if not isinstance(r, JSONBodyRoute)]
        assert not plain, service


def test_a_key_owner_or_department_longer_than_an_event_records_is_refused(
    services: Services, idp: Idp
) -> None:
    """Finding Q2: an API key whose department had 201-300 characters was stored on SQLite and
    answered 500 on PostgreSQL (the column, like an event's actor and department, holds 200):
    the body allowed 300."""
    religion = services["religion"]
    admin = idp.headers("key_admin")
    body = {"owner": "Văn phòng Đăng ký đất đai", "scopes": ["religion:read"]}
    for field in ("owner", "department"):
        too_long = religion.post("/api/v1/admin/api-keys", headers=admin,
                                 json={**body, field: "Sở " + "x" * 198})
        detail = _refusal(too_long, field)
        assert detail["code"] == "STRING_TOO_LONG", detail
    longest = religion.post("/api/v1/admin/api-keys", headers=admin,
                            json={**body, "department": "Sở " + "x" * 197})
    assert longest.status_code == 201, longest.text
    assert longest.json()["department"] == "Sở " + "x" * 197


def test_a_development_department_header_longer_than_an_event_records_is_cut(
    settings_factory: Callable[..., Settings],
) -> None:
    """Finding Q2: in development, an X-Department of 201+ characters made every command 500
    on PostgreSQL (an event records the department in 200 characters); it is cut as X-Actor
    is."""
    client = TestClient(religion_app(settings_factory("religion")))
    runtime_of(client).create_schema()
    try:
        made = client.post("/api/v1/sites", json=site_body("Q2-1"),
                           headers={"X-Department": "d" * 250})
        assert made.status_code == 201, made.text
        assert event_count(client) == 1
    finally:
        runtime_of(client).engine.dispose()


#: Whole numbers pydantic read laxly (examiner-hostile): Python's digit grouping, a decimal
#: point, spaces or a plus around the digits, another script's digits.
NOT_DIGITS = ("1_0", "1.0", "2.00", " 1", "1 ", "+1", "１", "1e1", "0x1")


def test_a_whole_number_parameter_takes_digits_only(services: Services, idp: Idp) -> None:
    """`?page=1_0` read page 10 and `?page=1.0` page 1, a year `2_023` 2023, though the
    refusal of `?page=abc` says digits only (messages.INTEGER_FORM): a partner's template that
    wrote a float or a grouped number was answered as if it had written another page or
    year. Refused as «abc» is, in a query and in a path; a minus still reaches the range."""
    city = idp.headers("city_staff")
    religion, dialogue = services["religion"], services["dialogue"]
    indicators, reporting = services["indicators"], services["reporting"]
    for value in NOT_DIGITS:
        for client, path, field in (
            (religion, "/api/v1/sites?page={}", "page"),
            (religion, "/api/v1/sites?page_size={}", "page_size"),
            (dialogue, "/api/v1/sessions?offset={}", "offset"),
            (dialogue, "/api/v1/sessions?limit={}", "limit"),
            (reporting, "/api/v1/periods?year=2{}23", "year"),
            (religion, "/api/v1/festivals?year=202{}", "year"),
            (indicators, "/api/v1/indicators/202{}/I3", "year"),
            (indicators, "/api/v1/units/search?q=Ti%C3%AAn&limit={}", "limit"),
        ):
            detail = _refusal(client.get(path.format(quote(value)), headers=city), field)
            assert detail["code"] == "INT_PARSING", (path, value, detail)
            assert messages.INTEGER_FORM in detail["message"], (path, value, detail)
    # Digits are read as before, and a negative number is refused by its range.
    assert religion.get("/api/v1/sites?page=1&page_size=10", headers=city).status_code == 200
    assert reporting.get("/api/v1/periods?year=2023", headers=city).status_code == 200
    assert indicators.get("/api/v1/indicators/2023/I3", headers=city).status_code in (200, 404)
    negative = _refusal(dialogue.get("/api/v1/sessions?offset=-1", headers=city), "offset")
    assert negative["code"] == "GREATER_THAN_EQUAL", negative


def _takes_int(annotation: Any) -> bool:
    return annotation is int or any(_takes_int(inner) for inner in get_args(annotation))


def test_every_whole_number_parameter_is_read_as_digits_only(services: Services) -> None:
    """Every query and path parameter of the four services that takes a whole number takes it
    through the kernel's one rule (shared.validation.WholeNumber): a parameter declared with a
    plain `int` would read «1_0» as 10 again."""
    for service in ("religion", "dialogue", "indicators", "reporting"):
        app: Any = services[service].app
        checked = 0
        for route in _routes(app.routes):
            for param in get_flat_params(route.dependant):
                if not _takes_int(param.field_info.annotation):
                    continue
                checked += 1
                _, errors = param.validate("1_0", {}, loc=("query", param.alias))
                assert [e["type"] for e in errors or []] == ["int_parsing"], (
                    service, route.path, param.alias, errors)
        assert checked, service


def test_a_development_header_given_twice_is_refused(
    settings_factory: Callable[..., Settings],
) -> None:
    """examiner-hostile: under AUTH_MODE=development two X-Actor lines (a proxy or a test
    client adding its own) were read by the first and the other ignored, so the site's event
    recorded an actor its sender may not have meant; two X-Unit-Scope lines ran a read in the
    first unit. Refused as two Authorization lines are (c789dc4): 400 AMBIGUOUS_CREDENTIALS
    naming the header, nothing written; each given once is taken as before."""
    client = TestClient(religion_app(settings_factory("religion")))
    runtime_of(client).create_schema()
    try:
        for name, values in (("X-Actor", ["nguyen.van.a", "tran.thi.b"]),
                             ("X-Department", ["Ban Dan van", "Ban Dan van"]),
                             ("X-Scopes", ["religion:read", "religion:write"]),
                             ("X-Unit-Scope", ["315", "31"])):
            sent = [(name, value) for value in values]
            for response in (
                client.post("/api/v1/sites", json=site_body("DEV-2"), headers=sent),
                client.get("/api/v1/sites", headers=sent),
            ):
                assert response.status_code == 400, (name, response.text)
                assert response.json()["error"] == {
                    "code": "AMBIGUOUS_CREDENTIALS",
                    "message": messages.REPEATED_CREDENTIAL.format(header=name)}
        assert event_count(client) == 0
        once = [("X-Actor", "nguyen.van.a"), ("X-Scopes", "religion:write religion:read"),
                ("X-Unit-Scope", "315"), ("X-Department", "Ban Dan van")]
        made = client.post("/api/v1/sites", json=site_body("DEV-2"), headers=once)
        assert made.status_code == 201, made.text
    finally:
        runtime_of(client).engine.dispose()
