"""Religion benchmark: a national-scale bulk import beside the raw append baseline.

(a) baseline: raw sqlite3, one event row per transaction (the kernel's pragmas), the rate a
    desk would get registering sites one by one at the storage's own speed;
(b) 30,000 sites on real commune codes of Hai Phong, the deployment's jurisdiction (2023
    structure; rows of another province are refused OUTSIDE_JURISDICTION), one CSV file:
    dry run (read + validate every row), then the import itself as the API runs it (read and
    validation first, then in the write turn the register's checks, events through
    `EventStore.append_many` with their outbox rows, inline read model, one transaction; how
    long the turn is held is printed: other desks' commands wait for it on SQLite);
(c) the same register from an Excel (.xlsx) file, dry run;
(d) rebuilding the read models by replaying the 30,000 events.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from bench.common import Timer, report, temp_dir
from bench.sample import raw_sqlite
from services.religion import messages
from services.religion.adapters.projection import rebuild
from services.religion.adapters.tables import metadata
from services.religion.application.importing import check_file, import_checked, import_sites
from services.religion.domain.events import registry
from services.religion.samples.generate import ON
from shared.adminunits import HAI_PHONG, default_catalogue
from shared.aggregate import CommandContext
from shared.runtime import ServiceRuntime
from shared.settings import Settings

SITES = 30_000
BASELINE_ROWS = 5_000
FIELDS = ("code", "name", "religion", "commune_code", "address", "land_area_m2",
          "registered_on")
RELIGIONS = ("Phật giáo", "Công giáo", "Tin lành", "Cao Đài", "Phật giáo Hòa Hảo")


def national_rows(count: int = SITES, first: int = 0) -> list[list[str]]:
    """`count` sites numbered from `first` (`bench.asof` seeds 100,000 and more)."""
    # Inside the deployment's jurisdiction (Settings.jurisdiction, Hai Phong): since one
    # deployment serves one province, rows of other provinces are refused as
    # OUTSIDE_JURISDICTION and the import would stop the whole bench.
    communes = default_catalogue().units(ON, "commune", HAI_PHONG)
    rows = []
    for n in range(first, first + count):
        commune = communes[(n * 7) % len(communes)]
        rows.append([
            f"CSTG-{commune.code}-{n:05d}", f"Cơ sở tôn giáo số {n} ({commune.short_name})",
            RELIGIONS[n % len(RELIGIONS)], commune.code, f"Thôn {n % 12 + 1}, {commune.name}",
            f"{250 + n % 9000},5", "15/03/2023",
        ])
    return rows


def csv_file(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([messages.COLUMN_HEADERS[f] for f in FIELDS])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_file(rows: list[list[str]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([messages.COLUMN_HEADERS[f] for f in FIELDS])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def main() -> None:
    with temp_dir() as tmp:
        baseline = raw_sqlite(tmp / "raw.db", BASELINE_ROWS)
        rows = national_rows()
        content = csv_file(rows)
        settings = Settings.for_service(
            "religion", database_url=f"sqlite:///{tmp / 'religion.db'}", environment="test"
        )
        runtime = ServiceRuntime(settings, registry, metadata=[metadata])
        runtime.create_schema()
        context = CommandContext(actor="bench")
        with Timer() as dry, runtime.uow(context) as uow:
            checked = import_sites(uow, "quoc-gia.csv", content, dry_run=True, only_valid=False)
        assert checked.rows == SITES and not checked.errors, checked.errors[:3]
        report("import 30,000 sites, CSV dry run (read + validate)", SITES, dry.seconds,
               baseline)
        # As the API does it: the file read and validated first, then the write turn.
        with Timer() as real:
            whole = check_file(context, settings.jurisdiction, "quoc-gia.csv", content)
            with Timer() as turn:
                done = runtime.execute(context, import_checked, whole, dry_run=False,
                                       only_valid=False)
        assert len(done.created) == SITES
        report("import 30,000 sites, CSV, written (one transaction)", SITES, real.seconds,
               baseline)
        print(f"  of which the write turn (other desks' commands wait): {turn.seconds:.3f} s",
              flush=True)
        with Timer() as again:
            repeat = runtime.execute(context, import_sites, "quoc-gia.csv", content,
                                     dry_run=False, only_valid=False)
        assert not repeat.created and len(repeat.skipped) == SITES
        report("re-import of the same file (creates nothing)", SITES, again.seconds, baseline)
        workbook = xlsx_file(rows)
        with Timer() as excel, runtime.uow(context) as uow:
            read = import_sites(uow, "quoc-gia.xlsx", workbook, dry_run=True, only_valid=False)
        assert read.rows == SITES
        report("import 30,000 sites, Excel dry run (read + validate)", SITES, excel.seconds,
               baseline)
        with Timer() as replay, runtime.engine.begin() as conn:
            replayed = rebuild(conn, runtime.store)
        report("rebuild read models by replay", replayed, replay.seconds, baseline)
        print(f"  CSV file {len(content) / 1e6:.1f} MB, Excel file {len(workbook) / 1e6:.1f} MB",
              flush=True)
        runtime.engine.dispose()
