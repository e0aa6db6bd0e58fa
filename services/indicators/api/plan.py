"""HTTP API of the plan (kế hoạch công tác): its items, their progress, the inspections of
section III and the district boards' period reports (IV.3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse

from services.indicators import messages
from services.indicators.api.common import IdPath, YearPath
from services.indicators.application import planhandlers
from services.indicators.application.plancommands import (
    PLAN_ITEM_NUMBER_PATTERN,
    AddPlanItem,
    AmendPlanItem,
    CancelInspection,
    CarryOutInspection,
    ConcludeInspection,
    FollowUpInspection,
    InspectionStep,
    NamePlanParty,
    PlanInspection,
    RecordPlanDocument,
    RecordProgress,
    ReopenPlanItem,
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
from shared.adminunits.model import DISTRICT_CODE_PATTERN
from shared.asof import AsOf
from shared.auth.checks import OPERATIONS, city_level, may_read_unit
from shared.clock import today_vn
from shared.commandapi import Command, CommandDep
from shared.commands import CommandResponse
from shared.concurrency import TaggedResponse, tagged, with_expected_version
from shared.db import read_connection
from shared.envelope import EventEnvelope, utcnow
from shared.jsonbody import JSONBodyRoute
from shared.validation import Day
from shared.web import principal_of, runtime_of

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/v1", tags=[messages.TAG_PLAN])
#: Commands of the city level only: refused to a district board before the body is read.
CITY_LEVEL = [city_level("indicators:write")]
NumberPath = Annotated[
    str, Path(max_length=20, pattern=PLAN_ITEM_NUMBER_PATTERN)
]
# No pattern: `planhandlers.canonical_period` refuses a malformed id INVALID_PERIOD with the
# kernel's wording, as reporting does; a pattern here answered VALIDATION_ERROR first.
PeriodPath = Annotated[str, Path(max_length=10)]
DistrictPath = Annotated[str, Path(pattern=DISTRICT_CODE_PATTERN)]


def _run(
    cmd: Command, location: str, handler: Callable[..., list[EventEnvelope]], *args: Any
) -> JSONResponse:
    """Every command of the plan records a new entry of its record (a progress report, an
    inspection's step, a submission): 201, with the record it belongs to as Location."""
    return cmd.record(handler, *args, location=lambda _: location, always_creates=True)


def _inspection_step(
    cmd: Command, year: int, number: str, inspection_id: str, command: InspectionStep
) -> JSONResponse:
    """One step of an inspection's course (carry out, conclude, follow up, cancel)."""
    step = with_expected_version(command, cmd.if_match)
    return _run(cmd, f"/api/v1/plans/{year}/items/{number}",
                planhandlers.act_on_inspection, year, number, inspection_id, step)


def _reader(request: Request, as_of: datetime | None) -> tuple[Any, PlanReader]:
    runtime = runtime_of(request)
    conn = read_connection(runtime.engine)
    moment = as_of or utcnow()
    return conn, PlanReader(conn, runtime.store, runtime.registry, moment)


# -- the plan ---------------------------------------------------------------------------------


@router.post("/plans/{year}/load", dependencies=CITY_LEVEL,
             status_code=201,
             response_model=CommandResponse)
def load_plan(year: YearPath, cmd: CommandDep) -> JSONResponse:
    """Nạp kế hoạch công tác của năm từ dữ liệu trong hệ thống (một lần)."""
    return _run(cmd, f"/api/v1/plans/{year}", planhandlers.load_plan, year)


@router.get("/plans/{year}")
def get_plan(
    year: YearPath, request: Request, on: Day | None = None, as_of: AsOf = None
) -> TaggedResponse:
    """Các nhiệm vụ của kế hoạch, với tình trạng thực hiện vào ngày `on` (quá hạn được
    xác định từ thời hạn hoặc chu kỳ, không nhập tay). ETag = phiên bản của kế hoạch
    (If-Match khi điều chỉnh, rút một nhiệm vụ)."""
    conn, reader = _reader(request, as_of)
    with conn:
        view = plan_view(reader, year, on or today_vn())
    return tagged(view, view["version"])


@router.post("/plans/{year}/document", dependencies=CITY_LEVEL,
             status_code=201,
             response_model=CommandResponse)
def record_document(
    year: YearPath, command: RecordPlanDocument, cmd: CommandDep
) -> JSONResponse:
    """Ghi số, ngày ban hành của kế hoạch."""
    return _run(cmd, f"/api/v1/plans/{year}", planhandlers.record_plan_document, year, command)


@router.post("/plans/{year}/parties", dependencies=CITY_LEVEL,
             status_code=201,
             response_model=CommandResponse)
def name_party(
    year: YearPath, command: NamePlanParty, cmd: CommandDep
) -> JSONResponse:
    """Thêm hoặc đổi tên một đơn vị (phòng của Ban, đơn vị phối hợp) của kế hoạch."""
    return _run(cmd, f"/api/v1/plans/{year}", planhandlers.name_party, year, command)


@router.post("/plans/{year}/items", dependencies=CITY_LEVEL,
             status_code=201,
             response_model=CommandResponse)
def add_item(
    year: YearPath, command: AddPlanItem, cmd: CommandDep
) -> JSONResponse:
    """Bổ sung một nhiệm vụ vào kế hoạch."""
    return _run(cmd, f"/api/v1/plans/{year}/items/{command.number}",
                planhandlers.add_item, year, command)


@router.get("/plans/{year}/items/{number}")
def get_item(
    year: YearPath, number: NumberPath, request: Request, on: Day | None = None,
    as_of: AsOf = None,
) -> TaggedResponse:
    """Một nhiệm vụ: tình trạng, các kết quả đã ghi, các cuộc kiểm tra, giám sát. ETag =
    phiên bản của hồ sơ thực hiện nhiệm vụ (If-Match của các bước kiểm tra, giám sát); điều
    chỉnh, rút nhiệm vụ thì If-Match là `plan_version` (ETag của kế hoạch)."""
    conn, reader = _reader(request, as_of)
    with conn:
        detail = item_detail(reader, year, number, on or today_vn())
    return tagged(detail, detail["version"])


@router.post("/plans/{year}/items/{number}/amend", dependencies=CITY_LEVEL,
             status_code=201,
             response_model=CommandResponse)
def amend_item(
    year: YearPath, number: NumberPath, command: AmendPlanItem, cmd: CommandDep,
) -> JSONResponse:
    """Điều chỉnh nội dung, đơn vị, thời hạn của một nhiệm vụ (cả nhiệm vụ như sau điều
    chỉnh)."""
    command = with_expected_version(command, cmd.if_match)
    return _run(cmd, f"/api/v1/plans/{year}/items/{number}",
                planhandlers.amend_item, year, number, command)


@router.post("/plans/{year}/items/{number}/withdraw", dependencies=CITY_LEVEL,
             status_code=201,
             response_model=CommandResponse)
def withdraw_item(
    year: YearPath, number: NumberPath, command: WithdrawPlanItem, cmd: CommandDep,
) -> JSONResponse:
    """Rút một nhiệm vụ khỏi kế hoạch."""
    command = with_expected_version(command, cmd.if_match)
    return _run(cmd, f"/api/v1/plans/{year}/items/{number}",
                planhandlers.withdraw_item, year, number, command)


@router.post("/plans/{year}/items/{number}/reopen", dependencies=CITY_LEVEL,
             status_code=201,
             response_model=CommandResponse)
def reopen_item(
    year: YearPath, number: NumberPath, command: ReopenPlanItem, cmd: CommandDep,
) -> JSONResponse:
    """Mở lại một nhiệm vụ đã hoàn thành (Ban Dân vận Thành ủy), nêu lý do."""
    return _run(cmd, f"/api/v1/plans/{year}/items/{number}",
                planhandlers.reopen_item, year, number, command)


@router.post("/plans/{year}/items/{number}/progress", status_code=201,
             response_model=CommandResponse)
def record_progress(
    year: YearPath, number: NumberPath, command: RecordProgress, cmd: CommandDep,
) -> JSONResponse:
    """Ghi kết quả thực hiện nhiệm vụ (đơn vị chủ trì hoặc phối hợp). Gửi lại đúng kết quả
    mới nhất của cùng đơn vị (cùng ngày, nội dung, minh chứng) thì không ghi thêm: 200,
    `already_recorded`."""
    return cmd.record(
        planhandlers.record_progress, year, number, command,
        location=lambda _: f"/api/v1/plans/{year}/items/{number}",
        # A report already recorded writes nothing and creates nothing: 200.
        always_creates=lambda r: bool(r.events),
        extra=lambda r: {} if r.events else {
            "already_recorded": True, "message": messages.PROGRESS_ALREADY_RECORDED},
    )


# -- inspections and supervisions (III) ------------------------------------------------------


@router.post("/plans/{year}/items/{number}/inspections", status_code=201,
             response_model=CommandResponse)
def plan_inspection(
    year: YearPath, number: NumberPath, command: PlanInspection, cmd: CommandDep,
) -> JSONResponse:
    """Lên kế hoạch một cuộc kiểm tra, giám sát của mục III."""
    # The answer names the new inspection as its clients know it (`inspection_id`, drawn
    # by the service when not given): the id the steps' URLs take (H18).
    return cmd.record(
        planhandlers.plan_inspection, year, number, command,
        location=lambda _: f"/api/v1/plans/{year}/items/{number}", always_creates=True,
        extra=lambda r: {"inspection_id": r.events[0].payload["inspection_id"]}
        if r.events else {},
    )


@router.post("/plans/{year}/items/{number}/inspections/{inspection_id}/carry-out",
             status_code=201, response_model=CommandResponse)
def carry_out(
    year: YearPath, number: NumberPath, inspection_id: IdPath, command: CarryOutInspection,
    cmd: CommandDep,
) -> JSONResponse:
    """Ghi nhận đã tiến hành kiểm tra, giám sát."""
    return _inspection_step(cmd, year, number, inspection_id, command)


@router.post("/plans/{year}/items/{number}/inspections/{inspection_id}/conclude",
             status_code=201, response_model=CommandResponse)
def conclude(
    year: YearPath, number: NumberPath, inspection_id: IdPath, command: ConcludeInspection,
    cmd: CommandDep,
) -> JSONResponse:
    """Kết luận kiểm tra, giám sát: phát hiện và kiến nghị."""
    return _inspection_step(cmd, year, number, inspection_id, command)


@router.post("/plans/{year}/items/{number}/inspections/{inspection_id}/follow-up",
             status_code=201, response_model=CommandResponse)
def follow_up(
    year: YearPath, number: NumberPath, inspection_id: IdPath, command: FollowUpInspection,
    cmd: CommandDep,
) -> JSONResponse:
    """Theo dõi việc thực hiện kết luận (completed: đã thực hiện xong)."""
    return _inspection_step(cmd, year, number, inspection_id, command)


@router.post("/plans/{year}/items/{number}/inspections/{inspection_id}/cancel",
             status_code=201, response_model=CommandResponse)
def cancel(
    year: YearPath, number: NumberPath, inspection_id: IdPath, command: CancelInspection,
    cmd: CommandDep,
) -> JSONResponse:
    """Hủy một cuộc kiểm tra, giám sát chưa tiến hành."""
    return _inspection_step(cmd, year, number, inspection_id, command)


# -- the district boards' period reports (IV.3) ----------------------------------------------


@router.post("/reporting-duties/{period_id}/deadline", dependencies=CITY_LEVEL,
             status_code=201,
             response_model=CommandResponse)
def set_deadline(
    period_id: PeriodPath, command: SetReportingDeadline, cmd: CommandDep
) -> JSONResponse:
    """Ban đặt (hoặc đổi) hạn nộp báo cáo kỳ của Ban Dân vận các quận ủy, huyện ủy."""
    period_id = planhandlers.canonical_period(period_id)
    return _run(cmd, f"/api/v1/reporting-duties/{period_id}",
                planhandlers.set_reporting_deadline, period_id, command)


@router.get("/reporting-duties/{period_id}")
def get_duty(
    period_id: PeriodPath, request: Request, on: Day | None = None, as_of: AsOf = None
) -> dict[str, Any]:
    """Tình hình nộp báo cáo kỳ vào ngày `on`: ai đã nộp, nộp muộn, bị trả lại, chưa nộp."""
    period_id = planhandlers.canonical_period(period_id)
    conn, reader = _reader(request, as_of)
    principal = principal_of(request)
    with conn:
        return duty_view(reader, period_id, on or today_vn(),
                         lambda code: may_read_unit(principal, code))


@router.post("/reporting-duties/{period_id}/districts/{district_code}/submit",
             status_code=201, response_model=CommandResponse)
def submit_report(
    period_id: PeriodPath, district_code: DistrictPath, command: SubmitDistrictReport,
    cmd: CommandDep,
) -> JSONResponse:
    """Ban Dân vận quận ủy, huyện ủy nộp (hoặc nộp lại) báo cáo kỳ; số liệu được giữ nguyên
    như khi nộp."""
    period_id = planhandlers.canonical_period(period_id)
    command = with_expected_version(command, cmd.if_match)
    return _run(cmd, f"/api/v1/reporting-duties/{period_id}",
                planhandlers.submit_district_report, period_id, district_code, command)


@router.post("/reporting-duties/{period_id}/districts/{district_code}/return",
             dependencies=CITY_LEVEL,
             status_code=201, response_model=CommandResponse)
def return_report(
    period_id: PeriodPath, district_code: DistrictPath, command: ReturnDistrictReport,
    cmd: CommandDep,
) -> JSONResponse:
    """Ban trả lại báo cáo để chỉnh sửa, nêu lý do."""
    period_id = planhandlers.canonical_period(period_id)
    command = with_expected_version(command, cmd.if_match)
    return _run(cmd, f"/api/v1/reporting-duties/{period_id}",
                planhandlers.return_district_report, period_id, district_code, command)


@router.post("/reporting-duties/reminders/scan", dependencies=[Depends(OPERATIONS)])
def scan_reminders(request: Request, on: Day | None = None) -> dict[str, Any]:
    """Ghi ngay các nhắc nộp báo cáo đã đến hạn (thay vì chờ lượt quét kế tiếp)."""
    today = on or today_vn()
    if today > today_vn():
        today = today_vn()
    return {"on": today.isoformat(),
            "reminders": remind_district_reports(runtime_of(request), today)}

