"""Vietnamese summaries and descriptions of the indicators service's operations (see
shared/apitexts.py)."""

from __future__ import annotations

from shared.apitexts import FieldTexts, OperationTexts, SchemaExamples

OPERATIONS: OperationTexts = {
    "list_units": ("Danh sách đơn vị hành chính", "Các đơn vị có hiệu lực vào ngày `on` (mặc "
                   "định hôm nay), trong địa bàn của hệ thống trừ khi hỏi tỉnh khác."),
    "unit_tree": ("Cây đơn vị hành chính", "Cây đơn vị dưới `root` (mặc định địa bàn của hệ "
                  "thống) vào ngày `on`."),
    "search_units": ("Tìm đơn vị theo tên", "Không phân biệt dấu (\"Tien Lang\" ra \"Tiên "
                     "Lãng\"), có hiệu lực vào ngày `on`."),
    "successor_unknown": ("Đơn vị sáp nhập chưa rõ kế thừa", "Các đơn vị đã sáp nhập mà dữ liệu "
                          "gốc không cho biết đơn vị kế thừa: còn chờ bổ sung và đã bổ sung. "
                          "Từ lúc bổ sung, số liệu của đơn vị đã sáp nhập được tính cho đơn vị "
                          "kế thừa."),
    "record_succession": ("Bổ sung đơn vị kế thừa", "Ghi đơn vị kế thừa của một đơn vị đã sáp "
                          "nhập, kèm căn cứ pháp lý (cấp thành phố). Từ lúc ghi, số liệu "
                          "của đơn vị đã sáp nhập được tính cho đơn vị kế thừa từ ngày sáp nhập, "
                          "ở cả chỉ tiêu và báo cáo."),
    "get_succession": ("Xem đơn vị kế thừa đã ghi nhận", "Đơn vị kế thừa đang có hiệu lực của "
                       "một đơn vị đã sáp nhập và các lần ghi, đính chính (mỗi lần một sự "
                       "kiện). ETag: phiên bản, dùng làm If-Match khi đính chính."),
    "correct_succession": (
        "Đính chính đơn vị kế thừa", "Đơn vị kế thừa đã ghi nhầm: ghi sự kiện mới "
        "`UnitSuccessionCorrected` nêu đơn vị kế thừa cũ, đơn vị đúng và lý do (cấp thành phố); "
        "sự kiện cũ vẫn còn trong lịch sử. Đơn vị đúng được kiểm tra như khi ghi: cùng cấp, có "
        "hiệu lực vào ngày sáp nhập, trong địa bàn, khác đơn vị đang ghi (422 "
        "CORRECTION_CHANGES_NOTHING). Từ lúc đính chính, số liệu của đơn vị đã sáp nhập được "
        "tính cho đơn vị đúng, ở cả chỉ tiêu và báo cáo; số liệu xem theo thời điểm trước đó và "
        "báo cáo đã chốt giữ như cũ (báo cáo đã chốt nêu phần thay đổi). Cần If-Match (ETag "
        "của `/units/successions/{code}`): 428 nếu thiếu, 412 nếu đã có người ghi sau lần đọc; "
        "404 SUCCESSION_NOT_RECORDED nếu chưa ghi đơn vị kế thừa nào."),
    "get_unit": ("Xem một đơn vị", "Đơn vị vào ngày `on`, với các cấp trên và đơn vị trực "
                 "thuộc."),
    "unit_history": ("Lịch sử một mã đơn vị", "Các phiên bản của mã và các lần sáp nhập, chia "
                     "tách (tiền thân → kế thừa)."),
    "restate_unit": ("Quy đổi địa bàn sang đơn vị hiện hành", "Các đơn vị có hiệu lực vào ngày "
                     "`to` nắm giữ (một phần) địa bàn của đơn vị `code`."),
    "register_model": ("Đăng ký mô hình \"Dân vận khéo\"", "Mô hình của một đơn vị: lĩnh vực, "
                       "tên, ngày bắt đầu."),
    "recognise_model": ("Công nhận mô hình", "Ghi nhận quyết định công nhận mô hình ở một "
                        "cấp, vào ngày mô hình đang triển khai (409 MODEL_CLOSED từ ngày dừng)."),
    "correct_model_registration": (
        "Đính chính đăng ký mô hình", "Mô hình đã đăng ký nhầm xã, phường hoặc nhầm ngày bắt "
        "đầu: ghi sự kiện mới `ModelRegisteredCorrected` nêu sự kiện bị đính chính, giá trị cũ, "
        "giá trị đúng và lý do; I1 (trong dịch vụ chỉ tiêu) tính như đã ghi đúng. Ngày bắt đầu "
        "không sau ngày công nhận hoặc dừng mô hình. Cần If-Match (ETag của mô hình): 428 nếu "
        "thiếu, 412 nếu đã có người sửa mô hình sau lần đọc."),
    "close_model": ("Dừng mô hình", "Ghi nhận mô hình dừng triển khai (kèm ngày và lý do). "
                    "Ngày dừng là ngày đầu tiên mô hình không còn triển khai: phải sau ngày "
                    "công nhận cuối cùng (422 CLOSED_BEFORE_RECOGNITION) và ngày nộp bài dự "
                    "thi (422 CLOSED_BEFORE_ENTRY)."),
    "list_models": ("Sổ theo dõi mô hình", "Các mô hình \"Dân vận khéo\" vào ngày `on`, lọc "
                    "theo đơn vị (kể cả cấp dưới), lĩnh vực, cấp công nhận."),
    "get_model": ("Xem một mô hình", "Đọc thẳng từ kho sự kiện: luôn là trạng thái mới nhất."),
    "submit_entry": ("Nộp bài dự thi", "Bài dự thi tuyên truyền mô hình \"Dân vận khéo\" của "
                     "năm `year`: ngày nộp từ ngày bắt đầu số liệu năm đó (ngày sau ngày chốt số "
                     "liệu cả năm trước, 15/12 năm trước nếu không dời) đến 31/12 (422 "
                     "ENTRY_OUTSIDE_CONTEST_YEAR), khi mô hình đang triển khai (422 "
                     "DATE_BEFORE_START trước ngày bắt đầu, 409 MODEL_CLOSED từ ngày dừng). "
                     "Báo cáo chỉ tính bài nộp đến ngày chốt số liệu cả năm (14/12 nếu không "
                     "dời)."),
    "award_entry": ("Trao giải bài dự thi", "Ghi nhận giải thưởng của bài dự thi, không sớm hơn "
                    "ngày nộp bài (422 DATE_BEFORE_PREVIOUS_STEP)."),
    "list_entries": ("Danh sách bài dự thi", "Các bài dự thi của năm `year`, với giải thưởng. "
                     "Mỗi bài cho biết báo cáo có tính không (`counted`) và lý do không tính "
                     "(`not_counted_reason`): ngày nộp ngoài thời gian số liệu năm của cuộc thi "
                     "(theo ngày chốt số liệu cả năm đang áp dụng), hoặc vào ngày "
                     "mô hình không triển khai (trước ngày bắt đầu, từ ngày dừng, đăng ký mô "
                     "hình đã bị hủy)."),
    "indicator_labels": ("Nhãn tiếng Việt", "Nhãn của trạng thái thực hiện, lĩnh vực, cấp công "
                         "nhận, giải thưởng."),
    "list_indicators": ("Các chỉ tiêu của năm", "Chỉ tiêu với kết quả chung và tình trạng thực "
                        "hiện (đạt, có nguy cơ, chưa đạt, chưa đến hạn)."),
    "define_indicator": ("Định nghĩa chỉ tiêu", "Định nghĩa (hoặc định nghĩa lại) một chỉ tiêu "
                         "của năm: tên, phép so sánh, mục tiêu (cấp thành phố). Định nghĩa lại "
                         "chỉ tiêu đã có cần If-Match (428 nếu thiếu); trường không gửi giữ "
                         "giá trị cũ (gửi null để bỏ mẫu số cố định)."),
    "indicator_figures": ("Kết quả một chỉ tiêu", "Kết quả của một đơn vị (mặc định toàn phạm "
                          "vi) và các đơn vị trực thuộc. Chỉ tiêu theo số liệu đơn vị báo cáo: "
                          "đơn vị không tự báo cáo có kết quả là tổng số liệu của các đơn vị "
                          "trực thuộc, `summed_from` ghi số đơn vị trực thuộc có số liệu "
                          "(`units_with_figure`) trên tổng số đơn vị trực thuộc "
                          "(`units_under`); null khi là số liệu đơn vị tự báo cáo hoặc chỉ "
                          "tiêu tính từ dữ liệu."),
    "indicator_units": ("Bảng tổng hợp theo đơn vị", "Kết quả của mọi đơn vị một cấp trong "
                        "phạm vi (theo huyện, theo xã)."),
    "indicator_evidence": ("Căn cứ của con số", "Các mô hình, người đứng đầu và hội nghị, cơ sở "
                           "tôn giáo làm nên con số."),
    "indicator_restated": ("Kết quả quy đổi đơn vị hiện hành", "Kết quả của kỳ quy đổi sang "
                           "các đơn vị hành chính hiện hành (chỉ để tham khảo)."),
    "indicator_status_history": ("Lịch sử tình trạng chỉ tiêu", "Các lần thay đổi tình trạng "
                                 "thực hiện chỉ tiêu của một đơn vị."),
    "record_reported_figure": ("Ghi số liệu đơn vị báo cáo", "Số liệu do đơn vị báo cáo cho "
                               "chỉ tiêu không tính tự động (tử số, mẫu số, ngày báo cáo)."),
    "list_reported_figures": ("Các số liệu đã báo cáo", "Mọi số liệu đã báo cáo, ai báo cáo, "
                              "ghi nhận lúc nào (kể cả số liệu đã được thay thế)."),
    "load_plan": ("Nạp kế hoạch công tác của năm", "Nạp kế hoạch công tác của năm từ dữ liệu "
                  "trong hệ thống (một lần)."),
    "get_plan": ("Xem kế hoạch công tác", "Các nhiệm vụ của kế hoạch với tình trạng thực hiện "
                 "vào ngày `on` (quá hạn xác định từ thời hạn hoặc chu kỳ, không nhập tay)."),
    "record_document": ("Ghi văn bản kế hoạch", "Ghi số, ngày ban hành của kế hoạch."),
    "name_party": ("Đặt tên đơn vị của kế hoạch", "Thêm hoặc đổi tên một đơn vị (phòng của "
                   "Ban, đơn vị phối hợp) của kế hoạch."),
    "add_item": ("Bổ sung nhiệm vụ", "Bổ sung một nhiệm vụ vào kế hoạch."),
    "get_item": ("Xem một nhiệm vụ", "Tình trạng, các kết quả đã ghi, các cuộc kiểm tra, giám "
                 "sát của nhiệm vụ."),
    "amend_item": ("Điều chỉnh nhiệm vụ", "Điều chỉnh nội dung, đơn vị, thời hạn của một nhiệm "
                   "vụ (gửi cả nhiệm vụ như sau điều chỉnh)."),
    "reopen_item": ("Mở lại nhiệm vụ đã xong", "Ban mở lại một nhiệm vụ đã đánh dấu hoàn "
                    "thành: từ `reopened_on` nhiệm vụ được tính là chưa xong."),
    "withdraw_item": ("Rút nhiệm vụ", "Rút một nhiệm vụ khỏi kế hoạch."),
    "record_progress": ("Ghi kết quả thực hiện nhiệm vụ", "Kết quả do đơn vị chủ trì hoặc phối "
                        "hợp báo cáo."),
    "plan_inspection": ("Lên kế hoạch kiểm tra, giám sát", "Một cuộc kiểm tra, giám sát của mục "
                        "III Kế hoạch."),
    "carry_out": ("Ghi nhận đã kiểm tra, giám sát", "Cuộc kiểm tra, giám sát đã được tiến "
                  "hành."),
    "conclude": ("Kết luận kiểm tra, giám sát", "Phát hiện và kiến nghị của cuộc kiểm tra."),
    "follow_up": ("Theo dõi thực hiện kết luận", "Việc thực hiện kết luận (completed: đã thực "
                  "hiện xong)."),
    "cancel": ("Huỷ cuộc kiểm tra, giám sát", "Huỷ một cuộc kiểm tra, giám sát chưa tiến "
               "hành."),
    "set_deadline": ("Đặt hạn nộp báo cáo kỳ", "Ban đặt (hoặc đổi) hạn nộp báo cáo kỳ của Ban "
                     "Dân vận các quận ủy, huyện ủy."),
    "get_duty": ("Tình hình nộp báo cáo kỳ", "Vào ngày `on`: ai đã nộp, nộp muộn, bị trả lại, "
                 "chưa nộp."),
    "submit_report": ("Nộp báo cáo kỳ của huyện", "Ban Dân vận quận ủy, huyện ủy nộp (hoặc nộp "
                      "lại) báo cáo kỳ; số liệu được giữ nguyên như khi nộp."),
    "return_report": ("Trả lại báo cáo kỳ", "Ban trả lại báo cáo để chỉnh sửa, nêu lý do."),
    "scan_reminders": ("Quét nhắc nộp báo cáo ngay", "Ghi ngay các nhắc nộp báo cáo đã đến hạn "
                       "thay vì chờ lượt quét kế tiếp."),
}

#: A realistic example of each request body, by schema name (shared/apitexts.py).
EXAMPLES: SchemaExamples = {
    "RecordUnitSuccession": {"predecessor_code": "11308", "successor_code": "11305",
                             "legal_basis": "Nghị quyết 1234/NQ-UBTVQH15"},
    "CorrectUnitSuccession": {"successor_code": "11302",
                              "reason": "Ghi nhầm phường kế thừa khi đối chiếu nghị quyết"},
    "RegisterModel": {"unit_code": "11755", "field": "new_rural",
                      "title": "Dân vận khéo xây dựng nông thôn mới", "started_on": "2023-02-01",
                      "description": "Vận động hiến đất làm đường liên thôn",
                      "lead_organisation": "Hội Nông dân thị trấn"},
    "CorrectModelRegistration": {"unit_code": "11758",
                                 "reason": "Mô hình của xã Đại Thắng, nhập nhầm xã"},
    "RecogniseModel": {"recognition_level": "district", "recognised_on": "2023-09-01",
                       "decision_ref": "QĐ 321/QĐ-UBND"},
    "CloseModel": {"closed_on": "2023-12-31", "reason": "Hoàn thành mục tiêu"},
    "SubmitContestEntry": {"model_id": "M-2023-001", "title": "Con đường nghĩa tình",
                           "submitted_on": "2023-08-15", "author": "Ban Dân vận Huyện ủy"},
    "AwardContestEntry": {"award": "second", "awarded_on": "2023-10-15"},
    "DefineIndicator": {"indicator_id": "I1", "year": 2023,
                        "name": "Tỷ lệ xã có mô hình Dân vận khéo", "method": "model_coverage",
                        "comparator": "ge", "target": 100, "plan_ref": "Mục II.1",
                        "qualifying_fields": ["new_rural", "exemplary_rural", "urban"]},
    "RecordReportedFigure": {"unit_code": "315", "numerator": 18, "denominator": 21,
                             "reported_on": "2023-06-15", "note": "",
                             "source_document": "Báo cáo 45/BC-BDVHU"},
    "RecordPlanDocument": {"document_number": "15-KH/BDVTU", "issued_on": "2023-01-10"},
    "NamePlanParty": {"code": "phong-dan-van", "name": "Phòng Dân vận, Ban Dân vận Thành ủy"},
    "AddPlanItem": {"number": "II.9", "kind": "task",
                    "text": "Tuyên truyền Quy chế dân chủ ở cơ sở",
                    "responsible": "phong-dan-van-chinh-quyen", "coordinating": [],
                    "recurrence": "deadline", "due_on": "2023-09-30", "indicators": [],
                    "reason": "Bổ sung theo chỉ đạo"},
    "AmendPlanItem": {"kind": "task", "text": "Tuyên truyền Quy chế dân chủ ở cơ sở",
                      "responsible": "phong-dan-van-chinh-quyen", "coordinating": [],
                      "recurrence": "deadline", "due_on": "2023-10-31", "indicators": [],
                      "reason": "Lùi thời hạn theo Thường trực"},
    "ReopenPlanItem": {"reopened_on": "2023-07-01", "reason": "Kết quả chưa đạt yêu cầu"},
    "WithdrawPlanItem": {"reason": "Đã lồng ghép vào nhiệm vụ II.2"},
    "RecordProgress": {"reported_on": "2023-06-15", "result": "Tổ chức 12 hội nghị tuyên truyền",
                       "evidence": [], "done": False},
    "PlanInspection": {"planned_on": "2023-08-15",
                       "subject": "Việc thực hiện Quy chế dân chủ ở cơ sở",
                       "subject_units": ["315"]},
    "CarryOutInspection": {"carried_out_on": "2023-08-16", "note": ""},
    "ConcludeInspection": {"concluded_on": "2023-08-30", "findings": "Thực hiện tốt",
                           "recommendations": "Nhân rộng cách làm", "conclusion_ref": "KL 03"},
    "FollowUpInspection": {"followed_up_on": "2023-10-01", "text": "Đã nhân rộng ở 5 xã",
                           "completed": True},
    "CancelInspection": {"cancelled_on": "2023-08-10", "reason": "Trùng đợt giám sát của HĐND"},
    "SetReportingDeadline": {"deadline": "2023-06-20", "note": "Báo cáo sơ kết 6 tháng"},
    "SubmitDistrictReport": {"summary": "Kết quả công tác dân vận 6 tháng đầu năm",
                             "figures": {}, "attachments": []},
    "ReturnDistrictReport": {"reason": "Thiếu số liệu chỉ tiêu I2"},
    # The kernel's key example grants religion:read, a scope this service cannot grant
    # (SCOPE_OF_ANOTHER_SERVICE): here one of its own.
    "NewKey": {"owner": "Văn phòng Sở Nội vụ thành phố Hải Phòng",
               "scopes": ["indicators:read"], "unit_scope": "31",
               "department": "Sở Nội vụ",
               "note": "Đọc kết quả chỉ tiêu và mô hình \"Dân vận khéo\" của thành phố"},
}


#: Names that mean something else in this service than in the kernel's table.
FIELDS: FieldTexts = {
    "code": ("Mã đơn vị", "Mã đơn vị hành chính (tỉnh 2, huyện 3, xã 5 chữ số)"),
    "year": ("Năm", "Năm của kế hoạch, chỉ tiêu hoặc cuộc thi"),
    "active_only": ("Chỉ mô hình đang hoạt động", "true: bỏ các mô hình đã dừng"),
    "counts_only": ("Chỉ số lượng", "true: chỉ trả số lượng minh chứng, không kèm danh sách"),
    "root": ("Đơn vị gốc", "Mã đơn vị gốc của cây (mặc định: địa bàn của hệ thống)"),
    "SubmitDistrictReport.submitted_on": (
        "Ngày nộp", "Ngày báo cáo đến Ban Dân vận Thành ủy; bỏ trống là hôm nay (ngày Việt "
        "Nam). Ban Dân vận quận, huyện nộp với ngày hôm nay; ngày trước đó chỉ Ban Dân vận "
        "Thành ủy ghi khi vào sổ báo cáo giấy đã nhận, kèm lý do (backdated_reason)"),
    "ReturnDistrictReport.returned_on": (
        "Ngày trả lại", "Ngày Ban Dân vận Thành ủy trả lại báo cáo để chỉnh sửa; bỏ trống là "
        "hôm nay (ngày Việt Nam). Không trước lần nộp gần nhất, không ở tương lai"),
    "NamePlanParty.code": ("Mã đơn vị tham gia", "Mã viết tắt do Ban đặt cho đơn vị chủ trì "
                           "hoặc phối hợp của Kế hoạch (chữ thường, số, gạch ngang)"),
    "EvidenceRef.kind": ("Loại minh chứng", "dialogue_session hội nghị đối thoại, dossier hồ "
                         "sơ đất đai, model mô hình \"Dân vận khéo\", file tệp, document văn "
                         "bản"),
    "RegisterModel.status": ("Trạng thái", "building đang xây dựng, recognised đã được công "
                             "nhận"),
}
