"""Vietnamese summaries and descriptions of the dialogue service's operations (see
shared/apitexts.py)."""

from __future__ import annotations

from shared.apitexts import FieldTexts, OperationTexts, SchemaExamples


def _as_of(what: str, extra: str = "") -> str:
    """What a list's `as_of` does (shared/asof.py), worded once for every list here."""
    return (" Với `as_of` (cùng quy tắc với `as_of` của dịch vụ báo cáo, chép được nguyên giá "
            f"trị `as_of` của báo cáo đã ký): {what} đúng như đã ghi nhận đến thời điểm đó, "
            f"bản ghi hoặc thay đổi ghi sau chưa có{extra}.")


OPERATIONS: OperationTexts = {
    "take_office": ("Người đứng đầu nhận nhiệm vụ", "Bí thư cấp ủy hoặc Chủ tịch UBND của một "
                    "đơn vị bắt đầu nhiệm kỳ từ `from_date`."),
    "leave_office": ("Người đứng đầu thôi nhiệm vụ", "Kết thúc nhiệm kỳ vào `to_date`."),
    "hand_over": ("Bàn giao cho người kế nhiệm", "Người kế nhiệm nhận nhiệm vụ; người đương "
                  "nhiệm thôi từ ngày hôm trước, trong cùng một giao dịch."),
    "correct_took_office": ("Đính chính ngày nhận chức", "Ngày nhận chức (`from_date`) đã ghi "
                            "sai: ghi sự kiện mới `HeadTookOfficeCorrected` nêu sự kiện bị đính "
                            "chính, ngày cũ, ngày đúng và lý do; I2 và báo cáo tính như đã ghi "
                            "đúng. Ngày đúng không sau hội nghị người đó đã chủ trì, không sau "
                            "ngày thôi giữ chức, không trùng nhiệm kỳ người khác của chức danh. "
                            "Người kế nhiệm ghi nhận bằng bàn giao: ngày bàn giao được đính "
                            "chính, người tiền nhiệm thôi giữ chức vào ngày hôm trước ngày đúng "
                            "(thêm sự kiện `HeadLeftOfficeCorrected`). "
                            "Cần If-Match (ETag của `/heads/{id}`): 428 nếu thiếu, 412 nếu đã "
                            "có người sửa sau lần đọc."),
    "correct_left_office": ("Đính chính ngày thôi giữ chức", "Ngày thôi giữ chức (`to_date`) "
                            "đã ghi sai: ghi sự kiện mới `HeadLeftOfficeCorrected` nêu sự kiện "
                            "bị đính chính, ngày cũ, ngày đúng và lý do; I2 và báo cáo tính như "
                            "đã ghi đúng. Ngày đúng không trước hội nghị người đó đã chủ trì "
                            "(SESSION_HELD_AFTER_LEAVING), không trước ngày nhận chức, không "
                            "trùng nhiệm kỳ người khác của chức danh (ngày bàn giao cho người "
                            "kế nhiệm: đính chính ngày nhận chức của người kế nhiệm). Cần "
                            "If-Match (ETag của `/heads/{id}`): 428 nếu thiếu, 412 nếu đã có "
                            "người sửa sau lần đọc."),
    "roster": ("Danh sách người đứng đầu", "Ai giữ từng chức danh đứng đầu vào một ngày (mặc "
               "định hôm nay, hoặc ngày của `as_of`), trong phạm vi đơn vị của người hỏi."
               + _as_of("các nhiệm kỳ")),
    "get_head": ("Xem một người đứng đầu", "Nhiệm kỳ, đơn vị, chức danh."),
    "terms_of_unit": ("Các nhiệm kỳ của một đơn vị", "Mọi nhiệm kỳ của hai chức danh đứng đầu "
                      "của đơn vị, cũ nhất trước."
                      + _as_of("các nhiệm kỳ")),
    "plan": ("Lên kế hoạch hội nghị đối thoại", "Hội nghị đối thoại trực tiếp giữa người đứng "
             "đầu và Nhân dân: đơn vị, người chủ trì, ngày dự kiến, chủ đề, địa điểm."),
    "reschedule": ("Dời ngày hội nghị", "Đổi ngày dự kiến (kèm lý do)."),
    "cancel": ("Huỷ hội nghị", "Hội nghị không tổ chức nữa (kèm lý do)."),
    "hold": ("Ghi nhận đã tổ chức hội nghị", "Ngày tổ chức thực tế và người chủ trì."),
    "correct_held": ("Đính chính hội nghị đã ghi nhận tổ chức", "Ngày tổ chức hoặc người chủ "
                     "trì đã ghi sai, hoặc hội nghị thực ra không diễn ra (`void` = true: trở "
                     "lại «đã lên kế hoạch»). Ghi sự kiện mới `SessionHeldCorrected` nêu sự kiện "
                     "bị đính chính, giá trị cũ, giá trị đúng và lý do; mọi số liệu (I2, báo "
                     "cáo) tính như đã ghi đúng. Không đổi ngày hoặc bỏ hội nghị đã có ý kiến, "
                     "cam kết (409 SESSION_HAS_RECORDS); hội nghị đã có báo cáo thì không thể "
                     "là không diễn ra. Cần If-Match (ETag của hội nghị): 428 nếu thiếu, 412 "
                     "nếu đã có người sửa sau lần đọc."),
    "file_report": ("Nộp báo cáo hội nghị", "Số người dự, tổ chức tham gia, tóm tắt; báo cáo "
                    "khép lại hội nghị."),
    "raise_issue": ("Ghi ý kiến, kiến nghị của Nhân dân", "Ý kiến nêu tại hội nghị: lĩnh vực, "
                    "nội dung, trả lời tại chỗ hay giao cơ quan xử lý. Họ tên và liên hệ của "
                    "người dân lưu riêng, không bao giờ vào sự kiện."),
    "make_commitment": ("Ghi cam kết, giao nhiệm vụ", "Cơ quan chịu trách nhiệm, hạn hoàn "
                        "thành, nội dung cam kết tại hội nghị."),
    "list_sessions": ("Danh sách hội nghị", "Lọc theo đơn vị, trạng thái, người chủ trì và "
                      "ngày (ngày tổ chức, nếu chưa tổ chức thì ngày dự kiến)."
                      + _as_of("các hội nghị", " (hội nghị tổ chức sau đó vẫn là dự kiến)")),
    "get_session": ("Xem một hội nghị", "Hội nghị với ý kiến và cam kết của nó."),
    "list_issues": ("Danh sách ý kiến, kiến nghị", "Lọc theo đơn vị, lĩnh vực, cách xử lý, "
                    "hội nghị (không kèm thông tin cá nhân của người dân)."
                    + _as_of("các ý kiến")),
    "get_issue": ("Xem một ý kiến", "Ý kiến, kiến nghị (không kèm thông tin cá nhân)."),
    "citizen_contact": ("Xem họ tên, liên hệ của người dân", "Chức năng duy nhất trả về dữ liệu "
                        "cá nhân của người nêu ý kiến: cần quyền riêng `dialogue:citizen_data` "
                        "và đơn vị của ý kiến nằm trong phạm vi người hỏi."),
    "erase_contact": ("Xoá họ tên, liên hệ của người dân", "Xoá dữ liệu cá nhân theo yêu cầu; "
                      "ý kiến vẫn giữ."),
    "list_commitments": ("Danh sách cam kết", "Lọc theo đơn vị, trạng thái, cơ quan, hạn; cam "
                         "kết quá hạn được đánh dấu."
                         + _as_of("các cam kết", " (tiến độ, trạng thái của thời điểm đó)")),
    "progress_import": ("Nhập tiến độ cam kết từ tệp", "Tiến độ của nhiều cam kết từ tệp CSV "
                        "hoặc .xlsx (cột «Mã cam kết», «Tiến độ (%)», tuỳ chọn «Ngày cập "
                        "nhật», «Ghi chú»). Chạy thử kiểm tra mà không ghi."),
    "progress_template": ("Tải mẫu nhập tiến độ", "Bảng các cam kết chưa xong, điền rồi tải "
                          "lên lại."),
    "get_commitment": ("Xem một cam kết", "Cam kết với các lần cập nhật tiến độ."),
    "update_progress": ("Cập nhật tiến độ cam kết", "Phần trăm hoàn thành và ghi chú; 100% là "
                        "hoàn thành."),
    "reopen": ("Mở lại cam kết", "Cam kết đã hoàn thành được mở lại (kèm lý do và hạn mới)."),
    "list_rules": ("Quy định số hội nghị tối thiểu", "Mọi phiên bản của số hội nghị đối thoại "
                   "tối thiểu một năm, theo cấp và ngày hiệu lực."),
    "set_rule": ("Ban hành phiên bản quy định", "Phiên bản mới (sửa đổi) từ ngày hiệu lực; "
                 "cùng cấp và cùng ngày thì sửa phiên bản đó. Chỉ cấp thành phố."),
    "rule_compliance": ("Thực hiện quy định đối thoại", "Với mỗi người đứng đầu tại nhiệm trong "
                        "kỳ: số hội nghị đã tổ chức, số phải tổ chức (tính theo thời gian tại "
                        "nhiệm), đạt hay chưa và lý do, bằng tiếng Việt."),
    "rebuild_read_models": ("Dựng lại bảng đọc của dịch vụ", "Xoá các bảng đọc và phát lại sự "
                            "kiện vào đó trong một giao dịch: người đọc thấy bảng cũ hoặc mới, "
                            "không bao giờ dở dang."),
    "run_scan": ("Chạy quét nhắc việc ngay", "Ghi các nhắc nộp báo cáo đến hạn và cam kết quá "
                 "hạn ngay bây giờ thay vì chờ lượt quét sau."),
}

#: A realistic example of each request body, by schema name (shared/apitexts.py).
EXAMPLES: SchemaExamples = {
    "TakeOffice": {"unit_code": "11755", "role": "party_secretary",
                   "full_name": "Nguyễn Văn Hùng", "from_date": "2021-01-15"},
    "LeaveOffice": {"to_date": "2023-06-30", "reason": "Nghỉ hưu"},
    "CorrectTookOffice": {"from_date": "2021-01-25",
                          "reason": "Quyết định phân công ghi ngày 25/01/2021; nhập nhầm"},
    "CorrectLeftOffice": {"to_date": "2023-05-31",
                          "reason": "Quyết định nghỉ hưu từ 01/06/2023; nhập nhầm"},
    "HandOver": {"full_name": "Trần Văn Nam", "from_date": "2023-07-01"},
    "PlanSession": {"unit_code": "11755", "head_ids": ["0b6f4f5e-3c1a-4d2b-9a8e-7f1c2d3e4a5b"],
                    "planned_on": "2023-04-20", "topic": "Giải phóng mặt bằng đường ven sông",
                    "place": "Hội trường UBND thị trấn", "co_organiser": "Ủy ban MTTQ thị trấn"},
    "RescheduleSession": {"planned_on": "2023-04-27", "reason": "Trùng lịch tiếp dân",
                          "decided_on": "2023-04-18"},
    "CancelSession": {"reason": "Bão số 1", "cancelled_on": "2023-04-19"},
    "HoldSession": {"held_on": "2023-04-27"},
    "CorrectSessionHeld": {"held_on": "2023-04-26",
                           "reason": "Ghi nhầm ngày tổ chức; biên bản ghi ngày 26/4"},
    "FileReport": {"attendance": 120, "organisations": ["Hội Nông dân", "Đoàn Thanh niên"],
                   "summary": "15 ý kiến, 10 trả lời tại chỗ, 5 giao cơ quan",
                   "filed_on": "2023-04-28"},
    "RaiseIssue": {"category": "land_and_site_clearance",
                   "text": "Đề nghị công khai phương án bồi thường", "handling": "assigned",
                   "assigned_agency": "Phòng Tài nguyên và Môi trường huyện"},
    "MakeCommitment": {"text": "Công khai phương án bồi thường tại nhà văn hoá khu",
                       "responsible_agency": "UBND thị trấn Tiên Lãng", "due_on": "2023-06-30"},
    "UpdateProgress": {"progress_pct": 60, "updated_on": "2023-05-15",
                       "note": "Đã niêm yết tại 3/5 khu"},
    "ReopenCommitment": {"reason": "Người dân phản ánh chưa niêm yết đủ",
                         "reopened_on": "2023-07-10", "new_due_on": "2023-08-15"},
    "SetRule": {"level": "commune", "min_sessions_per_year": 2, "effective_from": "2024-01-01",
                "legal_basis": "Quyết định 1738-QĐ/TU (sửa đổi)", "note": ""},
    # The kernel's key example grants religion:read, a scope this service cannot grant
    # (SCOPE_OF_ANOTHER_SERVICE): here one of its own.
    "NewKey": {"owner": "Ủy ban Mặt trận Tổ quốc Việt Nam thành phố Hải Phòng",
               "scopes": ["dialogue:read"], "unit_scope": "31",
               "department": "Ban Thường trực Ủy ban MTTQ thành phố",
               "note": "Theo dõi hội nghị đối thoại và việc thực hiện cam kết"},
}


#: Names that mean something else in this service than in the kernel's table.
FIELDS: FieldTexts = {
    "status": ("Trạng thái", "Trạng thái của hội nghị (planned dự kiến, cancelled đã huỷ, "
               "held đã tổ chức, closed đã kết thúc) hoặc của cam kết"),
    "agency": ("Cơ quan", "Cơ quan chịu trách nhiệm thực hiện cam kết"),
    "due_before": ("Hạn trước ngày", "Chỉ các cam kết có hạn hoàn thành trước ngày này"),
    "format": ("Định dạng tệp", "xlsx: bảng tính Excel; csv: tệp CSV"),
    "mode": ("Cách ghi", "all_or_nothing: có dòng lỗi thì không ghi dòng nào; valid_rows: "
             "ghi các dòng hợp lệ và báo các dòng lỗi"),
    "level": ("Cấp", "Cấp của đơn vị: province thành phố, district huyện, commune xã"),
    "CorrectSessionHeld.void": ("Không diễn ra", "true: hội nghị không diễn ra, đã ghi nhận "
                                "nhầm là đã tổ chức"),
    "CorrectSessionHeld.reason": ("Lý do đính chính", "Vì sao thông tin đã ghi là sai (bắt buộc)"),
    "CorrectTookOffice.reason": ("Lý do đính chính", "Vì sao ngày đã ghi là sai (bắt buộc)"),
    "CorrectLeftOffice.reason": ("Lý do đính chính", "Vì sao ngày đã ghi là sai (bắt buộc)"),
    "CorrectLeftOffice.to_date": ("Ngày thôi giữ chức đúng", "Ngày cuối cùng người đứng đầu "
                                  "thực sự giữ chức"),
    "CorrectTookOffice.from_date": ("Ngày nhận chức đúng", "Ngày người đứng đầu thực sự nhận "
                                    "chức"),
}
