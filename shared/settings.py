"""One settings object per service process, read from the environment (pydantic-settings)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared import messages
from shared.adminunits.model import PROVINCE_CODE_PATTERN

DEFAULT_PORTS: dict[str, int] = {
    "indicators": 8101,
    "religion": 8102,
    "dialogue": 8103,
    "reporting": 8104,
}
DEFAULT_NATS_URL = "nats://127.0.0.1:14222"
DEV_SECRET = "danvan-development-secret"


class Settings(BaseSettings):
    """Everything a service process needs to know about its surroundings."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service: str = "unknown"
    environment: Literal["development", "test", "production"] = "development"
    database_url: str = ""
    # SQLite: how long a writer waits for the file before its request gets 503.
    database_busy_timeout_s: float = Field(default=30.0, gt=0, le=600)
    # A service started while its database does not answer (PostgreSQL down or still
    # starting) stays up, answers /healthz and /readyz (503), refuses its other requests 503
    # DATABASE_UNAVAILABLE and tries again (1 s doubling to 30 s) until the database answers,
    # then migrates and starts its work. 0: as long as it takes; otherwise the process exits
    # (code 3) after about this many seconds, for a supervisor that should see the failure.
    database_start_wait_s: float = Field(default=0.0, ge=0)
    # PostgreSQL: how long one database call made for an HTTP request (a statement, a commit,
    # the pool's pre-ping) may wait for the server's answer before its connection is closed and
    # the request answered 503 DATABASE_UNAVAILABLE, nothing committed (shared/requestbound.py):
    # a backend stopped while its host still acknowledges TCP otherwise holds the request and
    # its thread for ever. Per call, so a request doing many short ones is not cut. 0: off.
    database_request_wait_s: float = Field(default=30.0, ge=0)
    # PostgreSQL: the same bound on each database call of the relay, the consumers (a
    # rebuild's too) and the background jobs: past it the relay retries after its backoff, a
    # consumer pauses, a scan is retried, each on a new connection, instead of waiting for ever
    # on a stopped backend. Longer than a request's: a consumer's batch statement may be long
    # on a loaded server. The migrations and a rebuild's own steps are never bounded. 0: off.
    database_work_wait_s: float = Field(default=60.0, ge=0)
    # SQLite: FULL fsyncs the WAL at every commit, so a power cut loses no answered command and
    # nothing is published that the file does not keep; NORMAL fsyncs at checkpoints only
    # (several times the commit rate; a power cut can roll back the last commits). Unset: FULL
    # in production, NORMAL on a development or test machine (docs/reliability.md).
    sqlite_synchronous: Literal["FULL", "NORMAL"] | None = None
    nats_url: str = DEFAULT_NATS_URL
    # How often the client pings its NATS node; two pings still unanswered at the next one
    # drop the link and nats-py moves to another node of NATS_URL. nats-py's own default,
    # 120 s, left a service on a node that hung or was cut off (its TCP connection still open)
    # for minutes: relay and consumers stalled 121 s of a 2-minute partition while two nodes
    # served.
    nats_ping_interval_s: int = Field(default=3, ge=1, le=120)
    nats_user: str | None = None
    nats_password: str | None = None
    # Subject root and stream prefix; tests give each case its own so they never share streams.
    subject_root: str = "danvan"
    host: str = "127.0.0.1"
    port: int = 0
    data_dir: Path = Path("var")
    log_level: str = "INFO"
    log_json: bool = True

    stream_replicas: int = Field(default=1, ge=1, le=5)
    # Dedup window for Nats-Msg-Id: a relay that crashed between the ack and the mark
    # republishes within seconds, so an hour is plenty and bounds the server's memory.
    stream_duplicate_window_s: float = 3600.0

    relay_batch_size: int = Field(default=2000, ge=1, le=10_000)
    relay_poll_interval_s: float = 0.5
    relay_publish_timeout_s: float = 5.0
    # /readyz says not ready once the relay has failed to publish for this long (its stream
    # gone and not made again, JetStream refusing): commands would be answered 201 and their
    # events reach no one. Longer than a publish retry's backoff, so one never flips it.
    relay_unready_after_s: float = Field(default=60.0, gt=0)
    # /readyz names a consumer JetStream has not answered for this long (it cannot read its
    # stream): shown in checks.consumers, the service stays ready (docs/reliability.md).
    consumer_stalled_after_s: float = Field(default=60.0, gt=0)
    # How often an idle relay writes its watermark (shared/watermark.py): what it has published
    # and that nothing is left in its outbox. A finalisation's ask is answered at once; this
    # beat answers one the relay missed (it was reconnecting) and shows operators it is alive.
    relay_watermark_interval_s: float = Field(default=2.0, gt=0, le=60)

    consumer_batch_size: int = Field(default=256, ge=1, le=10_000)
    # Failures of one event on working infrastructure before it is dead-lettered; failures
    # during an outage do not count (docs/reliability.md).
    consumer_poison_attempts: int = Field(default=5, ge=1)
    # Short, so a crashed consumer's messages come back within seconds; live work keeps its
    # messages with in_progress signals.
    consumer_ack_wait_s: float = Field(default=5.0, ge=1.0)
    # How long a report's finalisation waits for reporting's consumers to apply every event
    # published so far before it refuses (503 + Retry-After): the signed figures must be those
    # of the report as of the signing's moment, not of a projection still catching up.
    finalise_catch_up_s: float = Field(default=5.0, ge=0.0, le=300.0)
    # And, within the same bound, for every source service's relay to show (its watermark,
    # written after the finalisation began) that nothing committed before is left in its
    # outbox. Off only where no source relay runs (tests feeding reporting's streams by hand).
    finalise_source_watermarks: bool = True

    # How often dialogue's scheduler looks for reminders and overdue commitments. Both are facts
    # about whole days, so a few minutes of delay is invisible to users.
    dialogue_scan_interval_s: float = Field(default=300.0, gt=0, le=86_400)
    # How long an Idempotency-Key is remembered (shared/idempotency.py): a partner's retries
    # come within minutes; a day covers one that retries the next morning.
    idempotency_retention_hours: float = Field(default=24.0, gt=0, le=24 * 30)

    max_body_bytes: int = 2_000_000
    max_upload_bytes: int = 50_000_000

    # The one province this deployment serves (JURISDICTION, a 2-digit national code): every
    # unit a command records and every report scope must lie inside it on its date
    # (shared/unitcheck.py). Hai Phong for the Commission.
    jurisdiction: str = Field(default="31", pattern=PROVINCE_CODE_PATTERN)

    # Authentication (shared/auth, README "Xác thực"). "required": every API request carries a
    # bearer JWT or an API key. "development": credentials are used when present, otherwise the
    # development headers (X-Actor, X-Department, X-Scopes, X-Unit-Scope) are trusted: a
    # convenience for `make run` and tests only; production refuses it. Default: "development"
    # when ENVIRONMENT is development or test, "required" otherwise.
    auth_mode: Literal["required", "development"] = "required"
    # Public keys trusted for RS256 bearer tokens: comma-separated PEM files, JWKS files or
    # https JWKS addresses of the institution's identity provider.
    jwt_public_keys: str = ""
    jwt_issuer: str | None = None
    jwt_audience: str | None = "danvan"
    jwt_leeway_s: float = Field(default=30.0, ge=0, le=300)
    # Claim names, so an identity provider's tokens map without a custom mapper.
    jwt_subject_claim: str = "sub"
    jwt_scope_claim: str = "scope"
    jwt_unit_claim: str = "unit_scope"
    jwt_department_claim: str = "department"
    # The longest a bearer token may live (exp - iat): a token signed for years is an identity
    # provider's misconfiguration, refused rather than trusted until then (finding O11).
    jwt_max_lifetime_s: int = Field(default=24 * 3600, ge=60, le=30 * 24 * 3600)
    dev_token_ttl_s: int = Field(default=8 * 3600, ge=60, le=7 * 24 * 3600)
    api_key_rotation_grace_hours: float = Field(default=72.0, ge=0, le=24 * 90)
    # An API key's lifetime (finding J16): a key created without an expiry date expires after
    # API_KEY_DEFAULT_DAYS, none may be given one more than API_KEY_MAX_DAYS ahead, and a key
    # stored before this rule without an expiry expires API_KEY_MAX_DAYS after its creation.
    api_key_default_days: int = Field(default=90, ge=1, le=3650)
    api_key_max_days: int = Field(default=365, ge=1, le=3650)
    # /metrics names routes, volumes and failures: in AUTH_MODE=required it asks, like the
    # API, for a credential, one holding the "metrics" scope (Prometheus sends an API key,
    # deploy/OPERATIONS.md). True opens it to anyone who reaches the port: only where the
    # network itself keeps that port from everyone but the scraper.
    metrics_public: bool = False

    @property
    def sqlite_synchronous_mode(self) -> Literal["FULL", "NORMAL"]:
        if self.sqlite_synchronous is not None:
            return self.sqlite_synchronous
        return "FULL" if self.environment == "production" else "NORMAL"

    @model_validator(mode="before")
    @classmethod
    def _auth_mode_follows_environment(cls, data: Any) -> Any:
        if isinstance(data, dict) and not any(k.lower() == "auth_mode" for k in data):
            environment = next(
                (v for k, v in data.items() if k.lower() == "environment"), "development"
            )
            mode = "development" if environment in ("development", "test") else "required"
            data = {**data, "auth_mode": mode}
        return data

    @model_validator(mode="after")
    def _key_default_within_max(self) -> Settings:
        if self.api_key_default_days > self.api_key_max_days:
            raise ValueError(messages.API_KEY_DEFAULT_OVER_MAX.format(
                default=self.api_key_default_days, longest=self.api_key_max_days))
        return self

    @model_validator(mode="after")
    def _dev_tokens_within_max_lifetime(self) -> Settings:
        if self.dev_token_ttl_s > self.jwt_max_lifetime_s:
            raise ValueError(messages.DEV_TOKEN_TTL_OVER_MAX.format(
                ttl=self.dev_token_ttl_s, longest=self.jwt_max_lifetime_s))
        return self

    @model_validator(mode="after")
    def _no_development_auth_in_production(self) -> Settings:
        if self.environment == "production" and self.auth_mode == "development":
            raise ValueError(messages.DEVELOPMENT_AUTH_WITH_PRODUCTION)
        return self

    @classmethod
    def for_service(cls, service: str, **overrides: object) -> Settings:
        """Settings of `service`: `<SERVICE>_PORT` and `<SERVICE>_DATABASE_URL` win over the
        generic names, so one shell can describe several services."""
        prefix = service.upper()
        values: dict[str, object] = {"service": service}
        port = os.environ.get(f"{prefix}_PORT") or os.environ.get("PORT")
        values["port"] = int(port) if port else DEFAULT_PORTS.get(service, 8100)
        db = os.environ.get(f"{prefix}_DATABASE_URL")
        if db:
            values["database_url"] = db
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        if not settings.database_url:
            path = (settings.data_dir / f"{service}.db").resolve()
            settings = settings.model_copy(update={"database_url": f"sqlite:///{path}"})
        return settings

    @property
    def stream_name(self) -> str:
        return stream_name_for(self.subject_root, self.service)


def stream_name_for(subject_root: str, service: str) -> str:
    """JetStream stream of a service: one per service, e.g. DANVAN_RELIGION."""
    return f"{subject_root}_{service}".upper().replace(".", "_").replace("-", "_")
