"""The HTTP conventions every service shares: app factory, error format, health, metrics."""

from __future__ import annotations

import inspect
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute
from fastapi.telemetry import TelemetryConfig
from fastapi.utils import get_value_or_default
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import apitexts, jsonbody, messages, securityheaders
from shared.adminunits.model import UNIT_CODE_PATTERN
from shared.apidocs import docs_router
from shared.apitexts import FieldTexts, OperationTexts, SchemaExamples
from shared.asyncapi import asyncapi_document
from shared.auth import checks
from shared.auth.audit import AuditQuery, audit_events
from shared.auth.checks import OPERATIONS, RequiredScope, ServiceScopes
from shared.auth.http import AuthenticatedPrincipal as AuthenticatedPrincipal
from shared.auth.http import Authenticator
from shared.auth.http import authenticated_principal as authenticated_principal
from shared.auth.principal import Principal
from shared.auth.routes import auth_router
from shared.commandapi import COMMAND_HEADERS, command
from shared.commandthreads import (
    WAITS_OUTSIDE_DATABASE,
    CommandThreads,
    in_command_threads,
    writer_thread,
)
from shared.consumer import dead_letter_reason, dead_letters_table
from shared.db import ping, read_connection
from shared.errors import DomainError, NoRebuildInProgress, error_body
from shared.jsonanswer import JSONAnswer
from shared.jsonbody import JSONBodyRoute
from shared.logs import configure_logging, error_line, get_logger
from shared.openapi import NO_DEPENDENCY, install_document
from shared.outage import is_infrastructure_failure
from shared.paging import LegacyPaging
from shared.randomids import random_uuid
from shared.requestbound import begin_request, end_request
from shared.requestguard import (
    UPLOAD_TYPES,
    body_types,
    compose_query,
    control_character_refusal,
    declared_query_only,
    unsupported_body_refusal,
)
from shared.runtime import ServiceRuntime
from shared.runtime import runtime_of as runtime_of
from shared.unitfilter import listed_unit
from shared.validation import (
    MAX_VERSION,
    VALIDATION_ERROR,
    Instant,
    InstantUpTo,
    ValueLabels,
    WholeNumber,
    refusal_details,
    require_ordered,
)

log = get_logger("danvan.http")
CITY_ADMIN = Depends(OPERATIONS)
#: A public route's refusal of a query parameter it does not take (the others' is their
#: scope's, shared.auth.checks.RequiredScope, or the service guard's).
QUERY_RULE = Depends(declared_query_only)

HTTP_MESSAGES = {
    # FastAPI's answer to a body it cannot decode at all (JSON that is not UTF-8, a broken
    # multipart): the client sent something that is not the format it declared.
    400: ("MALFORMED_BODY", messages.MALFORMED_BODY),
    404: ("NOT_FOUND", messages.ROUTE_NOT_FOUND),
    405: ("METHOD_NOT_ALLOWED", messages.METHOD_NOT_ALLOWED),
    413: ("PAYLOAD_TOO_LARGE", messages.PAYLOAD_TOO_LARGE),
    415: ("UNSUPPORTED_MEDIA_TYPE", messages.UNSUPPORTED_MEDIA_TYPE),
}

# The database down, restarting or saturated: nothing was written, the same request may be
# sent again once it is back (clients and partner systems retry on 503 + Retry-After).
DATABASE_UNAVAILABLE = ("DATABASE_UNAVAILABLE", messages.DATABASE_UNAVAILABLE)
RETRY_AFTER_S = 5
# /readyz of a service started while its database did not answer, waiting for it
# (shared.runtime.ServiceRuntime.start).
DATABASE_NOT_READY = ("DATABASE_NOT_READY", messages.DATABASE_NOT_READY)
#: What a service waiting for its database at start still answers: its probes and the routes
#: that need no database; every other request is refused 503 DATABASE_UNAVAILABLE (before its
#: migrations a table may not exist yet: a route reaching it would answer 500).
ANSWERED_WITHOUT_DATABASE = NO_DEPENDENCY | {"/readyz"}

# FastAPI's native OpenTelemetry off: the services report through their Prometheus metrics
# and structlog lines, and export no traces, metrics or logs of OpenTelemetry (no provider
# is configured). Left on, FastAPI asks each of the three global providers whether it is
# configured on every request (3.4 us of the loop's time each, bench/http.py).
NO_OPENTELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def principal_of(request: Request) -> Principal:
    """The principal of a request that went through a service router (already authenticated)."""
    return authenticated_principal(request)


class BodySizeLimit:
    """Refuse oversized bodies before they are read into memory (413, error format).

    A declared Content-Length over the limit is refused before the app runs. A body without
    one (chunked) is counted as it streams in: at the first chunk past the limit the 413 goes
    out at once and the app is told the client left, so nothing more is read. (Raising from
    `receive` instead would reach the client as a 400: FastAPI's form parsing and the
    `BaseHTTPMiddleware` task group both wrap whatever `receive` raises.)

    The services apply it inside their one request middleware (RequestMiddleware); this
    class is the same limit on its own, around any ASGI app, whose routes taking uploads are
    `uploads` (see `body_limit`)."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, max_upload_bytes: int,
        uploads: Sequence[BaseRoute] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes
        self.uploads = tuple(uploads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        limit = body_limit(scope, headers.get(b"content-type", b""), self.max_bytes,
                           self.max_upload_bytes, self.uploads)
        if over_limit(headers.get(b"content-length"), limit):
            await _too_large(send)
            return
        body = _BodyCount(limit, receive, send)

        async def guarded_send(message: Message) -> None:
            if not body.drops(message):
                await send(message)

        await self.app(scope, body.receive, guarded_send)


def body_limit(
    scope: Scope, content_type: bytes, max_bytes: int, max_upload_bytes: int,
    uploads: Sequence[BaseRoute],
) -> int:
    """The most bytes a request's body may hold: an upload's own limit for a
    multipart/form-data body sent to a route taking one (`uploads`), the JSON limit for
    everything else. Both are needed: `b"multipart" in content_type` gave the 50 MB to
    `application/json; x=multipart`, which FastAPI still parses as JSON (45 MB of `{},` took
    religion's RSS from 138 MB to 1.27 GB, examiner H's M2), and to a real multipart body
    sent to a JSON route. Only a request of the upload's type looks for its route."""
    if uploads and is_form_upload(content_type):
        for route in uploads:
            if route.matches(scope)[0] is Match.FULL:
                return max_upload_bytes
    return max_bytes


def is_form_upload(content_type: bytes) -> bool:
    """Whether a Content-Type's media type (before any parameter, in any case, RFC 9110
    §8.3.1) is multipart/form-data."""
    return content_type.split(b";", 1)[0].strip().lower() == b"multipart/form-data"


def upload_routes(routers: Sequence[APIRouter]) -> tuple[BaseRoute, ...]:
    """The routes of `routers` that take a file (shared.requestguard.body_types)."""
    return tuple(route for router in routers for route in router.routes
                 if body_types(route) is UPLOAD_TYPES)


def over_limit(declared: bytes | None, limit: int) -> bool:
    """Whether a declared Content-Length is already past the limit."""
    return declared is not None and declared.isdigit() and int(declared) > limit


class _BodyCount:
    """One request's body counted against its limit as it streams in (BodySizeLimit,
    RequestMiddleware)."""

    __slots__ = ("_added", "_limit", "_receive", "_seen", "_send", "refused", "started")

    def __init__(
        self, limit: int, receive: Receive, send: Send,
        added: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        self._limit = limit
        self._receive = receive
        # Where the 413 goes, with the headers `added`: the server's send, not through what
        # the app's answer goes through.
        self._send = send
        self._added = added
        self._seen = 0
        self.refused = self.started = False

    async def receive(self) -> Message:
        if self.refused:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self._seen += len(message.get("body", b""))
            if self._seen > self._limit:
                self.refused = True
                if not self.started:
                    await _too_large(self._send, self._added)
                return {"type": "http.disconnect"}
        return message

    def drops(self, message: Message) -> bool:
        """Whether the app's message is dropped: the 413 went out instead of its answer."""
        if self.refused and not self.started:
            return True
        if message["type"] == "http.response.start":
            self.started = True
        return False


async def _too_large(send: Send, added: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    code, message = HTTP_MESSAGES[413]
    response = JSONResponse(error_body(code, message), status_code=413)
    response.raw_headers.extend(added)
    await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def build_app(
    runtime: ServiceRuntime,
    routers: Sequence[APIRouter],
    *,
    title: str,
    description: str = "",
    value_labels: ValueLabels | None = None,
    operation_texts: OperationTexts | None = None,
    examples: SchemaExamples | None = None,
    fields: FieldTexts | None = None,
    pattern_forms: Mapping[str, str] | None = None,
) -> FastAPI:
    """`value_labels`: the Vietnamese labels of the service's choice values, per field, for
    the 422 of a refused choice (shared.validation.vietnamese_errors); `pattern_forms`: what
    to type, by the pattern of the service's own codes (a plan item's number...), for the
    422 of a text refused by its pattern, beside the kernel's. `operation_texts` and
    `examples`: the service's tables of Vietnamese summaries and descriptions and of request
    body examples (services/<service>/apitexts.py), added to the kernel's own; `fields`: the
    service's texts of fields and parameters by name, over the kernel's (a name meaning
    something else in this service)."""
    settings = runtime.settings
    configure_logging(settings.log_level, settings.log_json)
    # The threads the commands run in (shared/commandthreads.py): on SQLite the database's
    # one, but for a command that waits for something else.
    threads = CommandThreads()
    writer = writer_thread(runtime.engine) or threads
    # The one thread large JSON bodies are parsed in, off the event loop (shared/jsonbody.py).
    body_parser = CommandThreads(workers=1, name="body-parser")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            threads.close()
            writer.close()
            body_parser.close()
            await runtime.stop()

    # FastAPI's own /docs and /redoc load their scripts from a CDN: the kernel serves both
    # pages from installed files instead (shared/apidocs.py).
    app = FastAPI(
        title=title, description=description, lifespan=lifespan, version="0.1.0",
        docs_url=None, redoc_url=None,
        # The operationId is the route function's name: the key of the operation texts and
        # the method name a generated client gives it (register_site, not
        # register_site_api_v1_sites_post).
        generate_unique_id_function=_operation_id,
        telemetry=NO_OPENTELEMETRY,
    )
    app.state.runtime = runtime
    # An attribute name, read through its module (its upper-case names here are users' texts).
    setattr(app.state, jsonbody.BODY_PARSER, body_parser)
    app.state.value_labels = value_labels or {}
    app.state.pattern_forms = pattern_forms or {}
    app.state.authenticator = Authenticator(settings, runtime.engine)
    problems = app.state.authenticator.startup_problems()
    if problems:
        raise RuntimeError(messages.UNSAFE_AUTH_CONFIGURATION.format(problems="; ".join(problems)))
    _install_error_handlers(app, runtime)
    # One middleware for every request (RequestMiddleware below): the security headers, the
    # body limit, the correlation id, metrics and logs, the control-character guard.
    app.add_middleware(
        RequestMiddleware,
        runtime=runtime,
        max_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        uploads=upload_routes(routers),
    )
    install_document(
        app, command, {**apitexts.KERNEL, **(operation_texts or {})},
        {**apitexts.KERNEL_EXAMPLES, **(examples or {})},
        {**apitexts.FIELDS, **(fields or {})},
        command_headers=COMMAND_HEADERS,
    )
    guard = ServiceScopes(settings.service)
    # The service's routes first: a request is matched against the routes in order, and the
    # commands and reads people send are the service's, not the docs, operations and keys
    # (no path of one set matches a path of the other: tests/apidocs/test_route_order.py).
    for router in routers:
        _include_guarded(app, router, guard, threads, writer)
    app.include_router(docs_router(title))
    # The documentation pages and the probes are left to their callers' parameters; the
    # kernel's API routes refuse one they do not take, after their scope (RequiredScope), as
    # the service's own routes do through their guard (shared/requestguard.py).
    app.include_router(_probes_router(runtime))
    app.include_router(_operations_router(runtime))
    app.include_router(auth_router(settings))
    return app


def _include_guarded(
    app: FastAPI, router: APIRouter, guard: ServiceScopes, threads: CommandThreads,
    writer: CommandThreads,
) -> None:
    """Include a service's router behind its guard, but for its commands: a command route
    whose first dependency is the command's (shared.commandapi.command) and which answers no
    GET or HEAD gets from the guard only an authentication, which the command's dependency
    does first itself, before anything else about the request is looked at; so it is
    refused 401 exactly as behind the guard, and its write scope is checked by the handler.
    Resolving the guard too cost each command a dependency FastAPI resolves on the event
    loop (2.6 % of the loop's samples at 16 clients, bench/http.py). Such a route carries
    the guard as `SERVICE_GUARD` for its documentation (shared/openapi.py, scope and 401).
    The routes keep their order (a request is matched against them in turn): a run of
    guarded routes is included as a router with the guard as its dependency; the commands
    are the app's own routes, as `@app.post` makes them. An included router is matched twice
    per request (to choose it, then inside it), each time through FastAPI's included-route
    bookkeeping: a command behind two included routers paid four such lookups, now none of
    its own (callgrind, bench/http.py). A command's own function (a plain `def`) runs in
    `writer` (on SQLite the database's one thread), or in `threads` when it waits outside
    its database, not through AnyIO's thread pool (shared/commandthreads.py)."""
    runs: list[tuple[bool, list[BaseRoute]]] = []
    for route in router.routes:
        needs_guard = not is_guarded_command(route)
        if runs and runs[-1][0] == needs_guard:
            runs[-1][1].append(route)
        else:
            runs.append((needs_guard, [route]))
    for needs_guard, routes in runs:
        if not needs_guard:
            for route in routes:
                assert isinstance(route, APIRoute)  # is_guarded_command says so
                # An attribute name, not a text: read through its module (the module's own
                # upper-case names are its users' texts, test_messages_vietnamese.py).
                waits = getattr(route.endpoint, WAITS_OUTSIDE_DATABASE, False)
                made = _add_as_app_route(app, router, route, threads if waits else writer)
                setattr(made, checks.SERVICE_GUARD, guard)
            continue
        # The routes already carry the router's prefix, tags, responses and dependencies
        # (APIRouter applies them as a route is added); what an include reads off the router
        # itself is copied.
        part = APIRouter(
            default_response_class=router.default_response_class,
            generate_unique_id_function=router.generate_unique_id_function,
            strict_content_type=router.strict_content_type,
            max_body_size=router.max_body_size,
        )
        part.routes.extend(routes)
        app.include_router(part, dependencies=[Depends(guard)])


def _add_as_app_route(
    app: FastAPI, router: APIRouter, route: APIRoute, threads: CommandThreads
) -> APIRoute:
    """`route` made again as the app's own (`app.router.add_api_route`), with what an include
    without dependencies would give it (FastAPI's _EffectiveRouteContext.from_api_route):
    the same path, dependencies, responses and texts, the operation id and response class
    of the router, else of the app. The same OpenAPI document (tests/apidocs). A plain
    `def` function is run in `threads` (shared/commandthreads.py)."""
    endpoint = route.endpoint
    if not inspect.iscoroutinefunction(endpoint):
        endpoint = in_command_threads(endpoint, threads)
    app.router.add_api_route(
        route.path, endpoint,
        # Its own class: how it reads its body (shared.jsonbody.JSONBodyRoute).
        route_class_override=type(route),
        response_model=route.response_model, status_code=route.status_code,
        tags=route.tags, dependencies=route.dependencies, summary=route.summary,
        description=route.description, response_description=route.response_description,
        responses=route.responses, deprecated=route.deprecated, methods=route.methods,
        operation_id=route.operation_id,
        response_model_include=route.response_model_include,
        response_model_exclude=route.response_model_exclude,
        response_model_by_alias=route.response_model_by_alias,
        response_model_exclude_unset=route.response_model_exclude_unset,
        response_model_exclude_defaults=route.response_model_exclude_defaults,
        response_model_exclude_none=route.response_model_exclude_none,
        include_in_schema=route.include_in_schema,
        response_class=get_value_or_default(
            route.response_class, router.default_response_class,
            app.router.default_response_class),
        name=route.name, callbacks=route.callbacks, openapi_extra=route.openapi_extra,
        generate_unique_id_function=get_value_or_default(
            route.generate_unique_id_function, router.generate_unique_id_function,
            app.router.generate_unique_id_function),
        strict_content_type=get_value_or_default(
            route.strict_content_type, router.strict_content_type,
            app.router.strict_content_type),
        max_body_size=route.max_body_size,
    )
    made = app.router.routes[-1]
    assert isinstance(made, APIRoute)
    return made


def is_guarded_command(route: BaseRoute) -> bool:
    """A command route whose own dependencies authenticate before anything else runs: the
    command's, after only scope checks declared on the route (a city-level command's
    `checks.city_level`, K14), which authenticate first themselves."""
    if not isinstance(route, APIRoute) or not route.dependant.dependencies:
        return False
    if {"GET", "HEAD"} & set(route.methods or ()):
        return False
    for dependency in route.dependant.dependencies:
        if dependency.call is command:
            return True
        if not isinstance(dependency.call, checks.RequiredScope):
            return False
    return False


def _operation_id(route: APIRoute) -> str:
    return route.name


class RequestMiddleware:
    """The one ASGI middleware around every request, in this order:

    1. the security headers (shared.securityheaders) on every answer, errors and 413 included;
    2. the body limit (BodySizeLimit): a declared Content-Length past it is a 413 before
       anything else, a streamed body is cut off at the chunk that passes it;
    3. the correlation id (from X-Correlation-Id or new), bound to the log context, kept in
       `request.state` and sent back; the request counted and timed by route and status, and
       one log line when it is refused or meets a database outage;
    4. the control-character guard (shared.requestguard): a path or query holding one is a
       422, correlated, counted and logged like any other refusal.

    One layer rather than four (each wrapped `send` once more and was one more call per
    message), and plain ASGI rather than `@app.middleware("http")`: Starlette's
    BaseHTTPMiddleware runs the app in a task of its own and streams the response back
    through memory channels, which cost a tenth of a command's time on the loop (profiled
    with py-spy, bench/http.py)."""

    def __init__(
        self, app: ASGIApp, runtime: ServiceRuntime, max_bytes: int, max_upload_bytes: int,
        uploads: Sequence[BaseRoute] = (),
    ) -> None:
        self.app = app
        self.runtime = runtime
        self.service = runtime.settings.service
        # The bound of each database call the request makes (shared/requestbound.py): on
        # PostgreSQL only, SQLite has no server to stop answering.
        self.database_wait_s = (runtime.settings.database_request_wait_s
                                if runtime.engine.dialect.name == "postgresql" else 0.0)
        self.metrics = runtime.metrics
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes
        self.uploads = tuple(uploads)
        # Each (method, route, status)'s counter and each (method, route)'s histogram, looked
        # up once: prometheus_client takes a lock and checks the labels on every `labels()`.
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._latencies: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = securityheaders.headers_for(scope.get("path", ""))
        given = b""
        content_type = b""
        declared: bytes | None = None
        # One pass over the headers: the first X-Correlation-Id, the last Content-Type and
        # Content-Length (as a dict of them would keep).
        for name, value in scope["headers"]:
            if name == b"x-correlation-id":
                if not given:
                    given = value
            elif name == b"content-type":
                content_type = value
            elif name == b"content-length":
                declared = value
        limit = body_limit(scope, content_type, self.max_bytes, self.max_upload_bytes,
                           self.uploads)
        if over_limit(declared, limit):
            await _too_large(send, added)
            return
        # A new id drawn from the process's block of random bytes (shared.randomids): uuid4()
        # makes a getrandom call, letting the GIL go, for every request that brings none.
        correlation_id = given.decode("latin-1")[:100] or random_uuid().hex
        # What `request.state` reads: the routes take the correlation id from there.
        state = scope.setdefault("state", {})
        state["correlation_id"] = correlation_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(correlation_id=correlation_id, service=self.service)
        status = 500  # what the client gets when the app raises past its exception handlers
        correlation = (b"x-correlation-id", correlation_id.encode("latin-1"))
        body = _BodyCount(limit, receive, send, added)

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if body.drops(message):
                    return  # the 413 went out; the app's answer to the cut-off body is dropped
                message["headers"] = securityheaders.with_headers(
                    [*message.get("headers", ()), correlation], added)
            elif body.drops(message):
                return
            await send(message)

        started = time.perf_counter()
        bound = begin_request(self.database_wait_s) if self.database_wait_s else None
        try:
            compose_query(scope)
            refusal: Response | None = control_character_refusal(scope)
            if refusal is None and self.runtime.waiting_for_database:
                refusal = _waiting_for_database(scope, state)
            if refusal is not None:
                await _as_the_app_answers(scope, refusal)(scope, _no_receive, answer)
            else:
                await self.app(scope, body.receive, answer)
        except Exception:
            # Past every exception handler: Starlette's ServerErrorMiddleware, outside this
            # one, logs it (the catch-all handler, unhandled_error) and would send its 500
            # without the headers above. The same 500 goes out here with them, unless an
            # answer (or the 413) has begun; the error still goes up to be logged.
            if not body.started and not body.refused:
                await internal_error_response()(scope, _no_receive, answer)
            raise
        finally:
            if bound is not None:
                end_request(*bound)
            self._observed(scope, state, status, time.perf_counter() - started)

    def _observed(self, scope: Scope, state: dict[str, Any], status: int, seconds: float) -> None:
        method = scope["method"]
        path = getattr(scope.get("route"), "path", "unmatched")
        counter = self._counters.get((method, path, status))
        if counter is None:
            counter = self._counters[method, path, status] = (
                self.metrics.http_requests.labels(method, path, status))
        counter.inc()
        latency = self._latencies.get((method, path))
        if latency is None:
            latency = self._latencies[method, path] = self.metrics.http_latency.labels(method, path)
        latency.observe(seconds)
        outage: str | None = state.get("outage")
        if outage is not None:
            # One line per request and no traceback: the outage is the news, not the stack.
            log.warning("database_unavailable", method=method, path=path, error=outage)
        elif status >= 400:
            log.info("http_refused", method=method, path=path, status=status)


def _waiting_for_database(scope: Scope, state: dict[str, Any]) -> Response | None:
    """The 503 of a request reaching a service still waiting for its database at start (None:
    a route answered without one, ANSWERED_WITHOUT_DATABASE), logged as any request the
    database's outage refused."""
    if scope.get("path") in ANSWERED_WITHOUT_DATABASE:
        return None
    state["outage"] = "database not answered since the service started"
    return database_unavailable()


def database_unavailable() -> JSONResponse:
    """503 DATABASE_UNAVAILABLE with Retry-After: nothing was written, send it again later."""
    code, message = DATABASE_UNAVAILABLE
    return JSONResponse(
        error_body(code, message, {"retry_after_s": RETRY_AFTER_S}),
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


#: The methods a 405's `Allow` may name (HEAD follows GET).
_METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> set[str]:
    """Every method some route of the request's path answers, HEAD wherever GET is: each is
    asked of the router as it would route it (routers included in the app are matched as a
    whole, so their routes are not listed one by one). Only a refused request pays for it."""
    routes = request.app.router.routes
    methods = {
        method for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL
               for route in routes)
    }
    if "GET" in methods:
        methods.add("HEAD")
    return methods


RefusalPage = Callable[[Request, Response], Response]

# The attribute of an app's `state` holding how it answers a refusal made before its routes
# (the control-character guard above). Private: an identifier, not a catalogue text.
_REFUSAL_PAGE = "refusal_page"


def answer_early_refusals_with(app: FastAPI, page: RefusalPage) -> None:
    """Have the refusals the kernel makes before any route (a control character in the link)
    answered by `page`, given the request and the kernel's JSON answer. The dashboard's error
    pages use it (services/reporting/api/errorpages.py), so a browser following a link with a
    NUL in it reads the Vietnamese page like any bad link's (finding N8), not JSON."""
    setattr(app.state, _REFUSAL_PAGE, page)


def _as_the_app_answers(scope: Scope, refusal: Response) -> Response:
    page = getattr(getattr(scope.get("app"), "state", None), _REFUSAL_PAGE, None)
    if page is None:
        return refusal
    answer: Response = page(Request(scope), refusal)
    return answer


class AnsweredAsGet(Response):
    """A HEAD request on a resource that is read with GET: answered as the GET would be, the
    server sending the headers only (uvicorn drops a HEAD's body). FastAPI's routes take no
    HEAD of their own, so monitoring probes and link checkers met a 405 on every page. Only
    the refused HEAD comes here; no other request pays for it."""

    def __init__(self, router: ASGIApp) -> None:
        super().__init__()
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.router({**scope, "method": "GET"}, receive, send)


def _install_error_handlers(app: FastAPI, runtime: ServiceRuntime) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": 'Bearer realm="danvan"'} if exc.status_code == 401 else {}
        retry_after = exc.details.get("retry_after_s")
        if isinstance(retry_after, int):
            # A refusal that clears by itself (a retry racing the first request) says when.
            headers["Retry-After"] = str(retry_after)
        return JSONAnswer(exc.body(), status_code=exc.status_code, headers=headers or None)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        unsupported = unsupported_body_refusal(request, exc.body)
        if unsupported is not None:
            return unsupported
        labels = getattr(request.app.state, "value_labels", None)
        forms = getattr(request.app.state, "pattern_forms", None)
        return JSONAnswer(
            error_body(*VALIDATION_ERROR, refusal_details(exc.errors(), labels, forms)),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code, message = HTTP_MESSAGES.get(exc.status_code, ("HTTP_ERROR", messages.HTTP_ERROR))
        headers = exc.headers
        if exc.status_code == 405:
            allowed = allowed_methods(request)
            if request.method == "HEAD" and "GET" in allowed:
                return AnsweredAsGet(request.app.router)
            # Starlette names the methods of the first route matched; RFC 9110 asks for all.
            headers = {**(headers or {}), "Allow": ", ".join(sorted(allowed))}
        return JSONResponse(error_body(code, message), status_code=exc.status_code,
                            headers=headers)

    # Database errors are answered here rather than by the catch-all below: Starlette sends
    # the catch-all's response and then re-raises, so the server would log a traceback too.
    @app.exception_handler(SQLAlchemyError)
    @app.exception_handler(sqlite3.Error)
    async def database_error(request: Request, exc: Exception) -> JSONResponse:
        if not is_infrastructure_failure(exc):
            return _internal_error(exc)
        runtime.disk_full.note(exc)
        request.state.outage = error_line(exc)
        return database_unavailable()

    # The driver-level hot paths (shared/driversql.py: the event store's append, a unit of
    # work's cursor) raise the driver's own errors, not SQLAlchemy's: on PostgreSQL a full disk
    # (53100) met by a command's append was answered 500 INTERNAL_ERROR (examiner-outage).
    for driver_error in _driver_errors():
        app.add_exception_handler(driver_error, database_error)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        return _internal_error(exc)


def _driver_errors() -> tuple[type[Exception], ...]:
    """The PostgreSQL driver's base error, when it is installed (the embedded default needs
    none); sqlite3.Error is answered with SQLAlchemy's."""
    try:
        import psycopg
    except ImportError:
        return ()
    return (psycopg.Error,)


def _internal_error(exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", error=str(exc), exc_info=exc)
    return internal_error_response()


def internal_error_response() -> JSONResponse:
    """The 500 of an error nothing else answered: no detail of it reaches the client."""
    return JSONResponse(
        error_body("INTERNAL_ERROR", messages.INTERNAL_ERROR),
        status_code=500,
    )


#: How long after a write refused for lack of disk space /readyz says the database is not
#: taking commands: refusals under a steady load keep it so; after the last one, half a minute
#: lets whoever watches see it, and a replica taken out of a balancer comes back to be tried.
DISK_FULL_UNREADY_S = 30.0


def _probes_router(runtime: ServiceRuntime) -> APIRouter:
    """Health, readiness, metrics and the event contract: read by monitoring and tools that
    may add parameters of their own, which these answers never depend on."""
    router = APIRouter(route_class=JSONBodyRoute, tags=["vận hành"])

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.settings.service}

    @router.get("/readyz")
    def readyz() -> JSONResponse:
        if runtime.waiting_for_database:
            # Not pinged: the wait's own tries say when it answers (and migrate it first).
            return JSONResponse(
                {"status": "not_ready", "code": DATABASE_NOT_READY[0],
                 "message": DATABASE_NOT_READY[1],
                 "checks": {"database": DATABASE_NOT_READY[1]}},
                status_code=503,
            )
        checks: dict[str, Any] = {}
        try:
            ping(runtime.engine)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = messages.CHECK_FAILED.format(error=type(exc).__name__)
        # The ping is a read, which a full disk still answers: a write refused for lack of
        # space lately says the database is not taking commands.
        since = runtime.disk_full.seconds_since()
        if checks["database"] == "ok" and since is not None and since < DISK_FULL_UNREADY_S:
            checks["database"] = messages.DATABASE_DISK_FULL.format(seconds=int(since))
        checks["nats"] = "ok" if runtime.link.connected else messages.NOT_CONNECTED
        stuck = runtime.relay.failing_for()
        checks["relay"] = (
            "ok" if stuck < runtime.settings.relay_unready_after_s
            else messages.RELAY_STUCK.format(seconds=int(stuck))
        )
        ready = all(value == "ok" for value in checks.values())
        # A consumer stopped at an event of a newer schema version (its publisher upgraded
        # first): the read models it feeds go no further until it is upgraded. Shown, not
        # unready: every replica of the old version stops there, and a balancer would take
        # the whole service away for stale figures (a finalisation refuses them already,
        # FIGURES_HELD_SCHEMA_TOO_NEW).
        # A consumer JetStream has not answered for CONSUMER_STALLED_AFTER_S, holding no batch
        # (quorum lost, stream or durable gone, while the link itself may be up; `fetch_age`):
        # named too, for the same reason not unready. Every replica shares the durable and the
        # read models, so taking this one away serves no fresher figure; reads and commands
        # still work, and the relay's own check turns 503 when events cannot be published. One
        # paused for its database is left to the database check.
        after = runtime.settings.consumer_stalled_after_s
        troubles = []
        for consumer in runtime.consumers:
            if consumer.held is not None:
                troubles.append(consumer.held.message())
            elif consumer.paused:
                # Paused for its database, which answers the ping above: it cannot write
                # (a full disk), and the database check alone would say "ok".
                if checks["database"] == "ok":
                    troubles.append(messages.CONSUMER_PAUSED.format(consumer=consumer.durable))
            elif (age := consumer.fetch_age()) >= after:
                troubles.append(messages.CONSUMER_STALLED.format(
                    consumer=consumer.durable, seconds=int(age)))
        checks["consumers"] = "; ".join(troubles) if troubles else "ok"
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    metrics_scope = RequiredScope("metrics", waived=runtime.settings.metrics_public,
                                  any_query=True)

    @router.get("/metrics", response_class=PlainTextResponse,
                dependencies=[Depends(metrics_scope)])
    def metrics() -> Response:
        """Prometheus text format. Needs the "metrics" scope unless METRICS_PUBLIC is set
        (in AUTH_MODE=development the development identity holds it)."""
        runtime.metrics.nats_connected.set(1 if runtime.link.connected else 0)
        runtime.metrics.consumers_seen(
            (c.durable, c.fetch_age(), c.pending) for c in runtime.consumers)
        return Response(runtime.metrics.render(), media_type="text/plain; version=0.0.4")

    contract: dict[str, Any] = {}

    @router.get("/asyncapi.json", include_in_schema=False)
    def asyncapi(request: Request) -> dict[str, Any]:
        """The event contract as AsyncAPI 3.0 (shared/asyncapi.py), public like the catalogue."""
        if not contract:
            settings = runtime.settings
            contract.update(asyncapi_document(
                runtime.registry, subject_root=settings.subject_root, stream=settings.stream_name,
                nats_url=settings.nats_url, title=request.app.title,
                version=request.app.version,
            ))
        return contract

    return router


def _operations_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(route_class=JSONBodyRoute, tags=["vận hành"])

    @router.get("/api/v1/events/catalogue", dependencies=[QUERY_RULE])
    def event_catalogue() -> dict[str, Any]:
        return runtime.registry.catalogue(runtime.settings.subject_root)

    @router.get("/api/v1/audit", dependencies=[Depends(RequiredScope("audit:read"))])
    def audit(
        request: Request,
        principal: AuthenticatedPrincipal,
        paging: LegacyPaging,
        actor: Annotated[str | None, Query(max_length=200)] = None,
        department: Annotated[str | None, Query(max_length=200)] = None,
        unit: Annotated[str | None, Query(pattern=UNIT_CODE_PATTERN)] = None,
        recorded_from: Instant | None = None,
        recorded_to: InstantUpTo | None = None,
        event_type: Annotated[str | None, Query(max_length=100)] = None,
        aggregate_id: Annotated[str | None, Query(max_length=100)] = None,
    ) -> dict[str, Any]:
        """Who did what, when: the service's events filtered by actor, department, unit (with
        the units under it), recording time. A district-level auditor sees its tree only."""
        require_ordered(recorded_from, recorded_to, "recorded_from", "recorded_to")
        listed_unit(request, unit)
        query = AuditQuery(
            actor=actor,
            department=department,
            unit=unit,
            recorded_from=recorded_from,
            recorded_to=recorded_to,
            event_type=event_type,
            aggregate_id=aggregate_id,
        )
        with read_connection(runtime.engine) as conn:
            found = audit_events(conn, principal, query, paging.limit, paging.offset)
        return paging.envelope(found["items"], found["total"])

    @router.get("/api/v1/admin/dead-letters", dependencies=[CITY_ADMIN])
    def dead_letters(paging: LegacyPaging) -> dict[str, Any]:
        with read_connection(runtime.engine) as conn:
            total = conn.execute(select(func.count()).select_from(dead_letters_table)).scalar()
            rows = (
                conn.execute(
                    select(dead_letters_table)
                    .order_by(dead_letters_table.c.id.desc())
                    .limit(paging.limit)
                    .offset(paging.offset)
                )
                .mappings()
                .all()
            )
        return paging.envelope([_dead_letter_item(dict(r)) for r in rows], int(total or 0))

    @router.post("/api/v1/admin/rebuild-projections", status_code=202, dependencies=[CITY_ADMIN])
    async def rebuild(principal: AuthenticatedPrincipal) -> dict[str, Any]:
        """Rebuild the read models beside the live ones (409 while a rebuild is under way);
        the answer is the rebuild's state, as the GET below gives it."""
        return await runtime.rebuild_projections(requested_by=principal.actor)

    @router.delete("/api/v1/admin/rebuild-projections", dependencies=[CITY_ADMIN])
    async def abandon_rebuild(principal: AuthenticatedPrincipal) -> dict[str, Any]:
        """Give up the rebuild under way (404 when there is none); the live tables stay."""
        if runtime.rebuilds is None:
            raise NoRebuildInProgress()
        return await runtime.rebuilds.abandon(principal.actor)

    @router.get("/api/v1/admin/rebuild-projections", dependencies=[CITY_ADMIN])
    async def rebuild_progress(
        generation: Annotated[WholeNumber | None, Query(ge=1, le=MAX_VERSION)] = None,
    ) -> dict[str, Any]:
        """The latest rebuild (or that of `generation`): state, events applied, stream
        positions, started and switched times."""
        if runtime.rebuilds is None:
            return {"state": "live", "consumers": [c.durable for c in runtime.consumers]}
        return await runtime.rebuilds.status(generation)

    return router


def _dead_letter_item(row: dict[str, Any]) -> dict[str, Any]:
    row["code"], row["reason"] = dead_letter_reason(row["event_id"], row["error"])
    return _jsonable(row)


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
