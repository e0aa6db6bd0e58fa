"""Every Vietnamese text of the dialogue service that a person reads, in one place."""

from __future__ import annotations

from typing import Final

from shared.errors import Lifecycle

# --- labels --------------------------------------------------------------------------------
# The lifecycles (states, actions) the 409 refusals name: see the end of the labels.

ROLE: Final = {
    "party_secretary": "Bí thư cấp ủy",
    "people_committee_chair": "Chủ tịch Ủy ban nhân dân",
}
LEVEL: Final = {"province": "cấp thành phố", "district": "cấp huyện", "commune": "cấp xã"}
SESSION_STATUS: Final = {
    "planned": "đã lên kế hoạch",
    "cancelled": "đã hủy",
    "held": "đã tổ chức, chưa có báo cáo",
    "closed": "đã tổ chức và có báo cáo",
}
ISSUE_CATEGORY: Final = {
    "land_and_site_clearance": "Đất đai, giải phóng mặt bằng",
    "environment": "Môi trường",
    "social_policy": "Chính sách xã hội",
    "infrastructure": "Hạ tầng",
    "other": "Khác",
}
HANDLING: Final = {
    "answered_on_spot": "Đã trả lời trực tiếp tại hội nghị",
    "assigned": "Giao cơ quan chức năng giải quyết",
}
COMMITMENT_STATUS: Final = {
    "open": "Chưa thực hiện",
    "in_progress": "Đang thực hiện",
    "done": "Hoàn thành",
    "overdue": "Quá hạn",
}
SESSION_ACTIONS: Final = {
    "plan": "Lên kế hoạch hội nghị",
    "reschedule": "Dời ngày hội nghị",
    "cancel": "Hủy hội nghị",
    "hold": "Ghi nhận đã tổ chức hội nghị",
    "file_report": "Nộp báo cáo kết quả hội nghị",
    "raise_issue": "Ghi nhận ý kiến, kiến nghị",
    "make_commitment": "Ghi nhận cam kết",
    "correct_held": "Đính chính việc tổ chức hội nghị",
}
SESSION: Final = Lifecycle(SESSION_ACTIONS, SESSION_STATUS, "không có (hội nghị đã hủy)")
ISSUE: Final = Lifecycle(
    {"raise_issue": "Ghi nhận ý kiến, kiến nghị",
     "erase_citizen_contact": "Xóa thông tin liên hệ của người dân"},
    {"raised": "Đã ghi nhận"},
)
COMMITMENT: Final = Lifecycle(
    {"make": "Ghi nhận cam kết", "update_progress": "Cập nhật tiến độ",
     "reopen": "Mở lại cam kết"},
    COMMITMENT_STATUS,
)
HEAD: Final = Lifecycle(
    {"take_office": "Ghi nhận người đứng đầu nhận chức", "leave": "Ghi nhận thôi giữ chức",
     "hand_over": "Ghi nhận người kế nhiệm",
     "correct_from_date": "Đính chính ngày nhận chức",
     "correct_to_date": "Đính chính ngày thôi giữ chức"},
    {"occupied": "Đang có người giữ chức", "left": "Đã thôi giữ chức",
     "sessions_recorded": "Đã có hội nghị đối thoại được ghi nhận"},
)
# The progress import's ways of writing a file with bad rows, and the template's formats.
IMPORT_MODES: Final = {
    "all_or_nothing": "Có dòng lỗi thì không ghi dòng nào",
    "valid_rows": "Ghi các dòng hợp lệ và báo các dòng lỗi",
}
FILE_FORMATS: Final = {"xlsx": "Bảng tính Excel (.xlsx)", "csv": "Tệp CSV (.csv)"}
# The labels of the choice values the API takes, per field (a refused choice names them).
VALUE_LABELS: Final = {
    "role": ROLE,
    "level": LEVEL,
    "category": ISSUE_CATEGORY,
    "handling": HANDLING,
    # Sessions and commitments are filtered by `status`; their values do not overlap.
    "status": {**SESSION_STATUS, **COMMITMENT_STATUS},
    "mode": IMPORT_MODES,
    "format": FILE_FORMATS,
}
DEFAULT_CO_ORGANISER: Final = "Ủy ban Mặt trận Tổ quốc Việt Nam cùng cấp"
REASON_SUCCESSION: Final = "Bàn giao cho người kế nhiệm"
UNTIL_NOW: Final = "nay"

# --- not found -----------------------------------------------------------------------------

HEAD_NOT_FOUND: Final = "Không tìm thấy người đứng đầu mã {id}"
SESSION_NOT_FOUND: Final = "Không tìm thấy hội nghị đối thoại mã {id}"
ISSUE_NOT_FOUND: Final = "Không tìm thấy ý kiến, kiến nghị mã {id}"
COMMITMENT_NOT_FOUND: Final = "Không tìm thấy cam kết mã {id}"
CITIZEN_CONTACT_NOT_FOUND: Final = "Ý kiến, kiến nghị mã {id} không lưu thông tin người dân"

# --- input ---------------------------------------------------------------------------------

UNKNOWN_UNIT_FILTER: Final = "Mã đơn vị hành chính «{code}» không có trong danh mục"
PERIOD_TOO_LONG: Final = "Kỳ đánh giá dài quá {years} năm"
CITIZEN_CONTACT_EMPTY: Final = "Thông tin người dân phải có họ tên hoặc số liên hệ"

# --- heads ---------------------------------------------------------------------------------

TERM_ENDS_BEFORE_IT_STARTS: Final = (
    "Ngày thôi giữ chức ({to_date}) trước ngày nhận chức ({from_date})"
)
TERM_OUTLASTS_UNIT: Final = (
    "Ngày thôi giữ chức ({to_date}) sau ngày cuối cùng đơn vị {unit} còn tồn tại ({last_day}); "
    "nhiệm kỳ không thể kéo dài quá thời gian tồn tại của đơn vị"
)
HEAD_POST_SUBJECT: Final = "chức danh {role} của đơn vị {unit}"
HEAD_POST_HOLDER: Final = "{name}, từ {from_date} đến {to_date}"
HEAD_SUBJECT: Final = "nhiệm kỳ của {name}"
HEAD_LEFT_ON: Final = "từ ngày {to_date}"
SESSION_HELD_AFTER_LEAVING: Final = (
    "Ngày thôi giữ chức ({to_date}) trước hội nghị đối thoại ngày {held_on} do {name} chủ trì "
    "(mã {session_id}): người đứng đầu giữ chức đến ít nhất ngày hội nghị đã tổ chức"
)
SUCCESSOR_BEFORE_INCUMBENT: Final = (
    "Ngày người kế nhiệm nhận chức phải sau ngày {name} nhận chức ({from_date})"
)
HEAD_NOT_OF_UNIT: Final = (
    "Người đứng đầu mã {id} không thuộc đơn vị «{unit_code}» của hội nghị"
)
HEAD_NOT_IN_OFFICE: Final = "{name} không giữ chức vào ngày {on}"
SESSION_HELD_BEFORE_OFFICE: Final = (
    "Ngày nhận chức ({from_date}) sau hội nghị đối thoại ngày {held_on} do {name} chủ trì "
    "(mã {session_id}): người đứng đầu nhận chức muộn nhất vào ngày hội nghị đã tổ chức"
)
# A first day in office corrected to after a session's plan or decision (review item 3b).
SESSION_DECIDED_BEFORE_OFFICE: Final = (
    "Hội nghị đối thoại mã {session_id} đã được {what} ngày {on}, trước ngày nhận chức "
    "{from_date}: khi đó chưa có người đứng đầu chủ trì hội nghị giữ chức; đính chính hoặc "
    "huỷ ghi nhận hội nghị trước"
)
SESSION_STEP_WHAT: Final = {
    "planned_on": "dự kiến tổ chức vào",
    "rescheduled": "quyết định dời lịch vào",
    "cancelled_on": "quyết định huỷ vào",
}
HEADS_REQUIRED: Final = "Hội nghị đối thoại phải có ít nhất một người đứng đầu chủ trì"
HEADS_DUPLICATED: Final = "Danh sách người đứng đầu có mã bị lặp"

# --- sessions ------------------------------------------------------------------------------

SESSION_SUBJECT: Final = "hội nghị đối thoại mã {id}"
SAME_DATE: Final = "Hội nghị đã được dự kiến tổ chức đúng ngày {on}"
REPORT_BEFORE_SESSION: Final = "Ngày báo cáo trước ngày tổ chức hội nghị ({held_on})"
# What a decision about a session (a reschedule, a cancellation) follows (finding M7).
DECIDED_BEFORE_RESCHEDULE: Final = (
    "Ngày quyết định {on} sớm hơn ngày quyết định dời lịch lần trước của hội nghị ({previous}); "
    "các bước của hội nghị phải theo thứ tự thời gian"
)
# ... and the day a reschedule moves a session to: not one already past when it was decided.
PLANNED_BEFORE_DECISION: Final = (
    "Ngày dời đến {on} sớm hơn ngày quyết định dời lịch ({previous}): không thể dời hội nghị "
    "sang một ngày đã qua; nếu quyết định được đưa ra sớm hơn, hãy ghi đúng ngày quyết định"
)
# ... and what a holding follows: the session cannot have taken place before it was last moved.
HELD_BEFORE_RESCHEDULE: Final = (
    "Ngày tổ chức {on} sớm hơn ngày quyết định dời lịch lần trước của hội nghị ({previous}); "
    "các bước của hội nghị phải theo thứ tự thời gian"
)
DECIDED_BEFORE_HEADS: Final = (
    "Ngày quyết định {on} sớm hơn ngày nhận chức ({previous}) của người đứng đầu chủ trì hội "
    "nghị: trước ngày đó hội nghị chưa thể được lên kế hoạch"
)
# Corrections (đính chính) of a session recorded as held.
CORRECTION_CHANGES_NOTHING: Final = (
    "Nội dung đính chính trùng với thông tin đã ghi nhận; không có gì để đính chính"
)
NOT_HELD_WITH_VALUES: Final = (
    "Đính chính «không diễn ra» (void) không kèm ngày tổ chức hoặc người chủ trì"
)
SESSION_HAS_RECORDS: Final = (
    "Hội nghị mã {id} đã có {issues} ý kiến, kiến nghị và {commitments} cam kết ghi nhận theo "
    "ngày tổ chức {held_on}; không thể đính chính {what} khi các ghi nhận đó còn gắn với hội nghị"
)
CORRECTION_WHAT_NOT_HELD: Final = "là hội nghị không tổ chức"
CORRECTION_WHAT_DATE: Final = "ngày tổ chức"

# --- issues --------------------------------------------------------------------------------

ISSUE_SUBJECT: Final = "ý kiến, kiến nghị mã {id}"
AGENCY_REQUIRED: Final = "Ý kiến giao giải quyết phải ghi rõ cơ quan được giao"
AGENCY_NOT_EXPECTED: Final = (
    "Ý kiến đã trả lời tại hội nghị không ghi cơ quan được giao; chọn «giao giải quyết»"
)
ISSUE_NOT_OF_SESSION: Final = "Ý kiến, kiến nghị mã {id} không thuộc hội nghị này"

# --- commitments ---------------------------------------------------------------------------

COMMITMENT_SUBJECT: Final = "cam kết mã {id}"
DUE_BEFORE_MADE: Final = "Hạn hoàn thành trước ngày cam kết ({made_on})"
UPDATE_BEFORE_LAST: Final = "Ngày cập nhật trước lần cập nhật gần nhất ({last})"
NEW_DUE_DATE_REQUIRED: Final = "Mở lại cam kết quá hạn phải có hạn hoàn thành mới"
DUE_BEFORE_REOPENED: Final = "Hạn hoàn thành mới trước ngày mở lại ({on})"

# --- the rule ------------------------------------------------------------------------------

RULE_MIN_SESSIONS: Final = "{count} hội nghị/năm từ {effective_from}"
RULE_NONE: Final = "chưa có quy định"
COMPLIANCE_MET: Final = (
    "Đạt: đã chủ trì {held} hội nghị đối thoại trong thời gian giữ chức "
    "từ {start} đến {end}, yêu cầu tối thiểu {required} ({rules})."
)
COMPLIANCE_NOTHING_OWED: Final = (
    "Đạt: thời gian giữ chức trong kỳ ({days} ngày, từ {start} đến {end}) chưa phát sinh "
    "yêu cầu tổ chức hội nghị đối thoại ({rules}); đã chủ trì {held} hội nghị."
)
COMPLIANCE_NOT_MET: Final = (
    "Chưa đạt: {name} ({role} {unit}) mới chủ trì {held} hội nghị đối thoại trong thời gian "
    "giữ chức từ {start} đến {end}, yêu cầu tối thiểu {required} ({rules}); "
    "còn thiếu {missing} hội nghị."
)
COMPLIANCE_REPORTS_PENDING: Final = " Có {count} hội nghị đã tổ chức nhưng chưa nộp báo cáo."
PRO_RATA_NOTE: Final = (
    "Yêu cầu được tính theo tỷ lệ số ngày giữ chức trong kỳ: mỗi đoạn thời gian (tách theo năm "
    "dương lịch và ngày hiệu lực của quy định) phải tổ chức số hội nghị/năm × số ngày ÷ số ngày "
    "của năm; cộng các đoạn rồi làm tròn (từ 0,5 làm tròn lên)."
)

# --- bulk progress import ------------------------------------------------------------------

IMPORT_NOT_ALL_OR_NOTHING: Final = (
    "Tệp có {count} dòng lỗi; không dòng nào được cập nhật (chế độ «tất cả hoặc không»)"
)
IMPORT_BAD_FILE: Final = "Không đọc được tệp: chỉ nhận tệp CSV (UTF-8) hoặc Excel (.xlsx)"
IMPORT_EMPTY: Final = "Tệp không có dòng dữ liệu nào"
IMPORT_TOO_MANY_ROWS: Final = "Tệp có quá nhiều dòng (tối đa {max_rows} dòng mỗi lần)"
IMPORT_MISSING_COLUMN: Final = "Thiếu cột «{column}» ở dòng tiêu đề"
IMPORT_SEVERAL_SHEETS: Final = (
    "Tệp Excel có nhiều trang tính mang cột «Mã cam kết»: «{sheet}» (trang đầu, trang được "
    "đọc) và {others}. Mỗi lần nhập chỉ đọc một trang, nên không nhập tệp: để mỗi trang trong "
    "một tệp riêng (hoặc gộp vào trang đầu) rồi gửi lại"
)
IMPORT_REPEATED_COLUMN: Final = (
    "Cột «{column}» có mặt nhiều lần ở dòng tiêu đề: {found}. Không biết đọc cột nào, nên không "
    "nhập tệp: giữ một cột rồi gửi lại"
)
IMPORT_UNKNOWN_COLUMN: Final = "Cột «{column}» không được hỗ trợ; các cột hợp lệ: {allowed}"
IMPORT_REQUIRED: Final = "Không được để trống"
IMPORT_BAD_PERCENT: Final = "Tiến độ phải là số nguyên từ 0 đến 100 (nhận «{value}»)"
IMPORT_BAD_DATE: Final = "Ngày không hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd), nhận «{value}»"
IMPORT_TOO_LONG: Final = "Nội dung quá dài (tối đa {max_length} ký tự)"
IMPORT_BAD_TEXT: Final = "Nội dung chứa ký tự điều khiển không hợp lệ"
IMPORT_DUPLICATE_ROW: Final = "Cam kết đã có ở dòng {row} với cùng ngày cập nhật"
PROGRESS_ALREADY_RECORDED: Final = (
    "Cập nhật này đã được ghi (cùng tiến độ, ngày cập nhật và ghi chú); không ghi thêm"
)
IMPORT_ROW_ALREADY_RECORDED: Final = (
    "Đã có trong sổ với cùng tiến độ, ngày cập nhật và ghi chú; bỏ qua"
)
COLUMN_COMMITMENT_ID: Final = "Mã cam kết"
COLUMN_PROGRESS: Final = "Tiến độ (%)"
COLUMN_UPDATED_ON: Final = "Ngày cập nhật"
COLUMN_NOTE: Final = "Ghi chú"
COLUMN_AGENCY: Final = "Cơ quan thực hiện"
COLUMN_TEXT: Final = "Nội dung cam kết"
COLUMN_DUE_ON: Final = "Hạn hoàn thành"
COLUMN_STATUS: Final = "Trạng thái"
TEMPLATE_SHEET: Final = "Tiến độ cam kết"
# --- API documentation ---------------------------------------------------------------------

APP_TITLE: Final = "danvan: Đối thoại trực tiếp với Nhân dân"
TAG_SESSIONS: Final = "hội nghị đối thoại"
TAG_RULES: Final = "quy định đối thoại"
TAG_OPERATIONS: Final = "vận hành"
TAG_ISSUES: Final = "ý kiến, kiến nghị"
TAG_HEADS: Final = "người đứng đầu"
TAG_COMMITMENTS: Final = "cam kết"
DEFAULT_LEGAL_BASIS: Final = "Quyết định số 1738-QĐ/TU ngày 27/01/2015 của Ban Thường vụ Thành ủy"
