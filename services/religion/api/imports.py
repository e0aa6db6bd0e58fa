"""Bulk import of the desk's spreadsheets (multipart upload of a .csv or .xlsx file)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from services.religion import messages
from services.religion.application.importing import ImportReport, check_file, import_checked
from shared.commandapi import CommandDep
from shared.jsonbody import JSONBodyRoute
from shared.openapi import file_responses, upload_body
from shared.safecells import csv_bytes
from shared.validation import echoed

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/v1", tags=["nhập dữ liệu"])
SITES_UPLOAD = upload_body(
    "Tệp `file`: bảng tính .csv (UTF-8) hoặc .xlsx, dòng đầu là tên cột như tệp mẫu "
    "GET /api/v1/sites/import/template.csv, mỗi dòng sau là một cơ sở; ngày viết "
    "dd/mm/yyyy hoặc yyyy-mm-dd.",
    [list(messages.COLUMN_HEADERS.values()),
     ["TL-001", "Chùa Đông", "Phật giáo", "11755", "Khu 1 thị trấn Tiên Lãng", "1250.5",
      "Đất cơ sở tôn giáo sử dụng ổn định", "05/01/2023"]],
)


@router.post("/sites/import", openapi_extra=SITES_UPLOAD,
             responses={201: {"description": messages.IMPORT_WRITTEN}})
async def import_sites_file(
    cmd: CommandDep,
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[bool, Query()] = False,
    only_valid: Annotated[bool, Query()] = False,
) -> JSONResponse:
    """Validate every row and, unless `dry_run`, register the new sites. Any row error refuses
    the whole file (422, nothing written) unless `only_valid`; codes already registered are
    skipped, so the same file imported twice creates nothing new."""
    content = await file.read()
    # Read and validated before the write turn, which then holds only the register's part.
    checked = await run_in_threadpool(
        check_file, cmd.context, cmd.runtime.settings.jurisdiction,
        # The name as the refusals and the report may show it (a bidi control reversed it).
        echoed(file.filename or ""), content,
    )

    def respond(report: ImportReport) -> tuple[int, Any, dict[str, str]]:
        body = report.as_dict()
        return (201 if body["written"] else 200), body, {}

    return await run_in_threadpool(
        cmd.perform,
        lambda uow: import_checked(uow, checked, dry_run=dry_run, only_valid=only_valid),
        respond,
        commit=lambda _: not dry_run,
    )


@router.get("/sites/import/template.csv", response_class=Response,
            responses=file_responses("text/csv"))
def import_template() -> Response:
    """An empty spreadsheet with the columns the import reads (UTF-8 with BOM, for Excel)."""
    return Response(
        csv_bytes(list(messages.COLUMN_HEADERS.values()), []),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="mau-nhap-co-so-ton-giao.csv"'},
    )
