"""One error format for every 4xx: a stable code for machines, a Vietnamese message for people.

{"error": {"code": "CONCURRENCY_CONFLICT", "message": "...", "details": {...}}}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared import messages


class DomainError(Exception):
    """A refusal the caller can act on. Subclasses fix the HTTP status."""

    status_code: int = 400

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"error": error}


class BadRequest(DomainError):
    status_code = 400


class InvalidInput(DomainError):
    status_code = 422


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class Forbidden(DomainError):
    status_code = 403


class Unauthorized(DomainError):
    status_code = 401


@dataclass(frozen=True)
class Lifecycle:
    """The Vietnamese labels of one kind of record's states and actions, for its refusals.

    Each service keeps its own in its `messages.py`; `ActionRefused` words every refusal of
    every service the same way from them.
    """

    actions: Mapping[str, str]
    states: Mapping[str, str]
    # Said when no action is allowed any more, e.g. "không có (hồ sơ đã kết thúc)".
    nothing_allowed: str = messages.NOTHING_ALLOWED


class ActionRefused(Conflict):
    """409: an action the current state of a record does not allow. The message names the
    action attempted, the current state and the actions allowed, in Vietnamese labels only;
    the details carry the same as identifiers (`action`, `state`, `allowed_actions`) for
    programs."""

    def __init__(
        self,
        code: str,
        lifecycle: Lifecycle,
        *,
        action: str,
        subject: str,
        state: str,
        allowed: Sequence[str],
        note: str = "",
        **details: Any,
    ) -> None:
        allowed_text = ", ".join(f"«{lifecycle.actions[a]}»" for a in allowed)
        super().__init__(
            code,
            messages.ACTION_REFUSED.format(
                action=lifecycle.actions[action],
                subject=subject,
                state=lifecycle.states[state],
                note=f" ({note})" if note else "",
                allowed=allowed_text or lifecycle.nothing_allowed,
            ),
            action=action,
            state=state,
            allowed_actions=list(allowed),
            **details,
        )
        self.lifecycle = lifecycle
        self.action = action
        self.state = state
        self.allowed = list(allowed)


class ConcurrencyError(Conflict):
    """Someone appended to the aggregate since it was loaded."""

    def __init__(self, aggregate_id: str, expected: int, current: int | None = None) -> None:
        details: dict[str, Any] = {"aggregate_id": aggregate_id, "expected_version": expected}
        if current is not None:
            details["current_version"] = current
        super().__init__(
            "CONCURRENCY_CONFLICT",
            messages.CONCURRENCY_CONFLICT.format(expected=expected, current=current),
            **details,
        )
        self.aggregate_id = aggregate_id
        self.expected = expected
        self.current = current


class IdempotencyKeyInProgress(Conflict):
    """Another request with the same Idempotency-Key is being carried out: this one waits for
    its answer by retrying (a 409 with Retry-After, not a state of an aggregate)."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            "IDEMPOTENCY_KEY_IN_PROGRESS", messages.IDEMPOTENCY_KEY_IN_PROGRESS,
            retry_after_s=retry_after_s,
        )


class CommandsCrossed(Conflict):
    """The command waited for records another command held while that one waited for records
    this one held (PostgreSQL aborts one of the two), again at each of its tries: nothing
    was written, the same request may be sent again (a 409 with Retry-After)."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__("COMMANDS_CROSSED", messages.COMMANDS_CROSSED,
                         retry_after_s=retry_after_s)


class ClaimCrossed(CommandsCrossed):
    """Codes this transaction found free were claimed meanwhile by a transaction that
    committed after its read (two imports of overlapping files at once, on PostgreSQL): the
    command is run again from the start (`shared.commands.run`), reading what the other wrote,
    so it ends as if sent after it (those rows "existing"); never SITE_EXISTS for a code nobody
    held when the request began. Out of tries, it is the 409 COMMANDS_CROSSED it extends."""

    def __init__(self) -> None:
        super().__init__(retry_after_s=1)


class AsOfBusy(DomainError):
    """A list "as known at" a moment asked while another one is being replayed in the process
    (`shared.projection.InlineProjection.known_at`): a replay costs seconds of CPU and tens of
    MB, so they run one at a time and the others are sent back at once (503 with Retry-After)
    rather than piling up on the threads and database connections the desks' requests need."""

    status_code = 503

    def __init__(self, retry_after_s: int) -> None:
        super().__init__("AS_OF_BUSY", messages.AS_OF_BUSY, retry_after_s=retry_after_s)


class WeakVersion(int):
    """The version a weak If-Match tag names (`W/"3"`, shared.concurrency.parse_if_match).
    If-Match compares strongly (RFC 9110 §13.1.1, §8.8.3.2): a weak tag matches no state, so
    this version equals none, its own included (finding O16: `W/"3"` was read as `"3"` and the
    write ran). It travels as the expected version so that its 412 comes where a stale
    version's does, after the 403, 404 and 428 (the order of a command's refusals)."""

    tag: str

    def __new__(cls, version: int, tag: str) -> WeakVersion:
        made = super().__new__(cls, version)
        made.tag = tag
        return made

    def __getnewargs__(self) -> tuple[int, str]:  # type: ignore[override]
        # A copy (copy.deepcopy, pickle) is made again with its tag.
        return int(self), self.tag

    def __eq__(self, other: object) -> bool:
        return False

    def __ne__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__


class PreconditionFailed(DomainError):
    """The version the caller last saw (If-Match, or the deprecated `expected_version` field)
    is no longer the aggregate's, or it came as a weak tag, which matches nothing: the command
    was not run (RFC 9110 §13.1.1)."""

    status_code = 412

    def __init__(self, aggregate_id: str, expected: int, current: int) -> None:
        if isinstance(expected, WeakVersion):
            message = messages.WEAK_IF_MATCH.format(tag=expected.tag[:40], current=current)
        else:
            message = messages.PRECONDITION_FAILED.format(expected=expected, current=current)
        super().__init__(
            "PRECONDITION_FAILED",
            message,
            aggregate_id=aggregate_id,
            expected_version=int(expected),
            current_version=current,
        )
        self.aggregate_id = aggregate_id
        self.expected = expected
        self.current = current


class PreconditionFailedUnchecked(DomainError):
    """If-Match named a version an operation does not compare (a creation, an operation on
    a record without a version): the condition cannot hold, the command was not run."""

    status_code = 412

    def __init__(self, tag: str) -> None:
        shown = tag[:40]
        super().__init__(
            "IF_MATCH_NOT_CHECKED", messages.IF_MATCH_NOT_CHECKED.format(tag=shown), tag=shown,
        )


class PreconditionRequired(DomainError):
    """An operation that overwrites what others may have changed needs If-Match (RFC 6585)."""

    status_code = 428

    def __init__(self) -> None:
        super().__init__(
            "PRECONDITION_REQUIRED", messages.PRECONDITION_REQUIRED,
        )


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


REBUILD = Lifecycle(messages.REBUILD_ACTIONS, messages.REBUILD_STATES)


class RebuildInProgress(ActionRefused):
    """A rebuild of the read models was asked while one is being built."""

    def __init__(self, generation: int, started_at: Any) -> None:
        started = started_at.isoformat() if hasattr(started_at, "isoformat") else started_at
        super().__init__(
            "REBUILD_IN_PROGRESS", REBUILD, action="rebuild", subject=messages.REBUILD_SUBJECT,
            state="building", allowed=["progress", "cancel"],
            note=messages.REBUILD_IN_PROGRESS.format(generation=generation, started=started),
            generation=generation,
            started_at=started,
        )


class RebuildNotFound(NotFound):
    def __init__(self, generation: int) -> None:
        super().__init__(
            "REBUILD_NOT_FOUND",
            messages.REBUILD_NOT_FOUND.format(generation=generation),
            generation=generation,
        )


class NoRebuildInProgress(NotFound):
    def __init__(self) -> None:
        super().__init__(
            "NO_REBUILD_IN_PROGRESS",
            messages.NO_REBUILD_IN_PROGRESS,
        )
