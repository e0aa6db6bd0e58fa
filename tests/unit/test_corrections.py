"""The one rule of corrections (shared/corrections.py): a correction takes the place of the
fact it names, a chain of corrections leaves the last, a void one removes the fact, and an
aggregate folds its facts as corrected."""

from __future__ import annotations

from datetime import date

import pytest

from services.religion.domain.events import (
    CertificateIssued,
    CertificateIssuedCorrected,
    CertificateRevoked,
)
from services.religion.domain.model import Certificate
from shared.corrections import UnknownCorrectedFact, effective

pytestmark = pytest.mark.unit


def _issued(number: str, on: date) -> CertificateIssued:
    return CertificateIssued(site_code="S", certificate_number=number, issued_on=on,
                             issuing_authority="UBND", certified_area_m2=10.0)


def _corrected(version: int, number: str, on: date, void: bool = False
               ) -> CertificateIssuedCorrected:
    return CertificateIssuedCorrected(
        site_code="S", certificate_number=number, issued_on=on, issuing_authority="UBND",
        certified_area_m2=10.0, corrects=f"id-{version}", corrected_version=version,
        reason="Gõ nhầm", void=void)


def test_a_chain_of_corrections_leaves_the_last_in_the_first_ones_place() -> None:
    first, later = _issued("A", date(2023, 5, 1)), _issued("B", date(2023, 9, 1))
    facts = effective([
        (1, first), (2, CertificateRevoked(site_code="S", certificate_number="A",
                                           revoked_on=date(2023, 6, 1), reason="x")),
        (3, later), (4, _corrected(1, "A1", date(2023, 4, 1))),
        (5, _corrected(4, "A2", date(2023, 4, 2))),
    ])
    assert [v for v, _ in facts] == [5, 2, 3]
    assert facts[0][1] == _issued("A2", date(2023, 4, 2))
    assert effective([(1, first), (2, _corrected(1, "A", first.issued_on, void=True))]) == []
    with pytest.raises(UnknownCorrectedFact):  # the original, already replaced
        effective([(1, first), (2, _corrected(1, "A1", first.issued_on)),
                   (3, _corrected(1, "A2", first.issued_on))])


def test_an_aggregate_folds_its_facts_as_corrected() -> None:
    events = [_issued("A", date(2023, 5, 1)), _corrected(1, "A1", date(2023, 4, 1))]
    certificate = Certificate.rehydrate("S", events)
    assert (certificate.number, certificate.issued_on, certificate.numbers) == (
        "A1", date(2023, 4, 1), ["A1"])
    assert certificate.version == 2 and certificate.issue_version() == 2
