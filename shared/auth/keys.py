"""API keys from the command line, on a service's own database (its settings' DATABASE_URL):

    python -m shared.auth.keys create --service religion --owner "Văn phòng đăng ký đất đai" \\
        --scopes religion:read religion:write --unit-scope 315 --expires-on 2027-06-30
    python -m shared.auth.keys list --service religion
    python -m shared.auth.keys revoke --service religion --prefix 1a2b3c4d --reason "hết hợp đồng"
    python -m shared.auth.keys rotate --service religion --prefix 1a2b3c4d --grace-hours 72

`create` and `rotate` print the key once; it is not stored and cannot be shown again. Every
action is written to the key audit (api_key_audit) with the operator's name (--actor, default
the login name).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import Connection

from shared.auth import apikeys
from shared.auth.principal import CITY_SCOPE, SCOPES
from shared.auth.routes import (
    expiry_of,
    own_service_scopes,
    rotation_refused,
    rotation_scopes,
)
from shared.clock import today_vn
from shared.db import engine_for
from shared.envelope import utcnow
from shared.errors import InvalidInput
from shared.eventstore import kernel_metadata
from shared.migrations import apply_migrations
from shared.settings import DEFAULT_PORTS, Settings
from shared.unitcheck import require_unit_of_jurisdiction


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m shared.auth.keys",
                                     description="Quản lý khoá API của một dịch vụ")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--service", required=True, choices=sorted(DEFAULT_PORTS))
        sub.add_argument("--actor", default=None, help="người thực hiện (ghi vào nhật ký)")
        return sub

    create = command("create", "tạo khoá mới (in ra một lần duy nhất)")
    create.add_argument("--owner", required=True, help="cơ quan/hệ thống dùng khoá")
    create.add_argument("--scopes", required=True, nargs="+",
                        help="quyền: " + ", ".join(SCOPES))
    create.add_argument("--unit-scope", default=CITY_SCOPE,
                        help="31 (toàn thành phố), mã huyện hoặc mã xã")
    create.add_argument("--department", default=None)
    create.add_argument("--expires-on", type=date.fromisoformat, default=None,
                        help="ngày hết hạn YYYY-MM-DD (dùng được hết ngày đó)")
    create.add_argument("--note", default=None)
    listing = command("list", "liệt kê khoá (không bao giờ hiện bí mật)")
    listing.add_argument("--json", action="store_true")
    revoke = command("revoke", "thu hồi khoá ngay lập tức")
    revoke.add_argument("--prefix", required=True)
    revoke.add_argument("--reason", default=None)
    rotate = command("rotate", "tạo khoá thay thế; khoá cũ hết hạn sau thời gian chuyển tiếp")
    rotate.add_argument("--prefix", required=True)
    rotate.add_argument("--grace-hours", type=float, default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.for_service(args.service)
    actor = f"cli:{args.actor or getpass.getuser()}"
    engine = engine_for(settings)
    try:
        # The tool knows the kernel's tables only: the service's own are its start's to check.
        apply_migrations(engine, settings, [kernel_metadata], every_table=False)
        with engine.begin() as conn:
            return _run(args, settings, actor, conn)
    except (InvalidInput, apikeys.UnknownScopeError) as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
    except apikeys.AlreadyRotated as refused:
        # Out of the transaction: a rotation that lost a race takes its new key with it.
        print(f"Lỗi: {rotation_refused(refused).message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _run(args: argparse.Namespace, settings: Settings, actor: str, conn: Connection) -> int:
    now = utcnow()
    longest = timedelta(days=settings.api_key_max_days)
    if args.command == "create":
        own_service_scopes(settings.service, apikeys.check_scopes(args.scopes))
        # The rule of the API's create (finding M5): a unit of the jurisdiction.
        require_unit_of_jurisdiction(args.unit_scope, today_vn(), settings.jurisdiction)
        key, plaintext = apikeys.create_key(
            conn, owner=args.owner, scopes=args.scopes, created_by=actor,
            unit_scope=args.unit_scope, department=args.department,
            expires_at=expiry_of(args.expires_on, settings), note=args.note,
        )
        print(f"Khoá API (chỉ hiện một lần, hãy lưu ngay): {plaintext}")
        print(f"Mã nhận diện: {key.prefix}; quyền: {' '.join(sorted(key.scopes))}; "
              f"phạm vi: {key.unit_scope}")
        return 0
    if args.command == "list":
        keys = apikeys.list_keys(conn)
        if args.json:
            print(json.dumps([k.as_dict(now, longest) for k in keys], ensure_ascii=False,
                             indent=2))
            return 0
        for k in keys:
            used = k.last_used_at.isoformat() if k.last_used_at else "chưa dùng"
            expiry = k.expiry(longest)
            expires = expiry.isoformat() if expiry else "không hạn"
            status = k.status(now, longest)
            print(f"{k.prefix}  {status:8}  {k.owner}  [{' '.join(sorted(k.scopes))}]  "
                  f"phạm vi {k.unit_scope}  hết hạn {expires}  dùng lần cuối {used}")
        return 0
    if args.command == "revoke":
        revoked = apikeys.revoke_key(conn, args.prefix, actor, reason=args.reason)
        if revoked is None:
            print(f"Không có khoá «{args.prefix}»", file=sys.stderr)
            return 1
        print(f"Đã thu hồi khoá {revoked.prefix} ({revoked.owner})")
        return 0
    hours = settings.api_key_rotation_grace_hours if args.grace_hours is None \
        else args.grace_hours
    old = apikeys.get_key(conn, args.prefix)
    kept = None if old is None else rotation_scopes(settings.service, old.scopes)
    if old is not None:
        require_unit_of_jurisdiction(old.unit_scope, today_vn(), settings.jurisdiction)
    rotated = apikeys.rotate_key(conn, args.prefix, actor, timedelta(hours=hours),
                                 longest=longest, scopes=kept)
    if rotated is None or old is None:
        print(f"Khoá «{args.prefix}» không tồn tại, đã thu hồi hoặc hết hạn", file=sys.stderr)
        return 1
    key, plaintext = rotated
    print(f"Khoá API mới (chỉ hiện một lần, hãy lưu ngay): {plaintext}")
    print(f"Mã nhận diện: {key.prefix}; khoá cũ {args.prefix} hết hạn sau {hours:g} giờ")
    dropped = sorted(old.scopes - key.scopes)
    if dropped:
        print(f"Khoá mới không mang quyền của dịch vụ khác: {' '.join(dropped)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
