"""Two names of one paging parameter (finding P4): the lists that kept `limit`/`offset` beside
`page`/`page_size` (dialogue's sessions, issues and commitments; every service's audit and
dead letters: `shared.paging.page_or_offset`) take either name of a pair, or both when they
say the same thing, and refuse both with different values, 422 PAGING_PARAMETERS_CONFLICT
naming the two, as a repeated parameter is refused. Over HTTP, a list of each service, with
AUTH_MODE=required, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from shared.paging import PAGING_PARAMETERS_CONFLICT
from tests.auth.conftest import Idp, Services

#: A list of each service that takes both names of each pair.
LISTS = [
    ("religion", "/api/v1/audit"),
    ("dialogue", "/api/v1/sessions"),
    ("dialogue", "/api/v1/commitments"),
    ("indicators", "/api/v1/audit"),
    ("reporting", "/api/v1/audit"),
]


def _envelope(response: Any) -> tuple[int, int, int]:
    assert response.status_code == 200, response.text
    body = response.json()
    return body["page"], body["page_size"], body["offset"]


@pytest.mark.parametrize(("service", "path"), LISTS)
def test_two_names_of_one_paging_parameter_must_agree(
    services: Services, idp: Idp, service: str, path: str
) -> None:
    client, city = services[service], idp.headers("city_staff")

    def get(query: str) -> Any:
        return client.get(f"{path}?{query}", headers=city)

    # Disagreeing: refused, naming both, nothing answered.
    for query, names, said in (
        ("page=2&page_size=2&offset=5", ["page", "offset"], "trang 2 bắt đầu sau 2 dòng đầu"),
        ("page=1&offset=3", ["page", "offset"], "với 50 dòng mỗi trang"),
        ("page=3&limit=2&offset=5", ["page", "offset"], "trang 3 bắt đầu sau 4 dòng đầu"),
        ("limit=3&page_size=2", ["page_size", "limit"], "«page_size» = 2 và «limit» = 3"),
    ):
        response = get(query)
        assert response.status_code == 422, (query, response.text)
        error = response.json()["error"]
        assert error["code"] == PAGING_PARAMETERS_CONFLICT, query
        assert error["details"]["names"] == names, query
        assert all(f"«{name}»" in error["message"] for name in names), query
        assert said in error["message"], query
        assert {name: error["details"][name] for name in names} == {
            name: int(value) for name, value in
            (pair.split("=") for pair in query.split("&")) if name in names}, query

    # Agreeing, or one name of each pair: answered as asked.
    assert _envelope(get("page=3&page_size=2&offset=4")) == (3, 2, 4)
    assert _envelope(get("page=1&offset=0")) == (1, 50, 0)
    assert _envelope(get("limit=2&page_size=2&page=2")) == (2, 2, 2)
    assert _envelope(get("page=2&limit=3")) == (2, 3, 3)
    assert _envelope(get("offset=5&page_size=2")) == (3, 2, 5)
    assert _envelope(get("page=2&page_size=2")) == (2, 2, 2)
    assert _envelope(get("")) == (1, 50, 0)
