"""PostgreSQL databases of the test suite used again, test after test, within one worker.

A test on PostgreSQL used to get a database copied from its service's migrated template
(`CREATE DATABASE ... TEMPLATE`) and dropped after it: 0.17-0.34 s of the server's CPU a test,
the server a quarter of the suite's CPU, where emptying a kept copy costs about 0.04 s. So a
database a test is done with goes back to a pool of its worker (per service, and one for empty
databases) once it is proven to be in exactly its template's state again, and the next test
asking for that service gets it. What cannot be proven clean is dropped, as before.

Proven clean means, checked on the database itself after the reset, in the reset's
transaction: no other connection (a test's service left running could write after the check:
the database is also renamed, so such a connection can neither stay nor come back under the
name it knew); the schema's fingerprint from pg_catalog (relations, columns, defaults,
constraints, indexes, triggers, views, functions, types, sequences' definitions, owners and
grants, extensions, the database's own settings and attributes) equal to the template's; every
table the template holds empty empty, every table it holds rows of (alembic_version) holding
exactly those rows; every sequence at the template's value. Roles are the server's, not a
database's: a dropped database would not take a test's role with it either.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

#: The schemas a database's own objects live in: every one but the server's.
_OWN = ("{ns}.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND {ns}.nspname NOT LIKE 'pg\\_toast%' AND {ns}.nspname NOT LIKE 'pg\\_temp\\_%'")

#: One line per object a test could have changed with DDL or an ALTER of the database, sorted
#: and hashed: equal fingerprints, equal schemas (names of the database excepted).
FINGERPRINT = f"""
WITH db AS (SELECT * FROM pg_database WHERE datname = current_database()),
lines(line) AS (
  SELECT concat_ws(' ', 'database', pg_get_userbyid(datdba), encoding, datcollate, datctype,
                   datistemplate, datallowconn, datconnlimit, datacl, dattablespace) FROM db
  UNION ALL SELECT concat_ws(' ', 'setting', setrole, setconfig)
    FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM db)
  UNION ALL SELECT concat_ws(' ', 'schema', n.nspname, pg_get_userbyid(n.nspowner), n.nspacl)
    FROM pg_namespace n WHERE {_OWN.format(ns='n')}
  UNION ALL SELECT concat_ws(' ', 'relation', n.nspname, c.relname, c.relkind,
                             c.relpersistence, c.relam, pg_get_userbyid(c.relowner), c.relacl,
                             c.reloptions, c.relrowsecurity, c.relforcerowsecurity,
                             c.relreplident, c.relispartition, c.reltablespace,
                             CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_OWN.format(ns='n')}
  UNION ALL SELECT concat_ws(' ', 'column', n.nspname, c.relname, a.attnum, a.attname,
                             format_type(a.atttypid, a.atttypmod), a.attnotnull,
                             a.attisdropped, a.attidentity, a.attgenerated, a.attcollation,
                             a.attacl, a.attoptions, pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND {_OWN.format(ns='n')}
  UNION ALL SELECT concat_ws(' ', 'constraint', n.nspname, o.conname, o.conrelid::regclass,
                             o.contypid::regtype, o.convalidated, o.condeferrable,
                             o.condeferred, pg_get_constraintdef(o.oid))
    FROM pg_constraint o JOIN pg_namespace n ON n.oid = o.connamespace
    WHERE {_OWN.format(ns='n')}
  UNION ALL SELECT concat_ws(' ', 'index', i.indexrelid::regclass, i.indrelid::regclass,
                             i.indisunique, i.indnullsnotdistinct, i.indisprimary,
                             i.indisexclusion, i.indimmediate, i.indisvalid, i.indisready,
                             i.indkey, i.indclass, i.indcollation, i.indoption, i.indexprs,
                             i.indpred)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_OWN.format(ns='n')}
  UNION ALL SELECT concat_ws(' ', 'trigger', pg_get_triggerdef(t.oid), t.tgenabled)
    FROM pg_trigger t WHERE NOT t.tgisinternal
  UNION ALL SELECT concat_ws(' ', 'rule', pg_get_ruledef(r.oid))
    FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_OWN.format(ns='n')}
  UNION ALL SELECT concat_ws(' ', 'policy', p.polrelid::regclass, p.polname, p.polcmd,
                             p.polpermissive, p.polroles, pg_get_expr(p.polqual, p.polrelid),
                             pg_get_expr(p.polwithcheck, p.polrelid))
    FROM pg_policy p
  UNION ALL SELECT concat_ws(' ', 'function', p.oid::regprocedure, p.prokind,
                             pg_get_userbyid(p.proowner), p.proacl, p.proconfig,
                             p.prolang, p.prorettype, p.provolatile, p.prosecdef,
                             md5(p.prosrc), p.probin)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE {_OWN.format(ns='n')} AND p.prokind <> 'a'
  UNION ALL SELECT concat_ws(' ', 'type', n.nspname, t.typname, t.typtype,
                             pg_get_userbyid(t.typowner), t.typacl, t.typbasetype::regtype,
                             t.typnotnull, t.typdefault,
                             (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                                FROM pg_enum e WHERE e.enumtypid = t.oid))
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE {_OWN.format(ns='n')}
  UNION ALL SELECT concat_ws(' ', 'sequence', s.seqrelid::regclass, s.seqtypid::regtype,
                             s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache,
                             s.seqcycle)
    FROM pg_sequence s
  UNION ALL SELECT concat_ws(' ', 'extension', x.extname, x.extversion, x.extconfig)
    FROM pg_extension x
  UNION ALL SELECT concat_ws(' ', 'default acl', d.defaclrole, d.defaclnamespace,
                             d.defaclobjtype, d.defaclacl)
    FROM pg_default_acl d
  UNION ALL SELECT concat_ws(' ', 'other objects',
    (SELECT count(*) FROM pg_largeobject_metadata),
    (SELECT count(*) FROM pg_event_trigger),
    (SELECT count(*) FROM pg_publication),
    (SELECT count(*) FROM pg_statistic_ext),
    (SELECT count(*) FROM pg_cast),
    (SELECT count(*) FROM pg_operator),
    (SELECT count(*) FROM pg_collation),
    (SELECT count(*) FROM pg_opclass),
    (SELECT count(*) FROM pg_ts_config),
    (SELECT count(*) FROM pg_foreign_server),
    (SELECT count(*) FROM pg_language),
    (SELECT count(*) FROM pg_aggregate),
    (SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database()),
    (SELECT count(*) FROM pg_replication_slots WHERE database = current_database()),
    (SELECT count(*) FROM pg_subscription WHERE subdbid = (SELECT oid FROM db)))
)
SELECT md5(string_agg(line, E'\\n' ORDER BY line)) FROM lines
"""

_TABLES = f"""
SELECT format('%I.%I', n.nspname, c.relname), c.relkind
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'm') AND {_OWN.format(ns='n')}
 ORDER BY 1
"""

_SEQUENCES = f"""
SELECT format('%I.%I', n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'S' AND {_OWN.format(ns='n')}
 ORDER BY 1
"""


@dataclass(frozen=True)
class Layout:
    """A template's tables and sequences by name, read once: the reset's queries name them."""

    tables: tuple[str, ...]
    #: Materialised views: their rows are no table's to truncate; compared, never reset.
    views: frozenset[str]
    sequences: tuple[str, ...]


@dataclass(frozen=True)
class State:
    """What a test can see of a database: its schema's fingerprint, each table's rows (a
    hash), each sequence's (last_value, is_called)."""

    fingerprint: str
    rows: Mapping[str, str]
    sequences: Mapping[str, tuple[int, bool]]


def _rows_query(tables: tuple[str, ...], hashed: frozenset[str] | None) -> str:
    """Each table's rows as one hash, "" when it has none; a table of `hashed` (all when
    None) by its rows, another by whether it has any ("rows"): the template holds that one
    empty, and a look at its first page is all the reset needs, where a test may have left
    thousands of rows to hash."""
    parts = [
        f"SELECT '{table}', coalesce(md5(string_agg(r::text, E'\\n' ORDER BY r::text)), '') "
        f"FROM {table} r" if hashed is None or table in hashed else
        f"SELECT '{table}', CASE WHEN EXISTS (SELECT FROM {table}) THEN 'rows' ELSE '' END"
        for table in tables]
    return "\nUNION ALL ".join(parts)


def _sequences_query(layout: Layout) -> str:
    return "\nUNION ALL ".join(
        f"SELECT '{sequence}', last_value, is_called FROM {sequence}"
        for sequence in layout.sequences)


def read_layout(conn: Connection) -> Layout:
    tables = [(str(name), str(kind)) for name, kind in conn.execute(text(_TABLES))]
    return Layout(
        tables=tuple(name for name, _ in tables),
        views=frozenset(name for name, kind in tables if kind == "m"),
        sequences=tuple(str(name) for (name,) in conn.execute(text(_SEQUENCES))))


def read_rows(conn: Connection, tables: tuple[str, ...],
              hashed: frozenset[str] | None) -> dict[str, str]:
    if not tables:
        return {}
    return {str(name): str(digest)
            for name, digest in conn.execute(text(_rows_query(tables, hashed)))}


def read_state(conn: Connection, layout: Layout, hashed: frozenset[str] | None) -> State:
    fingerprint = str(conn.execute(text(FINGERPRINT)).scalar_one())
    return State(fingerprint, read_rows(conn, layout.tables, hashed),
                 read_sequences(conn, layout))


def read_sequences(conn: Connection, layout: Layout) -> dict[str, tuple[int, bool]]:
    if not layout.sequences:
        return {}
    return {str(name): (int(value), bool(called))
            for name, value, called in conn.execute(text(_sequences_query(layout)))}


@dataclass(frozen=True)
class Template:
    """A pooled kind of database: its layout, its state, and the rows of its tables that
    hold any (as JSON, put back by json_populate_recordset, exact for every column type)."""

    layout: Layout
    state: State
    seeds: Mapping[str, str]

    @classmethod
    def read(cls, engine: Engine) -> Template:
        with engine.connect() as conn:
            layout = read_layout(conn)
            state = read_state(conn, layout, None)
            seeds = {table: str(conn.execute(text(
                         f"SELECT CAST(json_agg(r) AS text) FROM {table} r")).scalar_one())
                     for table, digest in state.rows.items() if digest}
        return cls(layout, state, seeds)


def _reset(conn: Connection, template: Template) -> str | None:
    """Brings the database of `conn` back to `template`'s state in the open transaction;
    the reason it cannot, or None once the state read back equals the template's.

    The schema is compared once, after the reset (its fingerprint is most of a reset's cost):
    a test's DDL either fails the reset (the transaction is rolled back) or is still there."""
    seeded = frozenset(template.seeds)
    rows = read_rows(conn, template.layout.tables, seeded)
    changed = [table for table in template.layout.tables
               if rows.get(table) != template.state.rows.get(table)]
    if any(table in template.layout.views for table in changed):
        return "materialised view"
    if changed:
        # CASCADE: a table referencing a changed one may be unchanged (empty), and TRUNCATE
        # refuses to leave it out; one holding the template's rows is put back below.
        conn.execute(text(f"TRUNCATE {', '.join(changed)} CASCADE"))
        seeds = tuple(table for table in template.layout.tables if table in seeded)
        now = read_rows(conn, seeds, seeded)
        for table in seeds:
            if now[table] != template.state.rows[table]:
                conn.execute(text(f"TRUNCATE {table} CASCADE"))
                conn.execute(text(
                    f"INSERT INTO {table} OVERRIDING SYSTEM VALUE "
                    f"SELECT * FROM json_populate_recordset(NULL::{table}, CAST(:rows AS json))"),
                    {"rows": template.seeds[table]})
    sequences = read_sequences(conn, template.layout)
    for sequence, (value, called) in template.state.sequences.items():
        if sequences.get(sequence) != (value, called):
            conn.execute(text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
                         {"sequence": sequence, "value": value, "called": called})
    state = read_state(conn, template.layout, seeded)
    if state.fingerprint != template.state.fingerprint:
        return "schema"
    if state != template.state:
        return "not reset"
    return None


@dataclass
class PoolCounts:
    """What the pool did in this worker, for a measurement (`summary`)."""

    made: int = 0
    reused: int = 0
    dropped: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        drops = ", ".join(f"{reason} {n}" for reason, n in sorted(self.dropped.items()))
        return (f"PostgreSQL databases: {self.made} made, {self.reused} reused, "
                f"{sum(self.dropped.values())} dropped ({drops or 'none'})")


def _database_name() -> str:
    return f"danvan_t_{uuid.uuid4().hex[:12]}"


class PostgresPool:
    """The databases of one worker that tests are done with, by kind (a service's name for a
    copy of its migrated template, "" for an empty database), each in its kind's state."""

    #: How long a database a test has closed its connections to may still show one (a
    #: backend exits a moment after its client hangs up), before it counts as still in use.
    CLOSING_S = 0.2

    def __init__(self, admin_url: str, drop_later: Callable[[str], None]) -> None:
        self._admin_url = admin_url
        # One connection kept, to the server's own database (a connection to a test's
        # database would keep it from being renamed): a backend's start is a good part of a
        # reset's cost. Only the worker's main thread uses it.
        self._admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1,
                                    max_overflow=0)
        self._drop_later = drop_later
        self._idle: dict[str, list[str]] = {}
        self._templates: dict[str, Template] = {}
        self.counts = PoolCounts()

    def url(self, name: str) -> str:
        return make_url(self._admin_url).set(database=name).render_as_string(
            hide_password=False)

    def take(self, kind: str, template_database: str | None) -> str:
        """A database of `kind`: one from the pool, else a copy of `template_database` (an
        empty one when None). Its name."""
        idle = self._idle.get(kind)
        if idle:
            self.counts.reused += 1
            return idle.pop()
        name = _database_name()
        copied = f' TEMPLATE "{template_database}"' if template_database else ""
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copied}'))
        self.counts.made += 1
        if kind not in self._templates:
            # Read from the first copy, before any test has it: the template database itself
            # stays unconnected, as CREATE DATABASE ... TEMPLATE needs it.
            engine = create_engine(self.url(name), poolclass=NullPool)
            try:
                self._templates[kind] = Template.read(engine)
            finally:
                engine.dispose()
        return name

    def give_back(self, kind: str, name: str) -> None:
        """Puts `name` back into the pool once it is in its kind's state again, else drops it
        (later, in the dropper's threads)."""
        renamed = _database_name()
        reason = self._rename(name, renamed)
        if reason is None:
            reason = self._reset(kind, renamed)
        else:
            renamed = name
        if reason is None:
            self._idle.setdefault(kind, []).append(renamed)
            return
        self.counts.dropped[reason] = self.counts.dropped.get(reason, 0) + 1
        self._drop_later(renamed)

    def _rename(self, name: str, renamed: str) -> str | None:
        """Renames the database if no one is connected to it; "in use" if someone is.
        A connection still open could write after the reset's checks; renamed, the database
        is out of reach of a connection a test's service (left running) would open again.
        The RENAME itself fails if a connection came in between (after waiting up to 5 s:
        hence the look first)."""
        deadline = time.monotonic() + self.CLOSING_S
        with self._admin.connect() as conn:
            while conn.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = :name "
                    "AND backend_type <> 'autovacuum worker'"), {"name": name}).scalar_one():
                if time.monotonic() > deadline:
                    return "in use"
                time.sleep(0.02)
            try:
                conn.execute(text(f'ALTER DATABASE "{name}" RENAME TO "{renamed}"'))
            except DBAPIError:
                return "in use"
        return None

    def _reset(self, kind: str, name: str) -> str | None:
        engine = create_engine(self.url(name), poolclass=NullPool)
        try:
            with engine.connect() as conn:
                with conn.begin() as transaction:
                    reason = _reset(conn, self._templates[kind])
                    if reason is not None:
                        transaction.rollback()
                return reason
        except DBAPIError as exc:
            return f"reset failed: {type(exc.orig).__name__}"
        finally:
            engine.dispose()

    def close(self) -> None:
        for names in self._idle.values():
            for name in names:
                self._drop_later(name)
        self._idle.clear()
        self._admin.dispose()


def drop_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
