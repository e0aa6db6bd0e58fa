"""Every Vietnamese text of the religion service that a person reads, in one place."""

SITE_NOT_FOUND = "Không tìm thấy cơ sở tôn giáo mã {code}"
SITE_EXISTS = "Cơ sở tôn giáo mã {code} đã được đăng ký"
UNKNOWN_COMMUNE = "Mã đơn vị hành chính cấp xã {code} không tồn tại vào ngày {on}"
DOSSIER_ALREADY_LODGED = "Hồ sơ đăng ký đất đai của cơ sở {code} đã được nộp"
DATE_IN_FUTURE = "Ngày {on} ở tương lai"
