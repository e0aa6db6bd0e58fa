"""Every Vietnamese text of the reporting service that a person reads, in one place."""

from __future__ import annotations

from shared import planrules
from shared.errors import Lifecycle

SERVICE_TITLE = "danvan: Báo cáo giao ban, sơ kết, tổng kết"
NATION_NAME = "Toàn quốc"

# -- errors ---------------------------------------------------------------------------------
UNKNOWN_SCOPE = "Phạm vi báo cáo «{value}» không phải mã tỉnh/thành phố (hoặc VN) vào ngày {on}"
UNKNOWN_UNIT_IN_SCOPE = "Đơn vị «{value}» không thuộc phạm vi báo cáo vào ngày {on}"
UNIT_CEASED_BEFORE_CUTOFF = (
    "{name} ({code}) không còn là đơn vị hành chính từ ngày {ended}, trước ngày chốt số liệu "
    "của kỳ này ({cutoff}): chọn kỳ báo cáo chốt số liệu đến hết ngày {last}, hoặc xem theo "
    "các đơn vị hiện hành"
)
UNKNOWN_THEME = "Không có báo cáo chuyên đề «{value}»; các chuyên đề: {known}"
REPORT_SUBJECT = "báo cáo kỳ {period}"
REPORT_HASH = "mã băm {hash}…"
# The states and actions the 409 refusals name (shared.errors.ActionRefused).
REPORT = Lifecycle(
    {"finalise": "Chốt báo cáo"},
    {"finalised": "Đã chốt",
     "later_facts": "Có dữ liệu nhập sau thời điểm số liệu đã chọn làm thay đổi số liệu"},
    "không có (số liệu đã chốt không thể chốt lại; báo cáo đã chốt vẫn xem và tải được)",
)
PERIOD_NOT_STARTED = (
    "Kỳ báo cáo {period} chưa bắt đầu: số liệu của kỳ được tính từ ngày {data_from}, "
    "chưa có số liệu để báo cáo"
)
CUTOFF_NOT_PASSED = (
    "Chưa thể chốt báo cáo kỳ {period}: số liệu tính đến hết ngày {cutoff}, thời điểm số liệu "
    "phải sau khi hết ngày đó (giờ Việt Nam) để không bỏ sót số liệu còn được nhập. Báo cáo "
    "được chốt với thời điểm số liệu từ ngày {first_day} trở đi"
)
AS_OF_BEFORE_WINDOW_MOVED = (
    "Không thể chốt báo cáo kỳ {period} theo số liệu đến {as_of}: khi đó kỳ lấy số liệu từ "
    "ngày {old_from} đến ngày {old_cutoff}, nay đã được điều chỉnh thành từ ngày {data_from} "
    "đến ngày {cutoff}. Báo cáo chốt phải theo thời gian hiện hành của kỳ (để không ngày nào "
    "bị bỏ sót giữa hai năm): chọn thời điểm số liệu sau lần điều chỉnh đó, hoặc bỏ trống để "
    "lấy thời điểm hiện tại"
)
AS_OF_BEFORE_FIRST_FACTS = (
    "Không thể chốt báo cáo kỳ {period} theo số liệu đến {as_of}: khi đó chưa có dữ liệu nào "
    "thuộc thời gian lấy số liệu của kỳ (từ ngày {data_from} đến ngày {cutoff}) được nhập, nay "
    "đã có; báo cáo chốt sẽ toàn số 0 và không sửa được. Dữ liệu đầu tiên của kỳ được nhập lúc "
    "{first}: chọn thời điểm số liệu từ đó trở đi, hoặc bỏ trống để lấy thời điểm hiện tại"
)
LATER_FACTS_NOT_ACKNOWLEDGED = (
    "Báo cáo kỳ {period} chốt theo số liệu đến {as_of} sẽ có {count} số liệu khác với số liệu "
    "hiện nay: có dữ liệu được nhập hoặc điều chỉnh sau thời điểm đó. Số liệu đã chốt không "
    "thay đổi được, các khác biệt được liệt kê khi xem báo cáo. Nếu vẫn chốt theo thời điểm "
    "đó, gửi lại kèm xác nhận «Chấp nhận số liệu nhập sau»; thời điểm số liệu từ {first} trở "
    "đi đã có đủ các dữ liệu đó; bỏ trống để lấy thời điểm hiện tại"
)
PERIOD = Lifecycle(
    {"adjust": "Điều chỉnh thời gian lấy số liệu"},
    {"finalised": "Đã chốt báo cáo", "next_year_finalised": "Các kỳ năm sau đã chốt báo cáo"},
    "không có (số liệu đã chốt và cột kỳ trước của kỳ sau dựa trên thời gian hiện tại)",
)
PERIOD_SUBJECT = "kỳ báo cáo {period}"
PERIOD_FINALISED = "đã chốt báo cáo {reports}"
NEXT_YEAR_FINALISED = (
    "Không thể «Điều chỉnh thời gian lấy số liệu» của kỳ báo cáo {period} vì việc này dời thời "
    "gian lấy số liệu của các kỳ năm {year} đã chốt báo cáo ({reports})"
)
#: Why the next year's periods moved with a year report's cut-off (their PeriodAdjusted).
WINDOW_FOLLOWS_YEAR = "Theo ngày chốt số liệu báo cáo năm {year} ({cutoff})"
FROZEN_FIGURES_MISSING = "Không tìm thấy số liệu đã chốt của báo cáo {report}"
FROZEN_FIGURES_TAMPERED = "Số liệu đã chốt của báo cáo {report} không khớp mã băm đã ghi"
WINDOW_ERRORS = {
    "WINDOW_REVERSED": "Ngày bắt đầu lấy số liệu phải trước hoặc bằng ngày chốt số liệu",
    "WINDOW_START_NOT_CONTIGUOUS": (
        "Ngày bắt đầu lấy số liệu của kỳ {period} phải là ngày {expected}, ngay sau ngày chốt "
        "số liệu báo cáo năm trước ({previous_cutoff}): số liệu các năm nối tiếp nhau, không "
        "ngày nào bị tính hai lần hay bị bỏ sót"
    ),
    "WINDOW_CUTOFF_OUT_OF_RANGE": "Ngày chốt số liệu phải nằm trong kỳ báo cáo",
    "WINDOW_CUTOFF_OUT_OF_ORDER": (
        "Ngày chốt số liệu của kỳ {period} phải từ ngày {earliest} đến ngày {latest}: các kỳ "
        "trong năm chốt số liệu nối tiếp nhau (kỳ 6 tháng không chốt trước kỳ 3 tháng, kỳ "
        "sau không chốt trước kỳ trước), để số liệu lũy kế không giảm giữa hai kỳ"
    ),
}
CUTOFF_AFTER_DEADLINE = (
    "Kỳ {period} đã có hạn nộp báo cáo của Ban Dân vận các quận, huyện là ngày {deadline}, "
    "trước ngày chốt số liệu mới {cutoff}: báo cáo chỉ nộp được từ ngày chốt, nên không đơn "
    "vị nào nộp đúng hạn được. Đặt lại hạn nộp (từ ngày {cutoff}) trước khi dời ngày chốt"
)

# -- periods --------------------------------------------------------------------------------
PERIOD_NAMES = {
    3: "3 tháng đầu năm {year}",
    6: "6 tháng đầu năm {year}",
    9: "9 tháng đầu năm {year}",
    12: "năm {year}",
}
CONFERENCE_KINDS = {
    3: "Hội nghị giao ban công tác dân vận quý I",
    6: "Hội nghị sơ kết công tác dân vận 6 tháng đầu năm",
    9: "Hội nghị giao ban công tác dân vận 9 tháng",
    12: "Hội nghị tổng kết công tác dân vận năm",
}

# -- indicators -----------------------------------------------------------------------------
INDICATOR_NAMES = {
    "I1": "Xã, phường có mô hình “Dân vận khéo” xây dựng nông thôn mới kiểu mẫu, "
          "chỉnh trang, hiện đại hóa đô thị",
    "I2": "Người đứng đầu cấp ủy, chính quyền đối thoại trực tiếp với Nhân dân theo quy định",
    "I3": "Cơ sở tôn giáo đang sử dụng đất đã lập hồ sơ đăng ký đất đai",
    "I4": "Cơ sở tôn giáo được cấp giấy chứng nhận quyền sử dụng đất",
}
INDICATOR_SHORT = {
    "I1": "Mô hình “Dân vận khéo”",
    "I2": "Đối thoại trực tiếp",
    "I3": "Hồ sơ đăng ký đất đai",
    "I4": "Giấy chứng nhận QSDĐ",
}
#: An indicator's parts as a "changed after signing" row names them ("I3 … (tử số)"): the
#: one table of the parts a difference compares (application/differences.py) and of their
#: names in every output (xlsx, Word, PDF, dashboard, JSON note); never the English keys.
INDICATOR_PART_LABELS = {
    "numerator": "tử số",
    "denominator": "mẫu số",
    "value": "tỷ lệ (%)",
    "status": "đánh giá",
    # A reported figure's `summed_from`: a district whose own report replaces the sum of its
    # communes moves no number, but the figure is no longer the same kind of figure.
    "summed_from": "tổng hợp từ số đơn vị trực thuộc có báo cáo",
}
# The statuses' names are the kernel's rulebook's (shared/planrules.py), alike everywhere.
STATUS_LABELS = planrules.STATUS_LABELS
NO_STATUS = planrules.NO_STATUS_LABEL
#: A reported indicator (I5...) whose definition gives no name, or is not known.
OTHER_INDICATOR_NAME = "Chỉ tiêu {indicator_id}"
#: An indicator of a year without a definition: no target, no status.
NO_TARGET = planrules.NO_TARGET_LABEL
#: A unit outside the scope of the year's definition (its target is its scope's units').
TARGET_FOR_OTHER_UNITS = "Chỉ tiêu năm {year} chỉ áp dụng cho {units}"
TARGET_TEXT = {comparator: sign + " {target}%"
               for comparator, sign in planrules.COMPARATOR_SIGNS.items()}

# -- figures --------------------------------------------------------------------------------
SECTION_TITLES = {
    "religion": "Cơ sở tôn giáo và đất đai",
    "compliance": "Vụ việc vi phạm về đất đai, xây dựng cơ sở tôn giáo",
    "dialogue": "Đối thoại trực tiếp giữa người đứng đầu với Nhân dân",
    "models": "Mô hình “Dân vận khéo”",
}
METRIC_LABELS = {
    "sites": "Cơ sở tôn giáo đang sử dụng đất",
    "sites_with_dossier": "Cơ sở đã lập hồ sơ đăng ký đất đai",
    "sites_with_certificate": "Cơ sở đã được cấp giấy chứng nhận",
    "dossiers_requisitioned": "Hồ sơ đang bổ sung giấy tờ",
    "dossiers_lodged": "Lượt nộp hồ sơ trong kỳ",
    "dossiers_rejected_or_withdrawn": "Hồ sơ bị từ chối, rút trong kỳ",
    "certificates_issued": "Giấy chứng nhận cấp trong kỳ",
    "certificates_revoked": "Giấy chứng nhận bị thu hồi trong kỳ",
    "cases_opened": "Vụ việc phát sinh trong kỳ",
    "cases_resolved": "Vụ việc giải quyết xong trong kỳ",
    "cases_referred": "Vụ việc chuyển cơ quan chức năng trong kỳ",
    "cases_pending": "Vụ việc đang xử lý",
    # Every head in office at some time in I2's window, one who has left included (finding
    # L4): worded as the indicators service words I2's denominator, and saying so.
    "heads_in_office": ("Người đứng đầu cấp ủy, chính quyền đương nhiệm trong kỳ "
                        "(kể cả người đã thôi giữ chức)"),
    "heads_meeting_rule": "Người đứng đầu đã đối thoại đủ theo quy định",
    "heads_owing": "Người đứng đầu đã đến hạn phải đối thoại",
    "sessions_planned": "Hội nghị đối thoại lên kế hoạch trong kỳ",
    "sessions_held": "Hội nghị đối thoại đã tổ chức",
    "sessions_cancelled": "Hội nghị đối thoại hủy",
    "sessions_reported": "Hội nghị đã có báo cáo kết quả",
    "attendance": "Lượt người tham dự",
    "issues_raised": "Ý kiến, kiến nghị của Nhân dân",
    "issues_answered_on_spot": "Ý kiến trả lời trực tiếp tại hội nghị",
    "issues_assigned": "Ý kiến giao cơ quan giải quyết",
    "commitments_made": "Cam kết, nhiệm vụ giao trong kỳ",
    "commitments_total": "Tổng số cam kết, nhiệm vụ",
    "commitments_done": "Cam kết đã hoàn thành",
    "commitments_overdue": "Cam kết quá hạn",
    "commitments_in_progress": "Cam kết đang thực hiện",
    "communes": "Số xã, phường, thị trấn",
    "communes_with_model": "Xã, phường có mô hình NTM kiểu mẫu, chỉnh trang đô thị",
    "models_active": "Mô hình “Dân vận khéo” đang duy trì",
    "models_new_rural": "Mô hình xây dựng nông thôn mới",
    "models_exemplary_rural": "Mô hình nông thôn mới kiểu mẫu",
    "models_urban": "Mô hình chỉnh trang, hiện đại hóa đô thị",
    "models_digital_transformation": "Mô hình chuyển đổi số",
    "models_other": "Mô hình trên các lĩnh vực khác",
    "models_registered": "Mô hình đăng ký mới trong kỳ",
    "models_recognised": "Lượt công nhận mô hình trong kỳ",
    "contest_entries": "Bài dự thi tuyên truyền mô hình",
}
LEVEL_NAMES = {
    "nation": "Toàn quốc",
    "province": "Tỉnh, thành phố",
    "district": "Quận, huyện",
    "commune": "Xã, phường, thị trấn",
}

# -- thematic reports (plan II.4.2) ---------------------------------------------------------
THEME_TITLES = {
    "dan-van-kheo": "Mô hình “Dân vận khéo” tham gia xây dựng xã nông thôn mới kiểu mẫu, "
                    "chỉnh trang, hiện đại hóa đô thị",
    "doi-thoai": "Đối thoại trực tiếp giữa người đứng đầu cấp ủy, chính quyền các cấp "
                 "với Nhân dân",
    "dat-dai-ton-giao": "Công tác cấp giấy chứng nhận quyền sử dụng đất và đăng ký đất đai "
                        "cho các cơ sở tôn giáo",
}

# -- tables and documents -------------------------------------------------------------------
COL_NO = "TT"
COL_UNIT = "Đơn vị"
COL_LEVEL = "Cấp"
COL_FIGURE = "Nội dung"
COL_INDICATOR = "Chỉ tiêu"
COL_TARGET = "Chỉ tiêu kế hoạch"
COL_RESULT = "Kết quả"
COL_RATE = "Tỷ lệ (%)"
COL_STATUS = "Đánh giá"
COL_PERIOD = "Kỳ này"
COL_PREVIOUS = "Kỳ trước"
COL_CHANGE = "Tăng, giảm"
COL_FROZEN = "Số liệu đã chốt"
COL_CURRENT = "Số liệu hiện tại"
# A finalised report asked with an explicit `as_of`: the figures as known then, not the frozen
# ones (their column beside the frozen ones in the differences).
COL_AS_OF = "Số liệu theo thời điểm tính"
COL_CODE = "Mã đơn vị"

PARTY_COMMITTEE = "ĐẢNG BỘ THÀNH PHỐ HẢI PHÒNG"
ISSUER = "BAN DÂN VẬN THÀNH ỦY"
PARTY_NAME = "ĐẢNG CỘNG SẢN VIỆT NAM"
DOC_NUMBER = "Số …-BC/BDVTU"
PLACE_DATE = "Hải Phòng, ngày {day} tháng {month} năm {year}"
# The date of signing is the secretary's to write, not the day the file was generated.
PLACE_DATE_BLANK = "Hải Phòng, ngày …… tháng …… năm ……"
REPORT_WORD = "BÁO CÁO"
REPORT_TITLE = "Kết quả công tác dân vận {period}"
THEMATIC_TITLE = "{theme}, {period}"
DATA_WINDOW = (
    "(Số liệu tính từ ngày {data_from} đến ngày {cutoff_on}; tổng hợp đến {as_of}{scope})"
)
SCOPE_SUFFIX = "; phạm vi: {scope}"
# A report of a period still running (its cut-off day not ended): figures taken at that day.
# A report of a year whose indicators the Commission has not defined (G11: the 2023 plan's
# targets are 2023's alone): why no status, and what records one, in every output.
# The signed documents (Word, PDF, Excel) say what to do in words: a Party document carries no
# HTTP verb, path or JSON key (H14). Staff's outputs (JSON, dashboard) add where the targets
# are recorded (`NO_TARGETS_ENDPOINT`).
NO_TARGETS_NOTE = (
    "Năm {year} chưa có chỉ tiêu cho {indicators}: số liệu vẫn được tính nhưng chưa đánh giá "
    "tình trạng thực hiện (đạt, chưa đạt, có nguy cơ không đạt). Đề nghị Văn phòng Ban nhập "
    "chỉ tiêu năm {year} của từng chỉ tiêu (mục tiêu, cách so sánh, phạm vi) vào hệ thống; "
    "báo cáo đánh giá theo chỉ tiêu ngay khi chỉ tiêu được ghi nhận."
)
NO_TARGETS_ENDPOINT = "Dịch vụ chỉ tiêu: POST /api/v1/indicators với \"year\": {year}."
PROVISIONAL = (
    "Số liệu tạm tính đến ngày {on} (kỳ báo cáo chưa kết thúc, chốt số liệu ngày {cutoff_on})"
)
# Under a document's title: the period's window, the as_of the figures reflect and the day
# the file was made, so a 2023 report printed in 2026 says which data it holds.
DOC_DATA_LINE = (
    "(Số liệu tính từ ngày {data_from} đến ngày {cutoff_on}, theo dữ liệu ghi nhận đến "
    "{as_of}; phạm vi: {scope}; văn bản lập ngày {made_on})"
)
DOC_PART_RESULTS = "Kết quả thực hiện"
DOC_PART_TARGETS = "Kết quả thực hiện các chỉ tiêu trọng tâm (mục II.1 Kế hoạch)"
DOC_PART_OTHER_TARGETS = "Kết quả các chỉ tiêu khác (số liệu do đơn vị báo cáo)"
DOC_PART_TASKS = "Kết quả thực hiện nhiệm vụ cụ thể (mục II.2 Kế hoạch)"
DOC_TASK_TITLES = {
    "models": "Phong trào thi đua “Dân vận khéo” (mục II.2.3 Kế hoạch)",
    "dialogue": "Đối thoại trực tiếp giữa người đứng đầu cấp ủy, chính quyền với Nhân dân "
                "(mục II.2.3 Kế hoạch)",
    "religion": "Công tác tôn giáo: đăng ký đất đai, cấp giấy chứng nhận cho cơ sở tôn giáo "
                "(mục II.2.4 Kế hoạch)",
    "compliance": "Rà soát vi phạm về đất đai, xây dựng cơ sở tôn giáo (mục II.2.4 Kế hoạch)",
}
DOC_PART_UNITS = "Kết quả theo đơn vị"
DOC_PART_PLAN = "Kết quả thực hiện nhiệm vụ (Kế hoạch công tác dân vận năm {year})"
DOC_PLAN_SUMMARY = (
    "Đến ngày {on}: {total} nhiệm vụ; hoàn thành {done}, đang thực hiện {in_progress}, "
    "chưa triển khai {not_started}, quá hạn {overdue}."
)
DOC_PART_DISTRICT_REPORTS = (
    "Tình hình báo cáo của Ban Dân vận các quận ủy, huyện ủy (mục IV.3 Kế hoạch)"
)
DOC_DISTRICT_SUMMARY = (
    "Hạn nộp {deadline}; đến ngày {on}: {submitted}/{owed} đơn vị đã nộp ({on_time} đúng hạn, "
    "{late} muộn), {returned} bị trả lại để chỉnh sửa, {missing} quá hạn chưa nộp."
)
DOC_NO_DEADLINE = "Ban chưa đặt hạn nộp báo cáo kỳ này."
COL_ITEM = "Nhiệm vụ"
COL_RESPONSIBLE = "Đơn vị chủ trì"
COL_ITEM_STATUS = "Tình trạng"
COL_LATEST_RESULT = "Kết quả mới nhất trong kỳ"
COL_SUBMITTED_ON = "Ngày nộp"
COL_RETURNS = "Số lần trả lại"
COL_RETURN_REASON = "Lý do trả lại gần nhất"
COL_BACKDATED_REASON = "Lý do ghi nhận lùi ngày nộp"
# A district's first submission recorded by the Commission dated before its recording day
# (a paper report, J17): its on time / late is judged on that day, so the report says why.
DOC_BACKDATED_MARK = "(*)"
DOC_BACKDATED_NOTE = (
    "(*) {district}: báo cáo nộp lần đầu ngày {submitted_on} được Ban ghi nhận lùi ngày "
    "(sau ngày nộp); lý do: {reason}"
)
PLAN_BACKDATED = "Nộp lần đầu ngày {on}, ghi nhận lùi ngày: {reason}"
DOC_PART_ASSESSMENT = "Đánh giá chung"
DOC_PART_TASKS_NEXT = "Nhiệm vụ trọng tâm kỳ tới"
DOC_SECRETARY_NOTE = "(Văn phòng Ban bổ sung nội dung đánh giá.)"
DOC_SECRETARY_NEXT = "(Văn phòng Ban bổ sung nhiệm vụ trọng tâm kỳ tới.)"
# A district's own document (H7) is its board's: its placeholders address the board, and
# figures the Commission froze for the city's report say whose signing they are (J23).
DISTRICT_BOARD_NOTE = "(Ban Dân vận {committee} bổ sung nội dung đánh giá.)"
DISTRICT_BOARD_NEXT = "(Ban Dân vận {committee} bổ sung nhiệm vụ trọng tâm kỳ tới.)"
DOC_FINALISED_BY_CITY = (
    "Số liệu là số liệu Ban Dân vận Thành ủy đã chốt cho báo cáo {report} ngày {on} (mã băm "
    "{hash}), không phải số liệu do Ban Dân vận {committee} chốt."
)
DOC_DATA_WARNING = "Lưu ý số liệu: {text}."
DOC_INDICATOR_SENTENCE = (
    "{name}: đạt {numerator}/{denominator} ({value}%), chỉ tiêu {target}; đánh giá: {status}."
)
#: The same of an indicator without a target; {status} is `NO_TARGET`'s line.
#: «kết quả», not «đạt»: no target judges the figure, so nothing is "achieved" (H14).
DOC_INDICATOR_SENTENCE_NO_TARGET = (
    "{name}: kết quả {numerator}/{denominator} ({value}%); {status}."
)
# A reported figure of a unit without its own report is the sum of the units under it that
# reported (`planrules.reported_coverage`): how many of them, so a partial sum is never read
# as the unit's whole figure (views.summed_from_text; the Word sentence, the Excel column and
# the dashboard tile).
SUMMED_FROM = "tổng hợp từ số liệu của {with_figure}/{under} đơn vị trực thuộc có báo cáo"
DOC_SUMMED_FROM = "Kết quả {text}."
COL_SUMMED_FROM = "Mức độ đầy đủ của số liệu tổng hợp"
#: The same, short, in a cell of the dashboard's drill-down (the whole sentence its title).
DASH_SUMMED_FROM = "tổng hợp {with_figure}/{under} đơn vị"
DOC_UNITS_NOTE = "Tỷ lệ (%) các chỉ tiêu của từng đơn vị trực thuộc {unit}."
DOC_OWN = (
    "{label} (số liệu ghi nhận cho chính đơn vị, không thuộc đơn vị trực thuộc nào; các dòng "
    "trên chưa gồm phần này): {figures}."
)
DOC_UNATTRIBUTED = (
    "{label} (số liệu ghi theo mã đơn vị hành chính không còn hiệu lực vào ngày chốt số "
    "liệu; các dòng trên chưa gồm phần này): {figures}."
)
# The previous column read against the previous period's finalised report (views.restated_note).
PREVIOUS_SIGNED = "Cột kỳ trước là số liệu đã chốt của báo cáo kỳ trước (mã băm {hash}…)."
PREVIOUS_RESTATED = "Số liệu kỳ trước đã được điều chỉnh sau khi chốt: {figures}."
PREVIOUS_RECOMPUTED = (
    "Số liệu kỳ trước đã được điều chỉnh sau khi chốt: cột kỳ trước của báo cáo này là số liệu "
    "tính lại khi chốt, khác báo cáo kỳ trước đã chốt (mã băm {hash}…): {figures}."
)
# A previous rate that is not the same measure as this period's (finding J9): the previous
# column keeps the rate as it was counted and reported, on its own year's definition, and
# says what differs (views.not_comparable_note) and that the gap is no rise or fall.
PREVIOUS_NOT_COMPARABLE = (
    "Cột kỳ trước ghi tỷ lệ của {previous} như đã tính và báo cáo theo chỉ tiêu năm {year}. "
    "Các chỉ tiêu sau có cách tính khác kỳ này nên tỷ lệ hai kỳ không so sánh trực tiếp được, "
    "chênh lệch giữa hai cột không phản ánh kết quả tăng hay giảm: {items}."
)
NOT_COMPARABLE_ITEM = "{indicator} ({reasons})"
BASIS_CHANGE_TEXTS = {
    "base": "mẫu số kỳ trước {before}, kỳ này {now}",
    "fields": "kỳ trước tính mô hình thuộc lĩnh vực {before}; kỳ này thuộc lĩnh vực {now}",
    "period": "kỳ trước tính theo thời gian {before}, kỳ này {now}",
    "method": "kỳ trước {before}, kỳ này {now}",
    "scope": "phạm vi áp dụng kỳ trước là {before}, kỳ này là {now}",
}
BASE_FIXED = "là số cố định {base} theo chỉ tiêu năm {year}"
BASE_COUNTED = "là số thực tế ({count})"
MODEL_FIELD_NAMES = {
    "new_rural": "xây dựng nông thôn mới",
    "exemplary_rural": "nông thôn mới kiểu mẫu",
    "urban": "chỉnh trang, hiện đại hóa đô thị",
    "digital_transformation": "chuyển đổi số",
    "other": "các lĩnh vực khác",
}
PERIOD_SPAN = "từ ngày {start} đến ngày {end}"
METHOD_NAMES = {False: "tính từ dữ liệu của hệ thống", True: "theo số liệu đơn vị báo cáo"}
SCOPE_OF_PLAN = "toàn thành phố theo Kế hoạch"
# The previous period of a 3-month report is the year before's report: its flows were counted
# over the whole year before, this period's from the start of its year (finding J9).
PREVIOUS_OTHER_YEAR_FLOWS = (
    "Kỳ trước là {previous}, số liệu phát sinh tính từ ngày {data_from} đến ngày {cutoff_on}; "
    "số liệu phát sinh của kỳ này tính lũy kế từ ngày {now_from} (ngày đầu số liệu năm {year}). "
    "Hai khoảng thời gian khác nhau nên các số liệu phát sinh trong kỳ không tính tăng, giảm "
    "so với kỳ trước; số liệu hiện có tại ngày chốt vẫn so sánh được."
)
#: A previous rate not comparable (`PREVIOUS_NOT_COMPARABLE`): its mark in the Word table, and
#: the dashboard tile's line.
DOC_NOT_COMPARABLE_MARK = "(a)"
DASH_PREVIOUS_NOT_COMPARABLE = "Kỳ trước: {value}% (cách tính khác, không so sánh trực tiếp)"
RESTATED_ITEM = "{unit} – {figure}: đã chốt {frozen}, nay {current}"
RESTATED_MORE = "và {count} số liệu khác"
DOC_RESTATED = "Số liệu kỳ trước điều chỉnh sau khi chốt"
SHEET_RESTATED = "Kỳ trước điều chỉnh"
COL_SIGNED_PREVIOUS = "Kỳ trước đã chốt"
COL_RESTATED_PREVIOUS = "Kỳ trước tính lại"
DOC_FINALISED = "Số liệu đã chốt ngày {on}, mã băm {hash}."
# A report signed as of a past moment over facts recorded since, the signer acknowledging
# them (ReportFinalised.later_facts_acknowledged, finding N13): the document says so.
DOC_LATER_FACTS_ACKNOWLEDGED = (
    "Báo cáo chốt theo số liệu đã ghi nhận đến {as_of}; khi chốt đã biết có số liệu được ghi "
    "nhận sau thời điểm đó."
)
DOC_DIFFERENCES = "Số liệu thay đổi sau khi chốt báo cáo"
# In place of the stamp when a finalised report is asked as of a time: never the hash of
# figures the document does not carry.
DOC_LIVE = "Số liệu tính theo thời điểm {as_of}, không phải số liệu đã chốt ngày {on}."
# The seed's house style: the head of the Commission signs "TRƯỞNG BAN" in their own name
# (a board's standing committee would sign "T/M BAN THƯỜNG VỤ"); the name is left to type.
DOC_SIGNER_AUTHORITY: str | None = None
DOC_SIGNER = "TRƯỞNG BAN"
DOC_SIGNER_NAME_BLANK = "……………………………"
#: A district board's own report (plan IV.3: each district's Commission reports to the city's
#: each period): its party committee, its number block and its recipients (finding H7), by
#: the kind of district its name begins with.
DISTRICT_COMMITTEES = {"Huyện": ("HUYỆN ỦY", "HU"), "Quận": ("QUẬN ỦY", "QU"),
                       "Thị xã": ("THỊ ỦY", "TU"), "Thành phố": ("THÀNH ỦY", "TU")}
DISTRICT_ISSUER = "BAN DÂN VẬN"
DISTRICT_DOC_NUMBER = "Số …-BC/BDV{suffix}"
DISTRICT_PLACE_DATE_BLANK = "{place}, ngày …… tháng …… năm ……"
DISTRICT_RECIPIENT_LINES = (
    "- Ban Dân vận Thành ủy (để b/c),",
    "- Thường trực {committee} (để b/c),",
    "- Thường trực HĐND, UBND {kind},",
    "- UB MTTQ VN, các tổ chức CT-XH {kind},",
    "- Các đảng ủy xã, phường, thị trấn,",
    "- Lưu.",
)
DOC_RECIPIENTS = "Nơi nhận:"
DOC_RECIPIENT_LINES = (
    "- Ban Dân vận Trung ương (để b/c),",
    "- Thường trực Thành ủy (để b/c),",
    "- Thường trực HĐND, UBND thành phố,",
    "- UB MTTQ VN, các tổ chức CT-XH TP,",
    "- Các quận ủy, huyện ủy, đảng ủy trực thuộc Thành ủy,",
    "- Ban Dân vận các quận ủy, huyện ủy,",
    "- Lãnh đạo và các phòng Ban Dân vận Thành ủy,",
    "- Lưu.",
)
PDF_ENGINE_MISSING = (
    "Máy chủ chưa cài LibreOffice nên chưa tạo được bản PDF; hãy tải bản Word (.docx) hoặc "
    "báo quản trị viên cài đặt (make setup)"
)
PDF_ENGINE_FAILED = (
    "Chưa tạo được bản PDF (LibreOffice không phản hồi hoặc báo lỗi); hãy thử lại sau ít phút "
    "hoặc tải bản Word (.docx)"
)
PDF_BUSY = (
    "Máy chủ đang tạo các bản PDF khác; hãy thử lại sau ít giây hoặc tải bản Word (.docx)"
)
VALUE_MISSING = "—"
SHEET_INDICATORS = "Chỉ tiêu"
SHEET_SECTION = {
    "religion": "Tôn giáo - đất đai",
    "compliance": "Vụ việc vi phạm",
    "dialogue": "Đối thoại",
    "models": "Dân vận khéo",
}
SHEET_UNITS = "Theo đơn vị"
SHEET_UNITS_SECTION = "Đơn vị - {section}"  # a section's figures for every unit
SHEET_FOOTER = "Trang &P/&N"  # Excel's codes: this page, of so many
COL_NUMERATOR = "Tử số"
COL_DENOMINATOR = "Mẫu số"
COL_INDICATOR_ID = "Mã"
SHEET_DIFFERENCES = "Thay đổi sau chốt"
SHEET_OTHER = "Chỉ tiêu khác"
SHEET_PLAN = "Kết quả nhiệm vụ"
SHEET_DISTRICT_REPORTS = "Báo cáo cấp huyện"
PLAN_PAGE_TITLE = "Kết quả thực hiện nhiệm vụ theo Kế hoạch công tác dân vận"
PLAN_PAGE_LINK = "Kết quả thực hiện nhiệm vụ"
PLAN_PAGE_NO_PLAN = "Chưa có kế hoạch công tác của năm này trong hệ thống."

# -- dashboard ------------------------------------------------------------------------------
DASH_TITLE = "Bảng điều khiển công tác dân vận"
#: What the header's links are, for screen readers: the thematic reports, the other pages.
NAV_THEMES = "Báo cáo chuyên đề"
NAV_PAGES = "Trang"
DASH_SHORT_MONTHS = {3: "3 tháng", 6: "6 tháng", 9: "9 tháng", 12: "Năm"}
DASH_PREVIOUS = "Kỳ trước: {value}%"
DASH_TARGET = "chỉ tiêu"
DASH_FINALISED = "Báo cáo đã chốt lúc {when} (mã băm {hash}…)"
DASH_CHANGED = "; {count} số liệu đã thay đổi sau khi chốt"
DASH_LATER_FACTS_ACKNOWLEDGED = (
    "; chốt theo số liệu đã ghi nhận đến {as_of}, khi đã biết có số liệu được ghi nhận sau đó"
)
DASH_LIVE = "Số liệu tính theo thời điểm {as_of}, không phải số liệu đã chốt lúc {when}"
DASH_LIVE_CHANGED = "; {count} số liệu khác với số liệu đã chốt"
ERROR_PAGE_TITLES = {
    400: "Yêu cầu không hợp lệ",
    401: "Cần đăng nhập",
    403: "Không có quyền xem trang này",
    404: "Không tìm thấy trang",
    405: "Không thực hiện được yêu cầu",
    409: "Không thực hiện được yêu cầu",
    422: "Địa chỉ trang có tham số không hợp lệ",
}
ERROR_PAGE_TITLE_OTHER = "Không mở được trang"
ERROR_PAGE_BACK = "← Về bảng điều khiển"
ERROR_PAGE_FIELDS = {
    "period": "Kỳ báo cáo",
    "unit": "Đơn vị",
    "scope": "Phạm vi",
    "as_of": "Thời điểm số liệu",
    "theme": "Chuyên đề",
}
DASH_NO_DATA = (
    "Kỳ «{period}» chưa có số liệu: chưa có sự kiện nào được ghi nhận từ ngày {data_from}. "
    "Có thể chọn kỳ khác ở ô «Kỳ báo cáo»."
)
DASH_NO_CHILDREN = "Đơn vị cấp xã: không có đơn vị trực thuộc."
DASH_TABLE_TITLE = "Kết quả theo đơn vị trực thuộc {unit}"
FIGURES_CATCHING_UP = (
    "Số liệu đang được cập nhật (còn sự kiện từ các dịch vụ nguồn chưa được ghi vào số liệu "
    "báo cáo), chưa thể chốt báo cáo; thử lại sau {seconds} giây"
)
#: A consumer stopped at an event of a newer schema version (review RV-P3): `held` is each
#: hold's own message (shared/consumer.py `SchemaHold.message`), naming consumer and event.
FIGURES_HELD_SCHEMA_TOO_NEW = (
    "Chưa thể chốt báo cáo: {held} Số liệu báo cáo dừng ở đó cho tới khi dịch vụ báo cáo "
    "(reporting) được nâng cấp; chốt lại sau khi nâng cấp"
)
#: A source service whose relay has not shown, since the finalisation began, that nothing of it
#: is left unpublished (finding J13): named with its service code, which operators look up.
SOURCE_SERVICE_LABELS = {
    "religion": "Tôn giáo (religion)",
    "dialogue": "Đối thoại (dialogue)",
    "indicators": "Chỉ tiêu, mô hình (indicators)",
    "reporting": "Báo cáo (reporting)",
}
FIGURES_SOURCES_UNCONFIRMED = (
    "Chưa thể chốt báo cáo: dịch vụ {services} chưa xác nhận đã gửi hết các sự kiện đã ghi "
    "(dịch vụ dừng, mất kết nối NATS hoặc đang gửi chậm), chốt lúc này số liệu có thể thiếu; "
    "thử lại sau {seconds} giây"
)
