"""What a person reads about each operation in the OpenAPI documents, in Vietnamese.

One table per service (`services/<service>/apitexts.py`) and this one for the operations the
kernel gives every service: operation id (the route function's name, which is also the
operationId of the document and the method name of a generated client) → (summary,
description). `shared/openapi.py` applies them when the document is generated, so the route
decorators carry no prose; tests/apidocs fails when an operation has no text here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

OperationTexts = Mapping[str, tuple[str, str]]

KERNEL: OperationTexts = {
    "healthz": ("Dịch vụ còn sống", "Trả lời ngay, không kiểm tra cơ sở dữ liệu hay NATS "
                "(cho bộ điều phối khởi động lại tiến trình treo)."),
    "readyz": ("Dịch vụ sẵn sàng phục vụ", "Kiểm tra cơ sở dữ liệu và kết nối NATS; 503 khi "
               "một trong hai chưa sẵn sàng (bộ cân bằng tải ngừng gửi yêu cầu tới); "
               "`code` DATABASE_NOT_READY khi dịch vụ khởi động trước cơ sở dữ liệu và đang "
               "chờ nó trả lời. "
               "`checks.consumers` nêu dịch vụ nhận nào tạm dừng ở một sự kiện có phiên bản "
               "lược đồ mới hơn nó biết (vẫn 200: dịch vụ vẫn phục vụ, số liệu dừng ở đó "
               "cho đến khi nâng cấp)."),
    "metrics": ("Số đo vận hành (Prometheus)", "Số yêu cầu, độ trễ, hàng đợi outbox, tiến độ "
                "consumer... ở định dạng văn bản của Prometheus."),
    "event_catalogue": ("Danh mục sự kiện", "Lược đồ JSON của mọi loại sự kiện dịch vụ phát "
                        "ra, với phiên bản lược đồ và loại đối tượng; cùng nguồn với "
                        "/asyncapi.json."),
    "audit": ("Nhật ký kiểm toán", "Ai đã làm gì, khi nào: các sự kiện của dịch vụ lọc theo "
              "người thực hiện, cơ quan, đơn vị (kể cả đơn vị trực thuộc), thời điểm ghi nhận. "
              "Kiểm toán viên cấp huyện chỉ thấy địa bàn của mình."),
    "dead_letters": ("Thư chết", "Các sự kiện mà consumer của dịch vụ không áp dụng vào số "
                     "liệu, mới nhất trước: xử lý lỗi nhiều lần, không đọc được, hoặc không đúng "
                     "hợp đồng sự kiện của dịch vụ phát (phiên bản lược đồ mới hơn, nội dung sai "
                     "kiểu hay ngày không có thật). Mỗi mục có mã ổn định (`code`) và lý do "
                     "(`reason`)."),
    "rebuild": ("Dựng lại bảng đọc", "Dựng một thế hệ mới của các bảng đọc bên cạnh bảng đang "
                "dùng bằng cách phát lại sự kiện, rồi chuyển sang khi đã theo kịp. 409 khi đang "
                "có một lần dựng lại."),
    "abandon_rebuild": ("Huỷ lần dựng lại đang chạy", "Bỏ thế hệ đang dựng; bảng đang dùng "
                        "giữ nguyên. 404 khi không có lần dựng lại nào."),
    "rebuild_progress": ("Tiến độ dựng lại bảng đọc", "Trạng thái lần dựng lại gần nhất (hoặc "
                         "của thế hệ `generation`): số sự kiện đã áp dụng, vị trí luồng, thời "
                         "điểm bắt đầu và chuyển."),
    "whoami": ("Tôi là ai", "Danh tính mà thông tin xác thực của yêu cầu chứng minh: chủ thể, "
               "loại (người dùng, khoá API), quyền, phạm vi đơn vị."),
    "scopes": ("Danh sách quyền", "Mọi quyền một mã truy cập hoặc khoá API có thể mang, với ý "
               "nghĩa tiếng Việt."),
    "list_keys": ("Danh sách khoá API", "Các khoá API của dịch vụ này trong phạm vi đơn vị của "
                  "người hỏi (không bao giờ kèm bí mật của khoá)."),
    "key_audit": ("Nhật ký khoá API", "Lịch sử tạo, xoay vòng, thu hồi các khoá API."),
    "create_key": ("Cấp khoá API", "Cấp khoá cho một hệ thống đối tác. Bí mật `api_key` chỉ "
                   "trả về một lần này: đối tác phải lưu ngay. Không cấp được quyền hoặc phạm "
                   "vi đơn vị rộng hơn của người cấp."),
    "revoke_key": ("Thu hồi khoá API", "Khoá hết hiệu lực ngay; yêu cầu dùng khoá sau đó bị "
                   "401."),
    "rotate_key": ("Xoay vòng khoá API", "Cấp khoá mới cùng quyền; khoá cũ còn dùng được trong "
                   "`grace_hours` giờ để đối tác kịp đổi."),
    "dev_token": ("Cấp mã truy cập thử (chỉ môi trường phát triển)", "Mã JWT ký RS256 cho bất "
                  "kỳ danh tính nào để thử API như một huyện hay một đối tác; phạm vi đơn vị phải "
                  "là một đơn vị của địa bàn như khoá API (422 UNKNOWN_UNIT, "
                  "OUTSIDE_JURISDICTION); không có trong production."),
}

FieldTexts = Mapping[str, tuple[str, str]]

#: What each field of the request and response bodies, and each query, path or header
#: parameter, means, by its (English) name: one meaning per name across the four services
#: (a service whose name means something else says so in its own `FIELDS`,
#: services/<service>/apitexts.py, and one schema's field as "Schema.field"). The document
#: gives a field this title (unless its model chose one: pydantic's own, the name in English
#: words, is replaced) and description, and a parameter this description, unless the model
#: or the route already describes it (`Field(description=...)`, `Query(description=...)`);
#: tests/apidocs/test_field_texts.py fails on a parameter or a field left without.
FIELDS: FieldTexts = {
    "acting_party": ("Đơn vị báo cáo", "Mã đơn vị (phòng, đơn vị phối hợp) báo cáo kết quả"),
    "attachments": ("Tệp kèm theo", "Tên, số hiệu các tệp kèm theo"),
    "backdated_reason": ("Lý do ghi lùi ngày", "Chỉ Ban Dân vận Thành ủy: lý do ghi nhận báo "
                         "cáo nộp từ ngày trước ngày ghi nhận (báo cáo giấy)"),
    "carried_out_on": ("Ngày tiến hành", "Ngày tiến hành kiểm tra, giám sát"),
    "completed": ("Đã xong", "Đã thực hiện xong kết luận"),
    "concluded_on": ("Ngày kết luận", "Ngày ban hành kết luận kiểm tra, giám sát"),
    "conclusion_ref": ("Số kết luận", "Số, ký hiệu văn bản kết luận"),
    "coordinating": ("Đơn vị phối hợp", "Mã các đơn vị phối hợp"),
    "deadline": ("Hạn nộp", "Hạn nộp báo cáo"),
    "district_codes": ("Các huyện", "Mã các quận, huyện phải nộp (để trống: tất cả)"),
    "document_number": ("Số văn bản", "Số, ký hiệu văn bản kế hoạch"),
    "done": ("Hoàn thành", "Nhiệm vụ đã hoàn thành"),
    "evidence": ("Minh chứng", "Văn bản, tài liệu minh chứng kết quả"),
    "figures": ("Số liệu", "Số liệu kèm báo cáo, theo mã chỉ tiêu"),
    "findings": ("Phát hiện", "Những điều kiểm tra, giám sát phát hiện"),
    "followed_up_on": ("Ngày theo dõi", "Ngày ghi nhận việc thực hiện kết luận"),
    "indicators": ("Chỉ tiêu liên quan", "Mã các chỉ tiêu nhiệm vụ góp phần"),
    "inspection_id": ("Mã cuộc kiểm tra", "Mã cuộc kiểm tra, giám sát (tuỳ chọn)"),
    "kind": ("Loại nhiệm vụ", "task nhiệm vụ, inspection kiểm tra giám sát, organisation tổ "
             "chức thực hiện"),
    "lead_party": ("Đơn vị chủ trì", "Mã đơn vị chủ trì kiểm tra, giám sát"),
    "number": ("Số mục", "Số mục của nhiệm vụ trong Kế hoạch (ví dụ II.3)"),
    "recommendations": ("Kiến nghị", "Kiến nghị của cuộc kiểm tra, giám sát"),
    "recurrence": ("Chu kỳ", "deadline có thời hạn, monthly hằng tháng, quarterly hằng quý, "
                   "by_conference theo kỳ giao ban"),
    "responsible": ("Đơn vị chủ trì", "Mã đơn vị chủ trì nhiệm vụ"),
    "result": ("Kết quả", "Kết quả thực hiện"),
    "returned_on": ("Ngày trả lại", "Ngày Ban trả lại báo cáo"),
    "starts_on": ("Bắt đầu từ", "Ngày bắt đầu của nhiệm vụ định kỳ"),
    "subject_units": ("Đơn vị được kiểm tra", "Mã các đơn vị được kiểm tra, giám sát"),
    "acted_on": ("Ngày thực hiện", "Ngày nghiệp vụ của bước (YYYY-MM-DD)"),
    "address": ("Địa chỉ", "Địa chỉ (thôn, xóm, số nhà...)"),
    "amended_on": ("Ngày sửa đổi", "Ngày nghiệp vụ của thay đổi"),
    "answer": ("Trả lời", "Nội dung trả lời tại chỗ"),
    "as_of": ("Thời điểm số liệu", "Thời điểm lấy số liệu (ngày hoặc thời điểm ISO 8601)"),
    "assigned_agency": ("Cơ quan được giao", "Cơ quan được giao xử lý ý kiến"),
    "attendance": ("Số người dự", "Số người dự hội nghị"),
    "author": ("Tác giả", "Tác giả hoặc tập thể tác giả"),
    "award": ("Giải thưởng", "first nhất, second nhì, third ba, consolation khuyến khích"),
    "awarded_on": ("Ngày trao giải", "Ngày quyết định trao giải"),
    "cancelled_on": ("Ngày huỷ", "Ngày quyết định huỷ (mặc định hôm nay)"),
    "category": ("Lĩnh vực", "Lĩnh vực của ý kiến, kiến nghị"),
    "certificate_number": ("Số giấy chứng nhận", "Số phát hành của giấy chứng nhận"),
    "certified_area_m2": ("Diện tích được cấp (m²)", "Diện tích ghi trên giấy chứng nhận"),
    "citizen": ("Người nêu ý kiến", "Họ tên và liên hệ của người dân (dữ liệu cá nhân, lưu "
                "riêng, không vào sự kiện)"),
    "closed_on": ("Ngày đóng", "Ngày nghiệp vụ của việc đóng, dừng"),
    "co_organiser": ("Đơn vị phối hợp", "Mặt trận, đoàn thể phối hợp tổ chức"),
    "code": ("Mã", "Mã do cơ quan đặt (chữ, số, dấu chấm, gạch)"),
    "commitment_id": ("Mã cam kết", "UUID của cam kết (tuỳ chọn; để trống thì hệ thống tạo)"),
    "commune_code": ("Mã xã/phường", "Mã đơn vị hành chính cấp xã, 5 chữ số"),
    "comparator": ("Phép so sánh", "ge: đạt khi ≥ mục tiêu; le: đạt khi ≤ mục tiêu"),
    "contact": ("Liên hệ", "Số điện thoại hoặc địa chỉ liên hệ"),
    "cutoff_on": ("Ngày chốt số liệu", "Ngày cuối lấy số liệu của kỳ"),
    "data_from": ("Lấy số liệu từ ngày", "Ngày đầu lấy số liệu của kỳ"),
    "decided_on": ("Ngày quyết định", "Ngày quyết định thay đổi"),
    "corrects": ("Sự kiện được đính chính", "Mã (UUID) của sự kiện ghi sai cần đính chính, như "
                 "lịch sử hiển thị (bản ghi gốc, hoặc bản đính chính gần nhất của nó)"),
    "decision_ref": ("Số quyết định", "Số, ký hiệu văn bản quyết định"),
    "denominator": ("Mẫu số", "Mẫu số của tỷ lệ"),
    "denominator_fixed": ("Mẫu số cố định", "Mẫu số cố định theo Kế hoạch (nếu có)"),
    "department": ("Cơ quan", "Cơ quan, đơn vị công tác"),
    "description": ("Mô tả", "Mô tả chi tiết"),
    "detected_on": ("Ngày phát hiện", "Ngày phát hiện vụ việc"),
    "document_refs": ("Văn bản kèm theo", "Số, ký hiệu các văn bản, biên bản liên quan"),
    "due_on": ("Hạn hoàn thành", "Hạn hoàn thành (cam kết, nhiệm vụ)"),
    "effective_from": ("Hiệu lực từ ngày", "Ngày phiên bản quy định bắt đầu có hiệu lực"),
    "entry_id": ("Mã bài dự thi", "Mã bài dự thi (tuỳ chọn; để trống thì hệ thống tạo)"),
    "error": ("Lỗi", "Mã lỗi, thông điệp và chi tiết"),
    "void": ("Ghi nhầm", "true: sự việc đã ghi chưa từng xảy ra (ghi nhầm), bản đính chính "
             "xoá bỏ tác dụng của nó; lịch sử vẫn giữ cả hai"),
    "expected_version": ("Phiên bản mong đợi (cũ)", "Phiên bản của bản ghi lần đọc gần nhất; "
                         "nên dùng tiêu đề If-Match thay trường này"),
    "expires_on": ("Hết hạn ngày", "Khoá dùng được đến hết ngày này (giờ Việt Nam)"),
    "field": ("Lĩnh vực", "Lĩnh vực của mô hình"),
    "file": ("Tệp", "Tệp CSV hoặc .xlsx"),
    "filed_on": ("Ngày nộp", "Ngày nộp báo cáo (mặc định hôm nay)"),
    "from_date": ("Từ ngày", "Ngày bắt đầu nhiệm kỳ"),
    "full_name": ("Họ và tên", "Họ và tên (người đứng đầu, người dân nêu ý kiến)"),
    "grace_hours": ("Thời gian chuyển tiếp (giờ)", "Số giờ khoá cũ còn dùng được sau khi xoay "
                    "vòng"),
    "handling": ("Cách xử lý", "answered_on_spot: trả lời tại chỗ; assigned: giao cơ quan"),
    "head_ids": ("Người đứng đầu", "Mã (UUID) của người đứng đầu chủ trì"),
    "held_on": ("Ngày tổ chức", "Ngày hội nghị được tổ chức"),
    "indicator_id": ("Mã chỉ tiêu", "I1..I4 hoặc mã chỉ tiêu khác"),
    "issue_id": ("Mã ý kiến", "UUID của ý kiến, kiến nghị"),
    "issued_on": ("Ngày cấp", "Ngày cấp, ngày ban hành (giấy chứng nhận, văn bản)"),
    "issuing_authority": ("Cơ quan cấp", "Cơ quan cấp giấy chứng nhận"),
    "land_area_m2": ("Diện tích đất (m²)", "Diện tích đất cơ sở đang sử dụng"),
    "land_use_origin": ("Nguồn gốc sử dụng đất", "Nguồn gốc sử dụng đất"),
    "lead_organisation": ("Cơ quan chủ trì", "Cơ quan, đoàn thể chủ trì mô hình"),
    "legal_basis": ("Căn cứ pháp lý", "Số, ký hiệu văn bản làm căn cứ"),
    "level": ("Cấp", "province thành phố, district huyện, commune xã"),
    "method": ("Cách tính", "Cách hệ thống tính chỉ tiêu"),
    "min_sessions_per_year": ("Số hội nghị tối thiểu mỗi năm", "Số hội nghị đối thoại tối "
                              "thiểu mỗi người đứng đầu phải chủ trì trong một năm"),
    "model_id": ("Mã mô hình", "Mã mô hình \"Dân vận khéo\""),
    "name": ("Tên", "Tên gọi"),
    "new_due_on": ("Hạn mới", "Hạn hoàn thành mới"),
    "note": ("Ghi chú", "Ghi chú"),
    "numerator": ("Tử số", "Tử số của tỷ lệ"),
    "organisations": ("Tổ chức tham gia", "Các tổ chức, đoàn thể tham gia"),
    "owner": ("Chủ khoá", "Hệ thống hoặc cơ quan đối tác được cấp khoá"),
    "period_end": ("Đến ngày", "Ngày cuối của thời gian tính"),
    "period_start": ("Từ ngày", "Ngày đầu của thời gian tính"),
    "place": ("Địa điểm", "Địa điểm tổ chức"),
    "plan_ref": ("Mục Kế hoạch", "Mục của Kế hoạch công tác dân vận đặt chỉ tiêu"),
    "planned_on": ("Ngày dự kiến", "Ngày dự kiến tổ chức"),
    "predecessor_code": ("Mã đơn vị tiền thân", "Mã đơn vị đã sáp nhập"),
    "progress_pct": ("Tiến độ (%)", "Phần trăm hoàn thành, 0-100"),
    "qualifying_fields": ("Lĩnh vực được tính", "Các lĩnh vực mô hình được tính vào chỉ tiêu"),
    "reason": ("Lý do", "Lý do"),
    "recognised_on": ("Ngày công nhận", "Ngày quyết định công nhận"),
    "recognition_level": ("Cấp công nhận", "none chưa, commune xã, district huyện, city thành "
                          "phố, central trung ương"),
    "reference": ("Số văn bản", "Số, ký hiệu văn bản liên quan"),
    "referred_to": ("Chuyển đến", "Cơ quan được chuyển vụ việc"),
    "registered_on": ("Ngày đăng ký", "Ngày cơ sở vào sổ theo dõi"),
    "religion": ("Tôn giáo", "Tôn giáo của cơ sở"),
    "reopened_on": ("Ngày mở lại", "Ngày mở lại (cam kết, nhiệm vụ; mặc định hôm nay)"),
    "reported_on": ("Ngày báo cáo", "Ngày đơn vị báo cáo số liệu"),
    "responsible_agency": ("Cơ quan chịu trách nhiệm", "Cơ quan thực hiện cam kết"),
    "revoked_on": ("Ngày thu hồi", "Ngày quyết định thu hồi"),
    "role": ("Chức danh", "party_secretary: Bí thư cấp ủy; people_committee_chair: Chủ tịch "
             "UBND"),
    "scope": ("Phạm vi", "Phạm vi đơn vị của báo cáo (VN hoặc mã tỉnh)"),
    "scope_unit_codes": ("Đơn vị trong phạm vi", "Mã các đơn vị chỉ tiêu tính đến"),
    "scopes": ("Quyền", "Các quyền (xem GET /api/v1/auth/scopes)"),
    "session_id": ("Mã hội nghị", "UUID của hội nghị (khi ghi hội nghị mới: tuỳ chọn, để "
                   "trống thì hệ thống tạo)"),
    "site_code": ("Mã cơ sở", "Mã cơ sở tôn giáo"),
    "source_document": ("Văn bản nguồn", "Báo cáo của đơn vị làm nguồn số liệu"),
    "started_on": ("Ngày bắt đầu", "Ngày bắt đầu triển khai"),
    "status": ("Trạng thái", "Trạng thái"),
    "subject": ("Chủ thể, nội dung", "Người dùng của mã truy cập thử, hoặc nội dung kiểm tra, "
                "giám sát"),
    "submitted_on": ("Ngày nộp", "Ngày nộp bài dự thi"),
    "successor_code": ("Mã đơn vị kế thừa", "Mã đơn vị nhận địa bàn"),
    "summary": ("Tóm tắt", "Tóm tắt kết quả hội nghị"),
    "target": ("Mục tiêu", "Giá trị mục tiêu (phần trăm hoặc số)"),
    "text": ("Nội dung", "Nội dung"),
    "title": ("Tiêu đề", "Tên, tiêu đề"),
    "to_date": ("Đến ngày", "Ngày kết thúc nhiệm kỳ"),
    "topic": ("Chủ đề", "Chủ đề hội nghị"),
    "ttl_minutes": ("Thời hạn (phút)", "Thời gian mã truy cập còn hiệu lực"),
    "unit_code": ("Mã đơn vị", "Mã đơn vị hành chính (tỉnh 2, huyện 3, xã 5 chữ số)"),
    "unit_scope": ("Phạm vi đơn vị", "31 cả thành phố, mã huyện hoặc mã xã"),
    "updated_on": ("Ngày cập nhật", "Ngày cập nhật tiến độ (mặc định hôm nay)"),
    "violation_type": ("Loại vi phạm", "Loại vi phạm về đất đai, xây dựng"),
    "year": ("Năm", "Năm kế hoạch"),
    # The kernel's operations (audit, dead letters, rebuild, keys) and their answers.
    "actor": ("Người thực hiện", "Người dùng hoặc khoá API đã thực hiện thao tác"),
    "aggregate_id": ("Mã đối tượng", "Mã của đối tượng (cơ sở, hội nghị, mô hình...) mà sự "
                     "kiện thay đổi"),
    "aggregate_type": ("Loại đối tượng", "Loại đối tượng mà sự kiện thay đổi"),
    "event_id": ("Mã sự kiện", "UUID của sự kiện đã ghi"),
    "event_ids": ("Các mã sự kiện", "UUID của các sự kiện thao tác đã ghi"),
    "event_type": ("Loại sự kiện", "Loại sự kiện (xem GET /api/v1/events/catalogue)"),
    "events": ("Sự kiện", "Các sự kiện thao tác đã ghi"),
    "version": ("Phiên bản", "Phiên bản của bản ghi sau thao tác (gửi lại trong If-Match)"),
    "unit": ("Đơn vị", "Mã đơn vị hành chính cần xem, kể cả các đơn vị trực thuộc (để "
             "trống: địa bàn của người hỏi)"),
    "recorded_from": ("Ghi nhận từ", "Chỉ các sự kiện ghi nhận từ thời điểm này (ISO 8601; "
                      "không ghi múi giờ là giờ Việt Nam; chỉ ghi ngày là từ 00:00 ngày đó)"),
    "recorded_to": ("Ghi nhận đến", "Chỉ các sự kiện ghi nhận đến hết thời điểm này (ISO 8601; "
                    "không ghi múi giờ là giờ Việt Nam; chỉ ghi ngày là đến hết ngày đó)"),
    "generation": ("Thế hệ bảng đọc", "Số thế hệ bảng đọc (để trống: lần dựng lại gần nhất)"),
    "prefix": ("Tiền tố khoá", "Tiền tố nhận diện khoá API, như trong danh sách khoá "
               "(không phải bí mật của khoá)"),
    "page": ("Trang", "Trang (từ 1)"),
    "page_size": ("Số dòng mỗi trang", "Số dòng mỗi trang"),
    "limit": ("Số dòng tối đa", "Số dòng trả về nhiều nhất"),
    # Filters and options the services' reads and imports share.
    "q": ("Từ khoá", "Tìm theo tên hoặc mã, không phân biệt dấu (\"tien lang\" tìm thấy "
          "\"Tiên Lãng\")"),
    "on": ("Vào ngày", "Ngày nghiệp vụ cần xem (mặc định hôm nay, giờ Việt Nam)"),
    "date": ("Ngày", "Ngày nghiệp vụ cần xem (YYYY-MM-DD)"),
    "to": ("Đến ngày", "Ngày cần đối chiếu: các đơn vị có hiệu lực vào ngày này"),
    "date_from": ("Từ ngày", "Chỉ tính từ ngày này (YYYY-MM-DD)"),
    "date_to": ("Đến ngày", "Chỉ tính đến hết ngày này (YYYY-MM-DD)"),
    "district": ("Quận, huyện", "Mã quận, huyện (3 chữ số)"),
    "district_code": ("Mã quận, huyện", "Mã quận, huyện (3 chữ số)"),
    "commune": ("Xã, phường", "Mã xã, phường, thị trấn (5 chữ số)"),
    "province": ("Tỉnh, thành phố", "Mã tỉnh, thành phố (2 chữ số; VN: cả nước; để trống: "
                 "địa bàn của hệ thống)"),
    "include_subunits": ("Kể cả đơn vị trực thuộc", "true: tính cả các đơn vị cấp dưới của "
                         "đơn vị đã chọn"),
    "dry_run": ("Chạy thử", "true: chỉ kiểm tra từng dòng và báo kết quả, không ghi gì"),
    "state": ("Tình trạng", "Tình trạng xử lý"),
    "period_id": ("Mã kỳ", "Mã kỳ giao ban: năm-số tháng (3m, 6m, 9m, 12m), ví dụ 2024-6m "
                  "là sơ kết 6 tháng năm 2024"),
    "head_id": ("Mã người đứng đầu", "UUID của người đứng đầu"),
    "ref": ("Số hiệu", "Số, ký hiệu hoặc mã của tài liệu minh chứng"),
}

SchemaExamples = Mapping[str, dict[str, Any]]

#: A realistic example of each request body the kernel's operations read, by schema name
#: (services/<service>/apitexts.py has its own `EXAMPLES`); the document shows it on the
#: schema and on the request body.
KERNEL_EXAMPLES: SchemaExamples = {
    "NewKey": {
        "owner": "Văn phòng Đăng ký đất đai thành phố Hải Phòng",
        "scopes": ["religion:read"],
        "unit_scope": "31",
        "department": "Sở Tài nguyên và Môi trường",
        # No expires_on: the default lifetime (a fixed day would in time be past, or beyond
        # API_KEY_MAX_DAYS from today, and refused: finding K6).
        "note": "Đồng bộ danh sách cơ sở tôn giáo có hồ sơ đất đai",
    },
    "RevokeKey": {"reason": "Hệ thống đối tác ngừng kết nối"},
    "RotateKey": {"grace_hours": 24},
    "DevTokenRequest": {
        "subject": "tran.thi.b",
        "scopes": ["religion:read", "religion:write"],
        "unit_scope": "315",
        "department": "Ban Dân vận Huyện ủy Tiên Lãng",
        "ttl_minutes": 60,
    },
}

#: The "as known at" query parameter (`as_of`, `known_at`; shared/asof.py).
AS_OF_DESCRIPTION = (
    "Chỉ tính những gì đã được ghi nhận đến thời điểm này (ISO 8601; ngày không kèm giờ là "
    "hết ngày đó theo giờ Việt Nam; giờ không kèm múi là giờ Việt Nam; không được ở tương lai)"
)

#: The headers a command reads (shared/commandapi.py COMMAND_HEADERS), as documented.
IF_MATCH_TEXT = 'ETag đã đọc (ví dụ "3"): chỉ thực hiện nếu bản ghi vẫn ở phiên bản đó'
IDEMPOTENCY_KEY_TEXT = (
    "Khoá do bên gọi chọn (ví dụ một UUID) để gửi lại yêu cầu an toàn: cùng khoá và "
    "cùng nội dung trả lại đúng kết quả lần đầu, không ghi thêm gì"
)
