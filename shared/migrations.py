"""Versioned schema migrations (Alembic): one chain per service, applied when it starts.

Each service keeps its chain in `services/<service>/migrations/` (env.py, versions/) and its
own version table `alembic_version_<service>`. The first revision of every chain creates the
kernel tables through `create_kernel_tables()` below, so the kernel's DDL is written once.

`ServiceRuntime` calls `apply_migrations` on start: replicas starting together take turns
behind a PostgreSQL advisory lock. Outside production, tables that no revision creates yet
(a table being written in a branch, a test's own tables) are then created from the metadata
so development never waits for a revision; production runs revisions only and logs any
drift. `tests/deploy/test_migrations.py` fails while a service's tables differ from its
chain: whoever changes a table adds a revision (see deploy/OPERATIONS.md):

    python -m shared.migrations religion revision --autogenerate -m "add site notes"
    python -m shared.migrations religion upgrade head
    alembic -c services/religion/migrations/alembic.ini current
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, text

from shared.db import advisory_key
from shared.logs import get_logger
from shared.settings import Settings

log = get_logger("danvan.migrations")

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"
SHADOW = re.compile(r"__g\d+$")


def migrations_dir(service: str) -> Path:
    return SERVICES_DIR / service / "migrations"


def has_migrations(service: str) -> bool:
    return (migrations_dir(service) / "env.py").exists()


def version_table(service: str) -> str:
    return f"alembic_version_{service}"


def alembic_config(service: str, connection: Connection | None = None) -> Config:
    """The Alembic configuration of a service's chain; with `connection`, migrations run on it
    (inside the caller's lock), otherwise env.py connects with the service's settings."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir(service)))
    config.set_main_option("service", service)
    # Revision files are importable modules (mypy, ruff): v0002_<slug>.py, not 0002_<slug>.py.
    config.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    config.attributes["service"] = service
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision(service: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(service)).get_current_head()


def current_revision(connection: Connection, service: str) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": version_table(service)})
    return context.get_current_revision()


def _lock_key(service: str) -> int:
    return advisory_key(f"danvan-migrate-{service}")


def upgrade(engine: Engine, service: str, revision: str = "head") -> None:
    """Bring the service's database to `revision`, one process at a time."""
    with _schema_lock(engine, service) as conn, conn.begin():
        # One transaction around the whole upgrade: on SQLite its BEGIN IMMEDIATE is the lock
        # (Alembic would otherwise run SQLite DDL outside any transaction).
        command.upgrade(alembic_config(service, conn), revision)


@contextlib.contextmanager
def _schema_lock(engine: Engine, name: str) -> Iterator[Connection]:
    """A connection holding the schema lock of `name`: on PostgreSQL a session advisory lock,
    so a second replica waits here until the first has migrated and then finds nothing to do."""
    with engine.connect() as conn:
        if engine.dialect.name != "postgresql":
            yield conn
            return
        key = _lock_key(name)
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        conn.commit()
        try:
            yield conn
        finally:
            conn.rollback()
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            conn.commit()


def _create_missing(engine: Engine, metadata: Sequence[MetaData]) -> None:
    # Same lock: concurrent CREATE TABLE races on PostgreSQL's catalogue even with checkfirst.
    with _schema_lock(engine, "create") as conn, conn.begin():
        for md in metadata:
            md.create_all(conn)


def schema_drift(
    connection: Connection, metadata: Sequence[MetaData], *, every_table: bool = True
) -> list[Any]:
    """What the database lacks or has beyond `metadata` (Alembic autogenerate's comparison).
    `every_table=False` when `metadata` is only part of the database's tables (a tool that
    knows the kernel's alone): a table it does not name is not reported as one to remove,
    while its own tables are still compared whole."""
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "render_as_batch": connection.dialect.name == "sqlite"},
    )
    merged = MetaData()
    for md in metadata:
        for table in md.tables.values():
            table.to_metadata(merged)
    diffs = compare_metadata(context, merged)
    ignored = {version_table(s) for s in known_services()}
    # The tables of a rebuild under way (`shared/rebuild.py`) live only until its switch.
    present = sa.inspect(connection).get_table_names()
    ignored |= {n for n in present if SHADOW.search(n)}
    if not every_table:
        ignored |= set(present) - set(merged.tables)
    unread = {n for t in merged.tables.values() for n in t.info.get(UNREFLECTED_INDEXES, ())}
    return [d for d in diffs if not _about_table(d, ignored) and not _about_index(d, unread)]


#: A table's `info` key naming its indexes that reflection cannot read back as declared (the
#: COLLATE of an index column on PostgreSQL is not reflected): their revision creates them, the
#: comparison leaves them out rather than report a difference that is none.
UNREFLECTED_INDEXES = "unreflected_indexes"


def _about_index(diff: Any, names: set[str]) -> bool:
    item = diff[0] if isinstance(diff, list) else diff
    return any(isinstance(part, sa.Index) and part.name in names for part in item[1:])


def _about_table(diff: Any, names: set[str]) -> bool:
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        table = getattr(part, "table", part)
        if getattr(table, "name", None) in names:
            return True
    return False


def known_services() -> list[str]:
    return sorted(p.parent.parent.name for p in SERVICES_DIR.glob("*/migrations/env.py"))


def apply_migrations(
    engine: Engine, settings: Settings, metadata: Sequence[MetaData], *, every_table: bool = True
) -> None:
    """What a service process does to its schema on start (see the module docstring).
    `every_table=False` for a tool that knows only some of the service's tables (the keys
    tool, the kernel's): production's drift check then leaves the others to the service's
    own start instead of reporting each as a table to remove (schema_drift)."""
    service = settings.service
    if has_migrations(service):
        if settings.environment != "production":
            _adopt_unversioned(engine, service)
        upgrade(engine, service)
    if settings.environment != "production" or not has_migrations(service):
        _create_missing(engine, metadata)
        return
    with engine.connect() as conn:
        drift = schema_drift(conn, metadata, every_table=every_table)
    if drift:
        log.error("schema_drift", service=service, differences=[str(d)[:300] for d in drift])


def _adopt_unversioned(engine: Engine, service: str) -> None:
    """A development database built before migrations existed (tables, no version table) is
    taken as being at head; missing tables are then created from the metadata. Production
    never guesses: there such a database stops the start with Alembic's error."""
    with _schema_lock(engine, service) as conn, conn.begin():
        names = set(sa.inspect(conn).get_table_names())
        if "events" in names and version_table(service) not in names:
            command.stamp(alembic_config(service, conn), "head")
            log.warning("schema_adopted", service=service, hint="xoá var/ nếu lược đồ sai lệch")


#: What a service's env.py hands the kernel: the tables the service really uses, which Alembic's
#: autogenerate and check compare with the database. The kernel knows no service by name.
TablesProvider = Callable[[], Sequence[MetaData]]


def app_tables(service: str, create_app: Callable[[Settings], Any]) -> list[MetaData]:
    """The tables of a service's runtime, read from an app its factory builds on an in-memory
    database (the runtime adds the kernel's tables to the service's own)."""
    app = create_app(Settings.for_service(service, database_url="sqlite://"))
    metadata: list[MetaData] = list(app.state.runtime.metadata)
    app.state.runtime.engine.dispose()
    return metadata


def run_env(context: Any, tables: TablesProvider) -> None:
    """Body of every service's env.py: online migrations on the given or configured database;
    `tables` is asked only by the console's autogenerate and check."""
    config = context.config
    service = config.attributes.get("service") or config.get_main_option("service")
    if not service:
        raise RuntimeError("alembic: no service configured (set `service` in alembic.ini)")
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _run(context, service, connection, None)
        return
    from shared.db import engine_for

    engine = engine_for(Settings.for_service(service))
    try:
        with _schema_lock(engine, service) as conn, conn.begin():
            _run(context, service, conn, tables if _compares(config) else None)
    finally:
        engine.dispose()


def _compares(config: Config) -> bool:
    """Whether the console command compares the database with the service's tables."""
    options = config.cmd_opts
    if options is None:
        return False
    command_name = getattr(getattr(options, "cmd", (None,))[0], "__name__", "")
    return bool(getattr(options, "autogenerate", False)) or command_name == "check"


def _run(
    context: Any, service: str, connection: Connection, tables: TablesProvider | None
) -> None:
    context.configure(
        connection=connection,
        # Autogenerate and check compare with the tables the service uses (built from its app
        # factory, which takes a moment); upgrades and a starting service need no metadata.
        target_metadata=_merged(tables()) if tables is not None else None,
        version_table=version_table(service),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _merged(metadata: Sequence[MetaData]) -> MetaData:
    merged = MetaData()
    for md in metadata:
        for table in md.tables.values():
            table.to_metadata(merged)
    return merged


# BigInteger is INTEGER PRIMARY KEY (rowid) on SQLite thanks to the variant.
_POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def create_kernel_tables() -> None:
    """Revision 1 of every chain: the event store, its outbox, the consumers' records and the
    uniqueness claims, as the kernel defined them when migrations began. Frozen: a later
    kernel change is a new function here and a new revision in each chain."""
    from alembic import op

    op.create_table(
        "events",
        sa.Column("position", _POSITION, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("aggregate_type", sa.String(50), nullable=False),
        sa.Column("aggregate_id", sa.String(100), nullable=False),
        sa.Column("aggregate_version", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("department", sa.String(200)),
        sa.Column("unit_code", sa.String(10)),
        sa.Column("correlation_id", sa.String(100)),
        sa.Column("causation_id", sa.String(100)),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.UniqueConstraint("event_id"),
        sa.UniqueConstraint(
            "aggregate_type", "aggregate_id", "aggregate_version", name="uq_event_version"
        ),
    )
    op.create_index("ix_events_recorded_at", "events", ["recorded_at"])
    op.create_index("ix_events_unit_actor", "events", ["unit_code", "actor"])
    op.create_table(
        "outbox",
        sa.Column("position", _POSITION, primary_key=True, autoincrement=False),
        sa.Column("subject", sa.String(250), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["position"],
        sqlite_where=sa.text("published_at IS NULL"),
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.String(150), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", _POSITION, primary_key=True),
        sa.Column("consumer", sa.String(150), nullable=False),
        sa.Column("event_id", sa.String(36)),
        sa.Column("event_type", sa.String(100)),
        sa.Column("subject", sa.String(250), nullable=False),
        sa.Column("stream_sequence", sa.BigInteger()),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "unique_keys",
        sa.Column("kind", sa.String(50), primary_key=True),
        sa.Column("value", sa.String(200), primary_key=True),
        sa.Column("aggregate_id", sa.String(100), nullable=False),
    )


def create_rebuild_tables() -> None:
    """The generations of a service's read models (`shared/rebuild.py`), in the chains of the
    services that rebuild beside the live tables, as defined when that arrived. Frozen."""
    from alembic import op

    op.create_table(
        "read_model_generations",
        sa.Column("generation", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("switched_at", sa.DateTime(timezone=True)),
        sa.Column("progress", sa.Text()),
    )


def create_auth_tables() -> None:
    """Revision 3 of every chain: API keys and their management audit (shared/auth/tables.py),
    as defined when authentication arrived. Frozen like revision 1."""
    from alembic import op

    op.create_table(
        "api_keys",
        sa.Column("prefix", sa.String(16), primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("department", sa.String(200)),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("unit_scope", sa.String(10), nullable=False),
        sa.Column("note", sa.String(500)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_by", sa.String(200)),
        sa.Column("replaced_by", sa.String(16)),
    )
    op.create_table(
        "api_key_audit",
        sa.Column("id", _POSITION, primary_key=True, autoincrement=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
    )
    op.create_index("ix_api_key_audit_recorded_at", "api_key_audit", ["recorded_at"])


def drop_auth_tables() -> None:
    from alembic import op

    op.drop_index("ix_api_key_audit_recorded_at", table_name="api_key_audit")
    op.drop_table("api_key_audit")
    op.drop_table("api_keys")


def create_idempotency_tables() -> None:
    """The Idempotency-Key store of every chain (shared/idempotency.py), as defined when it
    arrived. Frozen like revision 1."""
    from alembic import op

    op.create_table(
        "idempotency_keys",
        sa.Column("client", sa.String(250), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def drop_idempotency_tables() -> None:
    from alembic import op

    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")


def refuse_to_drop_the_event_store() -> None:
    """Downgrade of revision 1: the events are the source of truth and are never deleted."""
    raise RuntimeError(
        "Không hạ cấp qua phiên bản 0001: kho sự kiện là nguồn dữ liệu gốc, không bao giờ xoá"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m shared.migrations <service> <alembic command> [args]`: Alembic's console
    on a service's chain and database (from the service's settings: <SERVICE>_DATABASE_URL)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in known_services():
        print(
            f"Cách dùng: python -m shared.migrations <{'|'.join(known_services())}> "
            "<upgrade head|current|history|check|revision --autogenerate -m ...>",
            file=sys.stderr,
        )
        return 2
    service, rest = args[0], args[1:]
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from alembic.config import CommandLine

    cli = CommandLine(prog=f"python -m shared.migrations {service}")
    options = cli.parser.parse_args(rest)
    if not hasattr(options, "cmd"):
        cli.parser.print_help()
        return 2
    config = alembic_config(service)
    config.cmd_opts = options
    cli.run_cmd(config, options)
    return 0


def claim_registered_codes(kind: str, aggregate_type: str) -> None:
    """Claim, under `kind`, the human code of every `aggregate_type` already in the store,
    as `UnitOfWork.claim_code` claims a new one (G10: the code upper-cased), so a code typed
    in another case is refused for the sites and models registered before the claim existed.
    The first registered of codes that differ only by case (two aggregates a store may already
    hold) holds the claim; the other keeps working under its own code. Frozen."""
    from alembic import op

    conn = op.get_bind()
    events = sa.table("events", sa.column("position"), sa.column("aggregate_type"),
                      sa.column("aggregate_id"), sa.column("aggregate_version"))
    keys = sa.table("unique_keys", sa.column("kind"), sa.column("value"),
                    sa.column("aggregate_id"))
    held = set(conn.execute(sa.select(keys.c.value).where(keys.c.kind == kind)).scalars())
    rows: list[dict[str, str]] = []
    for code in conn.execute(
        sa.select(events.c.aggregate_id).where(
            events.c.aggregate_type == aggregate_type, events.c.aggregate_version == 1
        ).order_by(events.c.position)
    ).scalars():
        value = code.upper()
        if value not in held:
            held.add(value)
            rows.append({"kind": kind, "value": value, "aggregate_id": code})
    for start in range(0, len(rows), 1000):
        conn.execute(sa.insert(keys), rows[start : start + 1000])


if __name__ == "__main__":
    sys.exit(main())

