"""The paging parameters of every list, bounded in the schema.

An unbounded `page` or `offset` reached the database as an OFFSET past PostgreSQL's bigint
(`page=9223372036854775807` was a 500). The bounds sit far beyond any list a person or a
partner pages through, and their product stays well inside bigint; past them is a 422.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

#: The deepest row a list is read from (offset, or (page - 1) x page size).
MAX_OFFSET = 1_000_000
MAX_PAGE = 10_000

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Bỏ qua bao nhiêu dòng đầu")]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Trang (từ 1)")]

