"""The register's page is read in its order from an index on PostgreSQL (review RV-P4): /sites
orders by `shared.textorder.code_order`, which the primary key (in the database's collation)
does not serve, so every page sorted every site of the filter. The plan of the real page query
of `list_sites`, on the schema the migrations build, names the index."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from services.religion.adapters.tables import metadata
from services.religion.application.queries import SiteFilter
from services.religion.domain.events import registry
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.religion.sitereads import site_reads

ON = date(2026, 12, 6)
INDEX = "ix_rel_sites_code_order"


def test_a_page_of_the_register_is_read_in_order_from_an_index(database_url: str) -> None:
    settings = Settings.for_service("religion", database_url=database_url, environment="test")
    runtime = ServiceRuntime(settings, registry, metadata=[metadata])
    runtime.create_schema()
    try:
        with runtime.engine.connect() as conn:
            reads = site_reads(conn, SiteFilter(), ON)
            page = [(st, p) for st, p in reads if "LIMIT" in st]
            assert len(page) == 1, reads
            statement, parameters = page[0]
            if conn.dialect.name != "postgresql":
                # SQLite orders `code` by its bytes already and sorts a filtered page anyway.
                return
            conn.rollback()
            with conn.begin():
                # A handful of rows: the planner is told that a scan and a sort cost more than
                # anything, so that the plan shows whether an index can give the order at all.
                conn.execute(text("SET LOCAL enable_seqscan = off"))
                conn.execute(text("SET LOCAL enable_sort = off"))
                plan = "\n".join(row[0] for row in conn.exec_driver_sql(
                    f"EXPLAIN {statement}", parameters))
            assert f"Index Scan using {INDEX} on rel_sites" in plan, plan
            assert "Sort" not in plan, plan
    finally:
        runtime.engine.dispose()
