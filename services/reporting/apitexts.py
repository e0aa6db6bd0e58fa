"""Vietnamese summaries and descriptions of the reporting service's operations (see
shared/apitexts.py)."""

from __future__ import annotations

from shared.apitexts import FieldTexts, OperationTexts, SchemaExamples

OPERATIONS: OperationTexts = {
    "list_periods": ("Các kỳ báo cáo của năm", "Kỳ 3, 6, 9 tháng và năm, với thời gian lấy và "
                     "chốt số liệu."),
    "get_period": ("Xem một kỳ báo cáo", "Thời gian lấy số liệu của kỳ."),
    "put_period": ("Điều chỉnh kỳ báo cáo", "Điều chỉnh thời gian lấy số liệu của một kỳ (mặc "
                   "định theo Nghị định 09/2019/NĐ-CP). Chỉ cấp thành phố."),
    "get_report": ("Báo cáo một kỳ", "Chỉ tiêu, số liệu so với kỳ trước, các đơn vị trực "
                   "thuộc, trong phạm vi người hỏi. Chỉ tiêu theo số liệu đơn vị báo cáo mà "
                   "đơn vị không tự báo cáo là tổng số liệu của các đơn vị trực thuộc: "
                   "`summed_from` ghi số đơn vị trực thuộc có số liệu (`units_with_figure`) "
                   "trên tổng số đơn vị trực thuộc (`units_under`); null khi là số liệu đơn "
                   "vị tự báo cáo hoặc chỉ tiêu tính từ dữ liệu."),
    "get_report_units": ("Số liệu mọi đơn vị của báo cáo", "Mọi số liệu của mọi đơn vị trong "
                         "phạm vi báo cáo."),
    "post_finalise": ("Chốt số liệu báo cáo", "Số liệu của kỳ được đóng băng; mọi thay đổi sau "
                      "đó được liệt kê khi xem báo cáo. Thời điểm số liệu (as_of, mặc định "
                      "hiện tại) phải từ ngày sau ngày chốt số liệu của kỳ trở đi, khi đã có "
                      "dữ liệu của kỳ được nhập; thời điểm đã qua mà số liệu khác số liệu hiện "
                      "nay chỉ được chốt kèm acknowledge_later_facts: true."),
    "get_report_docx": ("Tải báo cáo Word", "Báo cáo kỳ dạng .docx theo mẫu của Ban."),
    "get_report_pdf": ("Tải báo cáo PDF", "Báo cáo kỳ dạng .pdf."),
    "get_theme_pdf": ("Tải báo cáo chuyên đề PDF", "Báo cáo chuyên đề dạng .pdf."),
    "get_report_xlsx": ("Tải bảng số liệu Excel", "Các bảng số liệu của báo cáo kỳ dạng .xlsx."),
    "get_theme": ("Báo cáo chuyên đề", "Báo cáo chuyên đề (mục II.4.2 Kế hoạch) trên cùng số "
                  "liệu."),
    "get_theme_docx": ("Tải báo cáo chuyên đề Word", "Báo cáo chuyên đề dạng .docx."),
    "get_theme_xlsx": ("Tải bảng chuyên đề Excel", "Các bảng số liệu chuyên đề dạng .xlsx."),
    "sites_summary": ("Tổng hợp cơ sở tôn giáo", "Số cơ sở tôn giáo và số đã có hồ sơ đăng ký "
                      "đất đai hôm nay, theo xã như báo cáo hôm nay (xã đã sáp nhập tính ở xã "
                      "kế thừa; chưa rõ xã kế thừa: dòng «Chưa gắn với đơn vị hành chính hiện "
                      "hành») và cộng lại, trong phạm vi người hỏi."),
    "dashboard": ("Bảng điều khiển", "Trang HTML: chỉ tiêu I1-I4, tiến độ qua các kỳ, kết quả "
                  "theo đơn vị."),
    "plan_page": ("Trang theo dõi kế hoạch công tác", "Trang HTML: các nhiệm vụ của kế hoạch "
                  "và tình hình nộp báo cáo kỳ của các huyện."),
    "thematic_dashboard": ("Bảng điều khiển chuyên đề", "Trang HTML của một chuyên đề."),
}

#: A realistic example of each request body, by schema name (shared/apitexts.py).
EXAMPLES: SchemaExamples = {
    "AdjustPeriod": {"data_from": "2022-12-15", "cutoff_on": "2023-03-14",
                     "reason": "Giao ban quý I lùi một ngày"},
    # No `as_of`: signed as of now. A past one is the exception (a report as known at the
    # conference), refused unless its later differences are acknowledged (README).
    "FinaliseReport": {"scope": "31"},
    # The kernel's key example grants religion:read, a scope this service cannot grant
    # (SCOPE_OF_ANOTHER_SERVICE): here one of its own.
    "NewKey": {"owner": "Văn phòng Thành ủy Hải Phòng", "scopes": ["reporting:read"],
               "unit_scope": "31", "department": "Văn phòng Thành ủy",
               "note": "Tải báo cáo giao ban công tác dân vận các kỳ"},
}


#: Names that mean something else in this service than in the kernel's table.
FIELDS: FieldTexts = {
    "acknowledge_later_facts": ("Chấp nhận số liệu nhập sau", "true: chốt theo thời điểm số "
                                "liệu đã qua dù dữ liệu nhập sau đó làm số liệu khác số liệu "
                                "hiện nay (các khác biệt được liệt kê khi xem báo cáo)"),
    "period": ("Kỳ giao ban", "Mã kỳ cần xem: năm-số tháng, ví dụ 2024-6m (mặc định: kỳ gần "
               "nhất có số liệu)"),
    "theme": ("Chuyên đề", "dan-van-kheo: Dân vận khéo; doi-thoai: đối thoại của người đứng "
              "đầu; dat-dai-ton-giao: đất đai cơ sở tôn giáo"),
    "year": ("Năm", "Năm của các kỳ giao ban"),
}
