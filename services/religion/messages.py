"""Every Vietnamese text of the religion service that a person reads, in one place."""

from __future__ import annotations

from typing import Final

from shared.errors import Lifecycle

# -- errors: sites ------------------------------------------------------------------------------
SITE_NOT_FOUND = "Không tìm thấy cơ sở tôn giáo mã {code}"
SITE_SUBJECT = "cơ sở tôn giáo mã {code}"
SITE_CODE_SUBJECT = "mã cơ sở «{code}»"
SITE_CODE_TAKEN = (
    "trùng với cơ sở đã có trong sổ mã {holder}; mã không phân biệt chữ hoa, chữ thường"
)
SITE_CLOSED_SINCE = "từ ngày {on}"
UNKNOWN_COMMUNE = "Mã đơn vị hành chính cấp xã {code} không tồn tại vào ngày {on}"
ROW_OUT_OF_SCOPE = "Xã {code} nằm ngoài phạm vi đơn vị được giao ({scope})"
ROW_CODE_OUT_OF_SCOPE = (
    "Mã cơ sở {code} đã có trong sổ, thuộc đơn vị ngoài phạm vi được giao ({scope}); "
    "không đối chiếu, không ghi"
)
CLOSED_BEFORE_STEP = (
    "Ngày đóng cơ sở ({on}) phải sau ngày {previous} của bước cuối cùng của hồ sơ, giấy chứng "
    "nhận hoặc vụ việc tại cơ sở: ngày đóng là ngày đầu tiên cơ sở không còn trong sổ theo dõi"
)
DATE_BEFORE_REGISTRATION = (
    "Ngày {on} sớm hơn ngày cơ sở {code} được đăng ký ({registered}); mọi bước của cơ sở tính "
    "từ ngày đăng ký trở đi"
)
NO_CHANGES = "Không có thông tin nào thay đổi so với hồ sơ hiện tại của cơ sở {code}"
AREA_PRECISION = (
    "Diện tích ghi bằng mét vuông, làm tròn đến một chữ số thập phân (ví dụ 1250.5)"
)
AS_OF_BEFORE_REGISTRATION = "Cơ sở {code} chưa được đăng ký vào ngày {on}"

# -- errors: corrections (đính chính) -------------------------------------------------------------
DATE_AFTER_NEXT = (
    "Ngày {on} muộn hơn ngày của sự việc ghi nhận sau đó ({following}); bản đính chính phải "
    "giữ đúng thứ tự thời gian"
)
FACT_NOT_FOUND = "Không có {what} của cơ sở {code} với mã sự kiện này (xem lịch sử của cơ sở)"
FACT_REGISTRATION = "bản ghi đăng ký"
FACT_STEP = "bước hồ sơ đất đai"
FACT_CERTIFICATE = "bản ghi cấp giấy chứng nhận"
CORRECTION_BREAKS_WORKFLOW = (
    "Sau khi đính chính, bước «{action}» sẽ đứng sau tình trạng «{state}», là điều quy trình "
    "hồ sơ không cho phép; hãy đính chính các bước theo thứ tự khác"
)
ONLY_VALID_CERTIFICATE = "chỉ đính chính được giấy chứng nhận đang còn hiệu lực"
CORRECT_CERTIFICATE_STEP = (
    "Bước cấp hoặc thu hồi giấy chứng nhận được đính chính cùng giấy chứng nhận, tại địa chỉ "
    "POST /api/v1/sites/{code}/certificate/corrections"
)
CORRECTION_SUBJECT = "sự kiện {event_id} của cơ sở {code}"
CORRECTED_BY = "đã được đính chính bởi sự kiện {event_id}; hãy đính chính sự kiện đó"
CORRECTION: Final = Lifecycle(
    {"correct": "Đính chính"},
    {"corrected": "Đã được đính chính"},
    "không có (chỉ đính chính được bản ghi mới nhất của sự việc)",
)

# -- errors: dossier ----------------------------------------------------------------------------
DOSSIER_SUBJECT = "hồ sơ đăng ký đất đai của cơ sở {code}"
NO_ALLOWED_ACTIONS = "không có (hồ sơ đã kết thúc)"
UNKNOWN_DOSSIER_ACTION = "Thao tác hồ sơ «{action}» không tồn tại. Thao tác hợp lệ: {known}"
NOTE_REQUIRED = "Thao tác «{action}» cần ghi rõ nội dung (trường note)"
USE_CERTIFICATE_ENDPOINT = (
    "Cấp giấy chứng nhận dùng địa chỉ POST /api/v1/sites/{code}/certificate "
    "(cần số giấy, ngày cấp, cơ quan cấp, diện tích)"
)

# -- errors: certificates -----------------------------------------------------------------------
CERTIFICATE_SUBJECT = "giấy chứng nhận của cơ sở {code}"
CERTIFICATE_NUMBER_SUBJECT = "số giấy chứng nhận «{number}»"
CERTIFICATE_NUMBER_HOLDER = "cho cơ sở {holder}"
CERTIFICATE_NUMBER_NOTE = "số «{number}»"
CERTIFICATE_NOT_FOUND = "Không tìm thấy giấy chứng nhận số «{number}»"
CERTIFICATE_NUMBER_MISMATCH = (
    "Giấy chứng nhận còn hiệu lực của cơ sở {code} là số «{current}», không phải «{number}»"
)

# -- errors: compliance -------------------------------------------------------------------------
CASE_NOT_FOUND = "Không tìm thấy vụ việc vi phạm mã {case_id}"
CASE_SUBJECT = "vụ việc {case_id}"
UNKNOWN_CASE_ACTION = "Thao tác vụ việc «{action}» không tồn tại. Thao tác hợp lệ: {known}"
CASE_COMMUNE_MISMATCH = (
    "Cơ sở {code} thuộc đơn vị {site_commune}, không phải {commune}; "
    "bỏ trống mã xã để lấy theo cơ sở"
)
CASE_NEEDS_PLACE = "Cần mã cơ sở tôn giáo hoặc mã đơn vị hành chính cấp xã nơi xảy ra vụ việc"
REFERRED_TO_REQUIRED = "Chuyển vụ việc cần ghi rõ cơ quan tiếp nhận"

# -- errors: calendar, queries ------------------------------------------------------------------
YEAR_OUT_OF_RANGE = "Năm {year} nằm ngoài phạm vi lịch âm hỗ trợ ({first}–{last})"

# -- import -------------------------------------------------------------------------------------
IMPORT_HAS_ERRORS = (
    "Tệp có {count} lỗi ở {rows} dòng; chưa ghi dữ liệu nào. Sửa các dòng lỗi hoặc chọn "
    "«chỉ nhập các dòng hợp lệ»"
)
IMPORT_UNREADABLE = "Không đọc được tệp «{name}»: {reason}"
IMPORT_UNSUPPORTED = "Tệp «{name}» không phải CSV hoặc Excel (.xlsx)"
IMPORT_EMPTY = "Tệp không có dòng dữ liệu nào"
IMPORT_NO_HEADER = (
    "Không tìm thấy dòng tiêu đề có cột «Mã cơ sở» trong {rows} dòng đầu của tệp"
)
IMPORT_MISSING_COLUMNS = "Tệp thiếu cột bắt buộc: {columns}"
IMPORT_SEVERAL_SHEETS = (
    "Tệp Excel có nhiều trang tính mang dòng tiêu đề của danh sách cơ sở: «{sheet}» (trang "
    "đầu, trang được đọc) và {others}. Mỗi lần nhập chỉ đọc một trang, nên không nhập tệp: "
    "để mỗi danh sách trong một tệp riêng (hoặc gộp vào trang đầu) rồi gửi lại"
)
IMPORT_REPEATED_COLUMN = (
    "Cột «{column}» có mặt nhiều lần trong dòng tiêu đề (dòng {row}): {found}. Không biết đọc "
    "cột nào, nên không nhập tệp: giữ một cột rồi gửi lại"
)
IMPORT_TOO_MANY_ROWS = "Tệp có quá nhiều dòng (tối đa {limit} dòng một lần nhập)"
IMPORT_NOT_UTF8 = "mã hóa ký tự không đọc được (hãy lưu tệp CSV dạng UTF-8)"
IMPORT_BAD_XLSX = "tệp Excel bị hỏng hoặc không đúng định dạng .xlsx"
IMPORT_BAD_CSV = "tệp CSV bị hỏng hoặc có ô dài quá mức (trên 131.072 ký tự)"
ROW_DUPLICATE_CODE = (
    "Mã cơ sở trùng với dòng {row} của cùng tệp (mã không phân biệt chữ hoa, chữ thường)"
)
ROW_BAD_DATE = "«{value}» không phải là ngày (dd/mm/yyyy hoặc yyyy-mm-dd)"
ROW_UNKNOWN_RELIGION = "Tôn giáo «{value}» không có trong danh mục; cho phép: {allowed}"
ROW_BAD_COMMUNE = "Mã xã phải gồm 5 chữ số (ví dụ 11755), nhận được «{value}»"
ROW_EXISTS_SAME = "Đã có trong sổ với cùng thông tin; bỏ qua"
ROW_EXISTS_DIFFERENT = (
    "Đã có trong sổ nhưng khác ở: {fields}; bỏ qua — muốn sửa hãy dùng chức năng "
    "sửa thông tin cơ sở"
)
#: Appended when the registration date differs: it is put right by a correction (finding J3).
ROW_REGISTRATION_DIFFERS = (
    "; ngày đăng ký không sửa được bằng chức năng sửa thông tin mà bằng đính chính ngày đăng "
    "ký, tại địa chỉ POST /api/v1/sites/{code}/registration/corrections"
)

#: Column headers of the desk's spreadsheet (also accepted: the English field names).
COLUMN_HEADERS: Final[dict[str, str]] = {
    "code": "Mã cơ sở",
    "name": "Tên cơ sở",
    "religion": "Tôn giáo",
    "commune_code": "Mã xã",
    "address": "Địa chỉ",
    "land_area_m2": "Diện tích đất (m²)",
    "land_use_origin": "Nguồn gốc sử dụng đất",
    "registered_on": "Ngày đăng ký",
}
#: Other headers desks use for the same columns (compared without diacritics).
COLUMN_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "code": ("ma co so", "ma", "ma co so ton giao"),
    "name": ("ten co so", "ten", "ten co so ton giao"),
    "religion": ("ton giao",),
    "commune_code": ("ma xa", "ma don vi hanh chinh", "ma xa phuong thi tran", "ma dvhc"),
    "address": ("dia chi",),
    "land_area_m2": ("dien tich dat m2", "dien tich m2", "dien tich", "dien tich dat"),
    "land_use_origin": ("nguon goc su dung dat", "nguon goc dat", "nguon goc"),
    "registered_on": ("ngay dang ky", "ngay"),
}

# -- dossier workflow labels --------------------------------------------------------------------
DOSSIER_STATES: Final[dict[str, str]] = {
    "not_started": "Chưa lập hồ sơ",
    "in_preparation": "Đang chuẩn bị hồ sơ",
    "lodged": "Đã nộp hồ sơ",
    "requisitioned": "Được yêu cầu bổ sung hồ sơ",
    "accepted": "Hồ sơ đủ điều kiện, chờ cấp giấy",
    "certificate_issued": "Đã cấp giấy chứng nhận",
    "certificate_revoked": "Giấy chứng nhận bị thu hồi",
    "rejected": "Hồ sơ bị từ chối",
    "withdrawn": "Hồ sơ đã rút",
}
DOSSIER_ACTIONS: Final[dict[str, str]] = {
    "start_preparation": "Bắt đầu chuẩn bị hồ sơ",
    "lodge": "Nộp hồ sơ",
    "requisition": "Yêu cầu bổ sung hồ sơ",
    "resubmit": "Nộp bổ sung hồ sơ",
    "accept": "Chấp thuận hồ sơ",
    "reject": "Từ chối hồ sơ",
    "withdraw": "Rút hồ sơ",
    "issue_certificate": "Cấp giấy chứng nhận",
    "revoke_certificate": "Thu hồi giấy chứng nhận",
}

# -- compliance labels --------------------------------------------------------------------------
CASE_STATES: Final[dict[str, str]] = {
    "open": "Mới phát hiện",
    "under_review": "Đang xem xét, xử lý",
    "resolved": "Đã giải quyết",
    "referred": "Đã chuyển cơ quan có thẩm quyền",
}
CASE_ACTIONS: Final[dict[str, str]] = {
    "start_review": "Bắt đầu xem xét",
    "resolve": "Kết luận đã giải quyết",
    "refer": "Chuyển cơ quan có thẩm quyền",
}
CASE: Final = Lifecycle(CASE_ACTIONS, CASE_STATES)
DOSSIER: Final = Lifecycle(DOSSIER_ACTIONS, DOSSIER_STATES, NO_ALLOWED_ACTIONS)
SITE: Final = Lifecycle(
    {"register": "Đăng ký cơ sở", "amend": "Sửa thông tin cơ sở",
     "close": "Đóng hồ sơ quản lý cơ sở",
     "open_case": "Ghi nhận vụ việc vi phạm phát hiện tại cơ sở",
     **DOSSIER_ACTIONS},
    {"open": "Đang quản lý", "closed": "Đã đóng hồ sơ quản lý"},
    "không có (cơ sở đã đóng hồ sơ quản lý)",
)
CERTIFICATE_ACTIONS: Final = {**DOSSIER_ACTIONS,
                              "correct_certificate": "Đính chính giấy chứng nhận"}
CERTIFICATE: Final = Lifecycle(
    CERTIFICATE_ACTIONS,
    {"valid": "Có giấy chứng nhận còn hiệu lực",
     "none": "Không có giấy chứng nhận còn hiệu lực"},
)
# A site code names one site whatever its case ("prb-s1" is PRB-S1's).
SITE_CODE: Final = Lifecycle(
    {"register": "Đăng ký cơ sở"}, {"taken": "Đã dùng cho một cơ sở"},
    "không có với mã này (dùng mã cơ sở khác, hoặc sửa cơ sở đã có)",
)
# A certificate number is given once in the whole register, even after a revocation.
CERTIFICATE_NUMBER: Final = Lifecycle(
    CERTIFICATE_ACTIONS, {"taken": "Đã được cấp"},
    "không có với số này (mỗi số chỉ cấp một lần; dùng số giấy chứng nhận khác)",
)

VIOLATION_TYPES: Final[dict[str, str]] = {
    "land_purchase": "Mua đất trái phép để sử dụng vào mục đích tôn giáo",
    "land_sale": "Bán đất trái phép để sử dụng vào mục đích tôn giáo",
    "land_encroachment": "Lấn chiếm đất để sử dụng vào mục đích tôn giáo",
    "land_transfer": "Chuyển nhượng đất trái phép để sử dụng vào mục đích tôn giáo",
    "land_donation": "Hiến tặng đất trái phép để sử dụng vào mục đích tôn giáo",
    "build_without_permit": "Xây dựng cơ sở tôn giáo không phép",
    "build_against_permit": "Xây dựng cơ sở tôn giáo sai phép",
    "repair_without_permit": "Sửa chữa cơ sở tôn giáo không phép",
    "repair_against_permit": "Sửa chữa cơ sở tôn giáo sai phép",
    "renovate_without_permit": "Cải tạo cơ sở tôn giáo không phép",
    "renovate_against_permit": "Cải tạo cơ sở tôn giáo sai phép",
    "upgrade_without_permit": "Nâng cấp cơ sở tôn giáo không phép",
    "upgrade_against_permit": "Nâng cấp cơ sở tôn giáo sai phép",
}

SITE_STATUS: Final[dict[str, str]] = {"active": "Đang quản lý", "closed": "Đã đóng hồ sơ"}

# -- history ------------------------------------------------------------------------------------
EVENT_LABELS: Final[dict[str, str]] = {
    "SiteRegistered": "Đăng ký cơ sở tôn giáo",
    "SiteAmended": "Sửa thông tin cơ sở",
    "SiteClosed": "Đóng hồ sơ quản lý cơ sở",
    "DossierPreparationStarted": "Bắt đầu chuẩn bị hồ sơ đăng ký đất đai",
    "LandDossierLodged": "Nộp hồ sơ đăng ký đất đai",
    "DossierRequisitioned": "Yêu cầu bổ sung hồ sơ",
    "DossierResubmitted": "Nộp bổ sung hồ sơ",
    "DossierAccepted": "Chấp thuận hồ sơ",
    "DossierRejected": "Từ chối hồ sơ",
    "DossierWithdrawn": "Rút hồ sơ",
    "DossierCertificateIssued": "Hồ sơ hoàn thành: đã cấp giấy chứng nhận",
    "DossierCertificateRevoked": "Hồ sơ: giấy chứng nhận bị thu hồi",
    "CertificateIssued": "Cấp giấy chứng nhận quyền sử dụng đất",
    "CertificateRevoked": "Thu hồi giấy chứng nhận quyền sử dụng đất",
    "ComplianceCaseOpened": "Ghi nhận vụ việc vi phạm",
    "ComplianceCaseReviewStarted": "Bắt đầu xem xét vụ việc",
    "ComplianceCaseResolved": "Vụ việc đã giải quyết",
    "ComplianceCaseReferred": "Chuyển vụ việc cho cơ quan có thẩm quyền",
    "SiteRegisteredCorrected": "Đính chính ngày đăng ký cơ sở",
    "DossierStepCorrected": "Đính chính một bước của hồ sơ đăng ký đất đai",
    "CertificateIssuedCorrected": "Đính chính giấy chứng nhận quyền sử dụng đất",
}

# -- festival calendar --------------------------------------------------------------------------
CALENDAR_NAME = "Lịch hướng dẫn hoạt động tôn giáo năm {year}"
CALENDAR_DESCRIPTION = (
    "Ban Dân vận Thành ủy Hải Phòng — các dịp lễ trọng cần hướng dẫn, thăm hỏi (ngày âm lịch "
    "tính theo lịch Việt Nam, múi giờ UTC+7)"
)
LUNAR_DATE = "{day}/{month} âm lịch"
TET_EVE = "đêm Giao thừa"
LENT_RULE = "Từ Thứ Tư Lễ Tro (Phục sinh − 46 ngày) đến Thứ Bảy Tuần Thánh"
HOLY_WEEK_RULE = "Từ Chúa nhật Lễ Lá (Phục sinh − 7 ngày) đến Thứ Bảy Tuần Thánh"
EASTER_RULE = "Chúa nhật sau ngày rằm đầu tiên kể từ xuân phân (lịch Gregory)"
CHRISTMAS_RULE = "24–25/12 dương lịch"
RELIGIONS_CATHOLIC_PROTESTANT = "Công giáo, Tin lành"
RELIGION_BUDDHISM = "Phật giáo"
RELIGION_ALL = "Các tôn giáo"
FESTIVALS: Final[dict[str, tuple[str, str]]] = {
    # id: (name, guidance for localities)
    "tet_visits": (
        "Thăm hỏi, tặng quà các tổ chức tôn giáo dịp Tết Nguyên đán",
        "Tổ chức thăm hỏi, tặng quà các tổ chức, chức sắc, tín đồ tôn giáo tiêu biểu trước Tết",
    ),
    "tet": (
        "Tết Nguyên đán",
        "Mùng 1 đến mùng 3 tháng Giêng âm lịch",
    ),
    "lent": (
        "Mùa Chay",
        "Từ Thứ Tư Lễ Tro đến trước Lễ Phục sinh; hướng dẫn các hoạt động tôn giáo trong Mùa Chay",
    ),
    "holy_week": (
        "Tuần Thánh",
        "Từ Chúa nhật Lễ Lá đến Thứ Bảy Tuần Thánh",
    ),
    "easter": (
        "Lễ Phục sinh",
        "Chúa nhật Phục sinh của đạo Công giáo và Tin lành",
    ),
    "vesak": (
        "Lễ Phật đản",
        "Rằm tháng Tư âm lịch; hướng dẫn tổ chức Đại lễ Phật đản",
    ),
    "summer_retreat": (
        "Mùa An cư kiết hạ",
        "Từ 16 tháng Tư đến Rằm tháng Bảy âm lịch",
    ),
    "vu_lan": (
        "Lễ Vu Lan",
        "Rằm tháng Bảy âm lịch, kết thúc mùa An cư kiết hạ",
    ),
    "christmas": (
        "Lễ Giáng sinh (Noel)",
        "Đêm 24 và ngày 25 tháng 12; thăm hỏi, chúc mừng các tổ chức Công giáo, Tin lành",
    ),
}

# -- pilot --------------------------------------------------------------------------------------
PILOT_TITLE = "Thí điểm cấp giấy chứng nhận quyền sử dụng đất cho cơ sở tôn giáo huyện Tiên Lãng"
PILOT_RECIPIENT = "Báo cáo Thường trực Thành ủy"
OVERDUE = "Quá hạn {days} ngày"
ON_TIME = "Trong hạn"

# The labels of the choice values the API takes, per field (a refused choice names them).
VALUE_LABELS: Final = {
    "violation_type": VIOLATION_TYPES,
    "status": {**SITE_STATUS, "all": "Tất cả"},
    "dossier_state": DOSSIER_STATES,
    "state": CASE_STATES,
}

# OpenAPI: the import's answer when it wrote (200 is a dry run or a file with nothing new).
IMPORT_WRITTEN = "Đã ghi các cơ sở mới của tệp; báo cáo nhập như câu trả lời 200"
#: What to type for a certificate's number refused by its pattern (the kernel's forms cover
#: the units, codes and ids).
CERTIFICATE_NUMBER_SEGMENTS: Final = (
    "Số giấy chứng nhận không được bắt đầu hay kết thúc bằng dấu /, có hai dấu / liền nhau "
    "hoặc có phần «.», «..» giữa hai dấu / (ví dụ BĐ-01/2023 được, BĐ-01/../2023 không)"
)
CERTIFICATE_NUMBER_FORM: Final = (
    "nhập số giấy chứng nhận như in trên giấy: chữ cái (có thể có dấu tiếng Việt), chữ số và "
    "các dấu . / - hoặc dấu cách (ví dụ CS 123456 hoặc BĐ-01/2023)"
)
