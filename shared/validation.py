"""Input types and Vietnamese wording of validation errors, shared by every service."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Final, get_args

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetJsonSchemaHandler,
    StrictInt,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, PydanticKnownError
from pydantic_core.core_schema import ErrorType

from shared import messages
from shared.adminunits.model import (
    COMMUNE_CODE_PATTERN,
    DISTRICT_CODE_PATTERN,
    LOCAL_UNIT_CODE_PATTERN,
    NATION_OR_UNIT_CODE_PATTERN,
    PROVINCE_CODE_PATTERN,
    SCOPE_CODE_PATTERN,
    UNIT_CODE_PATTERN,
)
from shared.clock import (
    FIRST_DAY,
    VN_TZ,
    day_vn,
    end_of_day_vn,
    format_date_vn,
    format_moment_vn,
    today_vn,
)
from shared.conferencedates import PERIOD_ID_PATTERN
from shared.errors import InvalidInput
from shared.ids import CODE_MAX, CODE_PATTERN, RECORD_ID_PATTERN, UUID_PATTERN
from shared.vnformat import format_number_vn

# Tab, newline and carriage return are legitimate in free text; every other control
# character (NUL above all, which PostgreSQL refuses) is not. Unicode's control characters
# (category Cc) are exactly U+0000-U+001F and U+007F-U+009F, a set Unicode never changes.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Unicode's noncharacters (U+FDD0-U+FDEF and the last two code points of every plane, U+FFFE
# and U+FFFF among them) and lone surrogates: never text. XML, the format inside every .docx
# and .xlsx the system writes, cannot hold U+FFFE, U+FFFF or a surrogate at all.
_NONCHARACTER = re.compile(
    "[\ufdd0-\ufdef\ud800-\udfff"
    + "".join(chr(plane | 0xFFFE) + chr(plane | 0xFFFF) for plane in range(0, 0x110000, 0x10000))
    + "]"
)
# Both are searched for with one regular expression each: `clean_text` runs on every text
# of every command, and a Python generator over the characters (unicodedata.category of
# each) cost about 3 % of the event loop's time on POST /sites (py-spy, bench/http.py).
# tests/unit/test_validation.py checks them against Unicode's definitions, code point by
# code point.


# Directional embeddings, overrides and isolates reorder what follows them when it is shown:
# "Chùa\u202e..." prints reversed in the unit's Word, Excel and dashboard, a record's name
# spoofed in a signed document. Vietnamese text has no use for them (the marks U+200E/U+200F,
# which reorder nothing after them, are left to scripts that need them).
BIDI_CONTROL_CHARACTERS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_CONTROLS = frozenset(BIDI_CONTROL_CHARACTERS)


# Characters that print as nothing: zero-width space, word joiner, invisible operators, a BOM
# inside a text, the soft hyphen, the grapheme joiner and the Hangul/Mongolian fillers. Copied
# from a web page or a Word file they come along unseen: a name made of them printed blank in
# every report, and one inside a word hid the site from search (finding H9). The official
# cannot see them to delete them, so they are taken out, not refused; what is left empty is
# then refused as blank.
INVISIBLE_CHARACTERS = ("\u00ad\u034f\u115f\u1160\u180e\u200b\u2060\u2061\u2062\u2063\u2064"
                        "\u3164\ufeff\uffa0")
_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE_CHARACTERS))
# The zero-width (non-)joiners shape the letters of Arabic, Persian and Indic scripts, and are
# kept there; beside a Latin (Vietnamese) letter, a space or at an end they only hide. A run
# is matched once, from its first joiner, and goes whole or stays whole: the expression that
# tried `[joiners]+(?=Latin|$)` from each joiner of a run between two Arabic letters was
# quadratic (10,000 joiners: 1.4 s of processor time; examiner M1).
_JOINER_RUN = re.compile(r"(?<![\u200c\u200d])[\u200c\u200d]+")
_LATIN = re.compile(r"[\u0000-\u024f\u1e00-\u1eff]")


def _latin_joiners(run: re.Match[str]) -> str:
    text, start, end = run.string, run.start(), run.end()
    hiding = (start == 0 or end == len(text) or _LATIN.match(text, start - 1) is not None
              or _LATIN.match(text, end) is not None)
    return "" if hiding else run.group()


def clean_text(value: str) -> str:
    value = _JOINER_RUN.sub(_latin_joiners, value.translate(_INVISIBLE))
    value = unicodedata.normalize("NFC", value).strip()
    if _CONTROL.search(value):
        raise PydanticCustomError("control_characters", messages.CONTROL_CHARACTERS)
    if _NONCHARACTER.search(value):
        raise PydanticCustomError("noncharacters", messages.NONCHARACTERS)
    if not _BIDI_CONTROLS.isdisjoint(value):
        raise PydanticCustomError("bidi_controls", messages.BIDI_CONTROLS)
    return value


# What a refusal may not echo as sent: control characters, bidi controls (they reorder the
# message around them, finding H L1), characters that print as nothing, noncharacters and lone
# surrogates (no UTF-8 can carry one: the answer itself failed, a 500, finding H M3).
_UNSHOWABLE = re.compile(
    f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROL_CHARACTERS}{INVISIBLE_CHARACTERS}"
    + _NONCHARACTER.pattern[1:]
)


def echoed(text: str) -> str:
    """`text` as a refusal may show it: every character that would act on the message or
    could not be sent (see `_UNSHOWABLE`) written as its escape `\\uXXXX`, the rest as sent.
    The one way user text (a file's name, a parameter, a scope) goes into a message."""
    if _UNSHOWABLE.search(text) is None:
        return text
    return _UNSHOWABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def composed(value: Any) -> Any:
    """A text read in its composed form (NFC) before it is compared with a list of choices:
    "Phật giáo" typed on macOS or copied from a PDF arrives decomposed (NFD), and a `Literal`
    compares code points, so the user would be refused with their own value listed as
    allowed. Anything other than a text is left for the type's own check."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _not_blank(value: str) -> str:
    if not value:
        raise PydanticCustomError("blank", messages.BLANK)
    return value


_LINE_BREAK = re.compile("[\t\n\r]")


def _one_line(value: str) -> str:
    # Free text may hold a line break; a name is shown on one line, in a list, a table cell,
    # a report's heading: «Chùa Đông\nĐã cấp giấy chứng nhận» was registered as a site's name
    # and printed as two lines of the register (examiner-hostile). Refused, not joined: the
    # desk sees what it typed. (The subject and department of a token follow the same rule.)
    if _LINE_BREAK.search(value):
        raise PydanticCustomError("line_breaks", messages.LINE_BREAKS)
    return value


Name = Annotated[
    str, StringConstraints(max_length=300), AfterValidator(clean_text), AfterValidator(_not_blank),
    AfterValidator(_one_line),
]
#: The longest name of a person, key owner or department taken: an event records its actor
#: and department in 200 characters (shared/eventstore.py), as the API keys do theirs; a
#: longer one was stored on SQLite and refused by PostgreSQL (500, finding Q2).
ACTOR_MAX: Final = 200
ActorName = Annotated[
    str, StringConstraints(max_length=ACTOR_MAX), AfterValidator(clean_text),
    AfterValidator(_not_blank), AfterValidator(_one_line),
]
#: A code in a body: the path's code (shared.ids.CODE_PATTERN), since the record made is then
#: read and acted on by that code in a path (finding J18: a «/» was taken here, and the model
#: «P4/X1» could never be reached again).
Code = Annotated[
    str,
    StringConstraints(min_length=1, max_length=CODE_MAX, pattern=CODE_PATTERN),
]
UnitCode = Annotated[str, StringConstraints(pattern=UNIT_CODE_PATTERN)]
ShortText = Annotated[str, StringConstraints(max_length=500), AfterValidator(clean_text)]
LongText = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(clean_text)]
#: The same two, where an empty text (after trimming) is refused.
RequiredShortText = Annotated[ShortText, AfterValidator(_not_blank)]
RequiredLongText = Annotated[LongText, AfterValidator(_not_blank)]

# Dates: the plan's records start in the 1990s at the earliest and nothing is planned past this
# century; a date outside is a typo or a probe, and year 1 overflows a conversion to UTC.
# FIRST_DAY (shared.clock) is also the unit catalogue's first day.
LAST_DAY = date(2100, 12, 31)
# ASCII digits only: `\d` alone also takes other scripts' digits ("２０２３").
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# RFC 3339 §5.6 lets the `T` and `Z` be written in lower case ("2024-06-30t10:00:00z"):
# taken too (finding O16), and read upper case (`_rfc3339_letters`), as Python 3.11 wants them.
_ISO_INSTANT = re.compile(
    r"\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:?\d{2})?)?",
    re.ASCII,
)
DATE_RANGE_TEXT = messages.DATE_RANGE.format(first=f"{FIRST_DAY:%d/%m/%Y}",
                                             last=f"{LAST_DAY:%d/%m/%Y}")


def _iso_text(pattern: re.Pattern[str], code: str, message: str) -> Any:
    # pydantic's lax mode reads a number as seconds since 1970 (`on=0` is 1970-01-01): a
    # date or a time must be written as ISO 8601 text. Python callers may pass the object.
    def check(value: Any) -> Any:
        if isinstance(value, date):
            return value
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise PydanticCustomError(code, message)
        return value

    return BeforeValidator(check)


def in_date_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


#: The code of a business date after today, in an API refusal and in an import's row error.
DATE_IN_FUTURE = "DATE_IN_FUTURE"


def future_date_refusal(on: date, today: date) -> str | None:
    """The Vietnamese refusal of a business date (done, recognised, reported on...) that is
    after today, None when it is today at the latest. Imports collect it per row."""
    if on <= today:
        return None
    return messages.DATE_IN_FUTURE.format(on=format_date_vn(on), today=format_date_vn(today))


def not_in_future(on: date, today: date | None = None) -> date:
    """`on` itself, or InvalidInput when it is after `today` (Vietnamese today by default; a
    service with its own clock passes it)."""
    refusal = future_date_refusal(on, today or today_vn())
    if refusal is not None:
        raise InvalidInput(DATE_IN_FUTURE, refusal, on=on.isoformat())
    return on


def is_iso_instant(text: str) -> bool:
    """Whether text is written as Instant takes it (for a parameter parsed by hand)."""
    return _ISO_INSTANT.fullmatch(text) is not None


# Go's RFC 3339 and Java's Instant write up to nine digits of a second; ISO 8601 allows any
# number. Python keeps six: the rest (below a microsecond) is dropped, not refused.
_NANOSECONDS = re.compile(r"(?<=:\d{2})(\.\d{6})\d+", re.ASCII)
# A "+" typed into a link's query arrives as a space ("…T17:00:00 07:00"): it meant the offset.
_LOST_PLUS = re.compile(r"^(.+[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?) (\d{2}:?\d{2})$", re.ASCII)
INVALID_AS_OF = "INVALID_AS_OF"


def _rfc3339_letters(text: str) -> str:
    """An instant already matched by `_ISO_INSTANT`, its `t` and `z` upper case: the only
    letters it can hold, which `datetime.fromisoformat` (Python 3.11) takes upper case only."""
    return text.replace("t", "T").replace("z", "Z")
_ONE_DAY = timedelta(days=1)
AS_OF_IN_FUTURE = "AS_OF_IN_FUTURE"


def read_as_of(value: str, now: datetime) -> datetime:
    """The moment of an "as known at" query parameter (`as_of`, `known_at`), in UTC: what was
    recorded up to then counts. One rule for every service, so the same link gives the same
    figures everywhere: a bare date is the END of that day in Vietnam (everything typed in
    that day), a time without a zone is Vietnamese time, and a moment after `now` is refused
    (its answer would still change, so no signed figure may rest on it)."""
    shown = echoed(value[:40])
    invalid = InvalidInput(INVALID_AS_OF, messages.INVALID_AS_OF.format(
        value=shown, range=DATE_RANGE_TEXT))
    value = _LOST_PLUS.sub(r"\1+\2", _NANOSECONDS.sub(r"\1", value))
    if not is_iso_instant(value):
        raise invalid
    value = _rfc3339_letters(value)
    try:
        if len(value) == 10:
            parsed = end_of_day_vn(date.fromisoformat(value))
        else:
            parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise invalid from exc
    # The written date first, a day either side: year 1 or 9999 with an offset overflows the
    # conversion below, and no offset moves a moment by a day.
    if not FIRST_DAY - _ONE_DAY <= parsed.date() <= LAST_DAY + _ONE_DAY:
        raise invalid
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=VN_TZ)
    parsed = parsed.astimezone(UTC)
    # The range is of Vietnam's days: «1990-01-01T00:00:00+14:00» is 31/12/1989 here (O4).
    if not in_date_range(day_vn(parsed)):
        raise invalid
    if parsed > now:
        # Today's date is the end of today, still to come: the official meant "up to now",
        # which is the parameter left out; a refusal that only said "in the future" read as
        # if the system took today for tomorrow.
        if len(value) == 10 and date.fromisoformat(value) == day_vn(now):
            message = messages.AS_OF_TODAY.format(on=format_date_vn(day_vn(now)))
        else:
            # Shown as every other date refusal is: in Vietnam's time, with what now is (O4).
            message = messages.AS_OF_IN_FUTURE.format(
                moment=format_moment_vn(parsed), now=format_moment_vn(now.replace(microsecond=0)))
        raise InvalidInput(AS_OF_IN_FUTURE, message)
    return parsed


#: The code of a span whose start is after its end, in every service (finding O16): the
#: audit's recording times, a list's dates, a period judged by the rule.
PERIOD_REVERSED = "PERIOD_REVERSED"


def require_ordered(start: date | None, end: date | None, *fields: str) -> None:
    """Nothing, or InvalidInput PERIOD_REVERSED when both ends of a span are given and the
    start is after the end (either may be left open; one day or one moment is a span). Such a
    span holds nothing: answered 200 and empty, it read as "nothing happened" (O16).
    `fields`: the names of the two ends, given back in the details."""
    if start is None or end is None or start <= end:
        return

    def shown(value: date) -> str:
        # Days as a Vietnamese writes them; moments in Vietnam's time (as_of's refusals).
        return format_moment_vn(value) if isinstance(value, datetime) else format_date_vn(value)

    raise InvalidInput(
        PERIOD_REVERSED, messages.PERIOD_REVERSED.format(start=shown(start), end=shown(end)),
        **({"fields": list(fields)} if fields else {}),
        start=start.isoformat(), end=end.isoformat(),
    )


def _day_in_range(value: date) -> date:
    if not in_date_range(value):
        raise PydanticCustomError(
            "date_out_of_range", messages.DATE_OUT_OF_RANGE.format(range=DATE_RANGE_TEXT)
        )
    return value


def _instant_in_range(value: datetime) -> datetime:
    if not in_date_range(value.date()):
        raise PydanticCustomError(
            "datetime_out_of_range", messages.INSTANT_OUT_OF_RANGE.format(range=DATE_RANGE_TEXT)
        )
    return value


class _DocumentedRange:
    """Puts the accepted range in the OpenAPI schema (JSON Schema has no minimum for dates)."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["x-earliest"] = FIRST_DAY.isoformat()
        schema["x-latest"] = LAST_DAY.isoformat()
        return schema


#: Every date the API takes, in a body or a parameter: YYYY-MM-DD within FIRST_DAY..LAST_DAY.
Day = Annotated[
    date,
    _iso_text(_ISO_DAY, "date_format", messages.DATE_FORMAT),
    AfterValidator(_day_in_range),
    _DocumentedRange(),
]
def _in_utc(value: datetime) -> datetime:
    # A time without a zone is Vietnamese time, as in `read_as_of`; compared in UTC, since
    # SQLite compares the wall-clock text of what it is given (K8: +07:00 was 7 hours off).
    return (value if value.tzinfo else value.replace(tzinfo=VN_TZ)).astimezone(UTC)


def _to_microseconds(value: Any) -> Any:
    return _NANOSECONDS.sub(r"\1", value) if isinstance(value, str) else value


def _day_to_its_end(value: Any) -> Any:
    # "Up to 06/12" means all of that day in Vietnam, not its first instant.
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        try:
            return end_of_day_vn(date.fromisoformat(value))
        except ValueError:
            return value  # left to the format check's refusal
    return value


#: Every point in time the API takes: ISO 8601, same range; a time without a zone (a bare
#: date: its first instant) is Vietnamese time; answered in UTC.
Instant = Annotated[
    datetime,
    _iso_text(_ISO_INSTANT, "datetime_format", messages.INSTANT_FORMAT),
    # Run before the format check (pydantic runs the last before-validator first): digits
    # below a microsecond dropped, as `read_as_of` drops them, so the audit's bounds read a
    # moment .NET (seven digits), Go or Java (nine) wrote, as as_of does (examiner-hostile).
    BeforeValidator(_to_microseconds),
    AfterValidator(_instant_in_range),
    AfterValidator(_in_utc),
    _DocumentedRange(),
]
#: The end of a span of time, included: as `Instant`, but a bare date is the end of that day.
InstantUpTo = Annotated[Instant, BeforeValidator(_day_to_its_end)]

# A whole number of a query or a path: ASCII digits, perhaps after a minus (a negative one is
# then refused by the parameter's range, which says why). pydantic reads a text as an int
# laxly: «1_0» (Python's digit grouping) was 10, «1.0» 1, « 1 » and «+1» 1, while the refusal
# of «abc» told the partner to type digits only (messages.INTEGER_FORM; examiner-hostile).
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def _whole_number_text(value: Any) -> Any:
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value) is None:
        raise PydanticKnownError("int_parsing")
    return value


#: Every whole number a query or a path parameter takes (its range given by its Query or
#: Path): written as digits only, as its refusal says. Bodies take StrictInt (a JSON number).
WholeNumber = Annotated[int, BeforeValidator(_whole_number_text)]

#: The highest aggregate version a request may name (the event store's column is an integer;
#: a larger number only ever meant a probe, and reached PostgreSQL as an out-of-range value).
MAX_VERSION = 2**31 - 1
#: An `expected_version` (optimistic concurrency) in a command's body.
Version = Annotated[StrictInt, Field(ge=0, le=MAX_VERSION)]

#: The code and message of a request refused by its types (the details say which field and why).
VALIDATION_ERROR = ("VALIDATION_ERROR", messages.VALIDATION_ERROR)

MESSAGES: dict[str, str] = messages.FIELD_ERRORS
#: What to type instead, by error kind and, for a text refused by its pattern, by pattern.
FORMS: dict[str, str] = messages.FIELD_FORMS
_FORMS_OF_PATTERNS = messages.PATTERN_FORMS
PATTERN_FORMS: dict[str, str] = {
    UNIT_CODE_PATTERN: _FORMS_OF_PATTERNS["unit"],
    PROVINCE_CODE_PATTERN: _FORMS_OF_PATTERNS["province"],
    DISTRICT_CODE_PATTERN: _FORMS_OF_PATTERNS["district"],
    COMMUNE_CODE_PATTERN: _FORMS_OF_PATTERNS["commune"],
    LOCAL_UNIT_CODE_PATTERN: _FORMS_OF_PATTERNS["local"],
    SCOPE_CODE_PATTERN: _FORMS_OF_PATTERNS["scope"],
    NATION_OR_UNIT_CODE_PATTERN: _FORMS_OF_PATTERNS["nation_or_unit"],
    CODE_PATTERN: _FORMS_OF_PATTERNS["code"],
    RECORD_ID_PATTERN: _FORMS_OF_PATTERNS["record_id"],
    UUID_PATTERN: _FORMS_OF_PATTERNS["uuid"],
    PERIOD_ID_PATTERN: _FORMS_OF_PATTERNS["period"],
}
# pydantic's own error kinds: one without a Vietnamese wording above is still pydantic's, with
# an English `msg` ("unable to parse raw data as a unicode string" for a lone surrogate), so it
# gets the general Vietnamese wording; only our custom errors carry their own message.
_PYDANTIC_KINDS: frozenset[str] = frozenset(get_args(ErrorType))


# Per field name, the Vietnamese labels of the values a choice field takes: each service's
# (messages.VALUE_LABELS, set on `app.state.value_labels`).
ValueLabels = Mapping[str, Mapping[str, str]]
_CHOICES = ("literal_error", "enum")
_QUOTED = re.compile(r"'([^']*)'")


#: The most problems a 422 lists, then one detail TOO_MANY_ERRORS saying how many more
#: (examiner-hostile): a body of 190,000 unknown keys within the size limit was answered
#: with each listed, a 16 MB answer built in seconds on the event loop.
MAX_DETAILS: Final = 100


def refusal_details(
    errors: Sequence[Any], value_labels: ValueLabels | None = None,
    pattern_forms: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """`vietnamese_errors` of the first MAX_DETAILS errors, and how many more there are."""
    shown = vietnamese_errors(errors[:MAX_DETAILS], value_labels, pattern_forms)
    more = len(errors) - MAX_DETAILS
    if more > 0:
        shown.append({"field": None, "code": "TOO_MANY_ERRORS",
                      "message": messages.TOO_MANY_ERRORS.format(more=more, shown=MAX_DETAILS)})
    return shown


def vietnamese_errors(
    errors: Sequence[Any], value_labels: ValueLabels | None = None,
    pattern_forms: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Turn pydantic's error list into [{field, code, message}] worded in Vietnamese.

    A refused choice names the values allowed by their Vietnamese labels when the service
    gives them for that field ("cho phép: «Bí thư cấp ủy» hoặc «Chủ tịch Ủy ban nhân dân»",
    never "party_secretary hoặc people_committee_chair"); the values themselves, which a
    program sends, are in the error's `allowed`.
    """
    out = []
    for error in errors:
        kind = str(error.get("type", "value_error"))
        ctx = error.get("ctx") or {}
        value = error.get("input")
        if isinstance(value, float) and not math.isfinite(value):
            # NaN (the body parser takes the literal) or 1e400 (infinity) is not "too big"
            # against a bound: it is no number (K10).
            kind, ctx = "finite_number", {}
        template = MESSAGES.get(kind)
        location = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
        item: dict[str, Any] = {"field": ".".join(location) or None}
        allowed = _QUOTED.findall(str(ctx.get("expected", ""))) if kind in _CHOICES else []
        # A choice inside a list (`qualifying_fields.0`) is labelled by the list's field name.
        named = [p for p in location if not p.isdigit()]
        labels = (value_labels or {}).get(named[-1] if named else "", {})
        if template is None and kind in _PYDANTIC_KINDS:
            message = MESSAGES["value_error"]
        elif template is None:
            # Custom errors (PydanticCustomError) already carry a Vietnamese message.
            message = str(error.get("msg", MESSAGES["value_error"]))
        elif allowed and all(value in labels for value in allowed):
            message = template.format(expected=_either(f"«{labels[v]}»" for v in allowed))
        else:
            year = bool(location) and location[-1] in YEAR_FIELDS
            try:
                message = template.format(**{k: _show(v, year) for k, v in ctx.items()})
            except (KeyError, IndexError):
                message = template
        form = expected_form(kind, ctx, pattern_forms)
        if form:
            message = f"{message}; {form}"
        # pydantic's kinds ("missing", "string_too_long", our own "blank") become codes like
        # every other error code of the API: stable and upper case ("MISSING").
        item.update(code=kind.upper(), message=message)
        if allowed:
            item["allowed"] = allowed
        out.append(item)
    return out


def expected_form(
    kind: str, ctx: Mapping[str, Any], pattern_forms: Mapping[str, str] | None = None
) -> str | None:
    """What to type instead (finding H11): the form of a date, a time, a number, a yes/no,
    a UUID, and of a text refused by its pattern (a unit's code, a human code, a period...,
    and the service's own codes in `pattern_forms`). A refused choice already lists the
    values allowed; a bound names itself."""
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        form = PATTERN_FORMS.get(pattern) or (pattern_forms or {}).get(pattern)
        return form or messages.OTHER_FORM
    return FORMS.get(kind)


def _either(options: Iterable[str]) -> str:
    items = list(options)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {messages.OR} {items[-1]}"


#: The fields that hold a calendar year: their bounds are shown as a year is written, «2015»,
#: never grouped like an amount («2.015», finding O9). Every year field of the API is so named.
YEAR_FIELDS: frozenset[str] = frozenset({"year"})


def _show(value: Any, year: bool = False) -> str:
    if year and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    # A bound is a number as Vietnamese writes it («100.000.000», «0,5»), not «100000000.0» (K10).
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number_vn(value)
    # pydantic lists choices as "'a', 'b' or 'c'": drop the quotes, say "hoặc".
    return str(value).replace("'", "").replace(" or ", f" {messages.OR} ")
