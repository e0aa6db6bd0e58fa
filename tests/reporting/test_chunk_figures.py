"""Reports as of now come from the chunk figures the projections keep: they must be exactly
the reports computed from the facts, for every period and scope, after events that arrive
out of order, move, close and fall due across chunks; a replay must rebuild the same chunks."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete, select

from services.reporting.adapters.tables import (
    figure_chunks,
    frozen_figures,
    frozen_reports,
    head_sessions,
    source_marks,
)
from services.reporting.application import chunk_sums
from services.reporting.application import figures as figures_module
from services.reporting.application.canonical import content_hash
from services.reporting.application.chunk_sums import (
    COPIED,
    Bounds,
    Sums,
    marking_source,
    sums_in_sql,
    window_sums,
)
from services.reporting.application.fact_reads import read_marks
from services.reporting.application.figures import (
    Figures,
    compute,
    compute_fresh,
    compute_from_chunks,
    from_chunks_possible,
)
from services.reporting.application.reports import load_period
from services.reporting.application.warmup import warm_up_now
from services.reporting.domain.chunks import period_chunks
from services.reporting.domain.periods import period_id
from shared.db import read_connection
from shared.envelope import utcnow
from tests.integration.helpers import rebuild_and_wait
from tests.reporting.conftest import Reporting, figure_values
from tests.reporting.scenario import (
    DAI_THANG,
    QUAN_TOAN,
    TIEN_LANG,
    TIEN_LANG_TOWN,
    Events,
    recorded_after,
    two_quarter_scenario,
)

BA_DINH_2023 = "00004"  # Phường Trúc Bạch, Hà Nội (Phường Ba Đình after the 2025 reform)
PERIODS = [period_id(2022, 12), *(period_id(2023, m) for m in (3, 6, 9, 12)),
           period_id(2024, 3), period_id(2024, 6), period_id(2025, 12), period_id(2026, 3)]


def _more_events(base: Events) -> tuple[list[Any], list[Any]]:
    """Events of the second half of 2023 and after, in two deliveries: the second holds
    what arrives late (an earlier business date than facts already projected)."""
    e = base
    start = len(e.items)
    d = date
    e.add("religion", "site", "S2", "SiteAmended", d(2023, 7, 10), {
        "code": "S2", "changes": {"commune_code": DAI_THANG}, "commune_code": DAI_THANG},
        DAI_THANG)
    # No unit on the closing event: it belongs where the site was.
    e.add("religion", "site", "S4", "SiteClosed", d(2023, 10, 1), {"code": "S4", "reason": "Nhập"})
    lodged = e.add("religion", "dossier", "S4", "LandDossierLodged", d(2023, 7, 5), {
        "site_code": "S4", "state": "lodged", "note": "", "document_refs": []}, DAI_THANG)
    e.dossier("DossierRequisitioned", "S4", DAI_THANG, d(2023, 8, 1), "requisitioned")
    e.commitment("K3", "SES1", TIEN_LANG_TOWN, d(2023, 8, 20), d(2023, 10, 1))
    e.add("dialogue", "commitment", "K3", "CommitmentProgressUpdated", d(2023, 9, 1), {
        "commitment_id": "K3", "progress_pct": 30, "status": "in_progress"})
    e.add("dialogue", "session", "SES5", "SessionReportFiled", d(2023, 9, 2), {
        "session_id": "SES5", "attendance": 34, "organisations": [], "summary": ""},
        TIEN_LANG_TOWN)
    e.add("indicators", "model", "M2", "ModelClosed", d(2023, 11, 1), {
        "model_id": "M2", "closed_on": "2023-11-01", "reason": "Hết hiệu quả"}, QUAN_TOAN)
    e.model("M4", BA_DINH_2023, "urban", d(2023, 3, 1))
    e.head("H4", BA_DINH_2023, "party_secretary", d(2023, 1, 1))
    e.held("SES4", BA_DINH_2023, ["H4"], d(2023, 4, 1))
    e.add("religion", "compliance", "C2", "ComplianceCaseOpened", d(2024, 1, 10), {
        "case_id": "C2", "site_code": "S3", "commune_code": QUAN_TOAN,
        "violation_type": "encroachment", "description": "Lấn chiếm"}, QUAN_TOAN)
    e.add("religion", "compliance", "C2", "ComplianceCaseReferred", d(2024, 2, 1), {
        "case_id": "C2", "state": "referred"}, QUAN_TOAN)
    e.site("S9", BA_DINH_2023, d(2025, 8, 1))
    e.certificate("S2", TIEN_LANG_TOWN, d(2023, 3, 1), "CS 07777", recorded=utcnow())
    # Corrections (G18): SES3 was held on 20/06, in the next chunk, not on 10/06; then on
    # 21/06 by H1 and H4 (a correction of the correction); SES4 was never held.
    e.held_corrected("SES3", TIEN_LANG, (d(2023, 6, 10), ["H1"]), (d(2023, 6, 20), ["H1"]),
                     recorded_after(d(2023, 7, 1)))
    e.held_corrected("SES3", TIEN_LANG, (d(2023, 6, 20), ["H1"]),
                     (d(2023, 6, 21), ["H1", "H4"]), recorded_after(d(2023, 7, 2)))
    e.held_corrected("SES4", BA_DINH_2023, (d(2023, 4, 1), ["H4"]), None,
                     recorded_after(d(2023, 9, 1)))
    added = e.items[start:]
    late = [lodged, added[-1]]
    return [x for x in added if x not in late], late


def _content(figures: Figures) -> dict[str, Any]:
    return {
        "content": figures.content(),
        "targets": figures.targets,
        "reported_status": figures.reported_status,
        "other_indicators": figures.other_indicators,
    }


def _chunk_rows(reporting: Reporting) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    with reporting.runtime.engine.connect() as conn:
        # The figures, not the stamps: a replay batches the events differently.
        figures = [column for column in figure_chunks.c if column.name != "stamp"]
        chunks = {
            tuple(row[:5]): tuple(row[5:]) for row in conn.execute(select(*figures))
            if any(row[5:])
        }
        h = head_sessions.c
        sessions = {("head", head, chunk): (held,)
                    for head, chunk, held in conn.execute(select(h.head_id, h.chunk, h.held))
                    if held}
    return chunks | sessions


def _same_both_ways(reporting: Reporting, periods: list[str], scopes: tuple[str, ...]) -> None:
    runtime = reporting.runtime
    as_of = utcnow()
    with runtime.engine.connect() as conn:
        marks = read_marks(conn)
        for pid in periods:
            period = load_period(conn, runtime.store, pid, as_of)
            assert from_chunks_possible(marks, period, as_of), pid
            for scope in scopes:
                fast = compute_from_chunks(reporting.state, conn, period, scope, as_of)
                slow = compute_fresh(conn, period, scope, as_of)
                assert _content(fast) == _content(slow), (pid, scope)
                # The hash written once per figures is the hash of the canonical text.
                assert fast.content_hash() == content_hash(fast.content())


def _feed_everything(reporting: Reporting) -> None:
    """The two quarters, then the later events in their two deliveries (the late one last)."""
    scenario = two_quarter_scenario()
    reporting.feed(scenario)
    for delivery in _more_events(scenario):
        reporting.publish(delivery)


def test_reports_from_chunks_equal_reports_from_facts(reporting: Reporting) -> None:
    _feed_everything(reporting)
    _same_both_ways(reporting, PERIODS, ("31",))
    _same_both_ways(reporting, [period_id(2023, 6), period_id(2025, 12)], ("VN",))

    # The figures these events were chosen for, as of now.
    figures = figure_values(reporting.client.get("/api/v1/reports/2023-12m").json())
    assert figures["sites"] == 3  # S1, S2 (moved), S3; S4 closed
    # S4's dossier, requisitioned on 01/08, left the figures with the site (closed 01/10):
    # a closed site counts for nothing (shared/planrules.py).
    assert figures["dossiers_requisitioned"] == 0
    assert figures["commitments_overdue"] == 2  # K2, and K3 due 01/10
    assert figures["attendance"] == 154  # 120 + 34
    assert figures["sites_with_certificate"] == 2
    sep = reporting.client.get("/api/v1/reports/2023-9m").json()
    assert figure_values(sep)["commitments_in_progress"] == 1  # K3 before its due date
    assert figure_values(sep)["dossiers_requisitioned"] == 1  # S4, lodged late in July
    # An explicit "as of" before the late certificate: computed from the facts, without it.
    before = recorded_after(date(2023, 12, 31)).isoformat()
    old = reporting.client.get("/api/v1/reports/2023-12m", params={"as_of": before}).json()
    assert figure_values(old)["sites_with_certificate"] == 1


def test_a_replay_rebuilds_the_same_chunks(reporting: Reporting) -> None:
    _feed_everything(reporting)
    live = _chunk_rows(reporting)
    assert live, "the projections wrote chunk figures"
    as_of = utcnow().isoformat()  # after every fact: from the chunks
    shown = reporting.client.get("/api/v1/reports/2023-12m/units", params={"as_of": as_of}).json()

    rebuild_and_wait(reporting.client)
    assert _chunk_rows(reporting) == live
    replayed = reporting.client.get(
        "/api/v1/reports/2023-12m/units", params={"as_of": as_of}).json()
    assert replayed == shown


def _sums_by_copy_and_by_sql(reporting: Reporting, windows: list[Bounds]) -> None:
    """Each source's copy of the chunk figures, as kept up to date, sums what the database
    sums; and so does a copy read whole."""
    with read_connection(reporting.runtime.engine) as conn:
        marks = read_marks(conn)

        def copied() -> dict[str, list[Sums]]:
            return {name: window_sums(conn, reporting.state.copies, name,
                                      marks.sources.get(marking_source(name)), windows)
                    for name in COPIED}

        kept = copied()
        reporting.state.copies.clear()
        whole = copied()
        by_sql = {name: [sums_in_sql(conn, name, bounds) for bounds in windows]
                  for name in COPIED}
    assert kept == whole == by_sql
    assert all(any(kept[name]) for name in COPIED)


def test_copies_of_the_chunk_figures_follow_new_facts(reporting: Reporting) -> None:
    windows = [period_chunks(load_period_of(reporting, pid)) for pid in PERIODS]
    scenario = two_quarter_scenario()
    reporting.feed(scenario)
    _sums_by_copy_and_by_sql(reporting, windows)  # the copies read whole
    periods = [period_id(2023, 9), period_id(2023, 12), period_id(2024, 3)]
    _same_both_ways(reporting, periods, ("31", "VN"))  # what the rule owes each head: kept
    first, late = _more_events(scenario)  # the first delivery has a new head and session
    for delivery in (first, late):
        reporting.publish(delivery)
        _sums_by_copy_and_by_sql(reporting, windows)  # brought up to date by the new rows
        _same_both_ways(reporting, periods, ("31", "VN"))


def test_a_report_on_a_snapshot_older_than_the_copy_sees_that_snapshot(
    reporting: Reporting,
) -> None:
    reporting.feed(two_quarter_scenario())
    engine = reporting.runtime.engine
    older = read_connection(engine)
    if engine.dialect.name == "postgresql":  # one snapshot for the whole transaction
        older = older.execution_options(isolation_level="REPEATABLE READ")
    with older:
        period = load_period(older, reporting.runtime.store, "2023-6m")
        now = utcnow()
        # The copy at this snapshot:
        before = compute_from_chunks(reporting.state, older, period, "31", now)
        late = Events()
        late.site("S8", QUAN_TOAN, date(2023, 1, 20))
        reporting.publish(late.items)
        with read_connection(engine) as newer:
            # Moves the copy on:
            after = compute_from_chunks(reporting.state, newer, period, "31", now)
        assert after.values["31"]["sites"] == before.values["31"]["sites"] + 1
        again = compute_from_chunks(reporting.state, older, period, "31", now)
        assert _content(again) == _content(before) == _content(
            compute_fresh(older, period, "31", now))


def test_the_warm_up_reads_the_copies_the_first_report_uses(
    reporting: Reporting, monkeypatch: pytest.MonkeyPatch,
) -> None:
    reporting.feed(two_quarter_scenario())
    expected = figure_values(reporting.client.get("/api/v1/reports/2023-6m").json())
    reporting.state.forget()
    warm_up_now(reporting.runtime)

    def no_reads(*_: object) -> None:
        raise AssertionError("the first report read the chunk tables")

    monkeypatch.setattr(chunk_sums, "_changed_rows", no_reads)
    monkeypatch.setattr(chunk_sums, "sums_in_sql", no_reads)
    view = reporting.client.get("/api/v1/reports/2023-6m").json()
    assert figure_values(view) == expected
    assert expected["sites"] == 4  # S1 to S4 at the end of June 2023


def load_period_of(reporting: Reporting, pid: str) -> Any:
    with reporting.runtime.engine.connect() as conn:
        return load_period(conn, reporting.runtime.store, pid)


def test_facts_older_than_the_chunks_are_counted_from_the_facts_until_a_rebuild(
    reporting: Reporting,
) -> None:
    reporting.feed(two_quarter_scenario())
    runtime = reporting.runtime
    expected = reporting.client.get("/api/v1/reports/2023-6m/units").json()
    # A database whose facts were projected before the chunk figures existed.
    with runtime.engine.begin() as conn:
        conn.execute(delete(figure_chunks))
        conn.execute(delete(head_sessions))
        conn.execute(delete(source_marks))
    with runtime.engine.connect() as conn:
        marks = read_marks(conn)
        assert not marks.complete
        period = load_period(conn, runtime.store, "2023-6m")
        now = utcnow()
        assert not from_chunks_possible(marks, period, now)
        assert compute(reporting.state, conn, period, "31", now).content() == compute_fresh(
            conn, period, "31", now).content()
    late = Events()
    late.site("S8", QUAN_TOAN, date(2023, 1, 20))
    reporting.publish(late.items)
    with runtime.engine.connect() as conn:
        assert not read_marks(conn).complete, "a new fact does not make the chunks whole"
    after = reporting.client.get("/api/v1/reports/2023-6m/units").json()
    assert after["units"] != expected["units"]  # S8 counted, from the facts

    rebuild_and_wait(reporting.client)
    with runtime.engine.connect() as conn:
        assert read_marks(conn).complete
    rebuilt = reporting.client.get("/api/v1/reports/2023-6m/units").json()
    assert rebuilt["units"] == after["units"]
    _same_both_ways(reporting, [period_id(2023, 6)], ("31",))


def test_a_finalised_report_is_shown_from_what_was_frozen_with_it(
    reporting: Reporting, monkeypatch: pytest.MonkeyPatch,
) -> None:
    reporting.feed(two_quarter_scenario())
    before = reporting.client.get("/api/v1/reports/2023-6m").json()
    finalised = reporting.client.post(
        "/api/v1/reports/2023-6m/finalise", json={"scope": "31"}, headers={"x-actor": "vp"})
    assert finalised.status_code == 201, finalised.text
    late = Events()
    late.certificate("S3", QUAN_TOAN, date(2023, 3, 1), "CS 09999", recorded=utcnow())
    reporting.publish(late.items)

    def no_facts(*_: object) -> None:
        raise AssertionError("a finalised report as of its finalisation read the facts")

    with monkeypatch.context() as patch:
        patch.setattr(figures_module, "compute_fresh", no_facts)
        shown = reporting.client.get("/api/v1/reports/2023-6m").json()
    assert shown["content_hash"] == finalised.json()["content_hash"]
    assert _beside(shown) == _beside(before)  # the previous period, targets, statuses
    assert ("31", "sites_with_certificate") in {
        (d["unit_code"], d["figure"]) for d in shown["differences"]}

    # A report finalised before its context was frozen with it: computed as of then.
    with reporting.runtime.engine.begin() as conn:
        conn.execute(delete(frozen_reports))
    reporting.state.forget()
    again = reporting.client.get("/api/v1/reports/2023-6m").json()
    assert again["content_hash"] == shown["content_hash"]
    assert _beside(again) == _beside(shown)


def _beside(view: dict[str, Any]) -> Any:
    return (
        [(f["key"], f["value"], f["previous"]) for s in view["sections"] for f in s["figures"]],
        [(i["id"], i["target_text"], i["previous"], i["reported_status"])
         for i in view["indicators"]],
        view["other_indicators"],
        view["children"],
    )


def test_frozen_figures_changed_in_the_database_are_refused(reporting: Reporting) -> None:
    reporting.feed(two_quarter_scenario())
    finalised = reporting.client.post(
        "/api/v1/reports/2023-3m/finalise", json={"scope": "31"}, headers={"x-actor": "vp"})
    assert finalised.status_code == 201, finalised.text
    digest = finalised.json()["content_hash"]
    with reporting.runtime.engine.begin() as conn:
        stored = conn.execute(select(frozen_figures.c.figures).where(
            frozen_figures.c.content_hash == digest)).scalar_one()
        assert '"sites":3' in stored
        conn.execute(frozen_figures.update().where(frozen_figures.c.content_hash == digest)
                     .values(figures=stored.replace('"sites":3', '"sites":30', 1)))
    response = reporting.client.get("/api/v1/reports/2023-3m")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "FROZEN_FIGURES_TAMPERED"
