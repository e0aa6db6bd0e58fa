"""What authentication costs per request: JWT verification, API key lookup, and a read through
the HTTP stack with each kind of credential (SQLite, no lifespan). `python -m bench auth`."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from bench.common import Timer, report, temp_dir
from services.religion.app import create_app
from shared.auth.apikeys import authenticate_key, create_key
from shared.auth.jwt import JwtVerifier
from shared.auth.units import covers_during, tree_codes
from shared.settings import Settings

ROUNDS = 2000
REQUESTS = 500
RECORDS = 100_000


def _list_read_in_python() -> None:
    """A district board's list made in Python (the models' register, `may_read_record`):
    each record of the city checked by the days of its life, of the board's units and
    others'. Wall time and this process's CPU time (a shared machine moves the first)."""
    rng = random.Random(20261206)
    units = [*sorted(tree_codes("312") or ()), "11755", "11737", "11311", "11296"]
    records = []
    for _ in range(RECORDS):
        first = date(2023, 1, 1) + timedelta(days=rng.randrange(1200))
        last = None if rng.random() < 0.5 else first + timedelta(days=rng.randrange(400))
        records.append((rng.choice(units), first, last))
    covers_during("312", units[0], date(2024, 1, 1), None)  # the scope's spans, once
    cpu = time.process_time()
    with Timer() as t:
        kept = sum(covers_during("312", unit, first, last) for unit, first, last in records)
    cpu = time.process_time() - cpu
    report(f"list read in Python, district scope ({kept} of)", RECORDS, t.seconds)
    print(f"  {'  CPU per record':<52}{cpu / RECORDS * 1e6:12.2f} us", flush=True)


def main() -> None:
    print("auth: chi phí xác thực mỗi yêu cầu")
    _list_read_in_python()
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
