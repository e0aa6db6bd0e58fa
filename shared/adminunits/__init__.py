"""Administrative unit catalogue (đơn vị hành chính): versioned reference data.

Three eras of the whole country are shipped, generated from the PyPI package
``vietnam-provinces`` by ``tools/build_adminunits.py`` (the version of each is in
``UnitCatalogue.sources``):

* 1990-01-01 … 2024-12-31: province → district → commune as in 2023 (0.5.0 data, which
  starts on 2020-01-01; its codes are taken as they were back to the API's first day,
  see ``reach_back``),
* 2025-01-01 … 2025-06-30: the same after the commune rearrangements (0.6.0 data),
* from 2025-07-01: province → commune (2025.10.1 data; Hai Phong merged with Hai Duong),

plus the predecessor → successor records that can be derived from them and the merged codes
whose successor the data does not show (``successor_unknown``). Successors officials record
for those complete the catalogue as known at a moment (``known_at``, ``catalogue_with``:
``recorded.py``); the data files are never edited.
Lookups are always as of a date::

    from datetime import date
    from shared.adminunits import HAI_PHONG, default_catalogue

    cat = default_catalogue()
    cat.descendants(HAI_PHONG, date(2023, 6, 1))      # 217 communes under 15 districts
    cat.restate("315", date(2025, 8, 1))   # 2025 communes holding (part of) Huyện Tiên Lãng
"""

from .catalogue import (
    HAI_PHONG,
    REARRANGEMENT_2025,
    REFORM_2025,
    EraSource,
    UnitCatalogue,
    default_catalogue,
    fold,
    load_catalogue,
    parse_eras,
    parse_successions,
    parse_units,
)
from .model import (
    KINDS,
    LEVELS,
    NOT_CURRENT_UNIT,
    OWN_UNIT_RECORDS,
    AdminUnit,
    Kind,
    Level,
    SuccessionKind,
    UnitSuccession,
    UnknownUnitError,
    level_of_code,
    names_no_unit,
)
from .placing import Stretch, codes_placed_in, placed_in, placements_by_stretch, version_near
from .recorded import (
    RECORDED_BASIS,
    RecordedSuccession,
    SuccessionRefusal,
    catalogue_with,
    known_at,
    succession_refusal,
)
from .stretches import DayStretch, stretches

__all__ = [
    "HAI_PHONG",
    "KINDS",
    "LEVELS",
    "NOT_CURRENT_UNIT",
    "OWN_UNIT_RECORDS",
    "REARRANGEMENT_2025",
    "RECORDED_BASIS",
    "REFORM_2025",
    "AdminUnit",
    "DayStretch",
    "EraSource",
    "Kind",
    "Level",
    "RecordedSuccession",
    "Stretch",
    "SuccessionKind",
    "SuccessionRefusal",
    "UnitCatalogue",
    "UnitSuccession",
    "UnknownUnitError",
    "catalogue_with",
    "codes_placed_in",
    "default_catalogue",
    "fold",
    "known_at",
    "level_of_code",
    "load_catalogue",
    "names_no_unit",
    "parse_eras",
    "parse_successions",
    "parse_units",
    "placed_in",
    "placements_by_stretch",
    "stretches",
    "succession_refusal",
    "version_near",
]
