"""Administrative unit catalogue (đơn vị hành chính): versioned reference data.

Two structures of the whole country are shipped, generated from the PyPI package
``vietnam-provinces`` by ``tools/build_adminunits.py``:

* until 2025-07-01: province → district → commune (0.6.x data),
* from 2025-07-01: province → commune (2025.x data; Hai Phong merged with Hai Duong),

plus the predecessor → successor records of the 2025 reform that can be derived from them.
Lookups are always as of a date::

    from datetime import date
    from shared.adminunits import HAI_PHONG, default_catalogue

    cat = default_catalogue()
    cat.descendants(HAI_PHONG, date(2023, 6, 1))      # 167 communes under 15 districts
    cat.restate("315", date(2025, 8, 1))   # 2025 communes holding (part of) Huyện Tiên Lãng
"""

from .catalogue import (
    HAI_PHONG,
    REFORM_2025,
    UnitCatalogue,
    default_catalogue,
    fold,
    load_catalogue,
    parse_successions,
    parse_units,
)
from .model import (
    KINDS,
    LEVELS,
    AdminUnit,
    Kind,
    Level,
    SuccessionKind,
    UnitSuccession,
    UnknownUnitError,
    level_of_code,
)

__all__ = [
    "HAI_PHONG",
    "KINDS",
    "LEVELS",
    "REFORM_2025",
    "AdminUnit",
    "Kind",
    "Level",
    "SuccessionKind",
    "UnitCatalogue",
    "UnitSuccession",
    "UnknownUnitError",
    "default_catalogue",
    "fold",
    "level_of_code",
    "load_catalogue",
    "parse_successions",
    "parse_units",
]
