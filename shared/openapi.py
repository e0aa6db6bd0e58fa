"""The OpenAPI document every service publishes tells the truth about its refusals.

FastAPI documents an operation's success and its own 422 shape (`HTTPValidationError`), but
this project answers every refusal in one format (shared/errors.py) and with more statuses
than 422. Here, once for the four services, the real error body becomes the component
`Error` and each operation lists the refusals it can give:

- 401 and 403: operations behind authentication, which is all but PUBLIC (credentials
  missing or refused; a scope or a unit outside the caller's);
- 404: operations that name something in their path, writes (which name what they act on)
  and authenticated reads that look up what their query names;
- 409: writes (a concurrent change, or an action the current state does not allow);
- 412: writes (If-Match names a version the aggregate is no longer at, shared/concurrency.py);
- 428: the writes that require If-Match (declared by their route: `IF_MATCH_REQUIRED`);
- 400, 413 and 415: writes (a body that cannot be decoded, too large, or of a type they
  do not read);
- 422: every operation (any parameter, even one it does not declare, is checked for
  control characters, shared/requestguard.py);
- 503: operations that need the database or NATS (shared/web.py, `/readyz`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": "Mọi lỗi 4xx/5xx: mã ổn định cho máy, thông điệp tiếng Việt cho người.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
                "message": {"type": "string"},
                "details": {"description": "Chi tiết (trường sai, trạng thái hiện tại...)"},
            },
        }
    },
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
DESCRIPTIONS = {
    400: "Nội dung gửi lên không đọc được theo định dạng đã khai báo",
    401: "Chưa xác thực hoặc thông tin xác thực không hợp lệ",
    403: "Không đủ quyền hoặc ngoài phạm vi đơn vị",
    404: "Không tìm thấy",
    409: "Xung đột với trạng thái hiện tại hoặc với thay đổi đồng thời",
    412: "If-Match mang phiên bản cũ: bản ghi đã đổi, đọc lại để lấy ETag mới",
    428: "Thao tác này cần tiêu đề If-Match (ETag của bản ghi đã đọc)",
    413: "Dữ liệu gửi lên quá lớn",
    415: "Định dạng dữ liệu không được hỗ trợ",
    422: "Dữ liệu gửi lên không hợp lệ",
    503: "Cơ sở dữ liệu hoặc NATS tạm thời không sẵn sàng; thử lại sau Retry-After giây",
}
WRITES = frozenset({"post", "put", "patch", "delete"})
#: The operations every service answers without credentials (shared/web.py, auth routes).
PUBLIC = frozenset({"/healthz", "/readyz", "/api/v1/auth/scopes", "/api/v1/events/catalogue"})
#: Operations that answer without the database or NATS.
NO_DEPENDENCY = frozenset({"/healthz", "/api/v1/auth/scopes", "/api/v1/events/catalogue"})


def refusals(
    path: str, method: str, operation: dict[str, Any], public: frozenset[str]
) -> list[int]:
    """The error statuses an operation can answer with (see the module's account)."""
    statuses = {422}
    guarded = path not in public
    if guarded:
        statuses |= {401, 403}
    places = {p.get("in") for p in operation.get("parameters", [])}
    if "path" in places or method in WRITES or (guarded and "query" in places):
        statuses.add(404)
    if method in WRITES:
        statuses |= {400, 409, 412, 413, 415}
    if "428" in operation.get("responses", {}):
        statuses.add(428)
    if path not in NO_DEPENDENCY and (guarded or path == "/readyz"):
        statuses.add(503)
    return sorted(statuses)


def document_refusals(document: dict[str, Any], public: frozenset[str] = PUBLIC) -> None:
    """Add the Error component and each operation's refusals to an OpenAPI document."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for status in refusals(path, method, operation, public):
                responses[str(status)] = {
                    "description": DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": ERROR_REF}},
                }


def install_error_responses(app: FastAPI, public: frozenset[str] = PUBLIC) -> None:
    """Make `app.openapi()` document the error component and every operation's refusals."""
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = plain_openapi()
            document_refusals(document, public)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


#: `responses=` of a write that refuses to run without If-Match (428).
IF_MATCH_REQUIRED: dict[int | str, dict[str, Any]] = {428: {"description": DESCRIPTIONS[428]}}


def file_responses(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route that answers with a file (a download, a template, a
    calendar), so its document names the file's type instead of JSON; use with
    `response_class=Response`."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": "Tệp", "content": dict.fromkeys(media_types, binary)}}
