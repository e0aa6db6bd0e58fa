"""The whole deployment in containers (`make test-containers`), not part of `make test`.

Collected only when DANVAN_CONTAINER_TESTS=1 (the make target sets it). The engine is the
one reachable or our own (tools/container_engine.py); under CI=true not getting one fails.
Base images: the official ones when the engine already has them, else the Debian-built
stand-ins (tools/images.py); the project's four images are built from deploy/Dockerfile.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from docker.errors import ImageNotFound
from docker.models.images import Image

from tests.auth.conftest import AUDIENCE, ISSUER, Idp, new_rsa_key
from tests.containers.stack import ComposeStack, strong_secrets, write_public_key
from tools.container_engine import EngineUnavailable, ensure_engine, stop_own
from tools.images import SERVICES, build_project, build_standins, fill_wheelhouse

if os.environ.get("DANVAN_CONTAINER_TESTS") != "1":
    collect_ignore_glob = ["test_*.py"]

IN_CI = os.environ.get("CI", "").lower() == "true"
TAG = "test"
OFFICIAL = {
    "PYTHON_IMAGE": "python:3.11-slim-bookworm",
    "POSTGRES_IMAGE": "postgres:16-bookworm",
    "NATS_IMAGE": "nats:2.15-alpine",
}


@pytest.fixture(scope="session")
def engine() -> Iterator[docker.DockerClient]:
    try:
        host, started_here = ensure_engine()
    except EngineUnavailable as exc:
        if IN_CI:
            pytest.fail(f"no container engine: {exc}")
        pytest.skip(f"no container engine: {exc}")
    os.environ["DOCKER_HOST"] = host
    # The reaper's image cannot be pulled without a registry; the fixtures clean up instead.
    os.environ["TESTCONTAINERS_RYUK_DISABLED"] = "true"
    client = docker.DockerClient(base_url=host, timeout=600)
    yield client
    client.close()
    if started_here:
        stop_own()  # the engine this run started; its images stay cached in its data root


def _present(client: docker.DockerClient, tag: str) -> bool:
    try:
        client.images.get(tag)
    except ImageNotFound:
        return False
    return True


@pytest.fixture(scope="session")
def base_images(engine: docker.DockerClient) -> dict[str, str]:
    """PYTHON_IMAGE, POSTGRES_IMAGE, NATS_IMAGE: given, official if present, else stand-ins."""
    chosen = {k: os.environ[k] for k in OFFICIAL if os.environ.get(k)}
    if all(_present(engine, OFFICIAL[k]) for k in OFFICIAL if k not in chosen):
        return {**OFFICIAL, **chosen}
    return {**build_standins(engine), **chosen}


@pytest.fixture(scope="session")
def service_images(engine: docker.DockerClient, base_images: dict[str, str]) -> dict[str, Image]:
    fill_wheelhouse()
    return build_project(engine, base_images["PYTHON_IMAGE"], TAG, SERVICES)


@pytest.fixture(scope="session")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Idp:
    key: RSAPrivateKey = new_rsa_key()
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path = write_public_key(pem, tmp_path_factory.mktemp("idp"))
    return Idp(key, path, [])


@pytest.fixture(scope="session")
def secrets_env(base_images: dict[str, str]) -> dict[str, str]:
    return {**strong_secrets(), **base_images, "DANVAN_VERSION": TAG, "LOG_LEVEL": "INFO"}


@pytest.fixture(scope="module")
def stack(
    engine: docker.DockerClient, service_images: dict[str, Image], secrets_env: dict[str, str],
    idp: Idp,
) -> Iterator[ComposeStack]:
    """The compose stack with real credentials: JWTs of the test's identity provider, whose
    public key is mounted where JWT_PUBLIC_KEYS points (what an override file would do)."""
    key_in_container = "/run/danvan/idp-public.pem"
    auth = {"JWT_PUBLIC_KEYS": key_in_container, "JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE}
    stack = ComposeStack(
        engine, secrets_env,
        extra_env={service: auth for service in SERVICES},
        extra_mounts={service: [(str(Path(idp.public_path)), key_in_container)]
                      for service in SERVICES},
    )
    try:
        yield stack.start()
    finally:
        stack.stop()
