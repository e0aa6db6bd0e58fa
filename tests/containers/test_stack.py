"""The deployment as built and run: images, the compose stack, failures of a NATS node and of a
service container, and the entry point's refusal of a weak password, all in real containers.

Run by `make test-containers` (tests/containers/conftest.py); the tests of this module share
one stack and run in file order.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import docker
import httpx
from docker.models.images import Image
from testcontainers.core.container import DockerContainer

from shared.adminunits import NOT_CURRENT_UNIT
from tests.auth.conftest import Idp, head_body, model_body, site_body
from tests.containers.stack import ComposeStack
from tests.deploy.compose import SERVICES, environment_of, interpolate, load_compose
from tests.integration.helpers import wait_until

# Real Hai Phong communes of the three-level era.
TIEN_LANG_TOWN = "11755"  # Thị trấn Tiên Lãng, huyện Tiên Lãng
QUAN_TOAN = "11296"  # Phường Quán Toan, quận Hồng Bàng
MAX_IMAGE_MB = 450
# Reporting carries LibreOffice (Writer, no GUI) and its fonts to print reports as PDF.
MAX_IMAGE_MB_OF = {"reporting": 1000}
COMPILERS = ("gcc", "cc", "c++", "g++", "clang", "make", "ld")


def _http(stack: ComposeStack, service: str, idp: Idp) -> httpx.Client:
    return httpx.Client(base_url=stack.url(service), timeout=15,
                        headers=idp.headers("city_staff"))


def _summary(stack: ComposeStack, idp: Idp) -> dict[str, Any]:
    with _http(stack, "reporting", idp) as http:
        response = http.get("/api/v1/religion/sites-summary")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _jsz_stream(stack: ComposeStack, node: str, stream: str) -> dict[str, Any] | None:
    """The stream as one node's own store holds it (monitoring port, inside the container)."""
    result = stack.wrapped(node).exec_run(
        ["wget", "-qO-", "http://127.0.0.1:8222/jsz?accounts=true&streams=true"])
    assert result.exit_code == 0, result.output
    for account in json.loads(result.output).get("account_details") or []:
        for detail in account.get("stream_detail") or []:
            if detail.get("name") == stream:
                state: dict[str, Any] = detail["state"]
                return state
    return None


def test_images_are_small_non_root_health_checked_and_without_compilers(
    engine: docker.DockerClient, service_images: dict[str, Image],
) -> None:
    sizes = {}
    for service, image in service_images.items():
        image.reload()
        config = image.attrs["Config"]
        assert config["User"] == "10001:10001"
        assert "/healthz" in " ".join(config["Healthcheck"]["Test"])
        assert config["StopSignal"] == "SIGTERM"
        sizes[service] = round(int(image.attrs["Size"]) / 1e6)
        found = engine.containers.run(
            image.id, ["sh", "-c", "id -u; for c in " + " ".join(COMPILERS)
                       + "; do command -v $c || true; done"], remove=True,
        ).decode().split()
        assert found == ["10001"], f"{service}: runs as {found[0]}, compilers: {found[1:]}"
    print(f"\nimage sizes (MB): {sizes}")
    assert all(size < MAX_IMAGE_MB_OF.get(service, MAX_IMAGE_MB)
               for service, size in sizes.items()), sizes


def test_a_weak_database_password_makes_the_container_refuse_to_start(
    service_images: dict[str, Image], secrets_env: dict[str, str],
) -> None:
    spec = load_compose()["services"]["religion"]
    env = interpolate(environment_of(spec), {**secrets_env, "RELIGION_DB_PASSWORD": "postgres"})
    refused = DockerContainer(service_images["religion"].id).with_envs(**env)
    refused.start()
    try:
        outcome = refused.get_wrapped_container().wait(timeout=60)
        logs = refused.get_wrapped_container().logs().decode()
    finally:
        refused.stop()
    assert outcome["StatusCode"] == 78, logs
    assert "từ chối khởi động" in logs and "Mật khẩu cơ sở dữ liệu yếu" in logs


def test_the_whole_stack_comes_up_healthy(stack: ComposeStack) -> None:
    assert {name: stack.health(name) for name in stack.services} == {
        name: "healthy" for name in stack.services
    }
    for service in SERVICES:
        assert json.loads(stack.get(service, "/healthz"))["status"] == "ok"
        wait_until(lambda s=service: _ready(stack, s), timeout=60)  # type: ignore[misc]


def _ready(stack: ComposeStack, service: str) -> bool:
    try:
        checks = json.loads(stack.get(service, "/readyz"))["checks"]
    except OSError:
        return False
    return bool(checks == {"database": "ok", "nats": "ok", "relay": "ok", "consumers": "ok"})


READS = {
    "religion": "/api/v1/sites",
    "dialogue": "/api/v1/sessions",
    "indicators": "/api/v1/models",
    "reporting": "/api/v1/periods",
}


def test_requests_without_credentials_are_refused(stack: ComposeStack, idp: Idp) -> None:
    for service, path in READS.items():
        response = httpx.get(stack.url(service, path), timeout=10)
        assert response.status_code == 401, (service, response.text)
        assert response.json()["error"]["code"].isupper()
        with _http(stack, service, idp) as http:
            assert http.get(path).status_code == 200, service


def test_religion_to_reporting_slice(stack: ComposeStack, idp: Idp) -> None:
    with _http(stack, "religion", idp) as religion:
        for code, commune in (("TL-01", TIEN_LANG_TOWN), ("TL-02", TIEN_LANG_TOWN),
                              ("QT-01", QUAN_TOAN)):
            response = religion.post("/api/v1/sites", json=site_body(code, commune))
            assert response.status_code == 201, response.text
        lodged = religion.post("/api/v1/sites/TL-02/dossier/lodge",
                               json={"lodged_on": "2023-03-10", "document_refs": ["Đơn 12/ĐK"]})
        assert lodged.status_code == 201, lodged.text
    wait_until(lambda: _summary(stack, idp)["sites_with_dossier"] == 1, timeout=60)
    summary = _summary(stack, idp)
    assert summary["sites"] == 3
    by_commune = {row["commune_code"]: row for row in summary["by_commune"]}
    assert by_commune[TIEN_LANG_TOWN]["sites"] == 2
    # Quán Toan ceased on 01/07/2025 with no successor in the catalogue: today's report, and
    # so the summary, counts its site on the line «Chưa gắn…» (finding N10).
    assert by_commune[None]["commune_name"] == NOT_CURRENT_UNIT
    assert by_commune[None]["sites"] == 1


def test_one_command_per_service(stack: ComposeStack, idp: Idp) -> None:
    commands = [
        ("dialogue", "/api/v1/heads", head_body(name="Nguyễn Văn Container")),
        ("indicators", "/api/v1/models", model_body()),
        ("reporting", "/api/v1/reports/2023-6m/finalise", {"scope": "31"}),
        ("religion", "/api/v1/sites", site_body("TL-03")),
    ]
    for service, path, body in commands:
        with _http(stack, service, idp) as http:
            response = http.post(path, json=body)
        assert response.status_code in (200, 201), (service, response.text)


def test_the_report_prints_as_pdf_in_its_container(
    stack: ComposeStack, idp: Idp, tmp_path: Path,
) -> None:
    """The PDF route renders with the image's own LibreOffice, as the unprivileged user."""
    with _http(stack, "reporting", idp) as http:
        response = http.get("/api/v1/reports/2023-6m/report.pdf", timeout=240)
    assert response.status_code == 200, (response.text, stack.logs("reporting", tail=40))
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils, installed by make setup) reads the PDF back"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert "TRƯỞNG BAN" in text


def _registered(stack: ComposeStack, idp: Idp) -> int:
    """Sites the religion service holds (its own read model, no NATS in between)."""
    with _http(stack, "religion", idp) as religion:
        response = religion.get("/api/v1/sites")
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def test_killing_a_nats_node_loses_no_event(stack: ComposeStack, idp: Idp) -> None:
    # Reporting first catches up with what the earlier tests registered.
    before = _registered(stack, idp)
    wait_until(lambda: _summary(stack, idp)["sites"] == before, timeout=60)
    stack.wrapped("nats-1").kill()  # SIGKILL, as a crash
    with _http(stack, "religion", idp) as religion:
        for n in range(20):
            response = religion.post("/api/v1/sites", json=site_body(f"NK-{n:02d}", QUAN_TOAN))
            assert response.status_code == 201, response.text
    try:
        wait_until(lambda: _summary(stack, idp)["sites"] == before + 20, timeout=180)
    except AssertionError:
        raise AssertionError(_diagnosis(stack, idp, before + 20)) from None
    stack.wrapped("nats-1").start()
    stack.wait_healthy("nats-1")
    # The restarted node caught up from its peers: its own copy of the stream is complete.
    wait_until(lambda: _jsz_stream(stack, "nats-1", "DANVAN_RELIGION")
               == _jsz_stream(stack, "nats-2", "DANVAN_RELIGION"), timeout=60)
    state = _jsz_stream(stack, "nats-1", "DANVAN_RELIGION")
    assert state is not None and state["messages"] >= before + 20


def _diagnosis(stack: ComposeStack, idp: Idp, expected: int) -> str:
    """What each side saw, for a failure message: the reporting figure, the religion stream
    on the surviving nodes, the religion outbox, the services' last log lines."""
    try:
        metrics = stack.get("religion", "/metrics").decode()
    except OSError as exc:  # the deployment's /metrics asks for a credential (OPERATIONS.md)
        metrics = f"/metrics: {exc}"
    pending = [line for line in metrics.splitlines()
               if line.startswith(("danvan_outbox", "danvan_events_published", "/metrics"))]
    streams = {node: _jsz_stream(stack, node, "DANVAN_RELIGION") for node in ("nats-2", "nats-3")}
    return (f"reporting counts {_summary(stack, idp)['sites']} sites of {expected}\n"
            f"religion stream on the survivors: {streams}\nreligion: {pending}\n"
            f"--- religion log\n{stack.logs('religion', 30)}\n"
            f"--- reporting log\n{stack.logs('reporting', 30)}")


def test_a_service_container_stops_within_its_grace_period_and_restarts(
    stack: ComposeStack, idp: Idp,
) -> None:
    grace = 30  # stop_grace_period of the compose file's services
    container = stack.wrapped("religion")
    started = time.monotonic()
    container.stop(timeout=grace)  # SIGTERM, then SIGKILL at the end of the grace period
    took = time.monotonic() - started
    container.reload()
    assert took < grace - 5, f"stopped after {took:.1f}s"
    assert container.attrs["State"]["ExitCode"] != 137, "was killed, not stopped"
    assert "Application shutdown complete" in stack.logs("religion", tail=200)
    container.start()
    stack.wait_healthy("religion")
    with _http(stack, "religion", idp) as religion:
        assert religion.get("/api/v1/sites/TL-02").status_code == 200
        assert religion.post("/api/v1/sites", json=site_body("TL-04")).status_code == 201
    print(f"\nreligion container stopped in {took:.1f}s")
