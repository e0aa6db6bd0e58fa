"""HTTP API of the plan (kế hoạch công tác): its items, their progress, the inspections of
section III and the district boards' period reports (IV.3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from services.indicators import messages
from services.indicators.api.common import IdPath, YearPath, accepted, vn_time
from services.indicators.application import planhandlers
from services.indicators.application.plancommands import (
    AddPlanItem,
    AmendPlanItem,
    CancelInspection,
    CarryOutInspection,
    ConcludeInspection,
    FollowUpInspection,
    NamePlanParty,
    PlanInspection,
    RecordPlanDocument,
    RecordProgress,
    ReturnDistrictReport,
    SetReportingDeadline,
    SubmitDistrictReport,
    WithdrawPlanItem,
)
from services.indicators.application.planqueries import (
    PlanReader,
    duty_view,
    item_detail,
    plan_view,
)
from services.indicators.application.planreminders import remind_district_reports
from shared.aggregate import CommandContext, UnitOfWork
from shared.auth.checks import may_read_unit, require_scope
from shared.clock import today_vn
from shared.envelope import EventEnvelope, utcnow
from shared.validation import Day, Instant
from shared.web import command_context, principal_of, runtime_of

router = APIRouter(prefix="/api/v1", tags=[messages.TAG_PLAN])
Context = Annotated[CommandContext, Depends(command_context)]
NumberPath = Annotated[
    str, Path(max_length=20, pattern=r"^(II|III|IV)(\.\d{1,2}){1,2}(\.[a-z])?$")
]
PeriodPath = Annotated[str, Path(max_length=10, pattern=r"^\d{4}-(3|6|9|12)m$")]
DistrictPath = Annotated[str, Path(pattern=r"^\d{3}$")]


def _run(
    request: Request, context: CommandContext, handle: Callable[[UnitOfWork], list[EventEnvelope]]
) -> dict[str, Any]:
    with runtime_of(request).uow(context) as uow:
        envelopes = handle(uow)
        uow.commit()
    return accepted(envelopes)


def _reader(request: Request, as_of: Instant | None) -> tuple[Any, PlanReader]:
    runtime = runtime_of(request)
    conn = runtime.engine.connect()
    moment = vn_time(as_of) if as_of else utcnow()
    return conn, PlanReader(conn, runtime.store, runtime.registry, moment)


# -- the plan ---------------------------------------------------------------------------------


@router.post("/plans/{year}/load", status_code=201)
def load_plan(year: YearPath, request: Request, context: Context) -> dict[str, Any]:
    """Nạp kế hoạch công tác của năm từ dữ liệu trong hệ thống (một lần)."""
    return _run(request, context, lambda uow: planhandlers.load_plan(uow, year))


@router.get("/plans/{year}")
def get_plan(
    year: YearPath, request: Request, on: Day | None = None, as_of: Instant | None = None
) -> dict[str, Any]:
    """Các nhiệm vụ của kế hoạch, với tình trạng thực hiện vào ngày `on` (quá hạn được
    xác định từ thời hạn hoặc chu kỳ, không nhập tay)."""
    conn, reader = _reader(request, as_of)
    with conn:
        return plan_view(reader, year, on or today_vn())


@router.post("/plans/{year}/document", status_code=201)
def record_document(
    year: YearPath, command: RecordPlanDocument, request: Request, context: Context
) -> dict[str, Any]:
    """Ghi số, ngày ban hành của kế hoạch."""
    return _run(request, context, lambda uow: planhandlers.record_plan_document(uow, year, command))


@router.post("/plans/{year}/parties", status_code=201)
def name_party(
    year: YearPath, command: NamePlanParty, request: Request, context: Context
) -> dict[str, Any]:
    """Thêm hoặc đổi tên một đơn vị (phòng của Ban, đơn vị phối hợp) của kế hoạch."""
    return _run(request, context, lambda uow: planhandlers.name_party(uow, year, command))


@router.post("/plans/{year}/items", status_code=201)
def add_item(
    year: YearPath, command: AddPlanItem, request: Request, context: Context
) -> dict[str, Any]:
    """Bổ sung một nhiệm vụ vào kế hoạch."""
    return _run(request, context, lambda uow: planhandlers.add_item(uow, year, command))


@router.get("/plans/{year}/items/{number}")
def get_item(
    year: YearPath, number: NumberPath, request: Request, on: Day | None = None,
    as_of: Instant | None = None,
) -> dict[str, Any]:
    """Một nhiệm vụ: tình trạng, các kết quả đã ghi, các cuộc kiểm tra, giám sát."""
    conn, reader = _reader(request, as_of)
    with conn:
        return item_detail(reader, year, number, on or today_vn())


@router.post("/plans/{year}/items/{number}/amend", status_code=201)
def amend_item(
    year: YearPath, number: NumberPath, command: AmendPlanItem, request: Request,
    context: Context,
) -> dict[str, Any]:
    """Điều chỉnh nội dung, đơn vị, thời hạn của một nhiệm vụ (cả nhiệm vụ như sau điều
    chỉnh)."""
    return _run(request, context,
                lambda uow: planhandlers.amend_item(uow, year, number, command))


@router.post("/plans/{year}/items/{number}/withdraw", status_code=201)
def withdraw_item(
    year: YearPath, number: NumberPath, command: WithdrawPlanItem, request: Request,
    context: Context,
) -> dict[str, Any]:
    """Rút một nhiệm vụ khỏi kế hoạch."""
    return _run(request, context,
                lambda uow: planhandlers.withdraw_item(uow, year, number, command))


@router.post("/plans/{year}/items/{number}/progress", status_code=201)
def record_progress(
    year: YearPath, number: NumberPath, command: RecordProgress, request: Request,
    context: Context,
) -> dict[str, Any]:
    """Ghi kết quả thực hiện nhiệm vụ (đơn vị chủ trì hoặc phối hợp)."""
    return _run(request, context,
                lambda uow: planhandlers.record_progress(uow, year, number, command))


# -- inspections and supervisions (III) ------------------------------------------------------


@router.post("/plans/{year}/items/{number}/inspections", status_code=201)
def plan_inspection(
    year: YearPath, number: NumberPath, command: PlanInspection, request: Request,
    context: Context,
) -> dict[str, Any]:
    """Lên kế hoạch một cuộc kiểm tra, giám sát của mục III."""
    return _run(request, context,
                lambda uow: planhandlers.plan_inspection(uow, year, number, command))


@router.post("/plans/{year}/items/{number}/inspections/{inspection_id}/carry-out",
             status_code=201)
def carry_out(
    year: YearPath, number: NumberPath, inspection_id: IdPath, command: CarryOutInspection,
    request: Request, context: Context,
) -> dict[str, Any]:
    """Ghi nhận đã tiến hành kiểm tra, giám sát."""
    return _run(request, context, lambda uow: planhandlers.act_on_inspection(
        uow, year, number, inspection_id, command))


@router.post("/plans/{year}/items/{number}/inspections/{inspection_id}/conclude",
             status_code=201)
def conclude(
    year: YearPath, number: NumberPath, inspection_id: IdPath, command: ConcludeInspection,
    request: Request, context: Context,
) -> dict[str, Any]:
    """Kết luận kiểm tra, giám sát: phát hiện và kiến nghị."""
    return _run(request, context, lambda uow: planhandlers.act_on_inspection(
        uow, year, number, inspection_id, command))


@router.post("/plans/{year}/items/{number}/inspections/{inspection_id}/follow-up",
             status_code=201)
def follow_up(
    year: YearPath, number: NumberPath, inspection_id: IdPath, command: FollowUpInspection,
    request: Request, context: Context,
) -> dict[str, Any]:
    """Theo dõi việc thực hiện kết luận (completed: đã thực hiện xong)."""
    return _run(request, context, lambda uow: planhandlers.act_on_inspection(
        uow, year, number, inspection_id, command))


@router.post("/plans/{year}/items/{number}/inspections/{inspection_id}/cancel",
             status_code=201)
def cancel(
    year: YearPath, number: NumberPath, inspection_id: IdPath, command: CancelInspection,
    request: Request, context: Context,
) -> dict[str, Any]:
    """Hủy một cuộc kiểm tra, giám sát chưa tiến hành."""
    return _run(request, context, lambda uow: planhandlers.act_on_inspection(
        uow, year, number, inspection_id, command))


# -- the district boards' period reports (IV.3) ----------------------------------------------


@router.post("/reporting-duties/{period_id}/deadline", status_code=201)
def set_deadline(
    period_id: PeriodPath, command: SetReportingDeadline, request: Request, context: Context
) -> dict[str, Any]:
    """Ban đặt (hoặc đổi) hạn nộp báo cáo kỳ của Ban Dân vận các quận ủy, huyện ủy."""
    return _run(request, context,
                lambda uow: planhandlers.set_reporting_deadline(uow, period_id, command))


@router.get("/reporting-duties/{period_id}")
def get_duty(
    period_id: PeriodPath, request: Request, on: Day | None = None, as_of: Instant | None = None
) -> dict[str, Any]:
    """Tình hình nộp báo cáo kỳ vào ngày `on`: ai đã nộp, nộp muộn, bị trả lại, chưa nộp."""
    conn, reader = _reader(request, as_of)
    with conn:
        view = duty_view(reader, period_id, on or today_vn())
    principal = principal_of(request)
    if not principal.is_city:
        view["districts"] = [
            d for d in view["districts"] if may_read_unit(principal, d["district_code"])
        ]
    return view


@router.post("/reporting-duties/{period_id}/districts/{district_code}/submit",
             status_code=201)
def submit_report(
    period_id: PeriodPath, district_code: DistrictPath, command: SubmitDistrictReport,
    request: Request, context: Context,
) -> dict[str, Any]:
    """Ban Dân vận quận ủy, huyện ủy nộp (hoặc nộp lại) báo cáo kỳ; số liệu được giữ nguyên
    như khi nộp."""
    return _run(request, context, lambda uow: planhandlers.submit_district_report(
        uow, period_id, district_code, command))


@router.post("/reporting-duties/{period_id}/districts/{district_code}/return",
             status_code=201)
def return_report(
    period_id: PeriodPath, district_code: DistrictPath, command: ReturnDistrictReport,
    request: Request, context: Context,
) -> dict[str, Any]:
    """Ban trả lại báo cáo để chỉnh sửa, nêu lý do."""
    return _run(request, context, lambda uow: planhandlers.return_district_report(
        uow, period_id, district_code, command))


@router.post("/reporting-duties/reminders/scan")
def scan_reminders(request: Request, on: Day | None = None) -> dict[str, Any]:
    """Ghi ngay các nhắc nộp báo cáo đã đến hạn (thay vì chờ lượt quét kế tiếp)."""
    require_scope(principal_of(request), "admin")
    today = on or today_vn()
    if today > today_vn():
        today = today_vn()
    return {"on": today.isoformat(),
            "reminders": remind_district_reports(runtime_of(request), today)}

