"""Render the NATS cluster configuration from `deploy/nats/node.conf.template`.

`python -m deploy.nats_config` writes deploy/nats/nats-1.conf .. nats-3.conf for the compose
file; `--check` only says whether they are up to date. The cluster tests render the same
template with loopback ports, so what is tested is what is deployed.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

NATS_DIR = Path(__file__).resolve().parent / "nats"
TEMPLATE = NATS_DIR / "node.conf.template"
CLUSTER_SIZE = 3
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class Node:
    """Where one node listens and keeps its JetStream files."""

    server_name: str
    client_host: str
    client_port: int
    cluster_host: str
    cluster_port: int
    monitor_port: int
    store_dir: str
    listen_host: str = "0.0.0.0"  # a container listens on its own network only
    max_file_store: str = "50GB"

    @property
    def route(self) -> str:
        return f"nats-route://{self.cluster_host}:{self.cluster_port}"

    @property
    def client_url(self) -> str:
        return f"nats://{self.client_host}:{self.client_port}"


def compose_nodes() -> list[Node]:
    """The three nodes of docker-compose.yml: one container each, same ports, own volume."""
    return [
        Node(
            server_name=f"nats-{i}",
            client_host=f"nats-{i}",
            client_port=4222,
            cluster_host=f"nats-{i}",
            cluster_port=6222,
            monitor_port=8222,
            store_dir="/data",
        )
        for i in range(1, CLUSTER_SIZE + 1)
    ]


def render(node: Node, cluster: Sequence[Node], template: str | None = None) -> str:
    text = template if template is not None else TEMPLATE.read_text(encoding="utf-8")
    values = {
        "server_name": node.server_name,
        "client_listen": f"{node.listen_host}:{node.client_port}",
        "monitor_listen": f"{node.listen_host}:{node.monitor_port}",
        "cluster_listen": f"{node.listen_host}:{node.cluster_port}",
        "store_dir": node.store_dir,
        "max_file_store": node.max_file_store,
        "routes": "\n".join(f"    {peer.route}" for peer in cluster),
    }

    def fill(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return _PLACEHOLDER.sub(fill, text)


def write_configs(nodes: Sequence[Node], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for node in nodes:
        path = directory / f"{node.server_name}.conf"
        path.write_text(render(node, nodes), encoding="utf-8")
        paths.append(path)
    return paths


def stale_configs(directory: Path = NATS_DIR) -> list[str]:
    """Names of the committed node files that differ from a fresh rendering."""
    nodes = compose_nodes()
    stale = []
    for node in nodes:
        path = directory / f"{node.server_name}.conf"
        if not path.exists() or path.read_text(encoding="utf-8") != render(node, nodes):
            stale.append(path.name)
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_configs()
        for name in stale:
            print(f"cần tạo lại: deploy/nats/{name}", file=sys.stderr)
        return 1 if stale else 0
    for path in write_configs(compose_nodes(), NATS_DIR):
        print(f"đã ghi {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
