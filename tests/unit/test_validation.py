from __future__ import annotations

import json
import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import BaseModel, Field, ValidationError

from shared.clock import today_vn
from shared.errors import InvalidInput
from shared.validation import (
    _CONTROL,
    _NONCHARACTER,
    DATE_IN_FUTURE,
    Instant,
    Name,
    ShortText,
    clean_text,
    future_date_refusal,
    not_in_future,
    read_as_of,
    vietnamese_errors,
)


class Form(BaseModel):
    name: Name
    note: ShortText = ""


def test_text_is_normalised_to_nfc_and_trimmed() -> None:
    decomposed = "Tie\u0302n La\u0303ng "
    assert Form(name=decomposed).name == "Tiên Lãng"


@pytest.mark.parametrize("bad", ["Chùa\x00", "a\x07b", "\x1b[31m"])
def test_control_characters_are_refused_in_vietnamese(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        Form(name=bad)
    errors = vietnamese_errors(info.value.errors())
    assert errors[0]["code"] == "CONTROL_CHARACTERS"
    assert "ký tự điều khiển" in errors[0]["message"]


@pytest.mark.parametrize("bad", ["Mục thử \ufffe", "\uffff", "a\ufdd0b", "x\U0010ffff"])
def test_noncharacters_are_refused_in_vietnamese(bad: str) -> None:
    """U+FFFE and U+FFFF cannot be written in a .docx or .xlsx: accepted, one such text made
    every Word and Excel report holding it a 500."""
    with pytest.raises(ValidationError) as info:
        Form(name=bad)
    errors = vietnamese_errors(info.value.errors())
    assert errors[0]["code"] == "NONCHARACTERS"
    assert "Word, Excel" in errors[0]["message"]


def test_the_refused_characters_are_unicodes_code_point_for_code_point() -> None:
    """clean_text searches two regular expressions (issue 20: it read each character's
    category in Python): they hold exactly the control characters but tab, newline and
    carriage return, and exactly the noncharacters and surrogates, over all of Unicode."""
    for point in range(0x110000):
        ch = chr(point)
        control = unicodedata.category(ch) == "Cc" and ch not in "\t\n\r"
        noncharacter = (0xFDD0 <= point <= 0xFDEF or point & 0xFFFE == 0xFFFE
                        or 0xD800 <= point <= 0xDFFF)
        assert bool(_CONTROL.search(f"a{ch}b")) is control, hex(point)
        assert bool(_NONCHARACTER.search(f"a{ch}b")) is noncharacter, hex(point)


@pytest.mark.parametrize("bad", ["Chùa\u202eabc", "a\u202ab", "\u2066Chùa\u2069", "x\u2067"])
def test_directional_overrides_are_refused_in_vietnamese(bad: str) -> None:
    """U+202E printed a site's name reversed in its unit's signed Word report (G14)."""
    with pytest.raises(ValidationError) as info:
        Form(name=bad)
    errors = vietnamese_errors(info.value.errors())
    assert errors[0]["code"] == "BIDI_CONTROLS"
    assert "chiều viết" in errors[0]["message"]


def test_text_from_every_script_and_emoji_is_kept() -> None:
    # Arabic and Hebrew keep their own direction without any control character.
    assert Form(name="مسجد שלום").name == "مسجد שלום"
    assert Form(name="Nhà thờ 聖堂 😀 \U0001f9e7").name == "Nhà thờ 聖堂 😀 \U0001f9e7"


def test_messages_name_the_field_and_the_limit() -> None:
    with pytest.raises(ValidationError) as info:
        Form(name="x" * 301)
    (error,) = vietnamese_errors(info.value.errors())
    assert error == {
        "field": "name",
        "code": "STRING_TOO_LONG",
        "message": "Chuỗi quá dài (tối đa 300 ký tự)",
    }


def test_blank_name_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        Form(name="   ")
    assert vietnamese_errors(info.value.errors())[0]["code"] == "BLANK"


def test_a_date_after_today_is_refused_with_both_dates_in_vietnamese() -> None:
    today = date(2025, 3, 10)
    assert future_date_refusal(today, today) is None
    refusal = future_date_refusal(date(2025, 3, 11), today)
    assert refusal == "Ngày 11/03/2025 ở tương lai (hôm nay là 10/03/2025)"
    with pytest.raises(InvalidInput) as info:
        not_in_future(date(2025, 3, 11), today)
    assert info.value.code == DATE_IN_FUTURE
    assert info.value.details == {"on": "2025-03-11"}


def test_not_in_future_defaults_to_vietnamese_today() -> None:
    today = today_vn()
    assert not_in_future(today) == today
    with pytest.raises(InvalidInput):
        not_in_future(today + timedelta(days=2))  # still ahead if midnight passes


NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


@pytest.mark.parametrize(("written", "moment"), [
    # A bare date is everything typed in that day in Vietnam: up to 16:59:59.999999 UTC.
    ("2023-06-30", datetime(2023, 6, 30, 16, 59, 59, 999999, tzinfo=UTC)),
    # No zone: Vietnamese time, as the officials write it.
    ("2023-06-30T17:00:00", datetime(2023, 6, 30, 10, tzinfo=UTC)),
    ("2023-06-30T17:00:00+07:00", datetime(2023, 6, 30, 10, tzinfo=UTC)),
    ("2023-06-30T10:00:00Z", datetime(2023, 6, 30, 10, tzinfo=UTC)),
    # "+07:00" typed into a link arrives as " 07:00".
    ("2023-06-30T17:00:00 07:00", datetime(2023, 6, 30, 10, tzinfo=UTC)),
    # Nine digits of a second (Go, Java): below a microsecond is dropped, not refused.
    ("2023-06-14T10:00:00.123456789Z", datetime(2023, 6, 14, 10, 0, 0, 123456, tzinfo=UTC)),
    ("2023-06-14T17:00:00.1234567 07:00", datetime(2023, 6, 14, 10, 0, 0, 123456, tzinfo=UTC)),
])
def test_as_known_at_is_read_one_way(written: str, moment: datetime) -> None:
    assert read_as_of(written, NOW) == moment


@pytest.mark.parametrize("written", [
    "30/06/2023", "2023-6-30", "２０２３-06-30", "0001-01-01", "2023-02-30", "yesterday", "",
    "2023-06-30T25:00:00",
])
def test_an_unreadable_as_of_is_refused_with_its_code(written: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_as_of(written, NOW)
    assert refused.value.code == "INVALID_AS_OF"


def test_an_as_of_in_the_future_is_refused() -> None:
    assert read_as_of("2026-12-04T18:59:59+07:00", NOW) < NOW
    for later in ("2026-12-04", "2026-12-04T19:00:01+07:00", "2099-01-01"):
        with pytest.raises(InvalidInput) as refused:
            read_as_of(later, NOW)
        assert refused.value.code == "AS_OF_IN_FUTURE"
        # Today's date is refused with what to do instead (G12); a later one is the future.
        today = later == "2026-12-04"
        assert ("bỏ trống" in refused.value.message) is today, refused.value.message


def test_an_as_of_in_the_future_is_shown_in_vietnam_time_with_now() -> None:
    """Finding O4: the refusal echoed the ISO text («2030-01-01T00:00:00Z»); every other date
    refusal shows dd/mm/yyyy in Vietnam's time and says what today is."""
    with pytest.raises(InvalidInput) as refused:
        read_as_of("2030-01-01T00:00:00Z", NOW)
    assert refused.value.message == (
        "Thời điểm số liệu 07:00 ngày 01/01/2030 ở tương lai (bây giờ là 19:00 ngày 04/12/2026)")
    with pytest.raises(InvalidInput) as refused:
        read_as_of("2026-12-04T19:00:30+07:00", NOW + timedelta(seconds=10, microseconds=5))
    assert refused.value.message == (
        "Thời điểm số liệu 19:00:30 ngày 04/12/2026 ở tương lai (bây giờ là 19:00:10 ngày "
        "04/12/2026)")
    with pytest.raises(InvalidInput) as refused:
        read_as_of("2026-12-04", NOW)
    assert refused.value.message.startswith("Thời điểm số liệu là hết ngày 04/12/2026, hôm nay")


@pytest.mark.parametrize("written", [
    "1990-01-01T00:00:00+14:00", "1989-12-31T16:59:59Z", "1989-12-31T23:59:59",
])
def test_the_range_of_as_of_is_of_vietnams_days_after_conversion(written: str) -> None:
    """Finding O4: the range was checked on the written date before conversion, so
    1990-01-01T00:00:00+14:00, 31/12/1989 in Vietnam, was taken."""
    with pytest.raises(InvalidInput) as refused:
        read_as_of(written, NOW)
    assert refused.value.code == "INVALID_AS_OF"
    first = datetime(1989, 12, 31, 17, tzinfo=UTC)  # 00:00 on 01/01/1990 in Vietnam
    assert read_as_of("1989-12-31T17:00:00Z", NOW) == first
    assert read_as_of("1990-01-01T07:00:00+14:00", NOW) == first


@pytest.mark.parametrize("written", [
    "2023-06-30T10:00:00z", "2023-06-30t10:00:00Z", "2023-06-30t10:00:00z",
    "2023-06-30t17:00:00+07:00", "2023-06-30t17:00:00 07:00", "2023-06-30t10:00:00.123456789z",
])
def test_as_of_takes_rfc_3339s_lower_case_t_and_z(written: str) -> None:
    """Finding O16: RFC 3339 §5.6 allows «t» and «z» in lower case; `as_of` refused them
    (INVALID_AS_OF) while the same moment upper case was taken."""
    assert read_as_of(written, NOW).replace(microsecond=0) == datetime(2023, 6, 30, 10,
                                                                       tzinfo=UTC)


@pytest.mark.parametrize("written", ["2026-12-05t00:00:00z", "2030-01-01T00:00:00z"])
def test_a_lower_case_as_of_in_the_future_is_still_refused(written: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_as_of(written, NOW)
    assert refused.value.code == "AS_OF_IN_FUTURE"


@pytest.mark.parametrize("written", ["1989-12-31t16:59:59z", "2023-06-30x10:00:00z",
                                     "2023-06-30T10:00:00zz", "2023-06-30T10:00:00y"])
def test_a_lower_case_as_of_out_of_range_or_malformed_is_still_refused(written: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_as_of(written, NOW)
    assert refused.value.code == "INVALID_AS_OF"


class _Span(BaseModel):
    at: Instant


@pytest.mark.parametrize("written", ["2023-06-30T10:00:00z", "2023-06-30t10:00:00z",
                                     "2023-06-30t17:00:00+07:00"])
def test_an_instant_parameter_takes_lower_case_t_and_z(written: str) -> None:
    """The kernel's `Instant` (the audit's `recorded_from`/`recorded_to`) follows the same
    rule as `as_of` (finding O16)."""
    assert _Span(at=written).at == datetime(2023, 6, 30, 10, tzinfo=UTC)


def test_a_lone_surrogate_is_refused_in_vietnamese() -> None:
    # A JSON body may carry "\ud800" (json.loads, as FastAPI reads a body, keeps it), which is
    # no Unicode character: pydantic's English message must not reach a person.
    with pytest.raises(ValidationError) as info:
        Form(name=json.loads('"\\ud800"'))
    (error,) = vietnamese_errors(info.value.errors())
    assert error["code"] == "STRING_UNICODE"
    assert error["message"] == "Chuỗi chứa ký tự Unicode không hợp lệ"


def test_a_pydantic_kind_without_a_wording_gets_the_general_vietnamese_one() -> None:
    class Exact(BaseModel):
        amount: float

    with pytest.raises(ValidationError) as info:
        Exact.model_validate_json('{"amount": {"a": 1}}')
    errors = [dict(e, type="complex_type") for e in info.value.errors()]
    (error,) = vietnamese_errors(errors)
    assert error["code"] == "COMPLEX_TYPE"
    assert error["message"] == "Giá trị không hợp lệ"


@pytest.mark.parametrize(("typed", "kept"), [
    ("Chùa Đ\u200bông", "Chùa Đông"),
    ("\ufeffChùa\u00ad Hòa\u2060 Bình", "Chùa Hòa Bình"),
    ("Đình\u200d Kênh\u200c", "Đình Kênh"),
    # Joiners shaping another script's letters are that script's own: kept.
    ("नमस्\u200dते", "नमस्\u200dते"),
])
def test_invisible_characters_are_taken_out_of_text(typed: str, kept: str) -> None:
    """Finding H9: a zero-width space inside a word hid the site from search, and fillers
    made a name that prints as nothing; they are taken out (the official cannot see them)."""
    assert Form(name=typed).name == kept


@pytest.mark.timeout(120)
def test_a_long_run_of_joiners_is_cleaned_in_one_pass() -> None:
    """Examiner M1: a run of zero-width non-joiners between two Arabic letters made the
    expression taking out the joiners that hide try each joiner of the run in turn, to its
    end (10,000 joiners: 1.4 s of processor time, quadratic; a 360 KB body froze a service
    5.6 s, before its write scope was checked). A run of a million, about four hours then,
    is one pass now; the timeout is no speed bound, it ends the test that would hang."""
    run = "\u200c" * 1_000_000
    assert clean_text(f"\u0627{run}\u0627") == f"\u0627{run}\u0627"
    assert clean_text(f"\u0627{run}a") == "\u0627a"
    assert clean_text(f"a{run}\u0627") == "a\u0627"
    assert clean_text(f"\u0627 {run}\u200d\u0627") == "\u0627 \u0627"


@pytest.mark.parametrize("blank", ["\u200b\u200b\u200b", "\u00ad", "\u3164", " \ufeff \u2060 "])
def test_a_text_of_invisible_characters_only_is_blank(blank: str) -> None:
    with pytest.raises(ValidationError) as info:
        Form(name=blank)
    assert vietnamese_errors(info.value.errors())[0]["code"] == "BLANK"


def test_a_bound_in_a_refusal_is_a_vietnamese_number_and_nan_is_no_number() -> None:
    """K10: bounds printed «0.0» and «100000000.0»; NaN and 1e400 (infinity) were refused as
    «too big» against the upper bound."""

    class Area(BaseModel):
        area: float = Field(gt=0, le=100_000_000)

    def refusal(value: float) -> tuple[str, str]:
        try:
            Area(area=value)
        except ValidationError as exc:
            [item] = vietnamese_errors(exc.errors())
            return item["code"], item["message"]
        raise AssertionError(value)

    assert refusal(-5) == ("GREATER_THAN", "Phải lớn hơn 0")
    assert refusal(1e9) == ("LESS_THAN_EQUAL", "Phải nhỏ hơn hoặc bằng 100.000.000")
    for value in (float("nan"), float("inf"), float("-inf")):
        assert refusal(value) == (
            "FINITE_NUMBER", "Phải là một số hữu hạn (không nhận NaN hay vô cực)")
