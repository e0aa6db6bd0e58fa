"""`python -m services.indicators.loadplan YEAR`: issue the plan of YEAR from the data in the
repository (services/indicators/plandata/plan-YEAR.json), once, into the service's event
store (its DATABASE_URL); the relay of a running service publishes it. Exit status 1 when
refused (no data for that year, or the plan is already loaded)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from services.indicators.adapters.tables import metadata, write_metadata
from services.indicators.application.planhandlers import load_plan
from services.indicators.domain.events import registry
from shared.aggregate import CommandContext
from shared.errors import DomainError
from shared.runtime import ServiceRuntime
from shared.settings import Settings

ACTOR = "system:loadplan"


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1 or not argv[0].isdigit():
        print("Cách dùng: python -m services.indicators.loadplan NĂM (ví dụ 2023)")
        return 2
    year = int(argv[0])
    runtime = ServiceRuntime(Settings.for_service("indicators"), registry,
                             metadata=[metadata, write_metadata])
    runtime.create_schema()
    try:
        envelopes = runtime.execute(CommandContext(actor=ACTOR), load_plan, year)
    except DomainError as exc:
        print(f"{exc.code}: {exc.message}")
        return 1
    finally:
        runtime.engine.dispose()
    items = len(envelopes[-1].payload["items"])
    print(f"Đã nạp kế hoạch công tác năm {year}: {items} nhiệm vụ")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
