"""What authentication costs per request: JWT verification, API key lookup, and a read through
the HTTP stack with each kind of credential (SQLite, no lifespan). `python -m bench auth`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from bench.common import Timer, report, temp_dir
from services.religion.app import create_app
from shared.auth.apikeys import authenticate_key, create_key
from shared.auth.jwt import JwtVerifier
from shared.settings import Settings

ROUNDS = 2000
REQUESTS = 500


def main() -> None:
    print("auth: chi phí xác thực mỗi yêu cầu")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with temp_dir() as tmp:
        pem = tmp / "idp.pem"
        pem.write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        settings = Settings.for_service(
            "religion", database_url=f"sqlite:///{tmp / 'religion.db'}", data_dir=tmp,
            environment="test", auth_mode="required", jwt_public_keys=str(pem),
            jwt_issuer="https://sso.bench", log_level="ERROR",
        )
        now = datetime.now(UTC)
        token = jwt.encode({"iss": "https://sso.bench", "aud": "danvan", "sub": "bench",
                            "iat": int(now.timestamp()),
                            "exp": int((now + timedelta(hours=1)).timestamp()),
                            "scope": "religion:read", "unit_scope": "31"}, key, algorithm="RS256")
        verifier = JwtVerifier(settings)
        with Timer() as t:
            for _ in range(ROUNDS):
                verifier.verify(token)
        report("JWT RS256 verified", ROUNDS, t.seconds)

        app = create_app(settings)
        runtime = app.state.runtime
        runtime.create_schema()
        with runtime.engine.begin() as conn:
            _, api_key = create_key(conn, owner="bench", scopes=["religion:read"],
                                    created_by="bench")
        with Timer() as t:
            for _ in range(ROUNDS):
                with runtime.engine.begin() as conn:
                    authenticate_key(conn, api_key)
        report("API key authenticated (SQLite)", ROUNDS, t.seconds)

        # Baseline: the same read in development mode without credentials.
        baseline_app = create_app(settings.model_copy(update={"auth_mode": "development"}))
        baseline_client = TestClient(baseline_app)
        with Timer() as t:
            for _ in range(REQUESTS):
                assert baseline_client.get("/api/v1/sites").status_code == 200
        baseline = report("GET /sites, development headers (baseline)", REQUESTS, t.seconds)
        client = TestClient(app)
        for name, headers in (("GET /sites with a JWT", {"Authorization": f"Bearer {token}"}),
                              ("GET /sites with an API key", {"X-API-Key": api_key})):
            with Timer() as t:
                for _ in range(REQUESTS):
                    assert client.get("/api/v1/sites", headers=headers).status_code == 200
            report(name, REQUESTS, t.seconds, baseline)
        runtime.engine.dispose()
        baseline_app.state.runtime.engine.dispose()


if __name__ == "__main__":
    main()
