"""A 3-node JetStream cluster on loopback ports, from the deployed configuration template."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from deploy.nats_config import Node, compose_nodes, write_configs
from shared.natsserver import NatsServer, free_port

NATS_USER = "danvan-test"
NATS_PASSWORD = "a-test-password-not-the-dev-one"
LEAF_PASSWORD = "a-leaf-password-for-departments"


def _distinct_free_ports() -> Iterator[int]:
    """Free ports, none given twice: each is free when asked but released at once, so two
    asks may get the same one (seen: nats-2 listening for routes on nats-1's route port,
    "address already in use", and the cluster never healthy)."""
    given: set[int] = set()
    while True:
        port = free_port()
        if port not in given:
            given.add(port)
            yield port


class LoopbackCluster:
    """The compose cluster's three nodes, each moved to its own loopback ports and store."""

    def __init__(self, root: Path) -> None:
        ports = _distinct_free_ports()
        self.nodes: list[Node] = [
            replace(
                node,
                client_host="127.0.0.1",
                client_port=next(ports),
                cluster_host="127.0.0.1",
                cluster_port=next(ports),
                monitor_port=next(ports),
                leaf_port=next(ports),
                listen_host="127.0.0.1",
                store_dir=str(root / node.server_name / "store"),
                max_file_store="1GB",
            )
            for node in compose_nodes()
        ]
        configs = write_configs(self.nodes, root / "conf")
        self.servers = {
            node.server_name: NatsServer(
                node.client_port,
                Path(node.store_dir),
                name=node.server_name,
                config_file=config,
                log_file=root / f"{node.server_name}.log",
            )
            for node, config in zip(self.nodes, configs, strict=True)
        }

    @property
    def urls(self) -> list[str]:
        return [node.client_url for node in self.nodes]

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.server_name == name)

    def url_of(self, name: str) -> str:
        return self.node(name).client_url

    def start(self) -> LoopbackCluster:
        for server in self.servers.values():
            server.start()
        for node in self.nodes:
            self.wait_healthy(node.server_name)
        return self

    def kill(self, name: str) -> None:
        self.servers[name].kill()

    def freeze(self, name: str) -> None:
        """The node stops answering while its connections stay open, as a hung node or one
        cut off by the network: nothing tells its clients, only their pings can."""
        self._signal(name, signal.SIGSTOP)

    def thaw(self, name: str) -> None:
        self._signal(name, signal.SIGCONT)

    def _signal(self, name: str, signum: signal.Signals) -> None:
        process = self.servers[name].process
        assert process is not None, f"{name} is not running"
        os.kill(process.pid, signum)

    def restart(self, name: str) -> None:
        self.servers[name].start()

    def stop(self) -> None:
        for server in self.servers.values():
            server.kill()

    def monitor(self, name: str, path: str) -> Any:
        port = self.node(name).monitor_port
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return json.loads(response.read())

    def healthy(self, name: str) -> bool:
        """The node's own health: JetStream on, meta leader known, its streams current."""
        try:
            return bool(self.monitor(name, "/healthz").get("status") == "ok")
        except OSError:
            return False

    def wait_healthy(self, name: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.healthy(name):
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} not healthy after {timeout}s")
            time.sleep(0.1)

    def local_stream_state(self, name: str, stream: str) -> dict[str, Any] | None:
        """The stream as the node's own store holds it (monitoring /jsz), not the leader's view."""
        jsz = self.monitor(name, "/jsz?accounts=true&streams=true")
        for account in jsz.get("account_details") or []:
            for detail in account.get("stream_detail") or []:
                if detail.get("name") == stream:
                    state: dict[str, Any] = detail["state"]
                    return state
        return None
