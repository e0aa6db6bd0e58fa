"""What a person reads about each operation in the OpenAPI documents, in Vietnamese.

One table per service (`services/<service>/apitexts.py`) and this one for the operations the
kernel gives every service: operation id (the route function's name, which is also the
operationId of the document and the method name of a generated client) → (summary,
description). `shared/openapi.py` applies them when the document is generated, so the route
decorators carry no prose; tests/apidocs fails when an operation has no text here.
"""

from __future__ import annotations

from collections.abc import Mapping

OperationTexts = Mapping[str, tuple[str, str]]

KERNEL: OperationTexts = {
    "healthz": ("Dịch vụ còn sống", "Trả lời ngay, không kiểm tra cơ sở dữ liệu hay NATS "
                "(cho bộ điều phối khởi động lại tiến trình treo)."),
    "readyz": ("Dịch vụ sẵn sàng phục vụ", "Kiểm tra cơ sở dữ liệu và kết nối NATS; 503 khi "
               "một trong hai chưa sẵn sàng (bộ cân bằng tải ngừng gửi yêu cầu tới)."),
    "metrics": ("Số đo vận hành (Prometheus)", "Số yêu cầu, độ trễ, hàng đợi outbox, tiến độ "
                "consumer... ở định dạng văn bản của Prometheus."),
    "event_catalogue": ("Danh mục sự kiện", "Lược đồ JSON của mọi loại sự kiện dịch vụ phát "
                        "ra, với phiên bản lược đồ và loại đối tượng; cùng nguồn với "
                        "/asyncapi.json."),
    "audit": ("Nhật ký kiểm toán", "Ai đã làm gì, khi nào: các sự kiện của dịch vụ lọc theo "
              "người thực hiện, cơ quan, đơn vị (kể cả đơn vị trực thuộc), thời điểm ghi nhận. "
              "Kiểm toán viên cấp huyện chỉ thấy địa bàn của mình."),
    "dead_letters": ("Thư chết", "Các sự kiện mà consumer của dịch vụ xử lý lỗi nhiều lần và "
                     "đã bỏ qua, mới nhất trước."),
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
                  "kỳ danh tính nào để thử API như một huyện hay một đối tác; không có trong "
                  "production."),
}
