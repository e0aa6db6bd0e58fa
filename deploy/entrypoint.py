"""Container entry point of a service: refuse unsafe settings, exec uvicorn.

The image bakes in `SERVICE` (build arg) and `ENVIRONMENT=production`. Outside development a
service refuses to start on the development defaults: an SQLite file, the local
development nats-server, a NATS without credentials, a known or placeholder password, or
single-replica streams in production (except on a department's own single-server site).
Migrations are applied by the service itself on start
(ServiceRuntime), so a container never serves an old schema. NATS_URL reaches the service as
given: the whole list of cluster nodes, every one of which the service keeps trying until one
answers (shared/natsconn.py), whichever were down when the container started.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from pydantic import ValidationError
from sqlalchemy.engine import make_url

from shared.db import normalise_url
from shared.settings import DEFAULT_NATS_URL, DEFAULT_PORTS, DEV_SECRET, Settings

# Passwords nobody may deploy with: the development defaults and the placeholder of
# deploy/env.example (copied but never edited).
WEAK_SECRETS = frozenset(
    {
        DEV_SECRET,
        "thay-bang-mat-khau-manh",
        "postgres",
        "password",
        "danvan",
        "changeme",
        "secret",
        "admin",
        "123456",
    }
)
MIN_SECRET_LENGTH = 12
PRODUCTION_REPLICAS = 3
EXIT_CONFIG = 78  # EX_CONFIG: the orchestrator shows a configuration error, not a crash

MESSAGES = {
    "unknown_service": "Biến SERVICE không hợp lệ: {service!r} (một trong: {known})",
    "sqlite": "Môi trường {environment}: cơ sở dữ liệu phải là PostgreSQL, không dùng tệp SQLite"
    " (đặt {prefix}_DATABASE_URL hoặc DATABASE_URL)",
    "db_password": "Mật khẩu cơ sở dữ liệu yếu hoặc là giá trị mặc định (tối thiểu {length} ký tự)",
    "nats_default": "Môi trường {environment}: NATS_URL đang là máy chủ NATS phát triển {url}",
    "nats_credentials": "Thiếu NATS_USER hoặc NATS_PASSWORD: cụm NATS phải có xác thực",
    "nats_password": "Mật khẩu NATS yếu hoặc là giá trị mặc định (tối thiểu {length} ký tự)",
    "replicas": "Môi trường production: STREAM_REPLICAS phải là {replicas} (cụm 3 nút),"
    " hiện là {current}",
    "dev_secret": "Biến {name} đang dùng khóa bí mật phát triển; hãy đặt giá trị riêng",
    "refused": "Dịch vụ {service} từ chối khởi động vì cấu hình không an toàn:",
}


def _weak(secret: str | None) -> bool:
    return not secret or secret in WEAK_SECRETS or len(secret) < MIN_SECRET_LENGTH


def configuration_problems(settings: Settings, environ: Mapping[str, str]) -> list[str]:
    """What makes these settings unfit outside development (empty when fit)."""
    if settings.environment == "development":
        return []
    problems: list[str] = []
    environment = settings.environment
    database = make_url(normalise_url(settings.database_url))
    if database.get_backend_name() != "postgresql":
        problems.append(
            MESSAGES["sqlite"].format(environment=environment, prefix=settings.service.upper())
        )
    elif _weak(database.password):
        problems.append(MESSAGES["db_password"].format(length=MIN_SECRET_LENGTH))
    if DEFAULT_NATS_URL in settings.nats_url.split(","):
        problems.append(MESSAGES["nats_default"].format(environment=environment,
                                                        url=DEFAULT_NATS_URL))
    if not settings.nats_user or not settings.nats_password:
        problems.append(MESSAGES["nats_credentials"])
    elif _weak(settings.nats_password):
        problems.append(MESSAGES["nats_password"].format(length=MIN_SECRET_LENGTH))
    # A department's own site (DEPARTMENT_SITE, deploy/department/) runs one NATS server: its
    # stream has one replica there, and the central cluster keeps the 3-replica copy.
    department_site = bool(environ.get("DEPARTMENT_SITE"))
    if (environment == "production" and settings.stream_replicas != PRODUCTION_REPLICAS
            and not department_site):
        problems.append(
            MESSAGES["replicas"].format(replicas=PRODUCTION_REPLICAS,
                                        current=settings.stream_replicas)
        )
    problems.extend(
        MESSAGES["dev_secret"].format(name=name)
        for name, value in sorted(environ.items())
        if value == DEV_SECRET or (DEV_SECRET in value and "://" in value)
    )
    return problems


def uvicorn_command(service: str, host: str, port: int) -> list[str]:
    return [
        "uvicorn",
        f"services.{service}.app:create_app",
        "--factory",
        "--host", host,
        "--port", str(port),
        "--no-access-log",  # structlog logs each refused request; access logs would double it
        "--proxy-headers",
        "--timeout-graceful-shutdown", "20",
    ]


def _load_settings(
    service: str, environ: Mapping[str, str]
) -> tuple[Settings | None, list[str]]:
    try:
        settings = Settings.for_service(service)
    except ValidationError as exc:
        # The settings' own refusals (e.g. AUTH_MODE=development in production), one a line.
        return None, [str(e.get("ctx", {}).get("error") or e["msg"]) for e in exc.errors()]
    return settings, configuration_problems(settings, environ)


def main(argv: Sequence[str] | None = None) -> int:
    environ = dict(os.environ)
    service = environ.get("SERVICE", "")
    if service not in DEFAULT_PORTS:
        print(MESSAGES["unknown_service"].format(service=service, known=", ".join(DEFAULT_PORTS)),
              file=sys.stderr)
        return EXIT_CONFIG
    settings, problems = _load_settings(service, environ)
    if settings is None or problems:
        print(MESSAGES["refused"].format(service=service), file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_CONFIG
    command = uvicorn_command(service, environ.get("HOST", "0.0.0.0"), settings.port)
    if argv is not None and "--dry-run" in argv:
        print(" ".join(command))
        return 0
    os.execvpe(command[0], command, environ)  # replaces this process: uvicorn gets the signals


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
