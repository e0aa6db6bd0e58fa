"""HTTP API of the administrative unit catalogue (đơn vị hành chính), served as of a date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from services.indicators import messages
from services.indicators.application import handlers
from services.indicators.application.commands import (
    CorrectUnitSuccession,
    RecordUnitSuccession,
)
from services.indicators.application.compute import known_successions
from services.indicators.application.queries import recorded_successions
from services.indicators.domain.model import UnitSuccessionRecord
from shared.adminunits import (
    NOT_CURRENT_UNIT,
    AdminUnit,
    UnitCatalogue,
    UnitSuccession,
    UnknownUnitError,
    catalogue_with,
    default_catalogue,
)
from shared.adminunits.model import SCOPE_CODE_PATTERN, UNIT_CODE_PATTERN
from shared.asof import AsOf
from shared.auth.checks import city_level
from shared.clock import format_date_vn, today_vn
from shared.commandapi import CommandDep
from shared.commands import CommandResponse
from shared.concurrency import TaggedResponse, tagged
from shared.db import read_connection
from shared.envelope import utcnow
from shared.errors import NotFound
from shared.jsonbody import JSONBodyRoute
from shared.openapi import IF_MATCH_REQUIRED
from shared.paging import Paging
from shared.unitcheck import NATION
from shared.validation import Day, WholeNumber
from shared.web import runtime_of

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/v1/units", tags=[messages.TAG_UNITS])
#: Commands of the city level only: refused to a district board before the body is read.
CITY_LEVEL = [city_level("indicators:write")]

UnitCodePath = Annotated[str, Path(pattern=UNIT_CODE_PATTERN)]
UnitCodeQuery = Annotated[str, Query(pattern=UNIT_CODE_PATTERN)]
ProvinceQuery = Annotated[str, Query(pattern=SCOPE_CODE_PATTERN)]
LevelQuery = Literal["province", "district", "commune"]


def unit_dict(unit: AdminUnit) -> dict[str, Any]:
    return {**unit.as_dict(), "level_label": messages.LEVEL_LABELS[unit.level]}


def succession_dict(
    succession: UnitSuccession, catalogue: UnitCatalogue | None = None
) -> dict[str, Any]:
    catalogue = catalogue or default_catalogue()
    before = catalogue.history(succession.predecessor_code)
    after = catalogue.history(succession.successor_code)
    return {
        **succession.as_dict(),
        "predecessor_name": next(
            (u.name for u in reversed(before) if u.valid_from < succession.effective), None
        ),
        "successor_name": next(
            (u.name for u in after if u.valid_from >= succession.effective), None
        ),
    }


def _require(code: str, on: date) -> AdminUnit:
    try:
        return default_catalogue().require(code, on)
    except UnknownUnitError as exc:
        if default_catalogue().history(code):
            raise NotFound(
                "UNIT_NOT_VALID_ON",
                messages.UNIT_NOT_VALID_ON.format(code=code, on=format_date_vn(on)),
                unit_code=code,
                on=on.isoformat(),
            ) from exc
        raise NotFound(
            "UNIT_NOT_FOUND", messages.UNIT_NOT_FOUND.format(code=code), unit_code=code
        ) from exc


def _known_catalogue(request: Request, as_of: datetime | None) -> UnitCatalogue:
    """The catalogue as known at `as_of` (now when not given): completed with the successors
    officials had recorded by then, by the rule the figures place facts by
    (`compute.known_successions`, the kernel's `known_at`), so this route and the figures
    name the same successor, and follow a later correction of one alike (finding M10)."""
    with read_connection(runtime_of(request).engine) as conn:
        recorded = known_successions(conn, as_of or utcnow())
    return catalogue_with(recorded)


def _province(request: Request, province: str | None) -> str | None:
    """The province a listing is limited to: the one asked, the deployment's jurisdiction when
    none is, every province for "VN" (the catalogue is national reference data)."""
    if province == NATION:
        return None
    return province or runtime_of(request).settings.jurisdiction


@router.get("")
def list_units(
    request: Request,
    paging: Paging,
    on: Day | None = None,
    level: LevelQuery | None = None,
    province: ProvinceQuery | None = None,
) -> dict[str, Any]:
    """Các đơn vị hành chính có hiệu lực vào ngày `on` (mặc định hôm nay), trong địa bàn của hệ
    thống trừ khi hỏi tỉnh khác (`province`, hoặc `VN` cho cả nước)."""
    on = on or today_vn()
    within = _province(request, province)
    units = default_catalogue().units(on, level, within)
    return paging.of([unit_dict(u) for u in units], on=on.isoformat(),
                     province=within or NATION)


@router.get("/tree")
def unit_tree(
    request: Request, root: UnitCodeQuery | None = None, on: Day | None = None
) -> dict[str, Any]:
    """Cây đơn vị hành chính dưới `root` (mặc định: địa bàn của hệ thống) vào ngày `on`."""
    on = on or today_vn()
    root = root or runtime_of(request).settings.jurisdiction
    _require(root, on)
    return {"on": on.isoformat(), "tree": default_catalogue().tree(root, on)}


@router.get("/search")
def search_units(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    on: Day | None = None,
    level: LevelQuery | None = None,
    province: ProvinceQuery | None = None,
    limit: Annotated[WholeNumber, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """Tìm đơn vị theo tên, không phân biệt dấu ("Tien Lang" tìm được "Tiên Lãng"), có hiệu
    lực vào ngày `on` (mặc định hôm nay; ngày dùng được trả lại), trong địa bàn của hệ thống
    trừ khi hỏi tỉnh khác (`province`, hoặc `VN` cho cả nước)."""
    on = on or today_vn()
    within = _province(request, province)
    found = default_catalogue().search(q, on, level=level, province_code=within, limit=limit)
    return {"on": on.isoformat(), "province": within or NATION, "query": q,
            "items": [unit_dict(u) for u in found]}


@router.get("/successions/unknown")
def successor_unknown(request: Request, province: ProvinceQuery | None = None) -> dict[str, Any]:
    """Các đơn vị đã bị sáp nhập mà dữ liệu gốc không cho biết đơn vị kế thừa: `items` còn chờ
    cán bộ bổ sung, `recorded` đã được bổ sung (mỗi lần bổ sung là một sự kiện); `note` nói
    việc bổ sung làm gì: chưa thay đổi số liệu nào."""
    within = _province(request, province)
    units = default_catalogue().successor_unknown(within)
    runtime = runtime_of(request)
    with read_connection(runtime.engine) as conn:
        recorded = recorded_successions(conn, [u.code for u in units])
    return {
        "province": within or NATION,
        "total": len(units) - len(recorded),
        "items": [unit_dict(u) for u in units if u.code not in recorded],
        "recorded": [recorded[u.code] for u in units if u.code in recorded],
        "note": messages.SUCCESSION_EFFECT.format(not_current=NOT_CURRENT_UNIT),
    }


@router.post("/successions", dependencies=CITY_LEVEL,
             status_code=201, response_model=CommandResponse)
def record_succession(command: RecordUnitSuccession, cmd: CommandDep) -> JSONResponse:
    """Bổ sung đơn vị kế thừa của một đơn vị đã sáp nhập (cấp thành phố)."""
    return cmd.record(
        handlers.record_unit_succession, command, always_creates=True,
        location=lambda r: f"/api/v1/units/{r.events[0].aggregate_id}",
    )


@router.get("/successions/{code}")
def get_succession(code: UnitCodePath, request: Request) -> TaggedResponse:
    """Đơn vị kế thừa đã ghi nhận cho một đơn vị đã sáp nhập: bản ghi đang có hiệu lực và các
    lần ghi, đính chính (mỗi lần một sự kiện); ETag: phiên bản (If-Match của lần đính chính)."""
    runtime = runtime_of(request)
    with read_connection(runtime.engine) as conn:
        envelopes = runtime.store.load(conn, UnitSuccessionRecord.aggregate_type, code)
    if not envelopes:
        raise NotFound("SUCCESSION_NOT_RECORDED",
                       messages.SUCCESSION_NOT_RECORDED.format(code=code), predecessor_code=code)
    record = UnitSuccessionRecord.rehydrate(code, [runtime.registry.decode(e) for e in envelopes])
    assert record.recorded is not None
    return tagged({
        **record.recorded[1].model_dump(mode="json"),
        "version": record.version,
        "history": [{"event_type": e.event_type, "version": e.aggregate_version,
                     "recorded_at": e.recorded_at.isoformat(), "actor": e.actor, **e.payload}
                    for e in envelopes],
    }, record.version)


@router.post("/successions/{code}/corrections", dependencies=CITY_LEVEL,
             response_model=CommandResponse, responses=IF_MATCH_REQUIRED)
def correct_succession(
    code: UnitCodePath, command: CorrectUnitSuccession, cmd: CommandDep
) -> JSONResponse:
    """Đính chính đơn vị kế thừa đã ghi nhận sai (cấp thành phố): ghi sự kiện mới
    `UnitSuccessionCorrected` kèm lý do; sự kiện cũ vẫn còn trong lịch sử. Cần If-Match (ETag
    của `/units/successions/{code}`; 428 nếu thiếu, 412 nếu đã có người ghi sau lần đọc)."""
    return cmd.record(handlers.correct_unit_succession, code, command, cmd.expected_version)


@router.get("/{code}")
def get_unit(code: UnitCodePath, on: Day | None = None) -> dict[str, Any]:
    """Một đơn vị vào ngày `on`, với các cấp trên và các đơn vị trực thuộc."""
    on = on or today_vn()
    unit = _require(code, on)
    catalogue = default_catalogue()
    return {
        "on": on.isoformat(),
        **unit_dict(unit),
        "ancestors": [unit_dict(a) for a in catalogue.ancestors(code, on)],
        "children": [unit_dict(c) for c in catalogue.children(code, on)],
    }


@router.get("/{code}/history")
def unit_history(request: Request, code: UnitCodePath, as_of: AsOf = None) -> dict[str, Any]:
    """Các phiên bản của mã đơn vị và các lần sáp nhập, chia tách (đơn vị tiền thân → kế thừa),
    gồm cả đơn vị kế thừa do cán bộ bổ sung đến thời điểm `as_of` (mặc định: bây giờ)."""
    catalogue = _known_catalogue(request, as_of)
    versions = catalogue.history(code)
    if not versions:
        raise NotFound("UNIT_NOT_FOUND", messages.UNIT_NOT_FOUND.format(code=code), unit_code=code)
    return {
        "code": code,
        "versions": [unit_dict(v) for v in versions],
        "successors": [succession_dict(s, catalogue) for s in catalogue.successors(code)],
        "predecessors": [succession_dict(s, catalogue) for s in catalogue.predecessors(code)],
    }


@router.get("/{code}/restate")
def restate_unit(
    request: Request, code: UnitCodePath, to: Day, on: Day | None = None, as_of: AsOf = None
) -> dict[str, Any]:
    """Các đơn vị có hiệu lực vào ngày `to` nắm giữ (một phần) địa bàn của đơn vị `code`, theo
    các lần sáp nhập trong dữ liệu và các đơn vị kế thừa do cán bộ bổ sung đến thời điểm
    `as_of` (mặc định: bây giờ), như số liệu các chỉ tiêu."""
    catalogue = _known_catalogue(request, as_of)
    if on is not None:
        _require(code, on)
    elif not catalogue.history(code):
        raise NotFound("UNIT_NOT_FOUND", messages.UNIT_NOT_FOUND.format(code=code), unit_code=code)
    codes = catalogue.restate(code, to, on=on)
    return {
        "code": code,
        "to": to.isoformat(),
        "items": [unit_dict(u) for c in codes if (u := catalogue.get(c, to)) is not None],
    }
