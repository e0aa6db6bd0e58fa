"""The paging parameters of every list and its envelope, bounded in the schema.

An unbounded `page` or `offset` reached the database as an OFFSET past PostgreSQL's bigint
(`page=9223372036854775807` was a 500). The bounds sit far beyond any list a person or a
partner pages through, and their product stays well inside bigint; past them is a 422.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query

#: The deepest row a list is read from (offset, or (page - 1) x page size).
MAX_OFFSET = 1_000_000
MAX_PAGE = 10_000

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Bỏ qua bao nhiêu dòng đầu")]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Trang (từ 1)")]

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
PageSize = Annotated[
    int, Query(ge=1, le=MAX_PAGE_SIZE, description="Số dòng mỗi trang (1-500)")
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
    page: Page = 1,
    page_size: PageSize | None = None,
    limit: Annotated[
        int | None,
        # The dialogue lists' former bound, kept for the clients written against it.
        Query(ge=1, le=1000, deprecated=True, description="Cũ: dùng page_size"),
    ] = None,
    offset: Annotated[
        int | None,
        Query(ge=0, le=MAX_OFFSET, deprecated=True, description="Cũ: dùng page"),
    ] = None,
) -> PageRequest:
    """For the lists that took `limit`/`offset` before `page`/`page_size` (dialogue)."""
    size = page_size or limit or DEFAULT_PAGE_SIZE
    return PageRequest(page, size, offset)


Paging = Annotated[PageRequest, Depends(page_request)]
LegacyPaging = Annotated[PageRequest, Depends(page_or_offset)]
