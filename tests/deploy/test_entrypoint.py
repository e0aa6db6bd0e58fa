"""The container's entry point: development defaults are refused outside development."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from deploy import entrypoint
from deploy.entrypoint import EXIT_CONFIG, configuration_problems
from shared.natsserver import free_port
from shared.settings import DEV_SECRET, Settings
from tests.deploy.compose import ROOT, environment_of, interpolate, load_compose
from tests.deploy.test_compose import STRONG


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield int(server.getsockname()[1])


def _container_env(service: str, secrets: dict[str, str], **extra: str) -> dict[str, str]:
    """The environment compose gives the service's container, plus what the image sets."""
    spec: dict[str, Any] = load_compose()["services"][service]
    env = interpolate(environment_of(spec), secrets)
    return {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "SERVICE": service,
        "HOST": "0.0.0.0",
        **env,
        **extra,
    }


def _run_entrypoint(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deploy.entrypoint", "--dry-run"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_container_with_real_secrets_starts_uvicorn(listening_port: int) -> None:
    dead = free_port()
    env = _container_env(
        "religion",
        STRONG,
        NATS_URL=f"nats://127.0.0.1:{dead},nats://127.0.0.1:{listening_port}",
    )
    result = _run_entrypoint(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "uvicorn", "services.religion.app:create_app", "--factory", "--host", "0.0.0.0",
        "--port", "8000", "--no-access-log", "--proxy-headers",
        "--timeout-graceful-shutdown", "20",
    ]


def _started_environment(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> dict[str, str]:
    """The environment the entry point execs uvicorn with, from the container's `env`."""
    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    started: dict[str, str] = {}

    def exec_instead(_file: str, _args: list[str], environ: dict[str, str]) -> None:
        started.update(environ)

    monkeypatch.setattr(os, "execvpe", exec_instead)
    entrypoint.main([])
    assert started, "the entry point refused to start"
    return started


@pytest.mark.parametrize("answering", [False, True], ids=["cluster-down", "one-node-up"])
def test_the_service_is_given_every_nats_node_whichever_answer_at_its_start(
    monkeypatch: pytest.MonkeyPatch, listening_port: int, answering: bool
) -> None:
    # S1: started while the cluster is down, a service handed one node stayed off NATS until
    # that very node came back, though the others ran. Given all, it keeps trying each.
    nodes = [f"nats://127.0.0.1:{free_port()}" for _ in range(3)]
    if answering:
        nodes[1] = f"nats://127.0.0.1:{listening_port}"
    listed = ",".join(nodes)
    started = _started_environment(
        monkeypatch, _container_env("religion", STRONG, NATS_URL=listed))
    assert started["NATS_URL"] == listed


def test_container_with_the_example_placeholders_refuses_to_start() -> None:
    example = (ROOT / "deploy" / "env.example").read_text()
    placeholders = dict(
        line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#")
    )
    result = _run_entrypoint(
        _container_env("reporting", placeholders, NATS_URL="nats://127.0.0.1:1")
    )
    assert result.returncode == EXIT_CONFIG
    assert "Dịch vụ reporting từ chối khởi động" in result.stderr
    assert "Mật khẩu cơ sở dữ liệu yếu" in result.stderr
    assert "Mật khẩu NATS yếu" in result.stderr


def test_an_unknown_service_name_is_refused() -> None:
    env = _container_env("religion", STRONG, SERVICE="tongiao")
    result = _run_entrypoint(env)
    assert result.returncode == EXIT_CONFIG
    assert "SERVICE không hợp lệ" in result.stderr


def _settings(**values: Any) -> Settings:
    base: dict[str, Any] = {
        "service": "religion",
        "environment": "production",
        "database_url": f"postgresql://religion:{STRONG['RELIGION_DB_PASSWORD']}@db/religion",
        "nats_url": "nats://nats-1:4222,nats://nats-2:4222",
        "nats_user": "danvan",
        "nats_password": STRONG["NATS_PASSWORD"],
        "stream_replicas": 3,
    }
    base.update(values)
    return Settings(**base)


def test_fit_production_settings_have_no_problem() -> None:
    assert configuration_problems(_settings(), {}) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"database_url": "sqlite:///var/religion.db"}, "phải là PostgreSQL"),
        ({"database_url": "postgresql://religion:postgres@db/religion"}, "cơ sở dữ liệu yếu"),
        ({"database_url": "postgresql://religion@db/religion"}, "cơ sở dữ liệu yếu"),
        ({"nats_url": "nats://127.0.0.1:14222"}, "máy chủ NATS phát triển"),
        ({"nats_user": None}, "Thiếu NATS_USER"),
        ({"nats_password": "short"}, "Mật khẩu NATS yếu"),
        ({"nats_password": DEV_SECRET}, "Mật khẩu NATS yếu"),
        ({"stream_replicas": 1}, "STREAM_REPLICAS phải là 3"),
    ],
)
def test_each_development_default_is_refused_in_production(
    change: dict[str, Any], expected: str
) -> None:
    problems = configuration_problems(_settings(**change), {})
    assert len(problems) == 1 and expected in problems[0], problems


def test_a_department_site_runs_single_replica_streams_and_nothing_else_is_relaxed() -> None:
    site = {"DEPARTMENT_SITE": "phong-ton-giao"}
    assert configuration_problems(_settings(stream_replicas=1), site) == []
    weak = configuration_problems(_settings(stream_replicas=1, nats_password="short"), site)
    assert len(weak) == 1 and "Mật khẩu NATS yếu" in weak[0]


def test_the_development_secret_in_any_variable_is_refused() -> None:
    problems = configuration_problems(_settings(), {"AUTH_JWT_SECRET": DEV_SECRET})
    assert len(problems) == 1
    assert problems[0].startswith("Biến AUTH_JWT_SECRET đang dùng khóa bí mật phát triển")


def test_test_environment_is_held_to_the_same_rules_except_replicas() -> None:
    assert configuration_problems(_settings(environment="test", stream_replicas=1), {}) == []
    assert configuration_problems(
        _settings(environment="test", database_url="sqlite:///x.db"), {}
    )


def test_development_keeps_its_defaults() -> None:
    settings = Settings(service="religion", database_url="sqlite:///var/religion.db")
    assert settings.environment == "development"
    assert configuration_problems(settings, {"X": DEV_SECRET}) == []


def test_settings_refusals_are_reported_in_vietnamese_not_as_a_traceback() -> None:
    env = _container_env("religion", STRONG, AUTH_MODE="development")
    result = _run_entrypoint(env)
    assert result.returncode == EXIT_CONFIG
    assert "Dịch vụ religion từ chối khởi động" in result.stderr
    assert "AUTH_MODE=development" in result.stderr
    assert "Traceback" not in result.stderr
