"""Optimistic concurrency over HTTP, one way in every service: `ETag` out, `If-Match` in.

A read of an aggregate answers `ETag: "<version>"` (a strong validator: the version names
exactly one state of the aggregate). A command sends it back as `If-Match: "<version>"`; the
command runs only if the aggregate is still at that version, else 412 PRECONDITION_FAILED
naming the current version (`shared.errors.PreconditionFailed`, raised by
`UnitOfWork.load(..., expected_version=)` / `shared.aggregate.expect_version`). Operations
that overwrite what someone else may have written require the header (428
PRECONDITION_REQUIRED); the others take it when given. `If-Match: *` means "whatever the
version" (the same as no header on an operation that does not require one).

Religion's and indicators' `expected_version` body field is kept for the clients written
against it, deprecated: it means the same as If-Match, and when both are sent they must agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from shared import messages
from shared.errors import InvalidInput, PreconditionRequired, WeakVersion
from shared.validation import MAX_VERSION

BAD_IF_MATCH = ("BAD_IF_MATCH", messages.BAD_IF_MATCH)
VERSION_DISAGREES = ("VERSION_DISAGREES", messages.VERSION_DISAGREES)

# An entity tag whose opaque part is the version. A weak one (W/"3") is well formed but never
# matches: If-Match compares strongly (RFC 9110 §13.1.1), so it is read as a WeakVersion,
# which the version check refuses 412 (finding O16: it was read as "3", and the write ran).
_TAG = re.compile(r'^(W/)?"([0-9]{1,10})"$')
_BARE = re.compile(r"^[0-9]{1,10}$")


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(value: str | None) -> int | None:
    """The version an If-Match names; None for no header or `*`. Bare digits are accepted
    too (the dialogue service took them before this convention)."""
    if value is None:
        return None
    text = value.strip()
    if text == "*":
        return None
    match = _TAG.fullmatch(text) or _BARE.fullmatch(text)
    if match is None:
        raise InvalidInput(*BAD_IF_MATCH)
    version = int(match.group(2) if match.re is _TAG else match.group(0))
    if version > MAX_VERSION:
        raise InvalidInput(*BAD_IF_MATCH)
    return WeakVersion(version, text) if match.re is _TAG and match.group(1) else version


@dataclass(frozen=True)
class IfMatch:
    """What the request said about the version it expects (`version` None: nothing)."""

    version: int | None

    def required(self) -> int:
        """For an operation that must not run blind: 428 when no version came (`*` is not one:
        it says "whatever the version", which is what such an operation refuses)."""
        return required_version(self.version)

    def agree(self, body_version: int | None, *, required: bool = False) -> int | None:
        """One expected version from If-Match and a deprecated `expected_version` body field;
        `required`: 428 when neither names one."""
        if body_version is None:
            return self.required() if required else self.version
        if self.version is None:
            return body_version
        # By number: a weak tag (WeakVersion, equal to nothing) naming the body's version
        # agrees with it, and is what goes on, to be refused 412 as weak (review RV-P5).
        if int(self.version) != body_version:
            raise InvalidInput(
                *VERSION_DISAGREES, if_match=int(self.version), expected_version=body_version
            )
        return self.version


#: The If-Match header a command reads (shared/commandapi.py COMMAND_HEADERS).
IF_MATCH_MAX_LENGTH = 64


def required_version(version: int | None) -> int:
    """The version an operation that must not run blind was sent, else 428. A handler calls
    it once the caller is known to be allowed to act on the record, so that a caller out of
    scope learns its 403 (or the 404 every caller gets), not what the operation requires."""
    if version is None:
        raise PreconditionRequired()
    return version


C = TypeVar("C", bound=BaseModel)


def with_expected_version(command: C, precondition: IfMatch, *, required: bool = False) -> C:
    """The command with its deprecated `expected_version` set from If-Match (both agreeing)."""
    expected = precondition.agree(getattr(command, "expected_version", None), required=required)
    if expected is None:
        return command
    return command.model_copy(update={"expected_version": expected})


class TaggedResponse(JSONResponse):
    """The answer of a read of one aggregate: a route declaring it as its return type gets
    the `ETag` header in its OpenAPI document (shared/openapi.py)."""


def tagged(body: Any, version: int | None) -> TaggedResponse:
    """A read of an aggregate with its version as ETag (none for an aggregate without one)."""
    headers = {"ETag": etag(version)} if version is not None else None
    return TaggedResponse(body, headers=headers)
