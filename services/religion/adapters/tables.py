"""Read models of the religion service: the register as the desk lists, filters and searches it.

They are written by the inline projection in the same transaction as the events (the desk sees
its own writes at once) and can be rebuilt from the `events` table with the same result.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from shared.migrations import UNREFLECTED_INDEXES
from shared.textorder import code_order
from shared.unitsuccessions import successions_table

metadata = MetaData()

sites = Table(
    "rel_sites",
    metadata,
    Column("code", String(50), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("religion", String(100), nullable=False),
    Column("commune_code", String(10), nullable=False, index=True),
    Column("commune_name", String(200)),
    # The district as of the business date of the registration or last move (None from the
    # 2025 reform on, when districts no longer exist).
    Column("district_code", String(10), index=True),
    Column("district_name", String(200)),
    Column("address", String(500), nullable=False),
    Column("land_area_m2", Float),
    Column("land_use_origin", String(500)),
    Column("registered_on", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("closed_on", Date),
    # Lower-case ASCII of code, name, address, units and religion: diacritics-insensitive search.
    Column("search_text", Text, nullable=False),
    Column("dossier_state", String(30), nullable=False),
    Column("dossier_state_since", Date),
    # Derived from the state, the date it was entered and the workflow's expected days.
    Column("dossier_due_on", Date),
    Column("dossier_lodged_on", Date),
    Column("has_certificate", Boolean, nullable=False, index=True),
    Column("certificate_number", String(100)),
    Column("certificate_issued_on", Date),
    Column("site_version", Integer, nullable=False),
    Column("dossier_version", Integer, nullable=False),
    # The register's filters (services/religion/application/queries.py): a list is of active
    # sites unless it asks otherwise, so the state, the deadline and the religion are indexed
    # behind the status (the status alone is their prefix); commune, district and certificate
    # alone. Each index is one more B-tree every registration writes (revision 0005).
    Index("ix_rel_sites_status_dossier_state", "status", "dossier_state"),
    Index("ix_rel_sites_status_dossier_due_on", "status", "dossier_due_on"),
    Index("ix_rel_sites_status_religion", "status", "religion"),
    # A board's or a district's list: its communes on their days (revision 0006).
    Index("ix_rel_sites_status_commune_code", "status", "commune_code"),
    info={UNREFLECTED_INDEXES: ("ix_rel_sites_code_order",)},
)
# The register's order (`code_order`, review RV-P4): on PostgreSQL the primary key is in the
# database's collation and matches no ORDER BY in "C", so every page sorted the whole register;
# the index is spelled as the query compiles, or the planner does not take it (revision 0009);
# PostgreSQL's reflection drops the COLLATE of its second column, so no comparison of the schema
# with the migrations can read it back as declared (UNREFLECTED_INDEXES).
# SQLite orders `code` by its bytes already and sorts the page either way: no index there.
Index("ix_rel_sites_code_order", *code_order(sites.c.code)).ddl_if(dialect="postgresql")

certificates = Table(
    "rel_certificates",
    metadata,
    Column("number", String(100), primary_key=True),
    Column("site_code", String(50), nullable=False, index=True),
    Column("issued_on", Date, nullable=False),
    Column("issuing_authority", String(300), nullable=False),
    Column("certified_area_m2", Float, nullable=False),
    Column("status", String(20), nullable=False),
    Column("revoked_on", Date),
    Column("revoke_reason", Text),
)

cases = Table(
    "rel_compliance_cases",
    metadata,
    Column("case_id", String(50), primary_key=True),
    Column("site_code", String(50), index=True),
    Column("commune_code", String(10), nullable=False, index=True),
    Column("district_code", String(10), index=True),
    Column("violation_type", String(50), nullable=False, index=True),
    Column("description", Text, nullable=False),
    Column("reference", String(500), nullable=False),
    Column("state", String(20), nullable=False, index=True),
    Column("detected_on", Date, nullable=False),
    Column("state_since", Date, nullable=False),
    Column("referred_to", String(500)),
    Column("version", Integer, nullable=False),
)

READ_MODELS = (sites, certificates, cases)

# The successors officials recorded for merged communes (the indicators service's
# `UnitSuccessionRecorded`, J15), by which a commune's list and the pilot place sites as
# reports do (finding M6). Fed by the consumer `religion-successions`, not by this service's
# events: not a read model its rebuild empties.
unit_successions = successions_table("rel_unit_successions", metadata)
