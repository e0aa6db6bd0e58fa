"""The team's reference texts name a unit by its name and code, as the catalogue does: the
README called 303 «Quận Hải An», which the API answers as Quận Hồng Bàng (finding O3)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shared.adminunits.catalogue import default_catalogue

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ["README.md", "deploy/OPERATIONS.md", *(
    str(p.relative_to(ROOT)) for p in sorted((ROOT / "docs").glob("*.md")))]
# «Quận Hồng Bàng (303)», «An Hưng (11599)»; «11794 Xã Toàn Thắng (315)»: a commune's own code
# before its name, its district's in brackets.
NAMED = re.compile(
    r"(?:\b(\d{5}) )?((?:[A-ZĐ][^\W\d_]*)(?: [A-ZĐ][^\W\d_]*)*) \((\d{3}|\d{5})\)")


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_unit_named_with_its_code_is_that_unit_in_the_catalogue(document: str) -> None:
    catalogue = default_catalogue()
    text = " ".join((ROOT / document).read_text(encoding="utf-8").split())
    wrong = []
    for own, name, code in NAMED.findall(text):
        if own:  # the named unit is `own`, and `code` its parent
            versions = [u for u in catalogue.history(own) if u.parent_code == code]
        else:
            versions = catalogue.history(code)
        if not any(name == u.name or name.endswith(u.short_name) for u in versions):
            wrong.append(f"{name} ({code}): {[u.name for u in catalogue.history(code)]}")
    assert not wrong
