"""Every Vietnamese text of the indicators service that a person reads, in one place."""

from __future__ import annotations

from typing import Final

from shared import planrules
from shared.errors import Lifecycle
from shared.taskrules import RECURRENCE_LABELS

APP_TITLE = "danvan: Chỉ tiêu công tác dân vận"
TAG_UNITS = "đơn vị hành chính"
TAG_INDICATORS = "chỉ tiêu"
TAG_MODELS = "mô hình Dân vận khéo"

# -- labels ------------------------------------------------------------------------------------

# The statuses' names are the kernel's rulebook's (shared/planrules.py), shown alike everywhere.
STATUS_LABELS = planrules.STATUS_LABELS
NO_STATUS = planrules.NO_STATUS_LABEL
FIELD_LABELS = {
    "new_rural": "Xây dựng nông thôn mới",
    "exemplary_rural": "Xây dựng xã nông thôn mới kiểu mẫu",
    "urban": "Chỉnh trang, hiện đại hóa đô thị",
    "digital_transformation": "Chuyển đổi số",
    "other": "Các lĩnh vực khác của đời sống xã hội",
}
RECOGNITION_LABELS = {
    "none": "Chưa được công nhận",
    "commune": "Cấp xã",
    "district": "Cấp huyện",
    "city": "Cấp thành phố",
    "central": "Cấp Trung ương",
}
MODEL_STATUS_LABELS = {
    "building": "Đang xây dựng",
    "recognised": "Đã được công nhận",
    "closed": "Đã dừng",
    "voided": "Đăng ký đã bị hủy",
}
AWARD_LABELS = {
    "first": "Giải Nhất",
    "second": "Giải Nhì",
    "third": "Giải Ba",
    "consolation": "Giải Khuyến khích",
}
COMPARATOR_LABELS = {"ge": "tối thiểu", "le": "tối đa"}
METHOD_LABELS = {
    "model_coverage": "Tính từ sổ theo dõi mô hình \"Dân vận khéo\"",
    "dialogue_heads": "Tính từ dữ liệu đối thoại trực tiếp của người đứng đầu",
    "sites_with_dossier": "Tính từ hồ sơ đăng ký đất đai của cơ sở tôn giáo",
    "sites_with_certificate": "Tính từ giấy chứng nhận quyền sử dụng đất của cơ sở tôn giáo",
    "reported": "Số liệu do đơn vị báo cáo",
}
LEVEL_LABELS = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}
UNPLACED_UNIT = "Chưa xác định được đơn vị hành chính"
#: The total of a definition whose scope has several units at its top (no one unit is it).
SCOPE_TOTAL = "Toàn phạm vi chỉ tiêu: {units}"
ABOVE_COMMUNE = "Cấp huyện, cấp tỉnh (không quy đổi sang đơn vị cấp xã)"
STATUS_RULE = (
    "Đạt: kết quả bằng hoặc vượt chỉ tiêu. Có nguy cơ không đạt: chưa đạt chỉ tiêu, kỳ đánh giá "
    "chưa kết thúc và kết quả thấp hơn tiến độ đều (chỉ tiêu × phần thời gian đã qua của kỳ). "
    "Chưa đạt: chưa đạt chỉ tiêu nhưng đúng tiến độ, hoặc kỳ đánh giá đã kết thúc mà chưa đạt."
)

# -- the plan's four indicators (Kế hoạch công tác dân vận năm 2023, mục II.1.1-1.3) -------------

PLAN_2023_REF = "Kế hoạch công tác dân vận năm 2023 của Ban Dân vận Thành ủy Hải Phòng"
I1_NAME = (
    "Tỷ lệ xã, phường, thị trấn có mô hình \"Dân vận khéo\" trong xây dựng xã nông thôn mới "
    "kiểu mẫu; chỉnh trang, hiện đại hóa đô thị"
)
I1_NUMERATOR = "Số xã, phường, thị trấn có ít nhất 1 mô hình \"Dân vận khéo\" đang triển khai"
I1_DENOMINATOR = "Tổng số xã, phường, thị trấn trong phạm vi"
I2_NAME = (
    "Tỷ lệ người đứng đầu cấp ủy, chính quyền các cấp đối thoại trực tiếp với Nhân dân "
    "theo quy định (Quyết định 1738-QĐ/TU)"
)
I2_NUMERATOR = "Số người đứng đầu đã tổ chức đủ số cuộc đối thoại theo quy định trong kỳ"
I2_DENOMINATOR = "Số người đứng đầu cấp ủy, chính quyền đương nhiệm trong kỳ"
I3_NAME = "Tỷ lệ cơ sở tôn giáo đang sử dụng đất đã lập hồ sơ đăng ký đất đai"
I3_NUMERATOR = "Số cơ sở tôn giáo đã nộp hồ sơ đăng ký đất đai (chưa rút, chưa bị từ chối)"
I3_DENOMINATOR = "Tổng số cơ sở tôn giáo đang sử dụng đất (239 cơ sở)"
I4_NAME = (
    "Tỷ lệ cơ sở tôn giáo được cấp giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản "
    "gắn liền với đất"
)
I4_NUMERATOR = "Số cơ sở tôn giáo đã được cấp giấy chứng nhận (chưa bị thu hồi)"
I4_DENOMINATOR = "Tổng số cơ sở tôn giáo đang sử dụng đất (239 cơ sở)"

# -- errors ------------------------------------------------------------------------------------

MODEL_NOT_FOUND = "Không tìm thấy mô hình \"Dân vận khéo\" mã {model_id}"
MODEL_SUBJECT = "mô hình \"Dân vận khéo\" mã {model_id}"
MODEL_ID_SUBJECT = "mã mô hình «{model_id}»"
MODEL_ID_TAKEN = (
    "trùng với mô hình \"Dân vận khéo\" đã có mã {holder}; mã không phân biệt chữ hoa, "
    "chữ thường"
)
MODEL_AT_LEVEL = "công nhận {level}; chỉ công nhận tiếp ở cấp cao hơn"
MODEL_RECOGNITION_LEVEL_NONE = "Cấp công nhận phải là cấp xã, huyện, thành phố hoặc Trung ương"
RECOGNISED_WITHOUT_LEVEL = "Mô hình đã được công nhận phải có cấp công nhận"
DATE_BEFORE_START = "Ngày {on} trước ngày bắt đầu triển khai mô hình ({start})"
# Corrections (đính chính) of a registration.
CORRECTION_CHANGES_NOTHING = (
    "Nội dung đính chính trùng với thông tin đã ghi nhận; không có gì để đính chính"
)
START_AFTER_LATER_FACT = (
    "Ngày bắt đầu triển khai ({start}) sau ngày mô hình đã được công nhận hoặc dừng ({on})"
)
START_AFTER_ENTRY = (
    "Ngày bắt đầu triển khai ({start}) sau ngày nộp bài dự thi {entry_id} của mô hình ({on})"
)
CLOSED_BEFORE_ENTRY = (
    "Ngày dừng mô hình ({on}) phải sau ngày nộp bài dự thi {entry_id} của mô hình "
    "({submitted}): bài dự thi giới thiệu mô hình đang triển khai vào ngày nộp"
)
CLOSED_BEFORE_RECOGNITION = (
    "Ngày dừng mô hình ({on}) phải sau ngày công nhận mô hình ({recognised}): ngày dừng là "
    "ngày đầu tiên mô hình không còn triển khai"
)
MODEL_VOIDED_NOTE = "đăng ký của mô hình đã bị hủy bằng đính chính: mô hình không tồn tại"
MODEL_CLOSED_SINCE = "mô hình đã dừng từ ngày {on}"
ENTRY_OUTSIDE_CONTEST_YEAR = (
    "Ngày nộp bài dự thi ({on}) phải trong năm {year} của cuộc thi: từ {first} (ngày bắt đầu "
    "số liệu năm {year}) đến {last}"
)
EVIDENCE_MODEL_NOT_RUNNING = (
    "Minh chứng «{ref}»: mô hình không triển khai vào ngày {on} (bắt đầu từ {start}{closed})"
)
EVIDENCE_MODEL_CLOSED = ", dừng từ {on}"
ENTRY_NOT_COUNTED_OUTSIDE_YEAR = (
    "Không được tính vào báo cáo: ngày nộp ngoài thời gian số liệu năm {year} của cuộc thi "
    "(từ {first} đến {last}, ngày chốt số liệu cả năm)"
)
ENTRY_NOT_COUNTED_CLOSED = (
    "Không được tính vào báo cáo: mô hình đã dừng từ ngày {on}, trước hoặc đúng ngày nộp"
)
ENTRY_NOT_COUNTED_BEFORE_START = (
    "Không được tính vào báo cáo: ngày nộp trước ngày bắt đầu của mô hình ({start})"
)
ENTRY_NOT_COUNTED_VOIDED = (
    "Không được tính vào báo cáo: đăng ký của mô hình đã bị hủy bằng đính chính"
)
ENTRY_SUBJECT = "bài dự thi năm {year} của mô hình {model_id}"
ENTRY_NOT_FOUND = "Không tìm thấy bài dự thi mã {entry_id}"
CONTEST_YEAR_MISMATCH = "Bài dự thi {entry_id} thuộc cuộc thi năm {year}"
CONTEST_YEAR_UNKNOWN = "Chưa có cuộc thi mô hình \"Dân vận khéo\" năm {year}"
INDICATOR_NOT_FOUND = "Chưa có chỉ tiêu {indicator_id} của năm {year}"
INDICATOR_SUBJECT = "chỉ tiêu {indicator_id}"
INDICATOR_ID_SUBJECT = "mã chỉ tiêu «{indicator_id}»"
INDICATOR_ID_TAKEN = (
    "trùng với chỉ tiêu đã có mã {holder}; mã không phân biệt chữ hoa, chữ thường"
)
PERIOD_OUTSIDE_YEAR = "Kỳ đánh giá phải nằm trong năm {year}"
FIXED_DENOMINATOR_ONLY_SITES = "Mẫu số cố định chỉ áp dụng cho chỉ tiêu tính theo số đơn vị, cơ sở"
FIELDS_ONLY_FOR_MODELS = (
    "Lĩnh vực mô hình chỉ áp dụng cho chỉ tiêu tính từ mô hình \"Dân vận khéo\""
)
FIELDS_REQUIRED = "Chỉ tiêu tính từ mô hình phải nêu ít nhất một lĩnh vực được tính"
SCOPE_NOT_PROVINCE_OR_DISTRICT = (
    "Phạm vi chỉ tiêu phải là đơn vị cấp tỉnh hoặc cấp huyện còn hiệu lực vào cuối kỳ; "
    "«{code}» không phù hợp"
)
SCOPE_OVERLAPS = "Các đơn vị trong phạm vi chỉ tiêu bị trùng nhau («{code}»)"
NUMERATOR_ABOVE_DENOMINATOR = "Tử số ({numerator}) không được lớn hơn mẫu số ({denominator})"
REPORTED_OUTSIDE_SCOPE = "Đơn vị «{code}» không thuộc phạm vi của chỉ tiêu {indicator_id}"
#: A date a figure is reported or evaluated on, outside the definition's period ({date} is one
#: of the two labels below).
DATE_OUTSIDE_PERIOD = "{date} {on} không nằm trong kỳ đánh giá ({start} - {end})"
REPORTED_DATE = "Ngày báo cáo"
EVALUATION_DATE = "Ngày đánh giá"
UNIT_NOT_IN_SCOPE = "Đơn vị «{code}» không thuộc phạm vi của chỉ tiêu vào ngày {on}"
#: What recording a successor does, said beside the worklist of merged units (finding J15):
#: the record is kept, and the figures of both services follow it from its recording on.
SUCCESSION_EFFECT = (
    "Đơn vị kế thừa đã bổ sung được lưu (mỗi lần bổ sung là một sự kiện) và hiện trong danh "
    "sách đã bổ sung. Từ lúc bổ sung, số liệu ghi cho đơn vị đã sáp nhập được tính cho đơn vị "
    "kế thừa từ ngày sáp nhập, ở cả chỉ tiêu và báo cáo, thay vì trong dòng «{not_current}» "
    "của đơn vị cấp trên; số liệu xem theo một thời điểm trước lúc bổ sung vẫn như cũ, và "
    "báo cáo đã chốt giữ số liệu đã chốt, phần chuyển sang đơn vị kế thừa hiện trong số liệu "
    "thay đổi sau khi chốt"
)
SUCCESSION_SUBJECT = "đơn vị kế thừa của đơn vị «{code}»"
SUCCESSION_NOTE = "«{successor}»"
#: Why a unit takes no recorded successor (finding M2: each refusal says the truth).
SUCCESSOR_ALREADY_KNOWN = (
    "Đơn vị «{name}» ({code}) đã có đơn vị kế thừa trong danh mục: {successors}; không cần "
    "bổ sung"
)
PREDECESSOR_STILL_CURRENT = (
    "Đơn vị «{name}» ({code}) vẫn còn trong danh mục đơn vị hành chính hiện hành (chưa bị sáp "
    "nhập hay giải thể), nên không có đơn vị kế thừa để bổ sung"
)
DISTRICT_LEVEL_ABOLISHED = (
    "«{name}» ({code}) thôi tồn tại từ ngày {on} do bỏ cấp huyện, nên không có đơn vị cùng cấp "
    "kế thừa; số liệu của đơn vị này được tính qua các xã, phường, thị trấn của nó"
)
SUCCESSOR_LEVEL_MISMATCH = (
    "Đơn vị kế thừa «{successor}» phải cùng cấp với đơn vị bị sáp nhập «{code}»"
)
SUCCESSION_NOT_RECORDED = (
    "Chưa ghi nhận đơn vị kế thừa nào cho đơn vị «{code}»: không có gì để đính chính (bổ sung "
    "đơn vị kế thừa trước)"
)
SUCCESSOR_UNCHANGED = (
    "Đơn vị kế thừa «{successor}» đã được ghi nhận cho đơn vị «{code}»; không có gì để đính "
    "chính"
)
UNIT_NOT_FOUND = "Không tìm thấy đơn vị hành chính mã «{code}»"
UNIT_NOT_VALID_ON = "Đơn vị hành chính mã «{code}» không tồn tại vào ngày {on}"
RESTATE_TO_BEFORE_PERIOD = "Ngày quy đổi {to} phải sau ngày đánh giá {on}"

# -- the plan as data (kế hoạch công tác, nhiệm vụ, kiểm tra giám sát, báo cáo kỳ) -----------
TAG_PLAN = "kế hoạch công tác"
PLAN_SUBJECT = "kế hoạch công tác năm {year}"
PLAN_NOT_FOUND = "Chưa có kế hoạch công tác năm {year}"
PLAN_DATA_MISSING = "Không có dữ liệu kế hoạch công tác năm {year} trong hệ thống"
PLAN_ITEM_DUPLICATE = "Nhiệm vụ số {number} bị lặp trong kế hoạch"
PLAN_ITEM_SUBJECT = "nhiệm vụ số {number} của kế hoạch năm {year}"
PLAN_ITEM_NOT_FOUND = "Kế hoạch công tác năm {year} không có nhiệm vụ số {number}"
PLAN_ITEM_WITHDRAWN = "Nhiệm vụ số {number} đã được rút khỏi kế hoạch năm {year}"
PLAN_PARTY_UNKNOWN = (
    "Nhiệm vụ {number}: đơn vị «{parties}» chưa có trong danh sách đơn vị của kế hoạch "
    "({known})"
)
PLAN_ITEM_SCHEDULE = (
    "Nhiệm vụ {number}: nhiệm vụ có thời hạn phải có ngày hết hạn; nhiệm vụ định kỳ "
    "(hằng tháng, hằng quý, theo kỳ giao ban) không có ngày hết hạn"
)
DATE_OUTSIDE_PLAN_YEAR = "Ngày {on} không thuộc năm kế hoạch {year}"
PLAN_ITEM_DONE_ON = "ngày {on}"
PROGRESS_ALREADY_RECORDED = (
    "Kết quả này đã được ghi (cùng đơn vị, ngày, nội dung và minh chứng); không ghi thêm"
)
REOPENED_BEFORE_DONE = (
    "Ngày mở lại ({on}) không được trước ngày nhiệm vụ được đánh dấu hoàn thành ({done_on})."
)
DONE_NOT_AFTER_REOPENING = (
    "Kết quả đánh dấu hoàn thành phải có ngày sau ngày mở lại nhiệm vụ ({reopened_on}); "
    "ngày đã gửi: {on}."
)
PLAN_ITEM_NOT_ASSIGNED = (
    "«{party}» không chủ trì hay phối hợp nhiệm vụ {number}; chỉ đơn vị được giao mới ghi "
    "kết quả"
)
PLAN_ITEM_NOT_INSPECTION = "Nhiệm vụ {number} không thuộc mục III (kiểm tra, giám sát)"
PARTY_REQUIRED = (
    "Cần nêu đơn vị thực hiện vì tài khoản không gắn với phòng nào của Ban"
)
NO_ALLOWED_ACTIONS = "không có (đã kết thúc)"
INSPECTION_NOT_FOUND = "Không tìm thấy cuộc kiểm tra, giám sát mã {inspection_id}"
INSPECTION_ACTIONS = {
    "carry_out": "Tiến hành kiểm tra, giám sát",
    "conclude": "Kết luận",
    "follow_up": "Theo dõi thực hiện kết luận",
    "cancel": "Hủy cuộc kiểm tra, giám sát",
}
INSPECTION_STATES = {
    "planned": "Đã lên kế hoạch",
    "carried_out": "Đã tiến hành",
    "concluded": "Đã kết luận",
    "followed_up": "Đã hoàn thành thực hiện kết luận",
    "cancelled": "Đã hủy",
}
INSPECTION_SUBJECT = "cuộc kiểm tra, giám sát {inspection_id}"
DEADLINE_NOT_SET = "Ban chưa đặt hạn nộp báo cáo kỳ {period_id}"
DUTY_SUBJECT = "nghĩa vụ báo cáo kỳ {period_id}"
DUTY_DEADLINE = "hạn nộp {deadline}"
DEADLINE_OUTSIDE = (
    "Hạn nộp {deadline} phải từ ngày chốt số liệu của kỳ ({cutoff}) đến ngày {limit}"
)
NOT_A_DISTRICT = "Đơn vị «{code}» không phải Ban Dân vận cấp huyện của địa bàn vào ngày {on}"
NO_DISTRICT_ON_CUTOFF = (
    "Không có Ban Dân vận cấp huyện nào trên địa bàn vào ngày chốt số liệu {on} của kỳ "
    "{period_id}: không có đơn vị nào phải nộp báo cáo kỳ này"
)
SUBMISSION_BACKDATED_CITY_ONLY = (
    "Báo cáo do Ban Dân vận cấp huyện nộp được ghi nhận theo ngày nộp thực tế ({today}), "
    "không ghi lùi ngày {on}; chỉ Ban Dân vận Thành ủy ghi nhận báo cáo giấy đã nộp "
    "từ ngày trước, kèm lý do"
)
SUBMISSION_BACKDATED_NO_REASON = (
    "Ghi nhận báo cáo nộp từ ngày {on} (trước ngày ghi nhận {today}) phải nêu lý do ghi lùi "
    "ngày, ví dụ báo cáo giấy đã nhận"
)
EVIDENCE_NOT_FOUND = (
    "Minh chứng «{ref}» không phải hồ sơ, hội nghị hay mô hình có thật của đơn vị {unit}"
)
# L3: a session or dossier cited is checked against the facts this service received from the
# dialogue and religion services. One not received yet may be one just recorded there (the
# events arrive a few seconds later): the refusal says so, and the official sends it again.
EVIDENCE_NOT_YET_KNOWN = (
    "Minh chứng «{ref}»: chưa có {what} mã này trong số liệu dịch vụ Chỉ tiêu đã nhận từ "
    "dịch vụ {source} (mã không có, hoặc vừa ghi nhận và chưa chuyển tới: nếu vừa ghi nhận, "
    "xin gửi lại sau ít phút)"
)
EVIDENCE_DUPLICATED = (
    "Minh chứng thứ {number} «{ref}» trùng với minh chứng thứ {first} «{first_ref}» (mã không "
    "phân biệt chữ hoa, chữ thường): mỗi hồ sơ, hội nghị, mô hình chỉ kê một lần"
)
EVIDENCE_SESSION_WHAT = "hội nghị đối thoại đã tổ chức"
EVIDENCE_SESSION_SOURCE = "Đối thoại"
EVIDENCE_SITE_WHAT = "cơ sở tôn giáo"
EVIDENCE_SITE_SOURCE = "Tôn giáo"
EVIDENCE_SESSION_CANCELLED = "Minh chứng «{ref}»: hội nghị đối thoại đã bị hủy"
EVIDENCE_SESSION_NOT_HELD = "Minh chứng «{ref}»: hội nghị đối thoại không được tổ chức"
EVIDENCE_SESSION_LATER = (
    "Minh chứng «{ref}»: hội nghị đối thoại tổ chức ngày {held}, sau ngày báo cáo {on}"
)
EVIDENCE_SESSION_OTHER_UNIT = (
    "Minh chứng «{ref}»: hội nghị đối thoại của đơn vị {other}, không thuộc đơn vị {unit}"
)
EVIDENCE_SITE_NOT_YET = (
    "Minh chứng «{ref}»: cơ sở tôn giáo chưa có trong sổ vào ngày báo cáo {on}"
)
EVIDENCE_SITE_OTHER_UNIT = (
    "Minh chứng «{ref}»: cơ sở tôn giáo thuộc đơn vị {other} vào ngày {on}, không thuộc "
    "đơn vị {unit}"
)
EVIDENCE_SITE_CLOSED = (
    "Minh chứng «{ref}»: cơ sở tôn giáo đã đóng hồ sơ quản lý vào hoặc trước ngày báo cáo {on}"
)
EVIDENCE_NO_DOSSIER = (
    "Minh chứng «{ref}»: cơ sở tôn giáo chưa có hồ sơ đất đai đang nộp đến ngày báo cáo {on}"
)
DISTRICT_NOT_OWING = "Ban Dân vận «{code}» không thuộc danh sách phải nộp báo cáo kỳ {period_id}"
SUBMITTED_BEFORE_CUTOFF = (
    "Báo cáo kỳ {period_id} chỉ được nộp từ ngày chốt số liệu ({cutoff}) trở đi"
)
DISTRICT_REPORT_ACTIONS = {"submit": "Nộp báo cáo kỳ", "return": "Trả lại để chỉnh sửa"}
DISTRICT_REPORT_STATES = {
    "not_submitted": "Chưa nộp",
    "submitted": "Đã nộp",
    "returned": "Bị trả lại để chỉnh sửa",
}
DISTRICT_REPORT_SUBJECT = "báo cáo {report_id}"
EVIDENCE_LABELS = {
    "dialogue_session": "Hội nghị đối thoại",
    "dossier": "Hồ sơ đất đai",
    "model": "Mô hình \"Dân vận khéo\"",
    "file": "Tệp đính kèm",
    "document": "Văn bản",
}
ITEM_KIND_LABELS = {
    "task": "Nhiệm vụ",
    "inspection": "Kiểm tra, giám sát",
    "organisation": "Tổ chức thực hiện",
}

# -- lifecycles: the states and actions the 409 refusals name (shared.errors.ActionRefused) ---
MODEL = Lifecycle(
    {"register": "Đăng ký mô hình", "recognise": "Công nhận mô hình", "close": "Dừng mô hình",
     "correct_registration": "Đính chính đăng ký mô hình",
     "submit_entry": "Nộp bài dự thi giới thiệu mô hình"},
    MODEL_STATUS_LABELS,
    "không có (mô hình đã dừng)",
)
# A model id names one model whatever its case ("prb-m9" is PRB-M9's).
MODEL_ID = Lifecycle(
    {"register": "Đăng ký mô hình"}, {"taken": "Đã dùng cho một mô hình"},
    "không có với mã này (dùng mã mô hình khác)",
)
INDICATOR_ID = Lifecycle(
    {"define": "Định nghĩa chỉ tiêu"}, {"taken": "Đã dùng cho một chỉ tiêu"},
    "định nghĩa lại chỉ tiêu đã có theo mã của nó (hoặc dùng mã chỉ tiêu khác)",
)
CONTEST_ENTRY = Lifecycle(
    {"submit": "Nộp bài dự thi", "give_award": "Trao giải"},
    {"submitted": "Đã nộp, chưa trao giải", "awarded": "Đã được trao giải"},
    "không có (mỗi mô hình một bài dự thi mỗi năm, trao giải một lần)",
)
SUCCESSION = Lifecycle(
    {"record_successor": "Ghi nhận đơn vị kế thừa",
     "correct_successor": "Đính chính đơn vị kế thừa"},
    {"recorded": "Đã ghi nhận"},
    "không có (đơn vị kế thừa chỉ ghi nhận một lần; ghi sai thì đính chính)",
)
INDICATOR = Lifecycle(
    {"record_reported_figure": "Nhập số liệu báo cáo"},
    {"computed": "Tính tự động từ dữ liệu nghiệp vụ"},
    "không có (số liệu của chỉ tiêu này do hệ thống tính)",
)

# The labels of the choice values the API takes, per field (a refused choice names them).
VALUE_LABELS = {
    "field": FIELD_LABELS,
    "recognition_level": RECOGNITION_LABELS,
    "status": MODEL_STATUS_LABELS,
    "award": AWARD_LABELS,
    "method": METHOD_LABELS,
    "level": LEVEL_LABELS,
    "comparator": COMPARATOR_LABELS,
    "qualifying_fields": FIELD_LABELS,
    # A plan item's kind and a piece of evidence's kind: their values do not overlap.
    "kind": {**ITEM_KIND_LABELS, **EVIDENCE_LABELS},
    "recurrence": RECURRENCE_LABELS,
}

PLAN = Lifecycle(
    {"issue": "Nạp kế hoạch công tác", "record_document": "Ghi số, ngày ban hành kế hoạch",
     "name_party": "Đặt tên đơn vị thực hiện", "add_item": "Thêm nhiệm vụ",
     "amend_item": "Sửa nhiệm vụ", "withdraw_item": "Rút nhiệm vụ"},
    {"issued": "Đã nạp", "same": "Đã có đúng nội dung gửi lên"},
)
PLAN_ITEM = Lifecycle(
    {"add_item": "Thêm nhiệm vụ", "amend_item": "Sửa nhiệm vụ", "withdraw_item": "Rút nhiệm vụ",
     "record_progress": "Ghi kết quả thực hiện", "reopen": "Mở lại nhiệm vụ đã hoàn thành"},
    {"in_plan": "Đã có trong kế hoạch", "withdrawn": "Đã rút khỏi kế hoạch",
     "done": "Đã hoàn thành", "not_done": "Chưa hoàn thành"},
    "không có (nhiệm vụ đã rút khỏi kế hoạch)",
)
INSPECTION = Lifecycle(
    {"plan_inspection": "Lên kế hoạch kiểm tra, giám sát", **INSPECTION_ACTIONS},
    INSPECTION_STATES,
    NO_ALLOWED_ACTIONS,
)
REPORTING_DUTY = Lifecycle(
    {"set_deadline": "Đặt hạn nộp báo cáo", **DISTRICT_REPORT_ACTIONS},
    {"no_deadline": "Chưa đặt hạn nộp", "same": "Đã có đúng hạn nộp và danh sách gửi lên"},
)
DISTRICT_REPORT = Lifecycle(DISTRICT_REPORT_ACTIONS, DISTRICT_REPORT_STATES)

#: What to type for the service's own codes refused by their pattern (the kernel's forms,
#: shared/messages.py PATTERN_FORMS, cover the units, codes, ids and periods).
INDICATOR_ID_FORM: Final = (
    "nhập mã chỉ tiêu như kế hoạch ghi, bắt đầu bằng chữ cái (ví dụ I3 hoặc CT5)"
)
PLAN_ITEM_NUMBER_FORM: Final = (
    "nhập số mục như kế hoạch ghi: II, III hoặc IV rồi một hoặc hai số mục cách nhau dấu chấm, "
    "có thể thêm một chữ thường (ví dụ II.1.3 hoặc II.2.1.a)"
)
PARTY_CODE_FORM: Final = (
    "nhập mã đơn vị phối hợp bằng chữ thường không dấu, chữ số và dấu -, ít nhất 2 ký tự "
    "(ví dụ phong-dan-van)"
)
#: Two names of a district report's figures that are one once trimmed and composed (review R7).
FIGURE_NAME_REPEATED: Final = (
    "Tên số liệu «{name}» được gửi hai lần (khác nhau chỉ ở dấu cách đầu/cuối hoặc cách gõ "
    "dấu), nên không biết giữ giá trị nào; hãy gửi mỗi số liệu một lần"
)
