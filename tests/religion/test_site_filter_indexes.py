"""The register's filters are served by an index on what they filter (SQLite's plan, read
with EXPLAIN QUERY PLAN on the schema the migrations build): a list of active sites in one
dossier state, overdue, or of one religion does not walk every active site."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from services.religion.adapters.tables import metadata
from services.religion.application.queries import SiteFilter
from services.religion.domain.events import registry
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.religion.sitereads import site_reads

ON = date(2026, 12, 5)
#: Each filter, and the column its index must be searched by (beside the status).
FILTERS = {
    "dossier_state": (SiteFilter(dossier_state=["lodged"]), "dossier_state=?"),
    "overdue": (SiteFilter(overdue=True), "dossier_due_on<?"),
    "religion": (SiteFilter(religion="Cao Đài"), "religion=?"),
    "closed": (SiteFilter(status="closed"), "status=?"),
    "commune": (SiteFilter(commune_code="11755"), "commune_code=?"),
    # A district is read as its board reads it: by its communes on their days (F20).
    "district": (SiteFilter(district_code="315"), "status=? AND commune_code=?"),
    "board": (SiteFilter(reader_scope="312"), "status=? AND commune_code=?"),
    "certificate": (SiteFilter(has_certificate=True), "has_certificate=?"),
}


@pytest.mark.parametrize("name", FILTERS)
def test_each_filter_of_the_register_searches_an_index_on_its_column(
    name: str, tmp_path: Path
) -> None:
    settings = Settings.for_service(
        "religion", database_url=f"sqlite:///{tmp_path / 'religion.db'}", environment="test")
    runtime = ServiceRuntime(settings, registry, metadata=[metadata])
    runtime.create_schema()
    site_filter, searched = FILTERS[name]
    try:
        with runtime.engine.connect() as conn:
            # The count and the page (a commune's list reads the recorded successions first,
            # a handful of rows: its codes, finding M6).
            reads = site_reads(conn, site_filter, ON)
            assert len(reads) == 2
            for statement, parameters in reads:
                plan = " ".join(
                    row[3] for row in conn.exec_driver_sql(
                        f"EXPLAIN QUERY PLAN {statement}", parameters)
                )
                assert "SEARCH rel_sites USING" in plan and searched in plan, plan
    finally:
        runtime.engine.dispose()
