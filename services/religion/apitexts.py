"""Vietnamese summaries and descriptions of the religion service's operations (see
shared/apitexts.py)."""

from __future__ import annotations

from shared.apitexts import FieldTexts, OperationTexts, SchemaExamples

OPERATIONS: OperationTexts = {
    "import_sites_file": ("Nhập danh sách cơ sở tôn giáo từ tệp", "Kiểm tra từng dòng của tệp "
                          "CSV hoặc .xlsx và, trừ khi `dry_run`, đăng ký các cơ sở mới. Một "
                          "dòng lỗi làm từ chối cả tệp (422, không ghi gì) trừ khi "
                          "`only_valid`; mọi lỗi của mọi dòng được báo trong một lần."),
    "import_template": ("Tải mẫu tệp nhập cơ sở", "Bảng tính trống với các cột mà chức năng "
                        "nhập đọc (UTF-8 có BOM, mở được bằng Excel)."),
    "register_site": ("Đăng ký cơ sở tôn giáo", "Đưa một cơ sở tôn giáo vào sổ theo dõi, với "
                      "mã do cơ quan đặt (ví dụ TL-001), xã/phường và diện tích đất sử dụng."),
    "list_sites": ("Tra cứu sổ cơ sở tôn giáo", "Lọc theo huyện, xã, tôn giáo, trạng thái hồ "
                   "sơ đất đai, giấy chứng nhận, quá hạn; `q` tìm không phân biệt dấu (\"tien "
                   "lang\" ra \"Tiên Lãng\"); `overdue` so hạn của từng hồ sơ với `as_of`. "
                   "Với `known_at` (cùng quy tắc với `as_of` của dịch vụ báo cáo, chép được "
                   "nguyên giá trị `as_of` của báo cáo đã ký): sổ đúng như đã ghi nhận đến thời "
                   "điểm đó, cơ sở ghi sau chưa có, đính chính ghi sau chưa tính, hạn hồ sơ xét "
                   "theo ngày của thời điểm đó nếu không có `as_of`; thiếu `known_at` là sổ "
                   "hiện hành."),
    "site_detail": ("Xem một cơ sở tôn giáo", "Thông tin, hồ sơ đất đai, giấy chứng nhận và vụ "
                    "việc của cơ sở."),
    "amend_site": ("Sửa thông tin cơ sở", "Sửa hoặc bổ sung thông tin (tên, địa chỉ, diện "
                   "tích, đơn vị...); chỉ các trường gửi lên được thay đổi."),
    "close_site": ("Đóng cơ sở khỏi sổ theo dõi", "Cơ sở ra khỏi sổ (sáp nhập, giải thể, đăng "
                   "ký nhầm...); lịch sử giữ nguyên. Ngày đóng là ngày đầu tiên cơ sở không "
                   "còn trong sổ: phải sau ngày của bước hồ sơ, giấy chứng nhận, vụ việc cuối "
                   "cùng (422 CLOSED_BEFORE_STEP nếu trùng ngày); từ ngày đóng, bước hồ sơ, "
                   "cấp, thu hồi giấy và vụ việc bị từ chối (409 SITE_CLOSED)."),
    "site_history": ("Lịch sử cơ sở", "Mọi sự kiện của cơ sở, hồ sơ, giấy chứng nhận và vụ "
                     "việc: ai, khi nào, làm gì."),
    "site_as_of": ("Cơ sở vào một ngày trong quá khứ", "Trạng thái của cơ sở vào ngày nghiệp vụ "
                   "`date`; `known_at` giới hạn ở những gì đã được ghi nhận đến thời điểm đó."),
    "dossier_action": ("Một bước của hồ sơ đăng ký đất đai", "Bước có tên của quy trình hồ sơ "
                       "(`lodge` nộp hồ sơ, `requisition` yêu cầu bổ sung, `accept` chấp "
                       "nhận...; gạch ngang hoặc gạch dưới). 409 khi trạng thái hiện tại không "
                       "cho phép bước này."),
    "issue_certificate": ("Ghi nhận cấp giấy chứng nhận", "Giấy chứng nhận quyền sử dụng đất "
                          "được cấp cho cơ sở: số giấy, ngày cấp, cơ quan cấp, diện tích."),
    "revoke_certificate": ("Ghi nhận thu hồi giấy chứng nhận", "Giấy chứng nhận của cơ sở bị "
                           "thu hồi, với ngày và lý do."),
    "certificate": ("Tra cứu giấy chứng nhận theo số", "Giấy chứng nhận và cơ sở được cấp."),
    "correct_registration": ("Đính chính ngày đăng ký cơ sở", "Cơ sở vào sổ vào một ngày khác "
                             "ngày đã ghi: ghi một sự kiện đính chính (kèm lý do), bản ghi cũ "
                             "vẫn còn trong lịch sử; báo cáo tính như đã ghi đúng ngày. Cần "
                             "If-Match (ETag của cơ sở): 428 nếu thiếu, 412 nếu đã có người "
                             "sửa sau lần đọc."),
    "correct_dossier_step": ("Đính chính một bước của hồ sơ đất đai", "Bước `event_id` (mã sự "
                             "kiện trong lịch sử của cơ sở) ghi sai ngày, ghi chú, văn bản, hoặc "
                             "ghi nhầm (`void`). 422 khi các bước sau đính chính trái quy trình "
                             "hoặc sai thứ tự ngày."),
    "correct_certificate": ("Đính chính giấy chứng nhận", "Số, ngày cấp, cơ quan cấp hoặc diện "
                            "tích của giấy chứng nhận còn hiệu lực đã ghi sai: các trường gửi "
                            "lên thay các trường đã ghi; bước cấp giấy của hồ sơ được đính chính "
                            "theo. Cần If-Match (`certificate_version` của cơ sở): 428 nếu "
                            "thiếu, 412 nếu đã có người sửa giấy sau lần đọc."),
    "reference_data": ("Danh mục dùng chung", "Tôn giáo, trạng thái và bước của quy trình hồ "
                       "sơ và vụ việc, loại vi phạm, với nhãn tiếng Việt: những gì chương "
                       "trình đối tác cần để dựng biểu mẫu."),
    "open_case": ("Mở vụ việc vi phạm", "Ghi nhận một vụ việc về đất đai, xây dựng của cơ sở "
                  "tôn giáo (hoặc ở một xã khi chưa gắn với cơ sở nào)."),
    "case_action": ("Một bước xử lý vụ việc", "`start-review` bắt đầu xem xét, `resolve` giải "
                    "quyết xong hoặc `refer` chuyển cơ quan khác (kèm `referred_to`)."),
    "list_cases": ("Danh sách vụ việc", "Lọc theo huyện, xã, trạng thái, loại vi phạm. Với "
                   "`known_at` (cùng quy tắc với `as_of` của dịch vụ báo cáo): các vụ việc đúng "
                   "như đã ghi nhận đến thời điểm đó, xếp vào xã theo ngày của thời điểm đó."),
    "get_case": ("Xem một vụ việc", "Vụ việc với các bước đã xử lý."),
    "festivals": ("Lịch lễ hội tôn giáo", "Các ngày lễ lớn của các tôn giáo trong khoảng ngày "
                  "hỏi (ngày âm lịch đã quy đổi)."),
    "festivals_ics": ("Lịch lễ hội dạng iCalendar", "Cùng lịch lễ hội dạng tệp .ics để nhập "
                      "vào lịch của cơ quan."),
    "tien_lang_pilot": ("Tiến độ thí điểm Tiên Lãng", "Tiến độ cấp giấy chứng nhận của từng "
                        "cơ sở ở huyện Tiên Lãng, cho Thường trực."),
    "rebuild_read_models": ("Dựng lại bảng sổ theo dõi", "Xoá các bảng của sổ và phát lại sự "
                            "kiện của dịch vụ vào đó (một giao dịch)."),
}

#: A realistic example of each request body, by schema name (shared/apitexts.py).
EXAMPLES: SchemaExamples = {
    "RegisterSite": {
        "code": "TL-001", "name": "Chùa Đông", "religion": "Phật giáo",
        "commune_code": "11755", "address": "Khu 1, thị trấn Tiên Lãng",
        "land_area_m2": 1250.5, "land_use_origin": "Đất cơ sở tôn giáo sử dụng ổn định",
        "registered_on": "2023-01-05",
    },
    "AmendSite": {"address": "Khu 2, thị trấn Tiên Lãng", "land_area_m2": 1310.0,
                  "amended_on": "2023-03-01", "note": "Đo đạc lại theo bản đồ địa chính"},
    "CloseSite": {"closed_on": "2023-06-30", "reason": "Sáp nhập vào cơ sở TL-002"},
    "DossierStepCommand": {"acted_on": "2023-02-01", "note": "Nộp hồ sơ tại UBND huyện",
                           "document_refs": ["Tờ trình 12/TTr-CĐ"]},
    "IssueCertificate": {
        "certificate_number": "CS 123456", "issued_on": "2023-05-20",
        "issuing_authority": "Sở Tài nguyên và Môi trường Hải Phòng",
        "certified_area_m2": 1250.5, "note": "", "document_refs": ["QĐ 456/QĐ-STNMT"],
    },
    "RevokeCertificate": {"certificate_number": "CS 123456", "revoked_on": "2023-09-01",
                          "reason": "Cấp sai diện tích", "document_refs": ["QĐ 789/QĐ-STNMT"]},
    "CorrectRegistration": {"registered_on": "2023-01-15",
                            "reason": "Ghi nhầm ngày tiếp nhận thành ngày đăng ký"},
    "CorrectDossierStep": {"acted_on": "2023-02-10",
                           "reason": "Ngày nộp ghi nhầm; theo phiếu tiếp nhận là 10/02/2023"},
    "CorrectCertificate": {"certificate_number": "CS 123465", "issued_on": "2023-05-25",
                           "reason": "Gõ nhầm số và ngày cấp so với bản gốc giấy chứng nhận"},
    "OpenCase": {"violation_type": "build_without_permit",
                 "description": "Xây nhà bia trên đất nông nghiệp chưa có phép",
                 "detected_on": "2023-04-10", "site_code": "TL-001", "reference": "BB 05/BB"},
    "CaseStepCommand": {"acted_on": "2023-04-15", "note": "Giao phòng Tài nguyên xác minh",
                        "referred_to": ""},
}


#: The register list's `as_of` (GET /sites): only the day the dossiers' deadlines are judged
#: on. It said «the data of that moment», and an official asking for the register of a past
#: conference got today's under that date (H8); the register as known at a moment is
#: `known_at`, the kernel's parameter (shared/asof.py).
LIST_AS_OF = (
    "Ngày dùng để xét hồ sơ quá hạn (overdue, overdue_days) và để xếp cơ sở vào xã của "
    "`unit`: danh sách một xã tại ngày này gồm cả cơ sở của các xã đã sáp nhập vào xã đó "
    "(như báo cáo tính tại ngày chốt); mặc định ngày của `known_at`, không có thì hôm nay. "
    "Ngày này không đổi nội dung sổ: sổ như đã ghi nhận đến một thời điểm là `known_at`, sổ "
    "của một cơ sở tại một ngày xem ở /sites/{code}/as-of, số liệu tại ngày chốt của một kỳ "
    "xem ở dịch vụ báo cáo (/api/v1/reports/{kỳ})"
)

#: The Tiên Lãng pilot's `as_of` (GET /reports/tien-lang-pilot): a business date, each site
#: as it stood on that day, not the kernel's «as known at» moment, whose text it showed while
#: a moment was refused (examiner-figures).
PILOT_AS_OF = (
    "Ngày xem tiến độ (YYYY-MM-DD): mỗi cơ sở đúng như tình trạng của nó vào ngày này, gồm các "
    "cơ sở thuộc huyện Tiên Lãng vào ngày đó (cả cơ sở đã chuyển đi sau đó); mặc định hôm nay. "
    "Là một ngày, không phải thời điểm: số liệu như đã ghi nhận đến một thời điểm xem ở dịch "
    "vụ báo cáo (as_of) hoặc ở danh sách cơ sở (known_at)"
)

#: Names that mean something else in this service than in the kernel's table.
FIELDS: FieldTexts = {
    "number": ("Số giấy chứng nhận", "Số phát hành của giấy chứng nhận quyền sử dụng đất"),
    "status": ("Trạng thái", "Trạng thái hoạt động của cơ sở: active đang hoạt động, closed "
               "đã đóng (khi lọc, all: cả hai)"),
    "action": ("Bước xử lý", "Tên bước của hồ sơ đất đai hoặc của vụ việc (ví dụ lodge nộp "
               "hồ sơ, requisition yêu cầu bổ sung; gạch ngang hay gạch dưới đều được)"),
    "dossier_state": ("Tình trạng hồ sơ đất đai", "Chỉ các cơ sở có hồ sơ đăng ký đất đai ở "
                      "một trong các tình trạng này (lặp lại tham số để chọn nhiều)"),
    "has_certificate": ("Đã có giấy chứng nhận", "true: chỉ các cơ sở đã được cấp giấy chứng "
                        "nhận quyền sử dụng đất; false: chỉ các cơ sở chưa có"),
    "overdue": ("Quá hạn", "true: chỉ các cơ sở có hồ sơ quá hạn xử lý tính đến as_of (mặc "
                "định hôm nay)"),
    "only_valid": ("Chỉ ghi dòng hợp lệ", "true: ghi các dòng hợp lệ và báo các dòng lỗi; "
                   "false: có một dòng lỗi thì không ghi dòng nào"),
    "state": ("Tình trạng vụ việc", "Tình trạng xử lý vụ việc vi phạm: open mới phát hiện, "
              "under_review đang xem xét, resolved đã xử lý, referred đã chuyển cơ quan khác"),
    "year": ("Năm", "Năm dương lịch của lịch lễ hội"),
    "date": ("Ngày", "Ngày cần xem cơ sở đúng như đã ghi nhận đến hết ngày đó (YYYY-MM-DD)"),
}
