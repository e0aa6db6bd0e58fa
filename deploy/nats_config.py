"""Render the NATS configurations from the templates in `deploy/nats/`.

`python -m deploy.nats_config` writes deploy/nats/nats-1.conf .. nats-3.conf (the central
cluster of docker-compose.yml) and deploy/department/nats.conf (a department's own server,
deploy/department/docker-compose.yml); `--check` only says whether they are up to date. Both
templates take the users and permissions from deploy/nats/accounts.conf.fragment, so a
department's server grants what a central node grants. The cluster and department tests
render the same templates with loopback ports, so what is tested is what is deployed.
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
DEPARTMENT_TEMPLATE = NATS_DIR / "department.conf.template"
ACCOUNTS = NATS_DIR / "accounts.conf.fragment"
DEPARTMENT_CONFIG = NATS_DIR.parent / "department" / "nats.conf"
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
    leaf_port: int = 7422  # where departments' leaf nodes connect (central nodes only)
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


def department_node() -> Node:
    """The department's single server of deploy/department/docker-compose.yml."""
    return Node(
        server_name="nats",
        client_host="nats",
        client_port=4222,
        cluster_host="nats",
        cluster_port=6222,  # unused: a department runs one server, no cluster
        monitor_port=8222,
        store_dir="/data",
    )


def render(node: Node, cluster: Sequence[Node], template: str | None = None) -> str:
    text = template if template is not None else TEMPLATE.read_text(encoding="utf-8")
    values = {
        "accounts": ACCOUNTS.read_text(encoding="utf-8").rstrip(),
        "server_name": node.server_name,
        "client_listen": f"{node.listen_host}:{node.client_port}",
        "monitor_listen": f"{node.listen_host}:{node.monitor_port}",
        "cluster_listen": f"{node.listen_host}:{node.cluster_port}",
        "leaf_listen": f"{node.listen_host}:{node.leaf_port}",
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


def render_department(node: Node) -> str:
    return render(node, [], DEPARTMENT_TEMPLATE.read_text(encoding="utf-8"))


def write_department_config(node: Node, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_department(node), encoding="utf-8")
    return path


def _rendered_files(directory: Path) -> dict[Path, str]:
    nodes = compose_nodes()
    files = {directory / f"{node.server_name}.conf": render(node, nodes) for node in nodes}
    files[directory.parent / "department" / "nats.conf"] = render_department(department_node())
    return files


def stale_configs(directory: Path = NATS_DIR) -> list[str]:
    """Paths (from deploy/) of the committed files that differ from a fresh rendering."""
    return [
        str(path.relative_to(directory.parent))
        for path, text in _rendered_files(directory).items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_configs()
        for name in stale:
            print(f"cần tạo lại: deploy/{name}", file=sys.stderr)
        return 1 if stale else 0
    for path, text in _rendered_files(NATS_DIR).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"đã ghi {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
