"""The OpenAPI document every service publishes tells the truth about its refusals.

FastAPI documents an operation's success and its own 422 shape (`HTTPValidationError`), but
this project answers every refusal in one format (shared/errors.py) and with more statuses
than 422. Here, once for the four services, the real error body becomes the component
`Error` and each operation lists the refusals it can give:

- 401 and 403: operations behind authentication (credentials missing or refused; a scope
  or a unit outside the caller's), read off the route's dependencies like the security
  requirement and the scope each operation names (`route_access`), and their 400 (a bearer
  token and an API key sent together: AMBIGUOUS_CREDENTIALS, shared/auth/http.py);
- 404: operations that name something in their path, writes (which name what they act on)
  and authenticated reads that look up what their query names;
- 409: writes (a concurrent change, or an action the current state does not allow);
- 412: writes (If-Match names a version the aggregate is no longer at, shared/concurrency.py);
- 428: the writes that require If-Match (declared by their route: `IF_MATCH_REQUIRED`);
- 400, 413 and 415: writes (a body that cannot be decoded, too large, or of a type they
  do not read: shared/requestguard.py `unsupported_body_refusal`, 415 UNSUPPORTED_MEDIA_TYPE);
- 422: every operation (any parameter, even one it does not declare, is checked for
  control characters, shared/requestguard.py);
- 503: operations that need the database or NATS (shared/web.py, `/readyz`).

and the headers its answers carry (`document_headers`):

- `ETag` on the success of a command (its `Idempotency-Key` parameter, shared/commandapi.py,
  names it one) and of a read of one aggregate (a route returning
  `shared.concurrency.TaggedResponse`);
- `Location` on a command's 201, `Idempotent-Replayed` on a command's success (a replay);
- `Retry-After` on a command's 409 (IDEMPOTENCY_KEY_IN_PROGRESS, COMMANDS_CROSSED) and on
  every 503.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute

from shared.apitexts import (
    FIELDS,
    KERNEL,
    KERNEL_EXAMPLES,
    FieldTexts,
    OperationTexts,
    SchemaExamples,
)
from shared.auth.checks import SERVICE_GUARD, RequiredScope, ServiceScopes
from shared.auth.http import authenticate_request, authenticated_principal
from shared.auth.principal import SCOPES
from shared.concurrency import TaggedResponse

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": (
        "Mọi lỗi 4xx/5xx của mọi dịch vụ: mã ổn định cho máy (`code`, không đổi giữa các phiên "
        "bản, chương trình đối tác rẽ nhánh theo mã này), thông điệp tiếng Việt cho người "
        "(`message`, có thể đổi câu chữ) và chi tiết tuỳ lỗi (`details`)."
    ),
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "title": "ErrorDetail",
            "description": "Lỗi: mã, thông điệp, chi tiết",
            "required": ["code", "message"],
            "properties": {
                "code": {
                    "type": "string",
                    "pattern": "^[A-Z][A-Z0-9_]*$",
                    "title": "Mã lỗi",
                    "description": "Mã ổn định, chữ in hoa và gạch dưới",
                    "examples": ["VALIDATION_ERROR", "MISSING_SCOPE", "CONCURRENCY_CONFLICT"],
                },
                "message": {
                    "type": "string",
                    "title": "Thông điệp",
                    "description": "Thông điệp tiếng Việt cho người dùng",
                },
                "details": {
                    "title": "Chi tiết",
                    "description": (
                        "Chi tiết tuỳ lỗi: các trường sai (422), quyền thiếu (403), phiên bản "
                        "hiện tại (409/412), số giây nên chờ (503)..."
                    ),
                },
            },
        }
    },
    "examples": [
        {
            "error": {
                "code": "MISSING_SCOPE",
                "message": "Bạn không có quyền «religion:write» (Ghi cơ sở tôn giáo, hồ sơ đất "
                "đai, giấy chứng nhận, vụ việc)",
                "details": {"required_scope": "religion:write"},
            }
        }
    ],
}
RETRY_AFTER: dict[str, Any] = {
    "description": "Số giây nên chờ trước khi gửi lại", "schema": {"type": "string"},
    "example": "1",
}
#: Headers some refusals carry.
REFUSAL_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {
        "description": "Cách xác thực được chấp nhận (Bearer)", "schema": {"type": "string"}}},
    503: {"Retry-After": RETRY_AFTER},
}
ETAG: dict[str, Any] = {
    "description": (
        'Phiên bản hiện tại của bản ghi, dạng "<số>" (gửi lại trong If-Match của lệnh sau)'
    ),
    "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
    "example": '"3"',
}
LOCATION: dict[str, Any] = {
    "description": "Đường dẫn của bản ghi vừa tạo",
    "schema": {"type": "string", "format": "uri-reference"},
}
REPLAYED: dict[str, Any] = {
    "description": (
        "`true` khi đây là câu trả lời đã lưu của lần gửi đầu với cùng Idempotency-Key "
        "(không ghi thêm gì); không có ở lần thực hiện đầu"
    ),
    "schema": {"type": "string", "enum": ["true"]},
}
IDEMPOTENCY_KEY = "Idempotency-Key"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
AMBIGUOUS_CREDENTIALS_TEXT = (
    "Mang cả tiêu đề Authorization lẫn khoá API X-API-Key, hoặc một trong hai tiêu đề ấy nhiều "
    "lần (mã AMBIGUOUS_CREDENTIALS): chỉ gửi một thông tin xác thực, một lần"
)
DESCRIPTIONS = {
    400: "Nội dung gửi lên không đọc được theo định dạng đã khai báo",
    401: "Chưa xác thực hoặc thông tin xác thực không hợp lệ",
    403: "Không đủ quyền hoặc ngoài phạm vi đơn vị",
    404: "Không tìm thấy",
    409: "Xung đột với trạng thái hiện tại hoặc với thay đổi đồng thời",
    412: "If-Match mang phiên bản cũ: bản ghi đã đổi, đọc lại để lấy ETag mới",
    428: "Thao tác này cần tiêu đề If-Match (ETag của bản ghi đã đọc)",
    413: "Dữ liệu gửi lên quá lớn",
    415: (
        "Nội dung gửi lên không đúng định dạng thao tác này đọc (mã UNSUPPORTED_MEDIA_TYPE): "
        "gửi JSON với Content-Type: application/json; tệp nhập (CSV, XLSX) gửi là phần `file` "
        "của multipart/form-data"
    ),
    422: "Dữ liệu gửi lên không hợp lệ",
    503: "Cơ sở dữ liệu hoặc NATS tạm thời không sẵn sàng; thử lại sau Retry-After giây",
}
WRITES = frozenset({"post", "put", "patch", "delete"})
#: Operations that answer without the database or NATS.
NO_DEPENDENCY = frozenset({"/healthz", "/api/v1/auth/scopes", "/api/v1/events/catalogue"})

BEARER, API_KEY = "bearerAuth", "apiKeyAuth"
#: How a caller authenticates, as shared/auth/http.py accepts it.
SECURITY_SCHEMES: dict[str, Any] = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": (
            "`Authorization: Bearer <mã truy cập>`: mã JWT ký RS256 do hệ thống định danh của "
            "cơ quan cấp (claim `scope` liệt kê quyền, `unit_scope` là phạm vi đơn vị). Khoá API "
            "`dv_...` cũng gửi được theo cách này."
        ),
    },
    API_KEY: {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": (
            "`X-API-Key: dv_...`: khoá API của hệ thống đối tác, do quản trị viên cấp "
            "(POST /api/v1/admin/api-keys hoặc `python -m shared.auth.keys create`); mang "
            "quyền và phạm vi đơn vị của khoá."
        ),
    },
}


@dataclass(frozen=True)
class Access:
    """What an operation asks of its caller: credentials, and the one scope it needs."""

    authenticated: bool
    scope: str | None = None


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def service_guard_of(route: Any) -> ServiceScopes | None:
    """The service guard a command route was included without (shared/web.py), or None."""
    original = getattr(route, "original_route", route)
    guard = getattr(original, SERVICE_GUARD, None)
    return guard if isinstance(guard, ServiceScopes) else None


def route_access(
    dependant: Dependant,
    method: str,
    command_dependency: Callable[..., Any],
    service_guard: ServiceScopes | None = None,
) -> Access:
    """The access an operation needs, read off the dependencies its route declares:
    `authenticated_principal` (or the service guard) asks for credentials; a `RequiredScope`
    names its scope; a command (commands are authorised by their handlers) needs the
    service's write scope; the service guard's read scope covers GET. (`command_dependency`
    is shared.commandapi.command, passed in because shared.commandapi builds on this
    module.)"""
    calls = list(_calls(dependant))
    # A scope waived by configuration (METRICS_PUBLIC) is documented as this service runs.
    explicit = [c for c in calls if isinstance(c, RequiredScope) and not c.waived]
    # A command route included without the guard carries it (`service_guard`, shared/web.py).
    guard = next((c for c in calls if isinstance(c, ServiceScopes)), service_guard)
    if explicit:
        return Access(True, explicit[-1].scope)
    if guard is not None and command_dependency in calls:
        return Access(True, guard.write)
    if guard is not None and method.upper() in ("GET", "HEAD"):
        return Access(True, guard.read)
    # The service guard authenticates every caller of the service's routers.
    authenticates = (authenticate_request, authenticated_principal)
    return Access(guard is not None or any(c in calls for c in authenticates))


def refusals(path: str, method: str, operation: dict[str, Any], access: Access) -> list[int]:
    """The error statuses an operation can answer with (see the module's account)."""
    statuses = {422}
    guarded = access.authenticated
    if guarded:
        statuses |= {400, 401, 403}
    parameters = operation.get("parameters", [])
    places = {p.get("in") for p in parameters}
    if "path" in places or method in WRITES or (guarded and "query" in places):
        statuses.add(404)
    if method in WRITES:
        statuses |= {400, 409, 412, 413, 415}
    if "428" in operation.get("responses", {}):
        statuses.add(428)
    if path not in NO_DEPENDENCY and (guarded or path == "/readyz"):
        statuses.add(503)
    return sorted(statuses)


def _is_command(operation: dict[str, Any]) -> bool:
    """A command run through shared/commandapi.py: it takes an Idempotency-Key."""
    return any(
        p.get("in") == "header" and p.get("name") == IDEMPOTENCY_KEY
        for p in operation.get("parameters", [])
    )


def _returns_tagged(route: Any) -> bool:
    """A route (or a route context) answering a read of one aggregate (its declared return
    type)."""
    endpoint = getattr(route, "endpoint", None)
    try:
        returned = typing.get_type_hints(endpoint).get("return") if endpoint else None
    except (NameError, TypeError):  # an annotation this module cannot resolve: not one
        return False
    return isinstance(returned, type) and issubclass(returned, TaggedResponse)


def document_headers(operation: dict[str, Any], *, tagged_read: bool) -> None:
    """The headers of the operation's answers (see the module's account)."""
    command = _is_command(operation)
    for status, response in operation.get("responses", {}).items():
        headers: dict[str, Any] = {}
        if status.startswith("2") and (command or tagged_read):
            headers["ETag"] = ETAG
        if command and status == "201":
            headers["Location"] = LOCATION
        if command and status.startswith("2"):
            headers["Idempotent-Replayed"] = REPLAYED
        if (command and status == "409") or status == "503":
            headers["Retry-After"] = RETRY_AFTER
        if headers:
            response["headers"] = {**response.get("headers", {}), **headers}


def security_requirements(access: Access) -> list[dict[str, list[str]]]:
    """The operation's `security`: either scheme with the scope (OpenAPI 3.1 lets a non-OAuth
    scheme name the roles it needs); none for a public operation."""
    if not access.authenticated:
        return []
    scopes = [access.scope] if access.scope else []
    return [{BEARER: scopes}, {API_KEY: scopes}]


def _access_note(access: Access) -> str:
    if not access.authenticated:
        return "**Xác thực:** không cần."
    if access.scope is None:
        return "**Xác thực:** mã truy cập hoặc khoá API (không cần quyền riêng)."
    return f"**Quyền cần có:** `{access.scope}` ({SCOPES[access.scope]})."


def _pydantic_title(field: str, prop: dict[str, Any]) -> bool:
    """The title is none or pydantic's own, the field's name in English words ("Recognition
    Level"); a title a schema chose (the `Error` component's "ErrorDetail", which names the
    type a generated client makes) stays."""
    title = prop.get("title")
    return title is None or title == field.replace("_", " ").title()


def document_fields(
    document: dict[str, Any], examples: SchemaExamples, fields: FieldTexts = FIELDS
) -> None:
    """Vietnamese titles and descriptions of the body fields, and descriptions of the query,
    path and header parameters, by name (shared/apitexts.py FIELDS with the service's own
    over it: a parameter named like a field means the same), where the model or the route
    gives none; and each request body's example on its schema."""
    schemas = document.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        for field, prop in schema.get("properties", {}).items():
            # "Schema.field" first: the rare field whose name means something else in one
            # schema of the service (a kind of evidence, not of plan item).
            texts = fields.get(f"{name}.{field}") or fields.get(field)
            if texts is None:
                continue
            title, description = texts
            if not prop.get("description"):
                prop["description"] = description
            if _pydantic_title(field, prop):
                prop["title"] = title
        if name in examples:
            schema["examples"] = [examples[name]]
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                name = parameter.get("name", "")
                if not parameter.get("description") and name in fields:
                    parameter["description"] = fields[name][1]
            for media in operation.get("requestBody", {}).get("content", {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                name = ref.rsplit("/", 1)[-1]
                if name in examples:
                    media["example"] = examples[name]


#: pydantic's names of a number's bounds, and JSON Schema's.
_RANGE_KEYWORDS = (("ge", "minimum"), ("le", "maximum"), ("gt", "exclusiveMinimum"),
                   ("lt", "exclusiveMaximum"))


def standard_ranges(document: dict[str, Any]) -> None:
    """The bounds of a number parameter under JSON Schema's names. A parameter whose type
    validates its text first (shared.validation.WholeNumber: digits only) gets the range of
    its Query or Path applied around that validator, and pydantic writes such a range under
    its own argument names (`ge`, `le`), which no OpenAPI client reads: the partner's
    generated client lost every parameter's range (page ≤ 10,000, year 2015..2100)."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                _rename_ranges(parameter.get("schema", {}))


def _rename_ranges(schema: dict[str, Any]) -> None:
    for raw, standard in _RANGE_KEYWORDS:
        if raw in schema:
            schema[standard] = schema.pop(raw)
    for key in ("anyOf", "oneOf", "allOf"):
        for member in schema.get(key, []):
            _rename_ranges(member)


def header_parameter(name: str, max_length: int, description: str) -> dict[str, Any]:
    """An optional header of a string no longer than `max_length`, as FastAPI documents a
    `Header(alias=name, max_length=..., description=...)` parameter of type `str | None`."""
    return {
        "name": name,
        "in": "header",
        "required": False,
        "schema": {
            "anyOf": [{"type": "string", "maxLength": max_length}, {"type": "null"}],
            "description": description,
            "title": name,
        },
        "description": description,
    }


def document_operations(
    document: dict[str, Any],
    routes: Sequence[BaseRoute],
    command_dependency: Callable[..., Any],
    texts: OperationTexts = KERNEL,
    command_headers: Sequence[tuple[str, int, str]] = (),
) -> None:
    """Add the Error component, the security schemes and, on each operation, its security,
    its scope and its refusals, to an OpenAPI document made from `routes`. A command's
    operation also lists `command_headers` (name, longest value, description), which the
    command dependency reads itself instead of declaring them to FastAPI: after its other
    parameters, where FastAPI puts header parameters."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    components["securitySchemes"] = SECURITY_SCHEMES
    paths = document.get("paths", {})
    # FastAPI keeps included routers as such; its route contexts are the routes as served,
    # with the dependencies of their routers.
    for route in iter_route_contexts(routes):
        dependant = getattr(route, "dependant", None)
        if not (isinstance(dependant, Dependant) and getattr(route, "include_in_schema", False)):
            continue
        for method in sorted(route.methods or ()):
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            access = route_access(
                dependant, method, command_dependency, service_guard_of(route)
            )
            if command_headers and command_dependency in _calls(dependant):
                operation["parameters"] = [
                    *operation.get("parameters", ()),
                    *(header_parameter(*header) for header in command_headers),
                ]
            operation["security"] = security_requirements(access)
            if access.scope:
                operation["x-required-scope"] = access.scope
            note = _access_note(access)
            # The Vietnamese text of the table replaces the route's docstring (written for
            # developers, in English); an operation missing from the tables keeps it.
            summary, description = texts.get(
                operation.get("operationId", ""),
                (operation.get("summary", ""), operation.get("description", "")),
            )
            operation["summary"] = summary
            operation["description"] = f"{description}\n\n{note}" if description else note
            responses = operation.setdefault("responses", {})
            for status in refusals(str(route.path_format), method.lower(), operation, access):
                response: dict[str, Any] = {
                    "description": _description(status, method.lower(), access),
                    "content": {"application/json": {"schema": ERROR_REF}},
                }
                if status in REFUSAL_HEADERS:
                    response["headers"] = dict(REFUSAL_HEADERS[status])
                responses[str(status)] = response
            document_headers(operation, tagged_read=method == "GET" and _returns_tagged(route))


def install_document(
    app: FastAPI,
    command_dependency: Callable[..., Any],
    texts: OperationTexts = KERNEL,
    examples: SchemaExamples = KERNEL_EXAMPLES,
    fields: FieldTexts = FIELDS,
    command_headers: Sequence[tuple[str, int, str]] = (),
) -> None:
    """Make `app.openapi()` document the error component, the security schemes and every
    operation's access and refusals (and a command's `command_headers`)."""
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = plain_openapi()
            document_operations(document, app.routes, command_dependency, texts,
                                command_headers)
            document_fields(document, examples, fields)
            standard_ranges(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


#: `responses=` of a write that refuses to run without If-Match (428).
def _description(status: int, method: str, access: Access) -> str:
    """The text of a refusal: a 400 says which of its causes the operation can meet."""
    if status != 400:
        return DESCRIPTIONS[status]
    causes = [DESCRIPTIONS[400]] if method in WRITES else []
    if access.authenticated:
        causes.append(AMBIGUOUS_CREDENTIALS_TEXT)
    return "; ".join(causes)


IF_MATCH_REQUIRED: dict[int | str, dict[str, Any]] = {428: {"description": DESCRIPTIONS[428]}}


#: The media types of a spreadsheet upload (the imports read both).
SPREADSHEET_TYPES = (
    "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)


def upload_body(description: str, example_rows: Sequence[Sequence[str]],
                media_types: Sequence[str] = SPREADSHEET_TYPES) -> dict[str, Any]:
    """`openapi_extra=` of a route that reads one uploaded file (multipart/form-data, part
    `file`): what to send, as the request body's description, the file's accepted types as
    the part's `encoding`, and a small file as the example (CSV rows, header first; the
    upload's schema itself only says "binary")."""
    example = "\r\n".join(",".join(row) for row in example_rows) + "\r\n"
    return {"requestBody": {"description": description, "content": {"multipart/form-data": {
        "encoding": {"file": {"contentType": ", ".join(media_types)}},
        "example": {"file": example},
    }}}}


def file_responses(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route that answers with a file (a download, a template, a
    calendar), so its document names the file's type instead of JSON; use with
    `response_class=Response`."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": "Tệp", "content": dict.fromkeys(media_types, binary)}}
