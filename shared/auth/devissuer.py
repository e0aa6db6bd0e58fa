"""The local development issuer: an RS256 key under DATA_DIR/dev-jwt/ and tokens signed with it.

`make run` needs no identity provider: the key is generated on first start (the four
services share DATA_DIR, so whichever starts first creates it and the others read it), every
service trusts it in development, and `POST /api/v1/auth/dev-token` or

    python -m shared.auth.devissuer --subject can-bo-a --scopes "religion:read religion:write" \\
        --unit-scope 315

hands out tokens. Production refuses to trust this key (shared.auth.config).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
import tempfile
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from shared import messages
from shared.auth.jwt import TrustedKey
from shared.clock import today_vn
from shared.envelope import utcnow
from shared.errors import InvalidInput
from shared.settings import Settings
from shared.unitcheck import require_unit_of_jurisdiction

DEV_ISSUER = "danvan-dev"
DEV_KID = "danvan-dev-1"


def key_dir(settings: Settings) -> Path:
    return (settings.data_dir / "dev-jwt").resolve()


def private_key_path(settings: Settings) -> Path:
    return key_dir(settings) / "private.pem"


def public_key_path(settings: Settings) -> Path:
    return key_dir(settings) / "public.pem"


def ensure_dev_key(settings: Settings) -> RSAPrivateKey:
    """The development signing key, created once; concurrent starters agree on one file."""
    path = private_key_path(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".private-")
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, pem)
            os.close(fd)
            # link() fails if another process got there first: theirs wins, ours is dropped.
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    loaded = _private_key(path.read_bytes())
    public = public_key_path(settings)
    public_pem = loaded.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if not public.exists() or public.read_bytes() != public_pem:
        tmp_public = public.with_name(f".public-{uuid4().hex}")
        tmp_public.write_bytes(public_pem)
        tmp_public.replace(public)
    return loaded


@functools.lru_cache(maxsize=8)
def _private_key(pem: bytes) -> RSAPrivateKey:
    """The key a file holds, parsed once per content: parsing checks the RSA key, a good part
    of a second on a loaded machine, and every service app built (every token issued) read it
    again. Keyed by the file's bytes, so a replaced key is parsed anew."""
    loaded = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(loaded, RSAPrivateKey)
    return loaded


def dev_trusted_key(settings: Settings) -> TrustedKey:
    public = ensure_dev_key(settings).public_key()
    return TrustedKey(public, DEV_KID, DEV_ISSUER, str(public_key_path(settings)))


def is_dev_public_key(settings: Settings, key: RSAPublicKey) -> bool:
    """Whether `key` is this installation's development key (refused in production)."""
    path = public_key_path(settings)
    if not path.exists():
        return False
    dev = serialization.load_pem_public_key(path.read_bytes())
    return isinstance(dev, RSAPublicKey) and dev.public_numbers() == key.public_numbers()


def issue_dev_token(
    settings: Settings,
    *,
    subject: str,
    scopes: Sequence[str],
    unit_scope: str,
    department: str | None = None,
    ttl: timedelta | None = None,
) -> tuple[str, int]:
    """A signed token for this identity. Its unit scope follows an API key's rule: a token
    for «999» or a Hà Nội ward opened nothing and said nothing (422 UNKNOWN_UNIT or
    OUTSIDE_JURISDICTION, as the route and the console both ask here)."""
    require_unit_of_jurisdiction(unit_scope, today_vn(), settings.jurisdiction)
    key = ensure_dev_key(settings)
    now = utcnow()
    lifetime = ttl or timedelta(seconds=settings.dev_token_ttl_s)
    # The services refuse a token living longer than JWT_MAX_LIFETIME_S: none is signed.
    if lifetime.total_seconds() > settings.jwt_max_lifetime_s:
        raise InvalidInput(
            "TOKEN_LIFETIME_TOO_LONG",
            messages.DEV_TOKEN_LIFETIME_TOO_LONG.format(
                minutes=settings.jwt_max_lifetime_s // 60,
                wanted=int(lifetime.total_seconds()) // 60),
            longest_minutes=settings.jwt_max_lifetime_s // 60,
        )
    claims = {
        "iss": DEV_ISSUER,
        "sub": subject,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": uuid4().hex,
        settings.jwt_scope_claim: " ".join(sorted(scopes)),
        settings.jwt_unit_claim: unit_scope,
    }
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    if department:
        claims[settings.jwt_department_claim] = department
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": DEV_KID})
    return token, int(lifetime.total_seconds())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shared.auth.devissuer",
        description="Cấp mã truy cập (JWT) phát triển, ký bằng khoá trong DATA_DIR/dev-jwt/",
    )
    parser.add_argument("--subject", required=True, help="tên đăng nhập của cán bộ")
    parser.add_argument("--scopes", required=True, help='ví dụ "religion:read religion:write"')
    parser.add_argument("--unit-scope", default="31", help="mã đơn vị: 31, mã huyện, mã xã")
    parser.add_argument("--department", default=None)
    parser.add_argument("--ttl-minutes", type=int, default=480)
    args = parser.parse_args(argv)
    settings = Settings()
    if settings.environment == "production":
        print("Không cấp mã phát triển trong môi trường production", file=sys.stderr)
        return 2
    try:
        token, _ = issue_dev_token(
            settings,
            subject=args.subject,
            scopes=args.scopes.replace(",", " ").split(),
            unit_scope=args.unit_scope,
            department=args.department,
            ttl=timedelta(minutes=args.ttl_minutes),
        )
    except InvalidInput as exc:
        print(f"Lỗi: {exc.message}", file=sys.stderr)
        return 2
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
