"""Two rules for every query and path parameter of every service: no control characters,
and no query parameter the route does not take.

A NUL byte in a filter (`/api/v1/audit?actor=a%00`) reached PostgreSQL, which refuses it in
text, and came back as a 500. No parameter of this system (codes, ids, names, dates, free
search text) has a use for a control character, so they are refused here, once, before any
route sees them: a 422 in the project's error format naming the parameter. Bodies are
checked by their own types (shared.validation.clean_text).

A query parameter a route does not declare was silently ignored (finding H16):
`GET /api/v1/sites?distrct=315` answered the whole city's register, which the official read as
the district's. `refuse_undeclared_query` answers 422 UNKNOWN_QUERY_PARAMETER naming it and the
parameters the route takes. It needs the route matched, so it runs inside the dependencies
every route of the services already has, after the caller is authenticated: the service
guard (`ServiceScopes`), a command's own dependency (`shared.commandapi.command`) and a
route's scope (`RequiredScope`); the kernel's public routes take it as a dependency
(`declared_query_only`, shared/web.py). The documentation pages and their assets, the
health, readiness and metrics probes and static files are left out: a probe or a page of
Swagger UI's OAuth2 flow may be called with parameters of its own.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import params

# The test FastAPI itself applies to read a query parameter as a list (every value of the
# name) rather than as its last value: the guard below must agree with it exactly.
from fastapi._compat import field_annotation_is_sequence
from fastapi.dependencies.models import Dependant
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.requests import Request
from starlette.types import Scope

from shared import messages
from shared.errors import InvalidInput, error_body
from shared.validation import (
    BIDI_CONTROL_CHARACTERS,
    INVISIBLE_CHARACTERS,
    VALIDATION_ERROR,
    echoed,
)

#: UPPER_CASE, as every code a program branches on, and the body's rule's own code
#: (shared.validation.clean_text answers CONTROL_CHARACTERS): one rule, one code (finding N8:
#: the query's was "control_characters", missed by a program matching the body's).
CODE = "CONTROL_CHARACTERS"
MESSAGE = messages.CONTROL_CHARACTERS_IN_PARAMETER


#: The body's codes too (shared.validation.clean_text): a bidi control in a parameter was
#: echoed into the 404's message shown to people, reversing what followed it (finding O2).
BIDI_CODE = "BIDI_CONTROLS"
#: Characters that print as nothing (shared.validation.INVISIBLE_CHARACTERS): taken out of a
#: body's text, refused in a parameter, which is matched as typed and echoed as sent.
INVISIBLE_CODE = "INVISIBLE_CHARACTERS"

# Unicode's category Cc is exactly C0, DEL and C1 (tests/unit/test_requestguard.py checks it
# against unicodedata): one search per text instead of a category lookup per character.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# Every character refused in a parameter, in one search: a request holding none (nearly all)
# pays one search per text, as before the bidi and invisible sets were added.
_REFUSED = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROL_CHARACTERS}{INVISIBLE_CHARACTERS}]")
_BIDI = frozenset(BIDI_CONTROL_CHARACTERS)


def has_control_character(text: str) -> bool:
    return _CONTROL.search(text) is not None


def _refusal(text: str) -> dict[str, str] | None:
    """The code and message of a parameter's text, None when it holds no refused character."""
    if _REFUSED.search(text) is None:
        return None
    if has_control_character(text):
        return {"code": CODE, "message": MESSAGE}
    if not _BIDI.isdisjoint(text):
        return {"code": BIDI_CODE, "message": messages.BIDI_CONTROLS_IN_PARAMETER}
    return {"code": INVISIBLE_CODE, "message": messages.INVISIBLE_CHARACTERS_IN_PARAMETER}


def _escaped(name: str) -> str:
    # The refused characters of a parameter's name written as escapes: shown as sent, they
    # would do in the answer what they are refused for.
    return echoed(name)


def refused_parameters(scope: Scope) -> list[dict[str, Any]]:
    """The parameters of a request that carry a control character, a bidi control or an
    invisible character, as error details."""
    refused = []
    in_path = _refusal(scope.get("path", ""))
    if in_path is not None:
        refused.append({"field": "path", **in_path})
    # Decoded as Starlette decodes it for the routes, so what is checked is what they get.
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True) if query else ():
        found = _refusal(name) or _refusal(value)
        if found is not None:
            refused.append({"field": _escaped(name), **found})
    return refused


def compose_query(scope: Scope) -> None:
    """The query string with every name and value in its composed form (NFC), as the records'
    texts are stored (shared.validation.clean_text): a filter typed on a Mac or pasted from a
    PDF (NFD, «ậ» as «a» and two combining marks) matched nothing, an empty 200 read as
    «nothing recorded» (examiner-hostile). Rewritten in the request's scope, before any route
    reads it, only when some text is not composed; the values are those Starlette decodes."""
    raw = scope.get("query_string", b"")
    if not raw or (raw.isascii() and b"%" not in raw):
        return
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    if all(unicodedata.is_normalized("NFC", n) and unicodedata.is_normalized("NFC", v)
           for n, v in pairs):
        return
    scope["query_string"] = urlencode(
        [(unicodedata.normalize("NFC", n), unicodedata.normalize("NFC", v)) for n, v in pairs],
        quote_via=quote,
    ).encode("ascii")


def control_character_refusal(scope: Scope) -> JSONResponse | None:
    """The 422 of a request whose path or query holds a control character (None: it holds
    none), answered by the request middleware (shared.web.RequestMiddleware) before any route."""
    refused = refused_parameters(scope)
    if not refused:
        return None
    return JSONResponse(error_body(*VALIDATION_ERROR, refused), status_code=422)


#: The code of a request naming a query parameter its route does not take.
UNKNOWN_QUERY_PARAMETER = "UNKNOWN_QUERY_PARAMETER"
#: The code of a request giving a single-valued query parameter more than once.
QUERY_PARAMETER_REPEATED = "QUERY_PARAMETER_REPEATED"

# What link-sharing apps and ad or campaign tools append to a page's address (Zalo's
# `zarsrc`, Facebook's `fbclid`, Google's `gclid`, the `utm_` campaign tags): on an HTML page
# they are ignored, not refused, so a dashboard link shared in a group chat still opens. The
# API refuses them like any other name.
_LINK_TAGS = frozenset({"fbclid", "gclid", "zarsrc"})
_LINK_TAG_PREFIX = "utm_"


class QueryNames:
    """The query parameters a route declares: every name it accepts (deprecated ones too),
    and the current ones, in the order declared, that a refusal lists."""

    def __init__(self, route: Any) -> None:
        fields = list(_query_fields(route.dependant))
        current = [f.alias for f in fields if not getattr(f.field_info, "deprecated", None)]
        self.current = list(dict.fromkeys(current))
        # The deprecated names last: a guess at a misspelt name prefers a current one.
        self.ordered = list(dict.fromkeys([*self.current, *(f.alias for f in fields)]))
        self.accepted = frozenset(self.ordered)
        #: The names read as a list (`?dossier_state=a&dossier_state=b`): every other name is
        #: read by FastAPI as its last value only.
        self.multi = frozenset(
            f.alias for f in fields if field_annotation_is_sequence(f.field_info.annotation))
        response_class = getattr(route.response_class, "value", route.response_class)
        self.page = isinstance(response_class, type) and issubclass(response_class, HTMLResponse)

    def unknown(self, names: Iterator[str] | list[str]) -> list[str]:
        return list(dict.fromkeys(
            n for n in names
            if n not in self.accepted
            and not (self.page and (n in _LINK_TAGS or n.startswith(_LINK_TAG_PREFIX)))
        ))

    def repeated(self, names: list[str]) -> list[str]:
        """The single-valued names the request gives more than once, in the order sent."""
        seen: set[str] = set()
        twice: dict[str, None] = {}
        for name in names:
            if name in seen and name in self.accepted and name not in self.multi:
                twice[name] = None
            seen.add(name)
        return list(twice)


def _query_fields(dependant: Dependant) -> Iterator[Any]:
    yield from dependant.query_params
    for sub in dependant.dependencies:
        yield from _query_fields(sub)


# The names are read off the route once, on its first request with a query string, and kept
# on the route itself (routes live as long as their app; a table keyed by id() could be
# handed a dead app's route's names).
_NAMES_ATTRIBUTE = "danvan_query_names"


def query_names(route: Any) -> QueryNames:
    names = getattr(route, _NAMES_ATTRIBUTE, None)
    if not isinstance(names, QueryNames):
        names = QueryNames(route)
        setattr(route, _NAMES_ATTRIBUTE, names)
    return names


def refuse_undeclared_query(request: Request) -> None:
    """422 UNKNOWN_QUERY_PARAMETER when the request names a query parameter its route does
    not take; `details` carry the unknown names and the accepted ones for programs.

    422 QUERY_PARAMETER_REPEATED when it gives a single-valued one more than once (finding
    N6): FastAPI reads the last value only, so `?unit=11824&unit=11827` answered 11827's list
    and `?unit=315&unit=316` 316's report, which a program building `unit=` from a list of
    units took for the sum. The names read as lists (religion's `dossier_state`) keep every
    value; `details.repeated` names the refused ones."""
    if not request.scope.get("query_string"):
        return  # most requests: nothing to look at
    route = request.scope.get("route")
    if route is None or not hasattr(route, "dependant"):
        return
    names = query_names(route)
    sent = [name for name, _ in request.query_params.multi_items()]
    unknown = names.unknown(sent)
    if unknown:
        raise InvalidInput(
            UNKNOWN_QUERY_PARAMETER,
            unknown_query_message(unknown, names.current, names.ordered),
            unknown=unknown,
            accepted=names.current,
        )
    repeated = names.repeated(sent)
    if repeated:
        raise InvalidInput(
            QUERY_PARAMETER_REPEATED,
            messages.QUERY_PARAMETER_REPEATED.format(
                names=", ".join(f"«{n}»" for n in repeated)),
            repeated=repeated,
        )


def unknown_query_message(unknown: list[str], current: list[str], accepted: list[str]) -> str:
    """The refusal naming the unknown names and the route's current ones, and the accepted
    name (a deprecated one too: it still works) closest to the first unknown, if any is."""
    message = messages.UNKNOWN_QUERY_PARAMETER.format(
        unknown=", ".join(f"«{n}»" for n in unknown),
        accepted=", ".join(f"«{n}»" for n in current) or messages.NO_QUERY_PARAMETERS,
    )
    guess = difflib.get_close_matches(unknown[0], accepted, n=1, cutoff=0.6)
    if guess:
        message += messages.DID_YOU_MEAN.format(name=f"«{guess[0]}»")
    return message


async def declared_query_only(request: Request) -> None:
    """The rule as a dependency, for the kernel's routes that have no service guard."""
    refuse_undeclared_query(request)


#: The code of a body of a type its route does not read (finding J10).
UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
JSON_TYPES = ("application/json",)
#: An upload (a route taking File parts, the imports): the file itself is a part.
UPLOAD_TYPES = ("multipart/form-data",)
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def body_types(route: Any) -> tuple[str, ...] | None:
    """The media types a route reads its body in (None: it takes no body). FastAPI makes one
    body field of a route's body parameters, a File's when one is a file, a Form's when one
    is a form field."""
    body_field = getattr(route, "body_field", None)
    if body_field is None:
        return None
    info = body_field.field_info
    if isinstance(info, params.File):
        return UPLOAD_TYPES
    if isinstance(info, params.Form):
        return FORM_TYPES
    return JSON_TYPES


def _reads(accepted: tuple[str, ...], content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    if accepted is JSON_TYPES:
        # As FastAPI decodes a body as JSON: application/json and any application/…+json.
        return media == "application/json" or (
            media.startswith("application/") and media.endswith("+json"))
    return media in accepted


def unsupported_body_refusal(request: Request, body: Any) -> JSONResponse | None:
    """The 415 of a body its route does not read (None: the refusal is the body's content).

    FastAPI decodes a JSON body only when the request says it is JSON; text/plain, XML or a
    form sent to a JSON route reached the model as bytes and came back 422 «Phải là đối tượng
    JSON», and JSON or a bare CSV sent to an upload route 422 «file: thiếu trường» (finding
    J10), whereas the fault is the format, as HTTP's 415 says. Asked by the 422 handler
    (shared/web.py) once the body has failed its model, so it costs a good request nothing
    and comes after authentication and scope (401, 403), like every check of a body. A body
    without any Content-Type is refused too; no body and no type is the body missing (422)."""
    accepted = body_types(request.scope.get("route"))
    if accepted is None:
        return None
    content_type = request.headers.get("content-type")
    if content_type is None:
        sent = bool(body) if isinstance(body, bytes | str) else (
            request.headers.get("content-length", "0") not in ("", "0"))
        if not sent:
            return None
        given = messages.NO_CONTENT_TYPE
    elif _reads(accepted, content_type):
        return None
    else:
        given = f"«{content_type[:100]}»"
    message = messages.UNSUPPORTED_BODY_TYPE.format(
        given=given, accepted=", ".join(f"«{t}»" for t in accepted))
    details = {"content_type": content_type[:100] if content_type else None,
               "accepted": list(accepted)}
    return JSONResponse(error_body(UNSUPPORTED_MEDIA_TYPE, message, details), status_code=415)
