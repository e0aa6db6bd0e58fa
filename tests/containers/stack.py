"""docker-compose.yml brought up with testcontainers: one container per compose service.

The engine on this kind of machine has no `docker compose` plugin (Debian's docker.io), so
the compose file is read here (tests/deploy/compose.py: merge keys, `${VAR}` interpolation)
and each service becomes a testcontainers `DockerContainer` with what the file says: its
image, command, environment, mounts (named volumes of this run only), network alias,
health check, stop signal, capabilities and its HTTP port on the host's loopback. Start
order follows `depends_on: condition: service_healthy`. What is tested is the file.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import time
import urllib.request
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import docker
from docker.models.containers import Container
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from shared.natsserver import free_port
from tests.deploy.compose import ROOT, environment_of, interpolate, load_compose

_DURATION = re.compile(r"^(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$")
HEALTH_TIMEOUT_S = 240.0


def duration_s(text: str) -> float:
    """Compose's "1m30s" / "20s" as seconds."""
    match = _DURATION.match(text)
    if not match or not text:
        raise ValueError(f"not a compose duration: {text!r}")
    return int(match.group(1) or 0) * 60 + float(match.group(2) or 0)


def strong_secrets() -> dict[str, str]:
    """A fresh strong value for every password the compose file requires."""
    names = re.findall(r"\$\{(\w*PASSWORD)\b", (ROOT / "docker-compose.yml").read_text())
    values = {name: secrets.token_hex(16) for name in sorted(set(names))}
    values["NATS_USER"] = "danvan"
    return values


class ComposeStack:
    """The services of one compose file, started in dependency order on a private network."""

    def __init__(self, client: docker.DockerClient, environ: Mapping[str, str],
                 extra_env: Mapping[str, Mapping[str, str]] | None = None,
                 extra_mounts: Mapping[str, list[tuple[str, str]]] | None = None) -> None:
        self.client = client
        self.document: dict[str, Any] = interpolate(load_compose(), environ)
        self.run_id = uuid.uuid4().hex[:8]
        self.network = Network()
        self.containers: dict[str, DockerContainer] = {}
        self.http_ports: dict[str, int] = {}
        self._extra_env = extra_env or {}
        self._extra_mounts = extra_mounts or {}
        self.volumes = [f"danvan-{self.run_id}-{name}" for name in self.document.get("volumes", {})]

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        services: dict[str, dict[str, Any]] = self.document["services"]
        return services

    def _container(self, name: str) -> DockerContainer:
        spec = self.services[name]
        container = DockerContainer(spec["image"], name=f"danvan-{self.run_id}-{name}")
        container.with_network(self.network).with_network_aliases(name, spec.get("hostname", name))
        container.with_envs(**{**environment_of(spec), **self._extra_env.get(name, {})})
        if "command" in spec:
            container.with_command(spec["command"])
        for mount in spec.get("volumes", []):
            source, target, *mode = mount.split(":")
            if source.startswith("./"):
                source = str(ROOT / source)
            else:
                source = f"danvan-{self.run_id}-{source}"  # this run's named volume
            container.with_volume_mapping(source, target, mode[0] if mode else "rw")
        for source, target in self._extra_mounts.get(name, []):
            container.with_volume_mapping(source, target, "ro")
        kwargs: dict[str, Any] = {}
        check = spec.get("healthcheck")
        if check:
            kwargs["healthcheck"] = {
                "test": check["test"],
                "interval": int(duration_s(check["interval"]) * 1e9),
                "timeout": int(duration_s(check["timeout"]) * 1e9),
                "retries": int(check["retries"]),
                "start_period": int(duration_s(check.get("start_period", "0s")) * 1e9),
            }
        for key, docker_key in (("stop_signal", "stop_signal"), ("cap_drop", "cap_drop"),
                                ("security_opt", "security_opt"), ("shm_size", "shm_size")):
            if key in spec:
                kwargs[docker_key] = spec[key]
        if spec.get("ports"):
            # "127.0.0.1:${PORT}:8000" → the same loopback binding, on a free port of this run.
            (published,) = spec["ports"]
            container_port = int(str(published).rsplit(":", 1)[1])
            host_port = free_port()
            # testcontainers types its port map as port → host port; docker-py also takes an
            # (address, port) pair, which keeps the port on the loopback as compose does.
            cast(dict[str, Any], container.ports)[f"{container_port}/tcp"] = ("127.0.0.1",
                                                                              host_port)
            self.http_ports[name] = host_port
        container.with_kwargs(**kwargs)
        return container

    def start(self) -> ComposeStack:
        self.network.create()
        for name in self.volumes:
            self.client.volumes.create(name)
        started: set[str] = set()
        pending = list(self.services)
        while pending:
            ready = [n for n in pending if set(self.services[n].get("depends_on", {})) <= started]
            if not ready:
                raise AssertionError(f"circular depends_on among {pending}")
            for name in ready:
                self.containers[name] = self._container(name).start()
            for name in ready:
                self.wait_healthy(name)
                started.add(name)
                pending.remove(name)
        return self

    def wrapped(self, name: str) -> Container:
        container: Container = self.containers[name].get_wrapped_container()
        container.reload()
        return container

    def health(self, name: str) -> str:
        state = self.wrapped(name).attrs["State"]
        if state.get("Status") != "running":
            return str(state.get("Status"))
        return str(state.get("Health", {}).get("Status", "none"))

    def wait_healthy(self, name: str, timeout: float = HEALTH_TIMEOUT_S) -> float:
        """Seconds until the engine's health check says healthy."""
        started = time.monotonic()
        while (status := self.health(name)) != "healthy":
            if status in ("exited", "dead") or time.monotonic() - started > timeout:
                raise AssertionError(f"{name} is {status}:\n{self.logs(name)}")
            time.sleep(1.0)
        return time.monotonic() - started

    def logs(self, name: str, tail: int = 60) -> str:
        raw: bytes = self.wrapped(name).logs(tail=tail)
        return raw.decode(errors="replace")

    def url(self, service: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.http_ports[service]}{path}"

    def get(self, service: str, path: str) -> bytes:
        with urllib.request.urlopen(self.url(service, path), timeout=5) as response:
            body: bytes = response.read()
            return body

    def stop(self) -> None:
        for name in reversed(list(self.containers)):
            with contextlib.suppress(docker.errors.NotFound):
                self.containers[name].stop(force=True, delete_volume=True)
        for name in self.volumes:
            with contextlib.suppress(docker.errors.NotFound):
                self.client.volumes.get(name).remove(force=True)
        with contextlib.suppress(docker.errors.APIError):
            self.network.remove()


def write_public_key(pem: bytes, directory: Path) -> Path:
    """The identity provider's public key, readable by the services' unprivileged user."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)
    path = directory / "idp-public.pem"
    path.write_bytes(pem)
    path.chmod(0o644)
    return path
