"""Who is asking: the authenticated principal, its scopes and its unit scope.

A principal comes from a bearer JWT (a person), an API key (a partner system or another
department's integration), the development headers (development only) or the process itself
(`SYSTEM`: the scheduler, the seeders, benches and tests that build a CommandContext by hand;
internal work is trusted, everything that arrives over HTTP is not).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from shared.adminunits import HAI_PHONG
from shared.validation import ACTOR_MAX

PrincipalKind = Literal["user", "api_key", "development", "system"]

#: The scopes a credential may carry, with what they allow (Vietnamese, shown in the
#: key-management tool and in refusals).
SCOPES: dict[str, str] = {
    "religion:read": "Xem cơ sở tôn giáo, hồ sơ đất đai, giấy chứng nhận, vụ việc",
    "religion:write": "Ghi cơ sở tôn giáo, hồ sơ đất đai, giấy chứng nhận, vụ việc",
    "dialogue:read": "Xem người đứng đầu, hội nghị đối thoại, ý kiến, cam kết",
    "dialogue:write": "Ghi người đứng đầu, hội nghị đối thoại, ý kiến, cam kết",
    "dialogue:citizen_data": "Xem, xoá họ tên và liên hệ của người dân (dữ liệu cá nhân)",
    "indicators:read": "Xem chỉ tiêu, mô hình Dân vận khéo, đơn vị hành chính",
    "indicators:write": "Ghi chỉ tiêu, số liệu báo cáo, mô hình Dân vận khéo, hội thi",
    "reporting:read": "Xem báo cáo, bảng điều khiển, tải Word/Excel",
    "reporting:write": "Điều chỉnh kỳ báo cáo (ngày bắt đầu, kết thúc, chốt số liệu)",
    "reports:finalise": "Chốt (khoá số liệu) báo cáo kỳ",
    "read": "Chỉ xem: mọi dịch vụ (lãnh đạo, Thường trực)",
    "audit:read": "Tra cứu nhật ký kiểm toán (ai làm gì, khi nào)",
    "admin": "Quản trị: khoá API, dựng lại bảng đọc, thư chết",
    "metrics": "Đọc số đo vận hành /metrics (cho Prometheus)",
}
ALL_SCOPES = frozenset(SCOPES)
#: Scopes every service checks itself (its reads for the leadership, its audit, its keys and
#: dead letters, its /metrics); the others belong to the service named before their colon
#: ("reports:finalise" to reporting).
SHARED_SCOPES = frozenset({"read", "audit:read", "admin", "metrics"})
_SERVICE_OF_SCOPE = {"reports:finalise": "reporting"}


def scopes_of_service(service: str) -> frozenset[str]:
    """The scopes a credential of `service` can use: an API key lives in one service's
    database and opens that service only, so it carries these and no other (finding J16)."""
    return SHARED_SCOPES | {
        scope for scope in SCOPES
        if _SERVICE_OF_SCOPE.get(scope, scope.split(":", 1)[0]) == service
    }
#: The whole province, whatever the date: "31" covers everything the Commission sees.
CITY_SCOPE = HAI_PHONG


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. `unit_scope` is an administrative unit code: "31" (the city,
    everything), a district code (its district and that district's communes as of the
    business date) or a commune code (that commune only)."""

    subject: str
    kind: PrincipalKind
    scopes: frozenset[str] = field(default_factory=frozenset)
    unit_scope: str = CITY_SCOPE
    department: str | None = None
    # API key prefix or JWT id: which credential acted, never the credential itself.
    credential_id: str | None = None

    def has_scope(self, scope: str) -> bool:
        if scope in self.scopes:
            return True
        # "read" is the leadership's read-only scope: every service's reads, nothing else.
        return scope.endswith(":read") and scope != "audit:read" and "read" in self.scopes

    @property
    def is_city(self) -> bool:
        return self.unit_scope == CITY_SCOPE

    @property
    def actor(self) -> str:
        """What an event records as its actor: the kind of credential and its subject."""
        if self.kind == "api_key":
            return f"key:{self.subject}"[:200]
        return self.subject[:200]


SYSTEM = Principal(subject="system", kind="system", scopes=ALL_SCOPES, department=None)


def development_principal(
    actor: str | None,
    department: str | None,
    scopes: str | None,
    unit_scope: str | None,
) -> Principal:
    """The identity the development headers describe; absent headers give a city-level
    identity with every scope, so `make run` and the existing suites work without tokens."""
    wanted = ALL_SCOPES if scopes is None else parse_scopes(scopes)
    return Principal(
        subject=(actor or "anonymous")[:ACTOR_MAX],
        kind="development",
        scopes=wanted,
        unit_scope=(unit_scope or CITY_SCOPE).strip() or CITY_SCOPE,
        # Cut as the actor is: an event records both in ACTOR_MAX characters (finding Q2).
        department=department[:ACTOR_MAX] if department else department,
    )


def parse_scopes(value: str | list[str] | tuple[str, ...] | None) -> frozenset[str]:
    """OAuth style space-separated scopes, or a list; commas are accepted too."""
    if value is None:
        return frozenset()
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return frozenset(s.strip() for s in items if isinstance(s, str) and s.strip())
