"""Dialogue benchmark: the whole city's year of dialogue through the HTTP API, on SQLite.

Every head post of Hai Phong in 2023 (the city, 15 districts, 167 communes: 366 heads), two
sessions per head, a commitment per session, half the sessions reported; then the figures
officials wait for: the rule compliance of every head for the year, the scheduler's pass
over the unreported sessions and past-due commitments, a bulk progress file for every
commitment (dry run, then applied), and a rebuild of the read models by replay.
"""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from bench.common import Timer, private_nats, report, report_time, temp_dir
from services.dialogue.app import create_app
from services.dialogue.application.runtime import DialogueRuntime
from services.dialogue.application.scheduler import scan
from shared.adminunits import HAI_PHONG, default_catalogue
from shared.settings import Settings

YEAR_START = date(2023, 1, 1)
ROLES = ("party_secretary", "people_committee_chair")


class Today:
    def __init__(self, value: date) -> None:
        self.value = value

    def __call__(self) -> date:
        return self.value


def _ok(response: object, status: int = 200) -> dict[str, object]:
    code = getattr(response, "status_code", 0)
    if code != status:
        raise RuntimeError(f"{code}: {getattr(response, 'text', '')}")
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    return body


def main() -> None:
    catalogue = default_catalogue()
    on = date(2023, 6, 1)
    units = [HAI_PHONG, *(u.code for u in catalogue.units(on, "district", HAI_PHONG)),
             *(u.code for u in catalogue.units(on, "commune", HAI_PHONG))]
    today = Today(date(2023, 12, 31))
    with private_nats() as nats_server, temp_dir() as tmp:
        settings = Settings.for_service(
            "dialogue", database_url=f"sqlite:///{tmp / 'dialogue.db'}",
            nats_url=nats_server.url, subject_root="bench", log_level="WARNING",
        )
        with TestClient(create_app(settings, today=today, scan_interval_s=3600)) as client:
            runtime = client.app.state.runtime  # type: ignore[attr-defined]
            assert isinstance(runtime, DialogueRuntime)
            _run(client, runtime, units, today)


def _run(client: TestClient, runtime: DialogueRuntime, units: list[str], today: Today) -> None:
    heads: list[tuple[str, str]] = []
    with Timer() as t:
        for code in units:
            for role in ROLES:
                body = _ok(client.post("/api/v1/heads", json={
                    "unit_code": code, "role": role, "full_name": f"Người đứng đầu {code}",
                    "from_date": "2021-06-01"}), 201)
                heads.append((code, str(body["head_id"])))
    report("heads taken office (HTTP)", len(heads), t.seconds)

    sessions: list[str] = []
    with Timer() as t:
        for index, (code, head_id) in enumerate(heads):
            for half in (0, 1):
                held_on = YEAR_START + timedelta(days=30 + 180 * half + index % 120)
                body = _ok(client.post("/api/v1/sessions", json={
                    "unit_code": code, "head_ids": [head_id], "planned_on": held_on.isoformat(),
                    "topic": "Đối thoại về đất đai, giải phóng mặt bằng"}), 201)
                session_id = str(body["session_id"])
                _ok(client.post(f"/api/v1/sessions/{session_id}/hold",
                                json={"held_on": held_on.isoformat()}))
                sessions.append(session_id)
    report("sessions planned and held (2 commands, HTTP)", len(sessions), t.seconds)

    commitments: list[str] = []
    with Timer() as t:
        for index, session_id in enumerate(sessions):
            body = _ok(client.post(f"/api/v1/sessions/{session_id}/commitments", json={
                "text": "Giải quyết kiến nghị của Nhân dân", "responsible_agency": "UBND",
                "due_on": "2023-11-30"}), 201)
            commitments.append(str(body["commitment_id"]))
            if index % 2 == 0:
                _ok(client.post(f"/api/v1/sessions/{session_id}/report", json={
                    "attendance": 150, "summary": "Tóm tắt kết quả hội nghị"}))
    report("commitments made (+ every other session reported)", len(commitments), t.seconds)

    with Timer() as t:
        body = _ok(client.get("/api/v1/rule-compliance", params={
            "date_from": "2023-01-01", "date_to": "2023-12-31", "unit": HAI_PHONG}))
    report_time(f"rule compliance of {body['heads_in_office']} heads for 2023", t.seconds,
                "< 2000 ms")

    with Timer() as t:
        result = scan(runtime, today())
    report("scheduler pass: reminders + overdue recorded",
           result.reminders + result.overdue, t.seconds)
    with Timer() as t:
        again = scan(runtime, today())
    assert again.reminders == again.overdue == 0
    report_time("scheduler pass with nothing new", t.seconds)

    lines = ["Mã cam kết,Tiến độ (%),Ngày cập nhật,Ghi chú"]
    lines += [f"{c},{(i * 7) % 101},20/12/2023,Báo cáo tháng 12" for i, c in
              enumerate(commitments)]
    content = ("\n".join(lines) + "\n").encode("utf-8-sig")
    for dry_run in (True, False):
        with Timer() as t:
            body = _ok(client.post("/api/v1/commitments/progress-import",
                                   params={"dry_run": str(dry_run).lower()},
                                   files={"file": ("tien-do.csv", content)}))
        assert body["valid"], body["errors"]
        report(f"bulk progress rows ({'dry run' if dry_run else 'applied'})",
               len(commitments), t.seconds)

    with Timer() as t:
        body = _ok(client.post("/api/v1/admin/rebuild-read-models"))
    report("read models rebuilt by replay (events)", int(str(body["events_replayed"])),
           t.seconds)
