"""docker-compose.yml, the image recipe and the NATS configuration, checked without Docker.

The compose file is validated against the Compose Specification's JSON schema, then held to
what the deployment promises: one database per service, a 3-node JetStream cluster with a
volume per node and fsync on every write, no published internal ports, health-gated start
order, 3-replica streams, and secrets only from the environment.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from deploy.nats_config import compose_nodes, stale_configs
from tests.deploy.compose import (
    NATS_NODES,
    ROOT,
    SERVICES,
    MissingVariable,
    compose_schema,
    environment_of,
    interpolate,
    load_compose,
)

STRONG = {
    "POSTGRES_PASSWORD": "0f3c9a5d1e2b4c6d8e7f9a0b",
    "INDICATORS_DB_PASSWORD": "a1b2c3d4e5f6a7b8c9d0e1f2",
    "RELIGION_DB_PASSWORD": "b2c3d4e5f6a7b8c9d0e1f2a3",
    "DIALOGUE_DB_PASSWORD": "c3d4e5f6a7b8c9d0e1f2a3b4",
    "REPORTING_DB_PASSWORD": "d4e5f6a7b8c9d0e1f2a3b4c5",
    "NATS_USER": "danvan",
    "NATS_PASSWORD": "e5f6a7b8c9d0e1f2a3b4c5d6",
    "NATS_INDICATORS_PASSWORD": "f6a7b8c9d0e1f2a3b4c5d6e7",
    "NATS_RELIGION_PASSWORD": "a7b8c9d0e1f2a3b4c5d6e7f8",
    "NATS_DIALOGUE_PASSWORD": "b8c9d0e1f2a3b4c5d6e7f8a9",
    "NATS_REPORTING_PASSWORD": "c9d0e1f2a3b4c5d6e7f8a9b0",
    "NATS_LEAF_PASSWORD": "d0e1f2a3b4c5d6e7f8a9b0c1",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


def _schema_errors(document: dict[str, Any]) -> list[str]:
    validator = Draft202012Validator(compose_schema())
    return [error.message for error in validator.iter_errors(document)]


def test_compose_file_is_valid_against_the_compose_specification(
    compose: dict[str, Any],
) -> None:
    assert _schema_errors(compose) == []
    assert _schema_errors(interpolate(compose, STRONG)) == []


def test_the_schema_check_catches_a_broken_file(compose: dict[str, Any]) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["religion"]["depends_on"]["postgres"]["condition"] = "service_happy"
    broken["services"]["reporting"]["healthcheck"] = {"interval": 10}
    assert len(_schema_errors(broken)) >= 2


def test_postgres_holds_one_database_per_service(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert "ports" not in postgres
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert "./deploy/postgres/init:/docker-entrypoint-initdb.d:ro" in postgres["volumes"]
    assert any(v.startswith("postgres-data:") for v in postgres["volumes"])
    env = environment_of(postgres)
    for service in SERVICES:
        variable = f"{service.upper()}_DB_PASSWORD"
        assert env[variable].startswith(f"${{{variable}:?"), "init gets each service's password"
        url = interpolate(environment_of(compose["services"][service]), STRONG)[
            f"{service.upper()}_DATABASE_URL"
        ]
        assert url == f"postgresql://{service}:{STRONG[variable]}@postgres:5432/{service}"


def test_nats_is_a_three_node_cluster_with_a_volume_per_node_and_no_published_port(
    compose: dict[str, Any],
) -> None:
    volumes = set()
    for name in NATS_NODES:
        node = compose["services"][name]
        assert "ports" not in node, "client, cluster and monitoring ports stay internal"
        image = interpolate(node["image"], {})
        assert image.startswith("nats:") and image.endswith("-alpine"), "official by default"
        config_mount, data_mount = node["volumes"]
        assert config_mount == f"./deploy/nats/{name}.conf:/etc/nats/nats.conf:ro"
        assert data_mount == f"{name}-data:/data"
        volumes.add(data_mount.split(":")[0])
        probe = " ".join(node["healthcheck"]["test"])
        assert "127.0.0.1:8222/healthz?js-enabled-only=true" in probe
        assert node["stop_signal"] == "SIGUSR2"
        assert set(environment_of(node)) == {"NATS_USER", "NATS_PASSWORD", "NATS_LEAF_PASSWORD"} | {
            f"NATS_{s.upper()}_PASSWORD" for s in SERVICES
        }
    assert volumes == {f"{n}-data" for n in NATS_NODES}
    assert volumes <= set(compose["volumes"])


def test_node_configurations_are_rendered_from_the_template_and_cluster_all_three() -> None:
    assert stale_configs() == [], "run: python -m deploy.nats_config"
    routes = {f"nats-route://{n}:6222" for n in NATS_NODES}
    for node in compose_nodes():
        text = (ROOT / "deploy" / "nats" / f"{node.server_name}.conf").read_text()
        assert f'server_name: "{node.server_name}"' in text
        assert re.search(r"^\s*sync_interval: always$", text, re.MULTILINE)
        assert set(re.findall(r"nats-route://[\w-]+:\d+", text)) == routes
        assert 'store_dir: "/data"' in text
        assert "user: $NATS_USER" in text and "password: $NATS_PASSWORD" in text


def test_services_are_built_gated_on_health_and_use_three_replica_streams(
    compose: dict[str, Any],
) -> None:
    published = []
    for service in SERVICES:
        spec = compose["services"][service]
        assert interpolate(spec["build"], {}) == {
            "context": ".",
            "dockerfile": "deploy/Dockerfile",
            "args": {"SERVICE": service, "PYTHON_IMAGE": "python:3.11-slim-bookworm"},
        }
        assert spec["depends_on"] == {
            dependency: {"condition": "service_healthy"}
            for dependency in ("postgres", *NATS_NODES)
        }
        env = interpolate(environment_of(spec), STRONG)
        assert env["ENVIRONMENT"] == "production"
        assert env["STREAM_REPLICAS"] == "3"
        # /metrics asks for a credential in the deployment (deploy/OPERATIONS.md).
        assert env["METRICS_PUBLIC"] == "false"
        assert env["NATS_URL"].split(",") == [f"nats://{n}:4222" for n in NATS_NODES]
        (port,) = spec["ports"]
        assert port.startswith("127.0.0.1:") and port.endswith(":8000")
        published.append(interpolate(port, {}))
        assert "ALL" in spec["cap_drop"]
    assert len(set(published)) == len(SERVICES)
    assert (ROOT / "services" / "reporting" / "app.py").exists()


def test_secrets_only_come_from_the_environment_and_are_required(
    compose: dict[str, Any],
) -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for match in re.finditer(r"\$\{(\w*(PASSWORD|USER)\w*)([^}]*)\}", text):
        assert match.group(3).startswith(":?"), f"{match.group(1)} must be required"
    for spec in compose["services"].values():
        for name, value in environment_of(spec).items():
            if "PASSWORD" in name:
                assert value.startswith("${"), f"literal secret in {name}"
    with pytest.raises(MissingVariable):
        interpolate(compose, {**STRONG, "NATS_PASSWORD": ""})
    with pytest.raises(MissingVariable):
        interpolate(compose, {k: v for k, v in STRONG.items() if k != "RELIGION_DB_PASSWORD"})


def test_env_example_names_every_variable_compose_requires(compose: dict[str, Any]) -> None:
    example = (ROOT / "deploy" / "env.example").read_text()
    defined = dict(
        line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#")
    )
    interpolate(compose, defined)  # raises if a required variable is missing from the example


def _dockerfile() -> str:
    return (ROOT / "deploy" / "Dockerfile").read_text()


def test_image_is_slim_non_root_pinned_and_health_checked() -> None:
    text = _dockerfile()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", text, re.MULTILINE)
    users = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert "-c constraints.txt" in text
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert 'CMD ["python", "-m", "deploy.entrypoint"]' in text
    assert "COPY services/${SERVICE} ./services/${SERVICE}" in text


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    rules = [line for line in lines if line and not line.startswith("#")]
    assert rules[0] == "*", "allow-list: everything not named stays out (.venv, var, .git)"
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    copied = set(re.findall(r"^COPY (?!--from)(.+) \S+$", _dockerfile(), re.MULTILINE))
    for sources in copied:
        for source in sources.split():
            top = source.split("/")[0] if source.startswith(("shared", "services")) else source
            assert top.rstrip("/") in allowed, f"{source} is copied but excluded by .dockerignore"


def test_postgres_init_script_is_wired_for_first_start() -> None:
    script = ROOT / "deploy" / "postgres" / "init" / "10-service-databases.sh"
    assert script.stat().st_mode & 0o111, "the official image runs only executable *.sh"
    assert Path(script).read_text().startswith("#!/bin/sh")


DEPARTMENT_FILE = ROOT / "deploy" / "department" / "docker-compose.yml"


def test_department_site_compose_is_valid_and_its_example_names_every_variable() -> None:
    site = load_compose(DEPARTMENT_FILE)
    assert _schema_errors(site) == []
    example = (ROOT / "deploy" / "department" / "env.example").read_text()
    defined = dict(
        line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#")
    )
    filled = interpolate(site, defined)  # raises if a required variable is missing
    assert _schema_errors(filled) == []
    with pytest.raises(MissingVariable):
        interpolate(site, {**defined, "NATS_CENTRAL_LEAF_URL": ""})


def test_department_site_runs_its_service_on_its_own_leaf_node() -> None:
    site = load_compose(DEPARTMENT_FILE)["services"]
    assert set(site) == {"postgres", "nats", "central-copies", "service"}
    for internal in ("postgres", "nats"):
        assert "ports" not in site[internal]
    nats_node = site["nats"]
    assert nats_node["volumes"][0] == "./nats.conf:/etc/nats/nats.conf:ro"
    assert interpolate(nats_node["image"], {}) == "nats:2.15-alpine"
    rendered = (ROOT / "deploy" / "department" / "nats.conf").read_text()
    assert "domain: $DEPARTMENT_SITE" in rendered
    assert "url: $NATS_CENTRAL_LEAF_URL" in rendered
    assert "cluster {" not in rendered, "one server on the site"
    env = interpolate(environment_of(site["service"]), {
        "SERVICE": "religion", "DEPARTMENT_SITE": "phong-ton-giao",
        "NATS_SERVICE_PASSWORD": "x" * 24, "SERVICE_DB_PASSWORD": "y" * 24,
    })
    assert env["NATS_USER"] == "svc-religion"
    assert env["STREAM_REPLICAS"] == "1" and env["DEPARTMENT_SITE"] == "phong-ton-giao"
    assert env["DATABASE_URL"] == f"postgresql://religion:{'y' * 24}@postgres:5432/religion"
    assert env["NATS_URL"] == "nats://nats:4222"
    # Before the service starts, the site's NATS gets the copies of the central streams it
    # reads, made with the site's operators' account (review R1).
    assert site["service"]["depends_on"]["central-copies"] == {
        "condition": "service_completed_successfully"}
    copies = site["central-copies"]
    values = {"SERVICE": "religion", "DEPARTMENT_SITE": "phong-ton-giao",
              "NATS_USER": "danvan", "NATS_PASSWORD": "z" * 24}
    assert interpolate(copies["command"], values) == [
        "python", "-m", "deploy.department", "--at-site",
        "--service", "religion", "--site", "phong-ton-giao"]
    copies_env = interpolate(environment_of(copies), values)
    assert copies_env["NATS_URL"] == "nats://nats:4222"
    assert copies_env["NATS_USER"] == "danvan"
    assert interpolate(copies["image"], values) == interpolate(site["service"]["image"], values)


@pytest.mark.parametrize("site", ["", "department"])
def test_every_variable_an_env_example_sets_reaches_the_services(site: str) -> None:
    # An operator who sets a variable of the example (JWT_MAX_LIFETIME_S, say) must change
    # what the services do: a name the compose file never interpolates would be silently
    # ignored, the service keeping its built-in default.
    folder = ROOT / "deploy" / site if site else ROOT / "deploy"
    compose = (ROOT / "docker-compose.yml" if not site else folder / "docker-compose.yml")
    used = set(re.findall(r"\$\{(\w+)", compose.read_text()))
    example = (folder / "env.example").read_text()
    named = {line.split("=", 1)[0] for line in example.splitlines()
             if line and not line.startswith("#")}
    assert named - used == set()
    assert "JWT_MAX_LIFETIME_S" in named
