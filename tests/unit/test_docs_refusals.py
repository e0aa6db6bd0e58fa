"""The README's paragraphs on 401 name every code a client can get: one said every failed
authentication, an expired key's included, is AUTHENTICATION_REQUIRED, while the service
answers API_KEY_EXPIRED to a key whose secret matched (finding O5, since J16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.auth.http import KEY_EXPIRED_CODE, REFUSED_CODE

README = Path(__file__).resolve().parents[2] / "README.md"


def _paragraph(opening: str) -> str:
    paragraphs = README.read_text(encoding="utf-8").split("\n\n")
    (found,) = [p for p in paragraphs if p.startswith(opening)]
    return found


@pytest.mark.parametrize("opening", ["**Refusals say little to strangers.**", "**Refusals.**"])
def test_the_readmes_401_paragraphs_name_every_code_of_a_failed_authentication(
    opening: str,
) -> None:
    paragraph = _paragraph(opening)
    assert f"`{REFUSED_CODE}`" in paragraph
    assert f"`{KEY_EXPIRED_CODE}`" in paragraph
