"""A department's desk for the deploy tests: its own NATS (a JetStream domain of its own,
deploy/nats_config.department_node) leaf-linked to the central cluster through a WAN the test
can cut, an identity provider the services trust, and the environment a service of the
deployment reads. Shared by the department tests (test_department_site.py,
test_department_successions.py), which used to set the same desk up each in full."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from deploy.nats_config import department_node, write_department_config
from shared.natsserver import NatsServer, free_port
from tests.auth.conftest import AUDIENCE, ISSUER, Idp, new_rsa_key
from tests.deploy.cluster import LEAF_PASSWORD, NATS_PASSWORD, LoopbackCluster
from tests.deploy.wanlink import WanLink

SITE = "phong-ton-giao"


def service_env(service: str, nats_url: str, database_url: str, **extra: str) -> dict[str, str]:
    """A service's environment as the deployment gives it: its own NATS user, the subjects
    the deployed permissions name."""
    return {
        f"{service.upper()}_DATABASE_URL": database_url,
        "NATS_URL": nats_url,
        "NATS_USER": f"svc-{service}",
        "NATS_PASSWORD": f"{service}-{NATS_PASSWORD}",
        "SUBJECT_ROOT": "danvan",
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def identity_provider(tmp_path: Path, **extra: str) -> tuple[Idp, dict[str, str]]:
    """A signing key of the test's own and the settings that make a service require its
    tokens (AUTH_MODE=required)."""
    key = new_rsa_key()
    public_key = tmp_path / "idp-public.pem"
    public_key.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    auth = {"AUTH_MODE": "required", "JWT_PUBLIC_KEYS": str(public_key),
            "JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE, **extra}
    return Idp(key, public_key, []), auth


@dataclass
class Desk:
    wan: WanLink  # the desk's leaf connection reaches central's nats-1 only through it
    nats: NatsServer
    url: str

    def close(self) -> None:
        self.nats.kill()
        self.wan.close()


def start_desk(
    nats_cluster: LoopbackCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Desk:
    """The desk's NATS started with the department's configuration, leaf-linked to central
    through the WAN."""
    wan = WanLink(nats_cluster.node("nats-1").leaf_port).start()
    monkeypatch.setenv("DEPARTMENT_SITE", SITE)
    monkeypatch.setenv("NATS_CENTRAL_LEAF_URL",
                       f"nats-leaf://leaf:{LEAF_PASSWORD}@127.0.0.1:{wan.port}")
    node = replace(department_node(), client_port=free_port(), monitor_port=free_port(),
                   listen_host="127.0.0.1", store_dir=str(tmp_path / "desk-store"),
                   max_file_store="1GB")
    config = write_department_config(node, tmp_path / "desk-nats.conf")
    server = NatsServer(node.client_port, Path(node.store_dir), name=SITE, config_file=config,
                        log_file=tmp_path / "desk-nats.log").start()
    return Desk(wan, server, f"nats://127.0.0.1:{node.client_port}")
