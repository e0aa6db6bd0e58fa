"""The figures of a conference report, each counted per administrative unit.

A *flow* figure counts events whose business date lies inside the period's data window; a
*stock* figure is the state at the data cut-off (e.g. sites holding a certificate). Both only
see events recorded up to the report's "as of" time. Every figure is a sum over units, so a
district is the sum of its communes plus what was recorded for the district itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["flow", "stock"]
Section = Literal["religion", "compliance", "dialogue", "models"]


@dataclass(frozen=True)
class Metric:
    key: str
    section: Section
    kind: Kind


METRICS: tuple[Metric, ...] = (
    # Religious sites and their land (plan II.1.3, II.2.4)
    Metric("sites", "religion", "stock"),
    Metric("sites_with_dossier", "religion", "stock"),
    Metric("sites_with_certificate", "religion", "stock"),
    Metric("dossiers_requisitioned", "religion", "stock"),
    Metric("dossiers_lodged", "religion", "flow"),
    Metric("dossiers_rejected_or_withdrawn", "religion", "flow"),
    Metric("certificates_issued", "religion", "flow"),
    Metric("certificates_revoked", "religion", "flow"),
    # Compliance cases (plan II.2.4)
    Metric("cases_opened", "compliance", "flow"),
    Metric("cases_resolved", "compliance", "flow"),
    Metric("cases_referred", "compliance", "flow"),
    Metric("cases_pending", "compliance", "stock"),
    # Direct dialogue (plan II.1.2, II.2.3)
    Metric("heads_in_office", "dialogue", "stock"),
    Metric("heads_meeting_rule", "dialogue", "stock"),
    Metric("heads_owing", "dialogue", "stock"),  # owing ≥ 1 session yet: I2 is due
    Metric("sessions_planned", "dialogue", "flow"),
    Metric("sessions_held", "dialogue", "flow"),
    Metric("sessions_cancelled", "dialogue", "flow"),
    Metric("sessions_reported", "dialogue", "flow"),
    Metric("attendance", "dialogue", "flow"),
    Metric("issues_raised", "dialogue", "flow"),
    Metric("issues_answered_on_spot", "dialogue", "flow"),
    Metric("issues_assigned", "dialogue", "flow"),
    Metric("commitments_made", "dialogue", "flow"),
    Metric("commitments_total", "dialogue", "stock"),
    Metric("commitments_done", "dialogue", "stock"),
    Metric("commitments_overdue", "dialogue", "stock"),
    Metric("commitments_in_progress", "dialogue", "stock"),
    # "Dân vận khéo" models (plan II.1.1, II.2.3)
    Metric("communes", "models", "stock"),
    Metric("communes_with_model", "models", "stock"),
    Metric("models_active", "models", "stock"),
    Metric("models_new_rural", "models", "stock"),
    Metric("models_exemplary_rural", "models", "stock"),
    Metric("models_urban", "models", "stock"),
    Metric("models_digital_transformation", "models", "stock"),
    Metric("models_other", "models", "stock"),
    Metric("models_registered", "models", "flow"),
    Metric("models_recognised", "models", "flow"),
    Metric("contest_entries", "models", "flow"),
)
METRIC_KEYS: tuple[str, ...] = tuple(m.key for m in METRICS)
SECTIONS: tuple[Section, ...] = ("religion", "compliance", "dialogue", "models")

MODEL_FIELDS = ("new_rural", "exemplary_rural", "urban", "digital_transformation", "other")
# The fields of I1's models are the kernel's rulebook's (shared/planrules.I1_FIELDS).


def metrics_of(section: Section) -> tuple[Metric, ...]:
    return tuple(m for m in METRICS if m.section == section)
