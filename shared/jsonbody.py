"""The one parse of a JSON request body, for every route of every service: a key given twice
in one object is refused.

FastAPI reads a body with `json.loads`, where the last of two equal keys wins: a partner's
serializer that merged two records (`"code"` twice, `"registered_on"` twice) had one of them
written, a fact nobody could say was meant (finding O1), while a query parameter given twice
is refused (QUERY_PARAMETER_REPEATED). Here the body is parsed with an `object_pairs_hook`
that refuses the repetition: 422 VALIDATION_ERROR with the detail's code DUPLICATE_KEY naming
the key, as malformed JSON is refused (before the route's dependencies, so nothing is written).

Every router of the services and the kernel is made with `route_class=JSONBodyRoute`
(tests/auth/test_input_refusals.py checks every route of the four applications); a route's
handler is given a `JSONBodyRequest`, whose `json()` FastAPI calls to read the body.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Final

from fastapi._compat import field_annotation_is_sequence
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from shared import messages
from shared.errors import error_body
from shared.requestguard import UNSUPPORTED_MEDIA_TYPE
from shared.validation import echoed

if TYPE_CHECKING:
    from shared.commandthreads import CommandThreads

#: The detail's code of a key given twice in one object of a body.
DUPLICATE_KEY = "DUPLICATE_KEY"
#: The error kind of a lone surrogate in any text of a body (`"\\ud800"`): the body text
#: rule's own (shared.validation.clean_text), so one code, NONCHARACTERS, whichever field.
NONCHARACTERS = "noncharacters"


class DuplicateKey(json.JSONDecodeError):
    """A key given twice in one JSON object. A JSONDecodeError, so FastAPI answers it as the
    malformed body it is (a 422 before any dependency runs) rather than as an unreadable one
    (400); JSONBodyRoute then names the key."""

    def __init__(self, key: str, document: str) -> None:
        super().__init__(f"duplicate key {key!r}", document, 0)
        self.key = key


#: The most members an object of a body may have: no command takes more than a hundred (a
#: district report's figures). Pydantic names each member it refuses, an unknown key or a
#: figure that is no number, so a body of 190,000 keys within the size limit took seconds of
#: the event loop to refuse one by one (examiner-hostile); such an object is refused here,
#: as it is parsed, in one detail.
MAX_OBJECT_MEMBERS: Final = 200


class TooManyMembers(json.JSONDecodeError):
    """An object of more than MAX_OBJECT_MEMBERS members. A JSONDecodeError, answered 422
    before any dependency like DuplicateKey."""

    def __init__(self) -> None:
        super().__init__("too many members", "", 0)


def _one_value_per_key(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len(pairs) > MAX_OBJECT_MEMBERS:
        raise TooManyMembers()
    # dict() in C, then a length compare: an object without a repeated key (every one but a
    # mistake's) costs the parse no Python loop over its keys.
    made = dict(pairs)
    if len(made) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key, "")
            seen.add(key)
    return made


class LoneSurrogate(json.JSONDecodeError):
    """A text of the body holding half of a surrogate pair (`"\\ud800"`, or its bytes): no
    UTF-8 can carry it, so it is no text. Left in, it reached a refusal that echoed it and
    the answer itself failed to encode: a 500 in every service (finding H M3). `where` is
    the path of the first such text in the body."""

    def __init__(self, where: tuple[str | int, ...], document: str) -> None:
        super().__init__("lone surrogate", document, 0)
        self.where = where


# Made once: json.loads given a hook makes a decoder per call, which cost more than the hook.
_DECODER = json.JSONDecoder(object_pairs_hook=_one_value_per_key)
# What a body holding a surrogate shows: its escape, or (bytes read with "surrogatepass") the
# character. One search of the text; only a body with one (an emoji's pair, or a lone half)
# has its values walked.
_SURROGATE = re.compile(r"\\u[dD][89abcdefABCDEF]|[\ud800-\udfff]")


def parse_json_body(body: bytes | str) -> Any:
    """A request body's JSON, as FastAPI reads it (`json.loads`: bytes in UTF-8, -16 or -32),
    but for DuplicateKey and LoneSurrogate."""
    if isinstance(body, bytes):
        body = body.decode(json.detect_encoding(body), "surrogatepass")
    parsed = _DECODER.decode(body)
    if _SURROGATE.search(body) is not None:
        where = _lone_surrogate(parsed)
        if where is not None:
            raise LoneSurrogate(where, "")
    return parsed


def _lone_surrogate(value: Any, where: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """The path of the first text (a key or a value) in `value` holding a lone surrogate."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where
        return None
    items: Any = (value.items() if isinstance(value, dict)
                  else enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        if isinstance(key, str) and _lone_surrogate(key) is not None:
            return (*where, key)
        found = _lone_surrogate(item, (*where, key))
        if found is not None:
            return found
    return None


class RepeatedPart(json.JSONDecodeError):
    """A form or multipart body giving a single-valued field twice (two `file` parts to an
    import): FastAPI, like Starlette's form, keeps the last, so the first file was dropped
    without a word while the answer reported the import done (examiner-hostile), the
    multipart form of a JSON key given twice (DuplicateKey). A JSONDecodeError for the same
    reason: FastAPI answers it 422 before any dependency, and JSONBodyRoute names the field."""

    def __init__(self, name: str) -> None:
        super().__init__(f"repeated part {name!r}", "", 0)
        self.name = name


def _single_valued_repeated(route: Any, names: list[str]) -> str | None:
    """The first field of the route's form body that `names` (the parts sent, in order) gives
    more than once while the route reads it as one value, if any."""
    if len(set(names)) == len(names):
        return None  # every upload but a mistake's: one look
    twice = [n for i, n in enumerate(names) if n in names[:i]]
    dependant = getattr(route, "dependant", None)
    lists = {f.alias for f in getattr(dependant, "body_params", ())
             if field_annotation_is_sequence(f.field_info.annotation)}
    return next((n for n in twice if n not in lists), None)


#: A body longer than this is parsed in the app's body parser thread (`BODY_PARSER`), not on
#: the event loop. The parse takes about 0.15 s a megabyte of small objects (each goes through
#: `_one_value_per_key`): a body of 2 MB, the limit, held every other request of the service
#: for 0.3 s, /healthz included, and a client sending such bodies in a loop kept it so
#: (examiner-hostile). A command's body is a few hundred bytes, parsed on the loop as before:
#: handing it to a thread would cost it more than its parse.
PARSED_APART_BYTES: Final = 64 * 1024
#: Where an app keeps the one thread its large bodies are parsed in (`app.state`, made by
#: shared.web.build_app): one, so that a burst of large bodies takes turns with the event
#: loop for the interpreter's lock instead of crowding it out.
BODY_PARSER: Final = "body_parser"


def _body_parser(scope: Any) -> CommandThreads | None:
    app = scope.get("app")
    state = getattr(app, "state", None)
    parser: CommandThreads | None = getattr(state, BODY_PARSER, None)
    return parser


class JSONBodyRequest(Request):
    """A request whose JSON body is read by `parse_json_body`; `duplicate_key` names the key
    it found given twice, if any; `repeated_part` the form field sent twice (RepeatedPart)."""

    duplicate_key: str | None = None
    too_many_members = False
    lone_surrogate: tuple[str | int, ...] | None = None
    repeated_part: str | None = None

    async def _get_form(self, **limits: Any) -> FormData:
        form = await super()._get_form(**limits)
        repeated = _single_valued_repeated(
            self.scope.get("route"), [name for name, _ in form.multi_items()])
        if repeated is not None:
            await form.close()
            self.repeated_part = repeated
            raise RepeatedPart(repeated)
        return form

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            parser = _body_parser(self.scope) if len(body) > PARSED_APART_BYTES else None
            try:
                if parser is None:
                    self._json = parse_json_body(body)
                else:
                    self._json = await parser.run(functools.partial(parse_json_body, body))
            except DuplicateKey as exc:
                self.duplicate_key = exc.key
                raise
            except TooManyMembers:
                self.too_many_members = True
                raise
            except LoneSurrogate as exc:
                self.lone_surrogate = exc.where
                raise
        return self._json


def lone_surrogate_error(where: tuple[str | int, ...]) -> RequestValidationError:
    """422 VALIDATION_ERROR, the detail's code NONCHARACTERS at the text's field (its path
    shown through `echoed`: a key may hold the surrogate itself)."""
    return RequestValidationError([{
        "type": NONCHARACTERS, "loc": ("body", *(echoed(str(p))[:100] for p in where)),
        "input": "", "msg": messages.NONCHARACTERS,
    }])


def duplicate_key_error(key: str) -> RequestValidationError:
    shown = key[:100]
    return RequestValidationError([{
        "type": "duplicate_key", "loc": ("body", shown), "input": shown,
        "msg": messages.DUPLICATE_KEY.format(key=shown),
    }])


def too_many_members_error() -> RequestValidationError:
    return RequestValidationError([{
        "type": "too_many_keys", "loc": ("body",), "input": "",
        "msg": messages.TOO_MANY_KEYS.format(limit=MAX_OBJECT_MEMBERS),
    }])


def repeated_part_error(name: str) -> RequestValidationError:
    shown = echoed(name[:100])
    return RequestValidationError([{
        "type": "repeated_part", "loc": ("body", shown), "input": shown,
        "msg": messages.REPEATED_PART.format(name=shown),
    }])


def encoded_body_refusal(request: Request) -> JSONResponse | None:
    """415 for a body sent compressed (Content-Encoding other than identity), None otherwise.
    No route reads one: its bytes went to the JSON or form parser as they were and came back
    400 MALFORMED_BODY «not readable in the declared format», the partner left to look for a
    fault in its JSON or its file (examiner-hostile). Refused before the body is read, like a
    body that is not JSON."""
    coding = request.headers.get("content-encoding", "").strip()
    if coding.lower() in ("", "identity"):
        return None
    shown = echoed(coding[:50])
    return JSONResponse(error_body(
        UNSUPPORTED_MEDIA_TYPE, messages.ENCODED_BODY.format(coding=shown),
        {"content_encoding": shown, "accepted": ["identity"]}), status_code=415)


class JSONBodyRoute(APIRoute):
    """A route whose body is read by `parse_json_body` (FastAPI's documented way to change
    how a route reads its request: a route class giving its handler another Request)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            if self.body_field is not None:
                refused = encoded_body_refusal(request)
                if refused is not None:
                    return refused
            own = JSONBodyRequest(request.scope, request.receive)
            try:
                return await handle(own)
            except RequestValidationError:
                if own.duplicate_key is not None:
                    raise duplicate_key_error(own.duplicate_key) from None
                if own.too_many_members:
                    raise too_many_members_error() from None
                if own.lone_surrogate is not None:
                    raise lone_surrogate_error(own.lone_surrogate) from None
                if own.repeated_part is not None:
                    raise repeated_part_error(own.repeated_part) from None
                raise

        return handler
