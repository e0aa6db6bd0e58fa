"""The HTTP benchmark's yardstick: a bare FastAPI app doing what a site registration must do
at the least, started by the bench with uvicorn exactly as the services are.

It validates the same body with the same pydantic model (`RegisterSite`) and writes one row
per request to an SQLite file with the kernel's pragmas (WAL, synchronous=NORMAL), one
transaction each; a duplicate code is a 409. No events, no outbox, no authentication, no
middleware: what is left of danvan's time per request beside it is the platform's cost.

`python -m uvicorn bench.bareapp:create_app --factory`, the file in BARE_APP_DB.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from services.religion.application.commands import RegisterSite


def create_app() -> FastAPI:
    conn = sqlite3.connect(
        os.environ["BARE_APP_DB"], isolation_level=None, check_same_thread=False, timeout=30
    )
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS sites (code TEXT PRIMARY KEY, commune_code TEXT NOT NULL,"
        " body TEXT NOT NULL)"
    )
    # One writer at a time, as SQLite has it anyway; the route runs in FastAPI's thread pool
    # like any plain `def` route.
    lock = threading.Lock()
    app = FastAPI()

    @app.post("/api/v1/sites", status_code=201, response_model=None)
    def register_site(command: RegisterSite) -> dict[str, Any] | JSONResponse:
        body = json.dumps(command.model_dump(mode="json"), ensure_ascii=False)
        with lock:
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(
                    "INSERT INTO sites (code, commune_code, body) VALUES (?, ?, ?)",
                    (command.code, command.commune_code, body),
                )
                conn.execute("COMMIT")
            except sqlite3.IntegrityError:
                conn.execute("ROLLBACK")
                return JSONResponse({"code": "SITE_CODE_TAKEN"}, status_code=409)
        return {"aggregate_id": command.code, "version": 1}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
