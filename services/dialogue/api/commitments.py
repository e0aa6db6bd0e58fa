"""HTTP API of commitment follow-up, including the bulk progress import."""

from __future__ import annotations

import functools
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from services.dialogue import messages
from services.dialogue.adapters.spreadsheets import XLSX_MEDIA_TYPE, write_csv, write_xlsx
from services.dialogue.adapters.tables import commitments, unit_successions
from services.dialogue.api import access
from services.dialogue.api.deps import Id, Runtime
from services.dialogue.application import commitments as handlers
from services.dialogue.application import queries
from services.dialogue.application.commands import ReopenCommitment, UpdateProgress
from services.dialogue.application.progress_import import (
    MAX_ROWS,
    ImportReport,
    Mode,
    check_file,
    import_progress,
)
from services.dialogue.domain.events import CommitmentStatus
from shared.asof import AsOf
from shared.clock import format_date_vn
from shared.commandapi import CommandDep
from shared.commands import CommandResponse
from shared.concurrency import TaggedResponse, tagged
from shared.db import read_connection
from shared.jsonbody import JSONBodyRoute
from shared.openapi import file_responses, upload_body
from shared.paging import LegacyPaging
from shared.unitfilter import UnitFilter
from shared.unitsuccessions import catalogue_now
from shared.validation import Day, echoed
from shared.web import AuthenticatedPrincipal

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/v1", tags=[messages.TAG_COMMITMENTS])


@router.get("/commitments")
def list_commitments(
    runtime: Runtime,
    principal: AuthenticatedPrincipal,
    paging: LegacyPaging,
    unit_code: UnitFilter,
    status: CommitmentStatus | None = None,
    agency: Annotated[str | None, Query(max_length=500)] = None,
    session_id: Annotated[str | None, Query(max_length=36)] = None,
    due_before: Day | None = None,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """The commitments, or with `as_of` as they stood at that moment; each with its status at
    the end of that day (today without `as_of`): overdue once its due date has passed, as
    reports count it, whether or not the scheduler has recorded the overdue yet."""
    # The 403 before the replay: a refused caller costs no replay (review RV2).
    unit_code = access.list_filter(principal, unit_code)
    # The business clock's day (tests move it), as the scheduler judges by.
    day = queries.day_of(as_of, runtime.today())
    return access.listed(
        runtime.engine, principal, queries.COMMITMENT_LIFE, as_of, day, paging,
        lambda placing, placed_on: queries.commitments_query(
            unit_code=unit_code, status=status, agency=agency, session_id=session_id,
            due_before=due_before, placing=placing, day=placed_on),
        functools.partial(queries.list_commitments, day=day))


@router.post("/commitments/progress-import", openapi_extra=upload_body(
    "Tệp `file`: bảng tính .xlsx hoặc .csv (UTF-8) như tệp mẫu GET "
    "/api/v1/commitments/progress-import/template (điền cột «Tiến độ (%)», có thể thêm «Ngày "
    "cập nhật» dd/mm/yyyy và «Ghi chú»); mỗi dòng là một cam kết theo «Mã cam kết».",
    [[messages.COLUMN_COMMITMENT_ID, messages.COLUMN_PROGRESS, messages.COLUMN_UPDATED_ON,
      messages.COLUMN_NOTE],
     ["6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", "80", "15/05/2023",
      "Đã chi trả cho 10/12 hộ"]],
))
def progress_import(
    runtime: Runtime,
    cmd: CommandDep,
    file: Annotated[UploadFile, File()],
    dry_run: bool = False,
    mode: Mode = "all_or_nothing",
) -> JSONResponse:
    """Progress of many commitments from a CSV or .xlsx file (columns «Mã cam kết»,
    «Tiến độ (%)», optional «Ngày cập nhật», «Ghi chú»). A dry run checks everything and
    writes nothing; by default one bad row refuses the whole file (422, row-level errors)."""
    content = file.file.read()
    today = runtime.today()
    # Read and parsed before the write turn, which then holds only the commitments' part;
    # the name as a refusal may show it (a bidi control reversed it).
    checked = check_file(cmd.context, content, echoed(file.filename or ""), today)

    def respond(report: ImportReport) -> tuple[int, Any, dict[str, str]]:
        return 200, report.as_dict(), {}

    return cmd.perform(
        lambda uow: import_progress(uow, checked, today, dry_run=dry_run, mode=mode),
        respond,
        commit=lambda _: not dry_run,
    )


@router.get(
    "/commitments/progress-import/template",
    response_class=Response,
    responses=file_responses(XLSX_MEDIA_TYPE, "text/csv"),
)
def progress_template(
    runtime: Runtime,
    principal: AuthenticatedPrincipal,
    unit_code: UnitFilter,
    agency: Annotated[str | None, Query(max_length=500)] = None,
    format: Literal["xlsx", "csv"] = "xlsx",
) -> Response:
    """A sheet of the commitments not yet done, ready to fill in and upload back."""
    # One day, the business clock's, places them and states their status (as the list).
    today = runtime.today()
    with read_connection(runtime.engine) as conn:
        query = queries.commitments_query(
            unit_code=access.list_filter(principal, unit_code), status=None, agency=agency,
            session_id=None, due_before=None, day=today,
            placing=catalogue_now(conn, unit_successions),
        ).where(commitments.c.status != "done",
                *access.within(principal, queries.COMMITMENT_LIFE, conn))
        items = queries.all_commitments(conn, query, MAX_ROWS, today)
    header = [
        messages.COLUMN_COMMITMENT_ID,
        messages.COLUMN_TEXT,
        messages.COLUMN_AGENCY,
        messages.COLUMN_DUE_ON,
        messages.COLUMN_STATUS,
        messages.COLUMN_PROGRESS,
        messages.COLUMN_UPDATED_ON,
        messages.COLUMN_NOTE,
    ]
    rows = [
        [
            c["commitment_id"],
            c["text"],
            c["responsible_agency"],
            format_date_vn(date.fromisoformat(c["due_on"])),
            c["status_label"],
            c["progress_pct"],
            None,
            None,
        ]
        for c in items
    ]
    if format == "csv":
        return Response(
            write_csv(header, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="tien-do-cam-ket.csv"'},
        )
    return Response(
        write_xlsx(messages.TEMPLATE_SHEET, header, rows),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="tien-do-cam-ket.xlsx"'},
    )


@router.get("/commitments/{commitment_id}")
def get_commitment(
    commitment_id: Id, runtime: Runtime, principal: AuthenticatedPrincipal
) -> TaggedResponse:
    """The commitment with `ETag` = its version (If-Match of its next update)."""
    with read_connection(runtime.engine) as conn:
        access.require_readable(principal, conn, queries.COMMITMENT_LIFE,
                                commitments.c.commitment_id == commitment_id)
        commitment = queries.get_commitment(conn, runtime.store, commitment_id, runtime.today())
    return tagged(commitment, commitment["version"])


@router.post("/commitments/{commitment_id}/progress", response_model=CommandResponse)
def update_progress(
    commitment_id: Id, command: UpdateProgress, runtime: Runtime, cmd: CommandDep
) -> JSONResponse:
    """The latest update sent again (same percent, date and note) writes nothing: 200 with
    `already_recorded`."""
    return cmd.record(
        handlers.update_progress, commitment_id, command, runtime.today(), cmd.expected_version,
        extra=lambda r: {} if r.events else {
            "already_recorded": True, "message": messages.PROGRESS_ALREADY_RECORDED},
    )


@router.post("/commitments/{commitment_id}/reopen", response_model=CommandResponse)
def reopen(
    commitment_id: Id, command: ReopenCommitment, runtime: Runtime, cmd: CommandDep
) -> JSONResponse:
    return cmd.record(
        handlers.reopen, commitment_id, command, runtime.today(), cmd.expected_version
    )
