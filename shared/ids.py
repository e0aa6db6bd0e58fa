"""The id policy, one validation for every service (docs/api-conventions.md, "Ids").

Human codes where the thing has a code in the world that people type and read (a religious
site's register code, an administrative unit, an indicator of the plan, a model or a contest
entry the department numbers): they are the aggregate ids, so a bulk import or a retry names
the same thing again. Everything that exists only in this system (dialogue sessions, issues,
commitments, heads' terms, compliance cases) gets a UUID or a server-made id.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator

#: A human code: letters, digits, ".", "_", "-"; starts with a letter or a digit.
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]*$"
CODE_MAX = 50
#: A record id: a UUID, or an id the server made (`VV-…`, `DT-2023-…`, `MH-…`).
RECORD_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9\-]*$"
RECORD_ID_MAX = 50
#: A UUID as text (an event's id in a path, a head's in a body).
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

CodePath = Annotated[
    str,
    Path(
        min_length=1, max_length=CODE_MAX, pattern=CODE_PATTERN,
        description="Mã do con người đặt (chữ, số, dấu . _ -), ví dụ CS-TL-01",
    ),
]


def code_key(code: str) -> str:
    """The one spelling of a human code under which it is unique (`UnitOfWork.claim_code`):
    people type "prb-s1" for PRB-S1, and both name one site. The code itself is kept as typed
    (events are never edited, and a store may hold codes of any case), only the claim folds."""
    return code.upper()


_UUID = re.compile(UUID_PATTERN)


def uuid_key(value: str) -> str:
    """A UUID in its one spelling, lower case: the spelling `str(UUID)` gives a UUID a body
    carries (a client may choose a record's UUID, in upper case too) and the store keeps."""
    return value.lower()


def record_id_key(record_id: str) -> str:
    """The one spelling of a record id, whatever case it is typed in (L7): a UUID lower case
    (`uuid_key`), an id the server made upper case as it makes them (`VV-165156475DF0`). A
    path holding the id in another case named the same record but found none (404)."""
    return uuid_key(record_id) if _UUID.match(record_id) else record_id.upper()


RecordIdPath = Annotated[
    str,
    Path(
        min_length=1, max_length=RECORD_ID_MAX, pattern=RECORD_ID_PATTERN,
        description="Mã bản ghi do hệ thống cấp (UUID hoặc mã dạng VV-…)",
    ),
    AfterValidator(record_id_key),
]
#: A UUID in a path (an event's id), read in any case.
UuidPath = Annotated[str, Path(pattern=UUID_PATTERN), AfterValidator(uuid_key)]
