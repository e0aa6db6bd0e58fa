"""Every Vietnamese text of the kernel that a user of the API reads, in one place (each service
has its own `messages.py` beside it).

What stays elsewhere, on purpose: the vocabulary of a rule stays with the rule that defines it
(the statuses of `shared/planrules.py` and `shared/taskrules.py`, the unit kinds of
`shared/adminunits`, the scope labels of `shared/auth/principal.py`), so a word and its meaning
cannot drift apart; console tools (`python -m shared.auth.keys`, `shared.migrations`,
`shared.devserver`, `shared.republish`) keep their help and output beside their arguments.
"""

from __future__ import annotations

from typing import Final

# -- requests the web layer refuses (shared/web.py, shared/requestguard.py) ---------------------
MALFORMED_BODY: Final = "Nội dung gửi lên không đọc được theo định dạng đã khai báo"
ROUTE_NOT_FOUND: Final = "Không tìm thấy địa chỉ yêu cầu"
METHOD_NOT_ALLOWED: Final = "Phương thức không được hỗ trợ cho địa chỉ này"
PAYLOAD_TOO_LARGE: Final = "Dữ liệu gửi lên quá lớn"
UNSUPPORTED_MEDIA_TYPE: Final = "Định dạng dữ liệu không được hỗ trợ"
#: A body of a type its route does not read (shared/requestguard.py): {given} is the request's
#: Content-Type (or NO_CONTENT_TYPE), {accepted} the types the route reads, each in «».
UNSUPPORTED_BODY_TYPE: Final = (
    "Nội dung gửi lên có định dạng {given}, địa chỉ này không đọc được định dạng đó. Gửi lại "
    "với tiêu đề Content-Type là {accepted}."
)
NO_CONTENT_TYPE: Final = "chưa khai báo (thiếu tiêu đề Content-Type)"
HTTP_ERROR: Final = "Yêu cầu không hợp lệ"
DATABASE_UNAVAILABLE: Final = (
    "Cơ sở dữ liệu tạm thời không phục vụ được, yêu cầu chưa được thực hiện; "
    "vui lòng thử lại sau ít giây"
)
INTERNAL_ERROR: Final = "Lỗi hệ thống, vui lòng thử lại hoặc báo quản trị viên"
CONTROL_CHARACTERS_IN_PARAMETER: Final = "Tham số chứa ký tự điều khiển không hợp lệ"
#: A key given twice in one object of a JSON body (shared/jsonbody.py): {key} is the key.
DUPLICATE_KEY: Final = (
    "Trường «{key}» được gửi nhiều lần trong cùng một đối tượng JSON, không rõ giá trị nào là "
    "đúng nên yêu cầu không được thực hiện. Hãy gửi mỗi trường một lần."
)
#: An object of a JSON body with more members than any command takes (shared/jsonbody.py).
TOO_MANY_KEYS: Final = (
    "Một đối tượng JSON trong nội dung gửi lên có hơn {limit} trường, nhiều hơn mọi thao tác "
    "nhận, nên yêu cầu không được đọc. Hãy chỉ gửi các trường của thao tác."
)
#: A refusal listing its first problems only (shared/validation.py refusal_details).
TOO_MANY_ERRORS: Final = (
    "Còn {more} lỗi khác không liệt kê ở đây (chỉ nêu {shown} lỗi đầu): sửa các lỗi trên rồi "
    "gửi lại để xem tiếp"
)
#: A body sent compressed (Content-Encoding), which no route reads (shared/jsonbody.py).
ENCODED_BODY: Final = (
    "Nội dung gửi lên được nén (Content-Encoding: «{coding}»), mà hệ thống chỉ đọc nội dung "
    "không nén: hãy gửi lại không nén (bỏ tiêu đề Content-Encoding)"
)
#: A form field (an import's file part) sent twice in one body (shared/jsonbody.py).
REPEATED_PART: Final = (
    "Trường «{name}» được gửi nhiều lần trong cùng một yêu cầu (ví dụ hai tệp), không rõ giá "
    "trị nào là đúng nên yêu cầu không được thực hiện. Hãy gửi mỗi trường một lần (mỗi lần "
    "nhập một tệp)."
)
BIDI_CONTROLS_IN_PARAMETER: Final = (
    "Tham số chứa ký tự điều khiển chiều viết (đảo ngược thứ tự hiển thị), không được chấp nhận"
)
INVISIBLE_CHARACTERS_IN_PARAMETER: Final = (
    "Tham số chứa ký tự không hiển thị (như dấu cách độ rộng 0, thường dính theo khi sao chép "
    "từ trang web hoặc Word), không được chấp nhận; hãy gõ lại tham số"
)
#: A query parameter the route does not take (shared/requestguard.py): {unknown} and
#: {accepted} are the names, each in «»; a misspelt filter must not pass for a filtered list.
UNKNOWN_QUERY_PARAMETER: Final = (
    "Địa chỉ này không nhận tham số {unknown} (có thể gõ sai tên), nên yêu cầu không được thực "
    "hiện để kết quả không bị hiểu nhầm là đã lọc theo tham số đó. Các tham số địa chỉ này "
    "nhận: {accepted}."
)
#: A single-valued query parameter given twice (shared/requestguard.py): {names}, each in «».
QUERY_PARAMETER_REPEATED: Final = (
    "Tham số {names} chỉ nhận một giá trị nhưng được gửi nhiều lần, nên yêu cầu không được "
    "thực hiện để kết quả không bị hiểu nhầm là đã tính cho mọi giá trị. Hãy gửi mỗi tham số "
    "này một lần (mỗi đơn vị một yêu cầu)."
)
NO_QUERY_PARAMETERS: Final = "không có tham số nào"
#: A list asked with two names of one paging parameter that disagree (shared/paging.py):
#: {current} the name to keep and {former} the deprecated one, each with its value sent.
PAGING_SIZE_CONFLICT: Final = (
    "Các tham số «{current}» = {current_value} và «{former}» = {former_value} cùng chỉ số "
    "dòng mỗi trang nhưng mang hai giá trị khác nhau, nên yêu cầu không được thực hiện để "
    "không trả về một trang khác trang được hỏi. Chỉ cần gửi «{current}» («{former}» là tên "
    "cũ)."
)
PAGING_START_CONFLICT: Final = (
    "Các tham số «{current}» = {current_value} và «{former}» = {former_value} cùng chỉ chỗ "
    "bắt đầu của trang nhưng không khớp nhau: với {size} dòng mỗi trang, trang {page} bắt đầu "
    "sau {start} dòng đầu, không phải sau {offset} dòng. Yêu cầu không được thực hiện để không "
    "trả về một trang khác trang được hỏi. Chỉ cần gửi «{current}» («{former}» là tên cũ)."
)
DID_YOU_MEAN: Final = " Có phải ý bạn là {name}?"
#: A number typed as text in an import that is no number (shared/vnformat.py).
NUMBER_UNREADABLE: Final = (
    "«{value}» không phải là số (ví dụ đúng: 1250,5 hoặc 1.250,5; số nguyên: 1250)"
)
#: A number typed as text that reads two ways (finding J22): {decimal} and {thousands} are the
#: two values, as Vietnamese writes them.
NUMBER_AMBIGUOUS: Final = (
    "«{value}» đọc được hai cách: {decimal} nếu dấu là dấu thập phân (cách viết Việt Nam), "
    "hoặc {thousands} nếu dấu ngăn cách hàng nghìn (bảng tính xuất theo tiếng Anh); hệ thống "
    "không đoán. Ghi lại số không có dấu ngăn cách hàng nghìn (ví dụ 1234 hoặc 1234,5), ghi "
    "đủ cả hai dấu (1.234,5), hoặc để ô ở kiểu số"
)
UNSAFE_AUTH_CONFIGURATION: Final = "Cấu hình xác thực không an toàn: {problems}"
#: /readyz: a dependency that does not answer.
#: /readyz of a service started while its database did not answer: it waits for it (retrying,
#: docs/reliability.md) before it migrates and starts consuming and publishing.
DATABASE_NOT_READY: Final = (
    "cơ sở dữ liệu chưa sẵn sàng: dịch vụ đang chờ cơ sở dữ liệu trả lời để cập nhật lược đồ "
    "và bắt đầu làm việc"
)
CHECK_FAILED: Final = "lỗi: {error}"
NOT_CONNECTED: Final = "chưa kết nối"
#: /readyz: the relay has failed to publish the outbox for longer than RELAY_UNREADY_AFTER_S.
RELAY_STUCK: Final = "không gửi được sự kiện lên NATS đã {seconds} giây"
#: /readyz, a rebuild's status: a consumer stopped at an event of a newer schema version
#: (shared/consumer.py, SchemaHold); {reason} is EVENT_SCHEMA_TOO_NEW.
CONSUMER_HELD: Final = "{consumer} tạm dừng ở sự kiện {event_id}: {reason}"
#: /readyz: a consumer has had no answer from JetStream, and no batch in hand, for
#: CONSUMER_STALLED_AFTER_S or more (ConsumerRunner.fetch_age).
CONSUMER_STALLED: Final = "{consumer} không lấy được sự kiện từ NATS đã {seconds} giây"
#: /readyz: the database refused a write for lack of disk space {seconds} s ago (a read, the
#: check's ping, still answers).
DATABASE_DISK_FULL: Final = (
    "ổ đĩa của cơ sở dữ liệu đã đầy: lệnh ghi bị từ chối {seconds} giây trước; "
    "giải phóng dung lượng, dịch vụ tự tiếp tục"
)
#: /readyz: a consumer paused for its database while the database answers a read (it cannot
#: write: a full disk).
CONSUMER_PAUSED: Final = "{consumer} tạm dừng vì cơ sở dữ liệu không ghi được"

# -- request bodies and parameters (shared/validation.py) ---------------------------------------
VALIDATION_ERROR: Final = "Dữ liệu gửi lên không hợp lệ"
#: Joins the last of several choices ("a, b hoặc c").
OR: Final = "hoặc"
CONTROL_CHARACTERS: Final = "Chuỗi chứa ký tự điều khiển không hợp lệ"
NONCHARACTERS: Final = (
    "Chuỗi chứa ký tự không hợp lệ (không phải chữ, số hay dấu), không thể đưa vào văn bản "
    "Word, Excel"
)
BIDI_CONTROLS: Final = (
    "Chuỗi chứa ký tự điều khiển chiều viết (đảo ngược thứ tự hiển thị), không được chấp nhận"
)
BLANK: Final = "Không được để trống"
#: A name (of a site, a person, a key's owner...) is one line (shared.validation.Name).
LINE_BREAKS: Final = (
    "Tên chỉ được viết trên một dòng: không được chứa ký tự xuống dòng hoặc ký tự tab"
)
DATE_OUT_OF_RANGE: Final = "Ngày phải {range}"
INSTANT_OUT_OF_RANGE: Final = "Thời điểm phải {range}"
DATE_RANGE: Final = "từ {first} đến {last}"
DATE_FORMAT: Final = "Ngày không đúng dạng"
#: A business date (done on, recognised on, reported on...) after today (shared/validation.py).
DATE_IN_FUTURE: Final = "Ngày {on} ở tương lai (hôm nay là {today})"
#: A step of a record dated before the step it follows (shared/steporder.py).
DATE_BEFORE_PREVIOUS_STEP: Final = (
    "Ngày {on} sớm hơn ngày của bước trước ({previous}); các bước phải theo thứ tự thời gian"
)
INSTANT_FORMAT: Final = "Thời điểm không đúng dạng"
#: "As known at" (`as_of`, `known_at`) of a read (shared/validation.read_as_of): {range} is
#: DATE_RANGE's text.
INVALID_AS_OF: Final = (
    "Thời điểm số liệu «{value}» không hợp lệ; dùng dạng ISO, ví dụ 2023-03-20T17:00:00+07:00, "
    "{range}"
)
#: An instant in Vietnam's time (shared.clock.format_moment_vn): {time} HH:MM[:SS], {day}
#: dd/mm/yyyy.
MOMENT: Final = "{time} ngày {day}"
#: A span whose start is after its end, in any service (shared.validation.require_ordered).
PERIOD_REVERSED: Final = "Khoảng thời gian ngược: mốc đầu ({start}) sau mốc cuối ({end})"
#: {moment} and {now} in Vietnam's time (shared.clock.format_moment_vn), as DATE_IN_FUTURE's.
AS_OF_IN_FUTURE: Final = "Thời điểm số liệu {moment} ở tương lai (bây giờ là {now})"
#: A bare date that is today: {on} dd/mm/yyyy.
AS_OF_TODAY: Final = (
    "Thời điểm số liệu là hết ngày {on}, hôm nay, chưa đến; để lấy số liệu đến hiện tại hãy "
    "bỏ trống thời điểm số liệu, hoặc chọn một thời điểm đã qua"
)
#: A conference period id of a year the system keeps no period of (shared/conferencedates.py):
#: {value} the id, {year} its year, {first} and {last} the years taken.
INVALID_PERIOD: Final = (
    "Mã kỳ báo cáo «{value}» không hợp lệ; dùng dạng NĂM-3m, NĂM-6m, NĂM-9m hoặc NĂM-12m "
    "(ví dụ 2023-3m)"
)
PERIOD_YEAR_OUT_OF_RANGE: Final = (
    "Kỳ báo cáo «{value}» thuộc năm {year}; hệ thống chỉ có kỳ báo cáo của các năm từ {first} "
    "đến {last}"
)
#: pydantic's error kinds, worded in Vietnamese ({...} are pydantic's own context values).
FIELD_ERRORS: Final[dict[str, str]] = {
    "missing": "Thiếu trường bắt buộc",
    "extra_forbidden": "Trường không được phép",
    "string_type": "Phải là chuỗi ký tự",
    "string_too_long": "Chuỗi quá dài (tối đa {max_length} ký tự)",
    "string_too_short": "Chuỗi quá ngắn (tối thiểu {min_length} ký tự)",
    "string_pattern_mismatch": "Không đúng dạng",
    "string_unicode": "Chuỗi chứa ký tự Unicode không hợp lệ",
    "int_type": "Phải là số nguyên",
    "int_parsing": "Phải là số nguyên",
    "int_from_float": "Phải là số nguyên",
    "float_type": "Phải là số",
    "float_parsing": "Phải là số",
    "decimal_parsing": "Phải là số",
    "bool_type": "Phải là đúng/sai",
    "bool_parsing": "Phải là đúng/sai",
    "greater_than": "Phải lớn hơn {gt}",
    "greater_than_equal": "Phải lớn hơn hoặc bằng {ge}",
    "less_than": "Phải nhỏ hơn {lt}",
    "less_than_equal": "Phải nhỏ hơn hoặc bằng {le}",
    "finite_number": "Phải là một số hữu hạn (không nhận NaN hay vô cực)",
    "date_type": "Phải là ngày",
    "date_parsing": "Ngày không hợp lệ",
    "date_from_datetime_parsing": "Ngày không hợp lệ",
    "date_from_datetime_inexact": "Phải là ngày, không kèm giờ",
    "datetime_parsing": "Thời điểm không hợp lệ",
    "datetime_type": "Thời điểm không hợp lệ",
    "datetime_from_date_parsing": "Thời điểm không hợp lệ",
    "uuid_parsing": "Mã định danh (UUID) không hợp lệ",
    "enum": "Giá trị không hợp lệ; cho phép: {expected}",
    "literal_error": "Giá trị không hợp lệ; cho phép: {expected}",
    "list_type": "Phải là danh sách",
    "too_long": "Danh sách quá dài (tối đa {max_length} phần tử)",
    "too_short": "Danh sách quá ngắn (tối thiểu {min_length} phần tử)",
    "dict_type": "Phải là đối tượng JSON",
    "model_attributes_type": "Phải là đối tượng JSON",
    "json_invalid": "Nội dung JSON không hợp lệ",
    "json_type": "Nội dung JSON không hợp lệ",
    "value_error": "Giá trị không hợp lệ",
}
#: What to type instead, said after each kind of error above (and our own date kinds) by
#: shared.validation.vietnamese_errors, in one place: an official told only "không hợp lệ"
#: could not guess the form (finding H11). The API's dates are ISO only (YYYY-MM-DD; the
#: spreadsheet imports also read dd/mm/yyyy, with their own messages).
DAY_FORM: Final = "nhập theo dạng YYYY-MM-DD (ví dụ 2023-06-14)"
INSTANT_FORM: Final = (
    "nhập theo dạng YYYY-MM-DD hoặc YYYY-MM-DDTHH:MM:SS, có thể kèm múi giờ (ví dụ 2023-06-14 "
    "hoặc 2023-06-14T17:00:00+07:00)"
)
INTEGER_FORM: Final = "nhập số nguyên, chỉ gồm chữ số, không có dấu chấm hay phẩy (ví dụ 12)"
NUMBER_FORM: Final = "nhập số, phần thập phân sau dấu chấm (ví dụ 1250.5)"
BOOLEAN_FORM: Final = "nhập true (đúng) hoặc false (sai)"
UUID_FORM: Final = (
    "nhập mã UUID gồm 32 chữ số hệ 16 chia 5 nhóm bằng dấu gạch ngang (ví dụ "
    "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f)"
)
OTHER_FORM: Final = "xem dạng của trường này trong tài liệu API (/docs)"
FIELD_FORMS: Final[dict[str, str]] = {
    **dict.fromkeys(("date_format", "date_type", "date_parsing", "date_from_datetime_parsing",
                     "date_from_datetime_inexact"), DAY_FORM),
    **dict.fromkeys(("datetime_format", "datetime_type", "datetime_parsing",
                     "datetime_from_date_parsing"), INSTANT_FORM),
    **dict.fromkeys(("int_type", "int_parsing", "int_from_float"), INTEGER_FORM),
    **dict.fromkeys(("float_type", "float_parsing", "decimal_parsing"), NUMBER_FORM),
    **dict.fromkeys(("bool_type", "bool_parsing"), BOOLEAN_FORM),
    "uuid_parsing": UUID_FORM,
}
#: The form of a text refused by its pattern, by what the pattern is of
#: (shared.validation: each kernel pattern to its form; OTHER_FORM for any other).
PATTERN_FORMS: Final[dict[str, str]] = {
    "unit": "nhập mã đơn vị hành chính gồm 2 chữ số (tỉnh, thành phố), 3 chữ số (quận, huyện) "
            "hoặc 5 chữ số (xã, phường, thị trấn) (ví dụ 315 hoặc 11755)",
    "province": "nhập mã tỉnh, thành phố gồm 2 chữ số (ví dụ 31)",
    "district": "nhập mã quận, huyện gồm 3 chữ số (ví dụ 315)",
    "commune": "nhập mã xã, phường, thị trấn gồm 5 chữ số (ví dụ 11755)",
    "local": "nhập mã quận, huyện gồm 3 chữ số hoặc mã xã, phường, thị trấn gồm 5 chữ số "
             "(ví dụ 315 hoặc 11755)",
    "scope": "nhập VN (toàn quốc) hoặc mã tỉnh, thành phố gồm 2 chữ số (ví dụ 31)",
    "nation_or_unit": "nhập VN (toàn quốc) hoặc mã đơn vị hành chính gồm 2, 3 hoặc 5 chữ số "
                      "(ví dụ 315)",
    "code": "nhập mã gồm chữ cái không dấu, chữ số và các dấu . _ -, bắt đầu bằng chữ hoặc số, "
            "không có dấu cách (ví dụ CS-TL-01)",
    "record_id": "nhập mã bản ghi do hệ thống cấp: chữ cái không dấu, chữ số và dấu - (ví dụ "
                 "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f hoặc VV-2023-001)",
    "uuid": UUID_FORM,
    "period": "nhập kỳ báo cáo dạng năm-số tháng kèm chữ m: 3m, 6m, 9m hoặc 12m (ví dụ 2023-6m)",
}

#: The unit filter named twice with two codes (shared/unitfilter.py): {unit} is its one name.
UNIT_FILTER_DISAGREES: Final = (
    "Các tham số {names} cùng chỉ đơn vị cần lọc nhưng mang các mã khác nhau ({codes}); chỉ "
    "cần gửi {unit}"
)

# -- concurrency and rebuilds (shared/errors.py) ------------------------------------------------
CONCURRENCY_CONFLICT: Final = (
    "Dữ liệu đã được người khác thay đổi trong lúc bạn thao tác "
    "(phiên bản mong đợi {expected}, hiện tại {current}). "
    "Vui lòng tải lại và thực hiện lại."
)
#: A rebuild asked while one is being built (an ActionRefused, below).
REBUILD_SUBJECT: Final = "các bảng số liệu"
REBUILD_IN_PROGRESS: Final = (
    "thế hệ {generation}, bắt đầu lúc {started}; chờ lần này hoàn tất rồi yêu cầu lại; "
    "xem tiến độ tại GET /api/v1/admin/rebuild-projections"
)
REBUILD_ACTIONS: Final[dict[str, str]] = {
    "rebuild": "Dựng lại các bảng số liệu", "progress": "Xem tiến độ",
    "cancel": "Huỷ lần dựng lại",
}
REBUILD_STATES: Final[dict[str, str]] = {"building": "Đang dựng lại"}
#: A rebuild that applied fewer events from a source than the live tables had: not switched
#: in (shared/rebuild.py, the rebuild's status `refused`, code REBUILD_FEWER_EVENTS).
REBUILD_FEWER_EVENTS: Final = (
    "Không chuyển sang thế hệ bảng số liệu {generation}: luồng sự kiện {streams} có ít sự kiện "
    "hơn số bảng đang dùng đã ghi nhận (sự kiện không bao giờ bị xoá, nên luồng đã mất dữ "
    "liệu). Số liệu đang dùng được giữ nguyên; phát lại luồng từ kho sự kiện của dịch vụ nguồn "
    "(deploy/OPERATIONS.md mục 6.3) rồi dựng lại."
)

# -- events a consumer refuses (shared/contract.py): the dead letter's reason ------------------
#: Published by a newer version of its service than this consumer knows (a rolling upgrade that
#: did not upgrade the consumers first): the consumer stops at it, unacked, until it is
#: upgraded (shared/consumer.py; docs/events.md says what to do).
EVENT_FIELDS_TOO_NEW: Final = (
    "Sự kiện {event_type} có trường {fields} mà dịch vụ này chưa biết (bên phát đã được nâng cấp "
    "trước): dịch vụ tạm dừng nhận sự kiện từ sự kiện này, không bỏ qua sự kiện nào. Nâng cấp "
    "dịch vụ này để áp dụng sự kiện và các sự kiện sau nó."
)
EVENT_SCHEMA_TOO_NEW: Final = (
    "Sự kiện {event_type} có phiên bản lược đồ {version}, mới hơn phiên bản {known} mà dịch vụ "
    "này biết: dịch vụ tạm dừng nhận sự kiện từ sự kiện này, không bỏ qua sự kiện nào. Nâng cấp "
    "dịch vụ này để áp dụng sự kiện và các sự kiện sau nó."
)
#: A payload its publisher's event class would refuse (a field missing or of the wrong type,
#: an impossible date).
EVENT_PAYLOAD_INVALID: Final = (
    "Nội dung sự kiện {event_type} (phiên bản lược đồ {version}) không đúng hợp đồng sự kiện "
    "của dịch vụ {service}: không áp dụng vào số liệu."
)
#: An envelope's version or position no store holds (2**70).
EVENT_ENVELOPE_INVALID: Final = (
    "Sự kiện {event_type} của dịch vụ {service} có số phiên bản hoặc vị trí trong luồng ngoài "
    "khoảng kho sự kiện lưu được (1 đến 2^63-1): không do dịch vụ phát ghi ra, không áp dụng vào "
    "số liệu."
)
#: The other dead letters (shared/consumer.py): bytes that are no event envelope, and an event
#: the consumer's own handling failed on, attempt after attempt.
DEAD_LETTER_UNDECODABLE: Final = "Thông điệp không đọc được thành sự kiện: không áp dụng."
DEAD_LETTER_HANDLER_FAILED: Final = (
    "Xử lý sự kiện lỗi sau nhiều lần thử: chưa áp dụng vào số liệu; xem lỗi kỹ thuật kèm theo."
)

# -- an action the current state refuses (shared/errors.py, ActionRefused): every 409 -------
ACTION_REFUSED: Final = (
    "Không thể «{action}» khi {subject} đang ở trạng thái «{state}»{note}. "
    "Thao tác được phép: {allowed}"
)
NOTHING_ALLOWED: Final = "không có"
REBUILD_NOT_FOUND: Final = "Không có lần dựng lại nào tạo thế hệ bảng số liệu {generation}."
NO_REBUILD_IN_PROGRESS: Final = "Không có lần dựng lại bảng số liệu nào đang chạy để huỷ."
PRECONDITION_FAILED: Final = (
    "Dữ liệu đã thay đổi kể từ lần bạn đọc: bạn gửi phiên bản {expected} nhưng phiên bản "
    "hiện tại là {current}. Vui lòng tải lại (ETag mới) rồi gửi lại yêu cầu."
)
PRECONDITION_REQUIRED: Final = (
    "Thao tác này cần tiêu đề If-Match mang phiên bản (ETag) bạn đã đọc, để không ghi "
    "đè thay đổi của người khác (If-Match: * không đủ). Hãy đọc lại bản ghi và gửi If-Match."
)

BAD_IF_MATCH: Final = (
    'Tiêu đề If-Match phải là ETag của bản ghi, dạng "<số phiên bản>" (ví dụ "3"); * (phiên '
    "bản nào cũng được) chỉ dùng cho thao tác không bắt buộc If-Match"
)
WEAK_IF_MATCH: Final = (
    "If-Match mang ETag yếu ({tag}), mà ETag yếu không bao giờ khớp (If-Match so sánh chặt, "
    'RFC 9110): không có gì được ghi. Hãy gửi ETag đúng như khi đọc bản ghi, dạng "{current}" '
    "(không có W/)"
)
IF_MATCH_NOT_CHECKED: Final = (
    "Thao tác này không đối chiếu phiên bản bản ghi (tạo mới, hoặc bản ghi không có phiên "
    "bản), nên điều kiện If-Match {tag} không thể được bảo đảm: không có gì được ghi. Hãy gửi "
    "lại không kèm If-Match"
)
VERSION_DISAGREES: Final = (
    "If-Match và phiên bản mong đợi trong nội dung (cách gửi cũ, sẽ bỏ) mang hai phiên bản "
    "khác nhau; chỉ cần gửi If-Match"
)

#: If-Match or Idempotency-Key given on two lines (examiner-hostile).
REPEATED_HEADER: Final = (
    "Tiêu đề {header} được gửi nhiều lần; mỗi yêu cầu chỉ gửi tiêu đề này một lần, với một giá "
    "trị: không có gì được ghi"
)

# -- retried commands (shared/commandapi.py, shared/idempotency.py) -----------------------------
BAD_IDEMPOTENCY_KEY: Final = (
    "Tiêu đề Idempotency-Key phải gồm 1 đến 200 ký tự ASCII in được, không có dấu cách "
    "(ví dụ một UUID)"
)
IDEMPOTENCY_KEY_REUSED: Final = (
    "Khoá Idempotency-Key này đã được dùng cho một yêu cầu khác (nội dung hoặc địa chỉ khác). "
    "Mỗi thao tác mới cần một khoá mới; gửi lại đúng yêu cầu cũ thì dùng lại khoá cũ."
)
COMMANDS_CROSSED: Final = (
    "Yêu cầu trùng lúc với một yêu cầu khác trên cùng các bản ghi nên chưa được thực hiện, "
    "chưa có gì được ghi; vui lòng gửi lại sau ít giây"
)
#: A list "as known at" a moment asked while another such replay runs in the process
#: (shared/projection.py, 503 AS_OF_BUSY with Retry-After).
AS_OF_BUSY: Final = (
    "Hệ thống đang dựng lại danh sách theo thời điểm khác, thử lại sau ít giây"
)
IDEMPOTENCY_KEY_IN_PROGRESS: Final = (
    "Một yêu cầu khác với cùng Idempotency-Key đang được xử lý; vui lòng thử lại sau ít giây"
)

# -- administrative units and the jurisdiction (shared/unitcheck.py) ----------------------------
LEVEL_NAMES: Final[dict[str, str]] = {
    "province": "tỉnh/thành phố", "district": "cấp huyện", "commune": "cấp xã",
}
NATION_NAME: Final = "Toàn quốc"
UNKNOWN_UNIT: Final = "Mã đơn vị hành chính{where} «{code}» không tồn tại vào ngày {on}"
OUTSIDE_JURISDICTION: Final = (
    "Đơn vị {unit} vào ngày {on} nằm ngoài địa bàn {jurisdiction} mà hệ thống này phục vụ"
)
SCOPE_OUTSIDE_JURISDICTION: Final = (
    "Phạm vi báo cáo {unit} nằm ngoài địa bàn {jurisdiction} mà hệ thống này phục vụ"
)

# -- settings a service refuses to start with (shared/settings.py, shared/auth/jwt.py) ---------
API_KEY_DEFAULT_OVER_MAX: Final = (
    "API_KEY_DEFAULT_DAYS ({default}) không được lớn hơn API_KEY_MAX_DAYS ({longest})"
)
DEV_TOKEN_TTL_OVER_MAX: Final = (
    "DEV_TOKEN_TTL_S ({ttl}) không được lớn hơn JWT_MAX_LIFETIME_S ({longest})"
)
DEV_TOKEN_LIFETIME_TOO_LONG: Final = (
    "Mã truy cập dùng được tối đa {minutes} phút (JWT_MAX_LIFETIME_S): {wanted} phút là quá dài"
)
DEVELOPMENT_AUTH_WITH_PRODUCTION: Final = (
    "ENVIRONMENT=production không được dùng AUTH_MODE=development "
    "(tin tiêu đề X-Actor không xác thực)"
)
NOT_AN_RSA_PUBLIC_KEY: Final = "{path}: không phải khoá công khai RSA"

# -- authentication and authorisation (shared/auth) ---------------------------------------------
AUTHENTICATION_REQUIRED: Final = (
    "Cần đăng nhập bằng thông tin xác thực hợp lệ: mã truy cập "
    "(Authorization: Bearer ...) hoặc khoá API còn hiệu lực"
)
MISSING_SCOPE: Final = "Bạn không có quyền «{scope}» ({label})"
UNIT_OUT_OF_SCOPE: Final = "Đơn vị {unit} nằm ngoài phạm vi được giao ({scope}) vào ngày {on}"
RECORD_OUT_OF_SCOPE: Final = (
    "Bản ghi này không thuộc phạm vi được giao ({scope}): chỉ đơn vị có bản ghi mới xem và cập "
    "nhật được"
)
CITY_LEVEL_ONLY: Final = (
    "Chỉ cấp thành phố được thực hiện thao tác này (phạm vi của bạn: {scope})"
)
DEVELOPMENT_AUTH_IN_PRODUCTION: Final = "AUTH_MODE=development không được phép trong production"
DEVELOPMENT_KEY_IN_PRODUCTION: Final = (
    "JWT_PUBLIC_KEYS chứa khoá ký phát triển ({source}): "
    "production chỉ tin khoá của hệ thống định danh của cơ quan"
)
EXPIRY_IN_PAST: Final = "Ngày hết hạn phải từ hôm nay trở đi"
#: A key asked to live past the longest lifetime (API_KEY_MAX_DAYS, finding J16).
API_KEY_LIFETIME_TOO_LONG: Final = (
    "Khoá API dùng được tối đa {days} ngày: ngày hết hạn {on} quá ngày muộn nhất {latest}. "
    "Chọn ngày hết hạn sớm hơn; khi gần hết hạn, cấp khoá mới (khoá mới do xoay vòng giữ "
    "ngày hết hạn của khoá cũ)"
)
#: A request carrying both a bearer token and an API key (finding L3): neither is chosen.
AMBIGUOUS_CREDENTIALS: Final = (
    "Yêu cầu mang hai thông tin xác thực, cả tiêu đề Authorization lẫn khoá API (X-API-Key): "
    "chỉ gửi một trong hai"
)
#: One credential header given twice, each perhaps of another caller (examiner-hostile).
REPEATED_CREDENTIAL: Final = (
    "Yêu cầu gửi tiêu đề {header} nhiều lần, có thể là thông tin xác thực của nhiều người: "
    "chỉ gửi một thông tin xác thực, một lần"
)
#: A key that authenticated but whose lifetime is over (its secret matched: the holder is told).
API_KEY_EXPIRED: Final = (
    "Khoá API đã hết hạn; đề nghị quản trị viên dịch vụ cấp khoá mới (khoá đã hết hạn không "
    "xoay vòng được)"
)
#: A key of this service asked with scopes another service checks (finding J16).
SCOPE_OF_ANOTHER_SERVICE: Final = (
    "Khoá API của dịch vụ {service} chỉ mang quyền của dịch vụ này: {scopes} là quyền của "
    "dịch vụ khác, hãy cấp khoá ở dịch vụ đó. Quyền cấp được ở đây: {allowed}"
)
UNKNOWN_SCOPE: Final = "Quyền không tồn tại: {unknown}"
ESCALATION: Final = "Không thể cấp quyền mà bạn không có: {scopes}"
API_KEY_NOT_FOUND: Final = "Không có khoá API «{prefix}»"
API_KEY_NOT_ACTIVE: Final = "Khoá «{prefix}» đã thu hồi hoặc hết hạn, không xoay vòng được"
#: A key's refusals (shared.auth.routes.rotation_refused): its actions and states.
API_KEY_ACTIONS: Final = {"rotate": "Xoay vòng khoá", "revoke": "Thu hồi khoá"}
API_KEY_STATES: Final = {"rotated": "đã xoay vòng, đang trong thời gian chuyển tiếp"}
API_KEY_SUBJECT: Final = "khoá API «{prefix}»"
API_KEY_ROTATED_NOTE: Final = (
    "đã thay bằng khoá «{successor}»; nếu cần khoá mới, hãy xoay vòng khoá «{successor}»"
)
#: What each security-log event means, for whoever reads the log.
SECURITY_EVENTS: Final[dict[str, str]] = {
    "authn_login_fail": "Xác thực thất bại",
    "authn_token_revoked": "Khoá/mã truy cập đã bị thu hồi",
    "authn_token_created": "Đã tạo khoá API",
    "authn_token_delete": "Khoá API hết hiệu lực sau khi xoay vòng",
    "authz_fail": "Từ chối: thiếu quyền hoặc ngoài phạm vi đơn vị",
    "authz_admin": "Thao tác quản trị",
    "sensitive_read": "Xem dữ liệu cá nhân của người dân",
}

# -- spreadsheets a user uploads (shared/xlsxguard.py, shared/safecells.py, shared/sheetheader.py)
#: One of the columns naming a field twice in an import's header (shared/sheetheader.py).
COLUMN_AT: Final = "«{title}» ở cột {letter}"
IMPORT_TOO_LARGE: Final = (
    "Tệp Excel «{name}» quá lớn để nhập một lần: {reason}. Hãy chia thành nhiều tệp nhỏ hơn"
)
TOO_LARGE_PARTS: Final = "tệp gồm {count} phần (tối đa {limit})"
TOO_LARGE_BYTES: Final = "giải nén ra {size} MB (tối đa {limit} MB cho tối đa {rows} dòng)"
TOO_LARGE_RATIO: Final = (
    "phần «{part}» nén tới {ratio} lần (tối đa {limit} lần), dấu hiệu của tệp «bom nén»"
)
TOO_LARGE_ROW_CELLS: Final = "một dòng có hơn {limit} ô"
TOO_LARGE_CELLS: Final = "tệp có hơn {limit} ô"
IMPORT_DTD: Final = (
    "Không đọc được tệp «{name}»: phần «{part}» có khai báo DTD hoặc thực thể XML "
    "(DOCTYPE/ENTITY), thứ Excel không bao giờ ghi; tệp bị từ chối để an toàn"
)
FORMULA_TEXT: Final = (
    "Nội dung «{value}» bắt đầu bằng {first} nên bảng tính sẽ hiểu là công thức; không nhận "
    "công thức trong dữ liệu nhập — hãy bỏ ký tự {first} ở đầu hoặc viết lại nội dung"
)
FORMULA_WITHOUT_VALUE: Final = (
    "Ô có công thức «{formula}» nhưng tệp không lưu kết quả của công thức (tệp do một chương "
    "trình không tính công thức tạo ra), nên không biết giá trị của ô; hãy mở tệp bằng Excel "
    "hoặc LibreOffice rồi lưu lại, hoặc dán giá trị (Dán đặc biệt → Giá trị) thay cho công thức"
)
#: A cell inside merged cells (shared.safecells.MergedCellValue): {cell} the cell (C5), {range}
#: the merged range (C3:C6), {first} its first cell (C3), {value} what that one holds.
MERGED_CELL: Final = (
    "Ô {cell} nằm trong vùng ô gộp {range}: bảng tính hiện «{value}» cho cả vùng nhưng tệp chỉ "
    "lưu giá trị ở ô đầu {first}, nên ô {cell} không có giá trị; hãy bỏ gộp vùng {range} rồi "
    "điền giá trị vào từng ô"
)
FORMULA_TRIGGER_NAMES: Final[dict[str, str]] = {
    "\t": "dấu tab", "\r": "ký tự xuống dòng (CR)",
}

# The relay watermarks' channels in the AsyncAPI documents (shared/asyncapi.py, J13).
WATERMARK_CHANNEL_SUMMARY = (
    "Watermark của relay: đã gửi hết sự kiện ghi trước một thời điểm (luồng {stream}, giữ một "
    "thông điệp mỗi subject)"
)
WATERMARK_ASK_SUMMARY = (
    "Yêu cầu watermark khi chốt báo cáo: relay trả lời ngay bằng một watermark (luồng {stream})"
)
