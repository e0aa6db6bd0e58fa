"""A command over HTTP, the same in every service: parse, run, answer.

A route takes `cmd: CommandDep` and hands it the handler with its arguments:

    @router.post("/sites", status_code=201, response_model=CommandResponse)
    def register_site(command: RegisterSite, cmd: CommandDep) -> JSONResponse:
        return cmd.record(handlers.register_site, command, location="/api/v1/sites/{id}")

`CommandDep` carries who asks (the command context), the version the client expects
(`If-Match`, shared/concurrency.py) and its `Idempotency-Key` (shared/idempotency.py). The
answer is `CommandResponse` with `ETag` = the new version; 201 with `Location` when the
command created what `location` names, 200 otherwise (every command here is done when it is
answered: its events are committed, their publication to NATS follows within the second, so
no 202). A retried request with the same key gets the stored answer with
`Idempotent-Replayed: true`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from shared import idempotency, messages
from shared.aggregate import CommandContext, UnitOfWork
from shared.apitexts import IDEMPOTENCY_KEY_TEXT, IF_MATCH_TEXT
from shared.auth.http import authenticate_request
from shared.auth.principal import Principal
from shared.commands import CommandResponse, CommandResult, run
from shared.concurrency import BAD_IF_MATCH, IF_MATCH_MAX_LENGTH, IfMatch, etag, parse_if_match
from shared.db import read_connection
from shared.envelope import EventEnvelope, utcnow
from shared.errors import IdempotencyKeyInProgress, InvalidInput, PreconditionFailedUnchecked
from shared.idempotency import IdempotentRequest, KeyRaced, StoredResponse
from shared.jsonanswer import JSONAnswer
from shared.logs import get_logger
from shared.requestguard import refuse_undeclared_query
from shared.runtime import ServiceRuntime, runtime_of

log = get_logger("danvan.commands")
T = TypeVar("T")

REPLAYED_HEADER = "Idempotent-Replayed"
#: `responses=` of a route answering 201 when its command creates, and 200 when it changes.
CHANGED: dict[int | str, dict[str, Any]] = {
    200: {"model": CommandResponse, "description": "Đã thực hiện (thay đổi bản ghi đã có)"}
}
# Response headers a replay repeats: the rest (correlation id, security headers) belong to the
# request being answered now.
_KEPT_HEADERS = ("location", "etag", "content-disposition")
BAD_KEY = ("BAD_IDEMPOTENCY_KEY", messages.BAD_IDEMPOTENCY_KEY)
IN_PROGRESS_RETRY_S = 1


IDEMPOTENCY_KEY_MAX_LENGTH = 200
#: The headers a command reads, (name, longest value, description): read by `command` itself,
#: and documented on every command's operation as FastAPI documents a `Header` parameter
#: (shared/openapi.py document_operations). Declared as `Header` parameters they cost each
#: command FastAPI's resolution of a parameter model, more than the rest of the dependency.
COMMAND_HEADERS: tuple[tuple[str, int, str], ...] = (
    ("If-Match", IF_MATCH_MAX_LENGTH, IF_MATCH_TEXT),
    ("Idempotency-Key", IDEMPOTENCY_KEY_MAX_LENGTH, IDEMPOTENCY_KEY_TEXT),
)

_COMMAND_HEADER_NAMES = tuple(name.lower().encode("latin-1") for name, _, _ in COMMAND_HEADERS)


async def idempotent_request(
    request: Request, principal: Principal, key: str | None
) -> IdempotentRequest | None:
    if key is None:
        return None
    if not _valid_key(key):
        raise InvalidInput(*BAD_KEY)
    body = await _body_bytes(request)
    return IdempotentRequest(
        client=f"{principal.kind}:{principal.subject}"[:250],
        key=key,
        fingerprint=idempotency.fingerprint(
            request.method, request.url.path, request.url.query, body
        ),
    )


def _valid_key(key: str) -> bool:
    return 1 <= len(key) <= 200 and all(0x21 <= ord(ch) <= 0x7E for ch in key)


async def _body_bytes(request: Request) -> bytes:
    """The body as the fingerprint sees it. A multipart upload is read from the parsed form
    (FastAPI has consumed the stream): the boundary changes with every send, the parts do not."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/"):
        return await request.body()
    form = await request.form()
    parts: list[bytes] = []
    for name, value in sorted(form.multi_items(), key=lambda item: item[0]):
        if isinstance(value, str):
            parts.append(f"{name}={value}".encode())
        else:
            content = await value.read()
            await value.seek(0)
            parts.append(f"{name}:{value.filename}:".encode() + content)
    return b"\0".join(parts)


class Command:
    """One command request: who, which version, which key; runs the handler and answers."""

    def __init__(
        self,
        runtime: ServiceRuntime,
        context: CommandContext,
        precondition: IfMatch,
        key: IdempotentRequest | None,
    ) -> None:
        self.runtime = runtime
        self.context = context
        self._if_match = precondition
        self._if_match_read = False
        self.key = key

    @property
    def if_match(self) -> IfMatch:
        """What If-Match said; a route that reads it takes the version to its handler."""
        self._if_match_read = True
        return self._if_match

    @property
    def expected_version(self) -> int | None:
        """The version If-Match names, for handlers that take it as an argument."""
        return self.if_match.version

    def _checking_if_match(self, work: Callable[[UnitOfWork], T]) -> Callable[[UnitOfWork], T]:
        def checked(uow: UnitOfWork) -> T:
            result = work(uow)
            self._refuse_unread_if_match()  # inside the transaction: refused, nothing kept
            return result

        return checked

    def _refuse_unread_if_match(self) -> None:
        """412 IF_MATCH_NOT_CHECKED when If-Match named a version and the route never took it
        to its handler: a creation (no record yet, so no version can match: RFC 9110
        §13.1.1) or an operation that compares no version (a plan's document, a contest
        entry). Such a command ran as if the header had not been sent, the weak tag that
        never matches included (examiner-hostile: POST /sites, /plans/{year}/document with
        If-Match W/"1" answered 201), though «a command sent with If-Match runs only if the
        aggregate is still at that version». Asked once the handler has run, so its 403, 404
        and state refusals come first, as a stale version's 412 does; `*` is not a version."""
        version = self._if_match.version
        if version is None or self._if_match_read:
            return
        tag = getattr(version, "tag", f'"{int(version)}"')
        raise PreconditionFailedUnchecked(tag)

    def record(
        self,
        handler: Callable[..., list[EventEnvelope]],
        *args: Any,
        location: str | Callable[[CommandResult], str] | None = None,
        extra: Callable[[CommandResult], Mapping[str, Any]] | None = None,
        always_creates: bool | Callable[[CommandResult], bool] = False,
    ) -> JSONResponse:
        """Run a handler that returns its events and answer with `CommandResponse`. With
        `location` (a template over {id}, the id of the aggregate of the first event, or a
        function of the result), a
        command that started an aggregate (or every one, `always_creates`: each issues a new
        record; or those `always_creates(result)` says create one) answers 201 with
        `Location`; everything else 200."""

        def respond(events: list[EventEnvelope]) -> tuple[int, Any, dict[str, str]]:
            result = CommandResult(events)
            body = result.body(**(extra(result) if extra else {}))
            headers: dict[str, str] = {}
            if result.version is not None:
                headers["ETag"] = etag(result.version)
            creates = always_creates(result) if callable(always_creates) else always_creates
            if location is not None and (creates or result.created):
                # The created aggregate's events come first (a command that also touches
                # another one records that after).
                created_id = result.events[0].aggregate_id if result.events else ""
                # Percent-encoded: a header is Latin-1, and an id is the client's text.
                headers["Location"] = quote(
                    location.format(id=created_id) if isinstance(location, str)
                    else location(result), safe="/?=&:@-._~",
                )
                return 201, body, headers
            return 200, body, headers

        return self.perform(lambda uow: handler(uow, *args), respond)

    def perform(
        self,
        work: Callable[[UnitOfWork], T],
        respond: Callable[[T], tuple[int, Any, dict[str, str]]],
        *,
        commit: Callable[[T], bool] = lambda _: True,
    ) -> JSONResponse:
        """The general form (an import's report, a dry run that `commit` declines)."""
        work = self._checking_if_match(work)
        key = self.key
        if key is None:
            result = run(self.runtime, self.context, work, commit=commit)
            return _response(*respond(result))
        keys = self.runtime.idempotency
        now = utcnow()
        with read_connection(self.runtime.engine) as conn:
            # Most retries come after the first has committed: answered without a write turn.
            stored = idempotency.lookup(conn, key, now, keys.retention)
        if stored is not None:
            return _replay(stored)
        outcome: dict[str, Any] = {}

        def keyed(uow: UnitOfWork) -> T | StoredResponse:
            # Inside the write transaction: on SQLite the writers take turns, so a racing
            # retry finds the first one's row here; on PostgreSQL the claim below waits for it.
            found = idempotency.lookup(uow.connection, key, now, keys.retention)
            if found is not None:
                return found
            idempotency.claim(uow.connection, key, now)
            return work(uow)

        def store(uow: UnitOfWork, result: T | StoredResponse) -> None:
            assert not isinstance(result, StoredResponse)  # should_commit declined those
            answer = respond(result)
            outcome["answer"] = answer
            status, body, headers = answer
            kept = {k: v for k, v in headers.items() if k.lower() in _KEPT_HEADERS}
            idempotency.complete(uow.connection, key, status, body, kept)

        def should_commit(result: T | StoredResponse) -> bool:
            return not isinstance(result, StoredResponse) and commit(result)

        try:
            done = run(
                self.runtime, self.context, keyed, commit=should_commit, before_commit=store
            )
        except KeyRaced:
            with read_connection(self.runtime.engine) as conn:
                stored = idempotency.lookup(conn, key, utcnow(), keys.retention)
            if stored is None:
                raise IdempotencyKeyInProgress(IN_PROGRESS_RETRY_S) from None
            return _replay(stored)
        if isinstance(done, StoredResponse):
            return _replay(done)
        self._purge_if_due()
        if "answer" in outcome:
            return _response(*outcome["answer"])
        return _response(*respond(done))  # declined to commit (dry run): nothing stored

    def _purge_if_due(self) -> None:
        keys = self.runtime.idempotency
        now = utcnow()
        if not keys.purge_due(now):
            return
        try:
            with self.runtime.connections.transaction() as conn:
                purged = idempotency.purge(conn, now, keys.retention)
        except Exception as exc:  # a purge is housekeeping: the next one catches up
            log.warning("idempotency_purge_failed", error=str(exc))
            return
        if purged:
            log.info("idempotency_keys_purged", count=purged)


def _response(status: int, body: Any, headers: Mapping[str, str]) -> JSONResponse:
    return JSONAnswer(body, status_code=status, headers=dict(headers))


def _replay(stored: StoredResponse) -> JSONResponse:
    return JSONAnswer(
        stored.body,
        status_code=stored.status,
        headers={**stored.headers, REPLAYED_HEADER: "true"},
    )


def command_context(request: Request, principal: Principal) -> CommandContext:
    """Who issues a command: the authenticated principal, which handlers authorise."""
    return CommandContext(
        actor=principal.actor,
        department=principal.department,
        correlation_id=request.state.correlation_id,
        principal=principal,
    )


def command_headers(request: Request) -> tuple[str | None, str | None]:
    """If-Match and Idempotency-Key as FastAPI would hand `Header` parameters over: the first
    value of each, or None; one longer than its bound is a 422 naming `header.<name>`, the
    error FastAPI gives (the body is then not checked: the client learns of it next)."""
    found: dict[bytes, str] = {}
    # One pass over the request's headers (ASGI names them in lower case); looked up by name,
    # each was a walk of them. Each may come once: of two lines the first used to be read and
    # the other ignored (examiner-hostile), though two If-Match lines mean the list of their
    # tags, refused on one line, and two keys are two retries' names for one request.
    for name, value in request.scope["headers"]:
        if name in _COMMAND_HEADER_NAMES:
            if name in found:
                _refuse_repeated(name)
            found[name] = value.decode("latin-1")
    values = [found.get(name) for name in _COMMAND_HEADER_NAMES]
    errors = [
        {
            "type": "string_too_long",
            "loc": ("header", name),
            "msg": f"String should have at most {longest} characters",
            "input": value,
            "ctx": {"max_length": longest},
        }
        for (name, longest, _), value in zip(COMMAND_HEADERS, values, strict=True)
        if value is not None and len(value) > longest
    ]
    if errors:
        raise RequestValidationError(errors)
    if_match, key = values
    return if_match, key


def _refuse_repeated(name: bytes) -> None:
    for (header, _, _), known in zip(COMMAND_HEADERS, _COMMAND_HEADER_NAMES, strict=True):
        if known == name:
            code = BAD_IF_MATCH[0] if header == "If-Match" else BAD_KEY[0]
            raise InvalidInput(code, messages.REPEATED_HEADER.format(header=header),
                               header=header)


# One dependency, not one per part (principal, context, If-Match, key): FastAPI's resolution
# of each costs the event loop more than the part itself (profiled, bench/http.py). No I/O
# unless the credentials need a look-up: `async def`, so a command does not pay a thread-pool
# round trip for it (shared/web.py).
async def command(request: Request) -> Command:
    # The caller is authenticated before anything else about the request is looked at: a
    # command route is included without the service guard (shared/web.py), which did it
    # first, so a request without valid credentials is refused 401 whatever else is wrong.
    principal = await authenticate_request(request)
    # A query parameter the route does not take (a misspelt `dry_run`) refuses the command
    # before anything is written, rather than running it as if the option were not sent.
    refuse_undeclared_query(request)
    if_match, key = command_headers(request)
    return Command(
        runtime_of(request),
        command_context(request, principal),
        IfMatch(parse_if_match(if_match)),
        await idempotent_request(request, principal, key),
    )


CommandDep = Annotated[Command, Depends(command)]
