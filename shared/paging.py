"""The paging parameters of every list and its envelope, bounded in the schema.

An unbounded `page` or `offset` reached the database as an OFFSET past PostgreSQL's bigint
(`page=9223372036854775807` was a 500). The bounds sit far beyond any list a person or a
partner pages through, and their product stays well inside bigint; past them is a 422.

The lists that kept `limit`/`offset` beside `page`/`page_size` have two names for where a
page starts and two for its length. Given together they must say the same thing, else 422
PAGING_PARAMETERS_CONFLICT naming both (finding P4: `?page=2&page_size=2&offset=5` answered
from row 5 and `?limit=3&page_size=2` two rows, one of the two read silently), as a
repeated parameter is refused (QUERY_PARAMETER_REPEATED) so that no request is answered
half-understood.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query

from shared import messages
from shared.errors import InvalidInput
from shared.validation import WholeNumber

#: The code of a list asked with two names of where its page starts (`page`, `offset`) or of
#: its length (`page_size`, `limit`) that disagree.
PAGING_PARAMETERS_CONFLICT = "PAGING_PARAMETERS_CONFLICT"

#: The deepest row a list is read from (offset, or (page - 1) x page size).
MAX_OFFSET = 1_000_000
MAX_PAGE = 10_000

Offset = Annotated[WholeNumber, Query(ge=0, le=MAX_OFFSET, description="Bỏ qua bao nhiêu dòng đầu")]
Page = Annotated[WholeNumber, Query(ge=1, le=MAX_PAGE, description="Trang (từ 1)")]

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
PageSize = Annotated[
    WholeNumber, Query(ge=1, le=MAX_PAGE_SIZE, description="Số dòng mỗi trang (1-500)")
]


@dataclass(frozen=True)
class PageRequest:
    """Which rows of a list: every list takes `page` and `page_size` (docs/api-conventions.md).
    A list that took `limit`/`offset` before keeps them (deprecated): `offset` then wins."""

    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    start: int | None = None

    @property
    def offset(self) -> int:
        return self.start if self.start is not None else (self.page - 1) * self.page_size

    @property
    def limit(self) -> int:
        return self.page_size

    def envelope(self, items: Sequence[Any], total: int, **extra: Any) -> dict[str, Any]:
        """The one envelope of a list."""
        return {
            **extra,
            "total": total,
            "page": self.offset // self.page_size + 1,
            "page_size": self.page_size,
            "pages": (total + self.page_size - 1) // self.page_size,
            "offset": self.offset,
            "items": list(items),
        }

    def of(self, rows: Sequence[Any], **extra: Any) -> dict[str, Any]:
        """The envelope of a page of a list already read whole (a list filtered in Python,
        short enough to hold: a roster, the models of a year)."""
        return self.envelope(rows[self.offset:self.offset + self.limit], len(rows), **extra)


def page_request(page: Page = 1, page_size: PageSize = DEFAULT_PAGE_SIZE) -> PageRequest:
    return PageRequest(page, page_size)


def page_or_offset(
    page: Page | None = None,
    page_size: PageSize | None = None,
    limit: Annotated[
        WholeNumber | None,
        # The dialogue lists' former bound, kept for the clients written against it.
        Query(ge=1, le=1000, deprecated=True, description="Cũ: dùng page_size"),
    ] = None,
    offset: Annotated[
        WholeNumber | None,
        Query(ge=0, le=MAX_OFFSET, deprecated=True, description="Cũ: dùng page"),
    ] = None,
) -> PageRequest:
    """For the lists that took `limit`/`offset` before `page`/`page_size` (dialogue, the
    audit, the dead letters): either name of a pair, or both when they agree (`page_size`
    equal to `limit`; `offset` the first row of `page`, (page - 1) x the page's length);
    422 PAGING_PARAMETERS_CONFLICT when they do not."""
    if page_size is not None and limit is not None and page_size != limit:
        raise _conflict(messages.PAGING_SIZE_CONFLICT, page_size=page_size, limit=limit)
    size = page_size or limit or DEFAULT_PAGE_SIZE
    if page is not None and offset is not None and offset != (page - 1) * size:
        raise _conflict(messages.PAGING_START_CONFLICT, page=page, offset=offset,
                        size=size, start=(page - 1) * size)
    return PageRequest(page or 1, size, offset)


def _conflict(text: str, **sent: int) -> InvalidInput:
    """The refusal of two names of one thing (the current name, then the former one) with
    values that disagree; `details.names` the two, and each value sent."""
    current, former = list(sent)[:2]
    return InvalidInput(
        PAGING_PARAMETERS_CONFLICT,
        text.format(current=current, current_value=sent[current], former=former,
                    former_value=sent[former], **sent),
        names=[current, former], **{current: sent[current], former: sent[former]})


Paging = Annotated[PageRequest, Depends(page_request)]
LegacyPaging = Annotated[PageRequest, Depends(page_or_offset)]
