"""Partner feeds (SI 2007/1831): exact figures, every validation rule, idempotency, updates,
file-level errors, the import run and the audit event."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from beacon.audit.models import AuditEvent
from beacon.audit.verify import verify_chain
from beacon.ingest.models import ImportRun
from beacon.ingest.partner_models import AssaultAdmission, PartnerIncident
from beacon.runtime import Runtime

from .partner_files import (
    ADMISSIONS_HEADER,
    ASB_HEADER,
    FIRE_HEADER,
    count_rows,
    make_organisation,
    run_import,
    write_feed,
)


@pytest.fixture
def source(runtime: Runtime) -> int:
    return make_organisation(runtime, "Sussex Police")


ASB_ROWS = [
    # Brighton (coordinates), a postcode only, both, an LSOA code given, DD/MM/YYYY dates.
    ["ASB-1", "2024-03-01", "21:15", "nuisance", "noise", "50.8225", "-0.1372", "", ""],
    ["ASB-2", "2024-03-02", "", "Personal", "", "", "", "bn2 1aa", ""],
    [
        "ASB-3",
        "05/03/2024",
        "9:05",
        "ENVIRONMENTAL",
        "fly-tipping",
        "50.83",
        "-0.13",
        "BN1 1AA",
        "",
    ],
    [
        "ASB-4",
        "2024-03-31",
        "23:59",
        "nuisance",
        "vehicle  nuisance",
        "50.9",
        "-0.1",
        "",
        "e01031349",
    ],
]


def _stored_incidents(runtime: Runtime) -> dict[str, PartnerIncident]:
    with runtime.sessions() as session:
        rows = session.scalars(select(PartnerIncident)).all()
        session.expunge_all()
    return {row.partner_reference: row for row in rows}


def test_asb_feed_is_stored_exactly(runtime: Runtime, source: int, tmp_path: Path) -> None:
    path = write_feed(tmp_path / "asb.csv", ASB_HEADER, ASB_ROWS)
    report = run_import(runtime, [path], "asb", source)

    summary = report.to_dict()
    file = summary["files"][0]
    assert (file["rows_read"], file["imported"], file["updated"], file["duplicates"]) == (
        4,
        4,
        0,
        0,
    )
    assert (file["rejected"], file["errors"], file["readable"]) == (0, [], True)
    # No geography loaded: only the row that gave an LSOA code is placed.
    assert file["unlocated"] == 3
    assert file["source_organisation"] == "Sussex Police"
    assert file["source_organisation_id"] == source
    assert file["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()

    stored = _stored_incidents(runtime)
    assert set(stored) == {"ASB-1", "ASB-2", "ASB-3", "ASB-4"}
    first = stored["ASB-1"]
    assert first.feed_kind == "asb"
    assert first.source_organisation_id == source
    assert (first.occurred_on, first.occurred_time) == (dt.date(2024, 3, 1), dt.time(21, 15))
    assert (first.category, first.sub_type) == ("nuisance", "noise")
    assert (first.latitude, first.longitude, first.postcode) == (50.8225, -0.1372, None)
    assert (first.lsoa_code, first.located_by) == (None, None)
    assert (first.first_import_id, first.last_import_id, first.source_line) == (
        file["import_run_id"],
        file["import_run_id"],
        2,
    )
    second = stored["ASB-2"]
    assert (second.category, second.sub_type, second.occurred_time) == ("personal", None, None)
    assert (second.postcode, second.latitude) == ("BN2 1AA", None)
    third = stored["ASB-3"]
    assert (third.occurred_on, third.occurred_time) == (dt.date(2024, 3, 5), dt.time(9, 5))
    assert (third.category, third.postcode) == ("environmental", "BN1 1AA")
    fourth = stored["ASB-4"]
    assert fourth.sub_type == "vehicle nuisance"  # spaces collapsed
    assert (fourth.given_lsoa_code, fourth.lsoa_code, fourth.located_by) == (
        "E01031349",
        "E01031349",
        "lsoa_code",
    )


def test_import_run_and_audit_event_are_recorded(
    runtime: Runtime, source: int, tmp_path: Path
) -> None:
    path = write_feed(tmp_path / "asb.csv", ASB_HEADER, ASB_ROWS)
    report = run_import(runtime, [path], "asb", source).files[0]
    with runtime.sessions() as session:
        run = session.get(ImportRun, report.import_run_id)
        assert run is not None
        assert run.kind == "partner-asb"
        assert run.source_name == "asb.csv"
        assert run.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert (run.rows_read, run.imported, run.updated, run.duplicates, run.rejected) == (
            4,
            4,
            0,
            0,
            0,
        )
        assert run.finished_at is not None
        assert json.loads(run.summary_json or "{}")["unlocated"] == 3
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.event == "partner_feed.imported")
        ).all()
        assert len(events) == 1
        event = events[0]
        assert (event.action, event.actor_kind, event.actor_label) == (
            "collection",
            "system",
            "cli:tester",
        )
        assert (event.record_type, event.record_id) == ("import_run", str(run.id))
        details = json.loads(event.details_json)
        assert details == {
            "kind": "asb",
            "file": "asb.csv",
            "sha256": run.sha256,
            "source_organisation_id": source,
            "source_organisation": "Sussex Police",
            "rows_read": 4,
            "imported": 4,
            "updated": 0,
            "duplicates": 0,
            "rejected": 0,
            "unlocated": 3,
            "relocated": 0,
        }
        assert verify_chain(session).ok


def test_deliberate_fires_feed(runtime: Runtime, source: int, tmp_path: Path) -> None:
    rows = [
        ["DF-1", "2024-04-01", "19:30", "secondary", "Refuse", "50.82", "-0.14", ""],
        ["DF-2", "2024-04-02", "", "Primary", "Vehicle", "", "", "BN3 1AA"],
        ["DF-3", "2024-04-03", "02:10", "secondary", "Grassland", "50.85", "-0.12", ""],
    ]
    path = write_feed(tmp_path / "fires.csv", FIRE_HEADER, rows)
    report = run_import(runtime, [path], "deliberate-fires", source).to_dict()
    assert (report["rows_read"], report["imported"], report["rejected"]) == (3, 3, 0)
    stored = _stored_incidents(runtime)
    assert {r.feed_kind for r in stored.values()} == {"deliberate_fire"}
    assert [(stored[k].category, stored[k].sub_type) for k in ("DF-1", "DF-2", "DF-3")] == [
        ("secondary", "Refuse"),
        ("primary", "Vehicle"),
        ("secondary", "Grassland"),
    ]
    with runtime.sessions() as session:
        kinds = session.scalars(select(ImportRun.kind)).all()
    assert kinds == ["partner-deliberate-fires"]


def test_asb_and_fire_references_are_separate(
    runtime: Runtime, source: int, tmp_path: Path
) -> None:
    asb = write_feed(tmp_path / "asb.csv", ASB_HEADER, [ASB_ROWS[0]])
    fire = write_feed(
        tmp_path / "fire.csv",
        FIRE_HEADER,
        [["ASB-1", "2024-04-01", "", "secondary", "Refuse", "50.82", "-0.14", ""]],
    )
    assert run_import(runtime, [asb], "asb", source).files[0].imported == 1
    assert run_import(runtime, [fire], "deliberate-fires", source).files[0].imported == 1
    assert count_rows(runtime, PartnerIncident) == 2


def test_assault_admissions_feed(runtime: Runtime, source: int, tmp_path: Path) -> None:
    rows = [
        ["2024-01", "", "", "BN2", "18-24", "male", "12"],
        ["2024-01", "", "", "bn2", "18 - 24", "F", "*"],
        ["", "2024-01-01", "2024-03-31", "BN1", "65+", "", "<5"],
        ["", "01/01/2024", "31/01/2024", "SW1A", "", "Unknown", "0"],
        ["2024-02", "", "", "DE1", "unknown", "other", "< 10"],
    ]
    path = write_feed(tmp_path / "admissions.csv", ADMISSIONS_HEADER, rows)
    report = run_import(runtime, [path], "assault-admissions", source).to_dict()
    assert (report["rows_read"], report["imported"], report["rejected"]) == (5, 5, 0)
    assert report["unlocated"] == 5
    with runtime.sessions() as session:
        stored = session.scalars(select(AssaultAdmission).order_by(AssaultAdmission.source_line))
        got = [
            (
                r.period_start,
                r.period_end,
                r.outward_postcode,
                r.age_band,
                r.sex,
                r.admissions,
                r.suppressed,
                r.suppression_marker,
            )
            for r in stored
        ]
    jan = (dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    assert got == [
        (*jan, "BN2", "18-24", "male", 12, False, None),
        (*jan, "BN2", "18-24", "female", None, True, "*"),
        (dt.date(2024, 1, 1), dt.date(2024, 3, 31), "BN1", "65+", None, None, True, "<5"),
        (*jan, "SW1A", None, "unknown", 0, False, None),
        (dt.date(2024, 2, 1), dt.date(2024, 2, 29), "DE1", "unknown", "other", None, True, "<10"),
    ]


# --- validation: one rule per case, with the exact error -------------------------------------

ASB_VALID = {
    "incident_reference": "A2",
    "date": "2024-03-02",
    "time": "22:00",
    "category": "personal",
    "sub_type": "",
    "latitude": "50.8225",
    "longitude": "-0.1372",
    "postcode": "",
    "lsoa_code": "",
}
FIRE_VALID = {
    "incident_reference": "F2",
    "date": "2024-03-02",
    "time": "",
    "category": "secondary",
    "property_type": "Refuse",
    "latitude": "50.8225",
    "longitude": "-0.1372",
    "postcode": "",
}
ADMISSION_VALID = {
    "month": "2024-03",
    "period_start": "",
    "period_end": "",
    "outward_postcode": "BN2",
    "age_band": "25-34",
    "sex": "male",
    "count": "7",
}
NOT_A_DATE = "is not a date (expected YYYY-MM-DD or DD/MM/YYYY)"
NOT_A_TIME = "is not a time of day as HH:MM (00:00 to 23:59)"
NOT_WHOLE = "is not a whole number (or * or <5 when the count is suppressed)"
NOT_OUTWARD = "is not a UK outward postcode: expected one or two letters, a digit, then an "
NOT_OUTWARD += "optional digit or letter (e.g. BN2, DE1, SW1A)"

CASES = [
    ("asb", {"date": "2024-13-01"}, "date", f"date '2024-13-01' {NOT_A_DATE}"),
    ("asb", {"date": "31/02/2024"}, "date", f"date '31/02/2024' {NOT_A_DATE}"),
    ("asb", {"date": "2 March 2024"}, "date", f"date '2 March 2024' {NOT_A_DATE}"),
    ("asb", {"date": "2026-11-25"}, "date", "date 2026-11-25 is in the future"),
    ("asb", {"date": "1999-12-31"}, "date", "date 1999-12-31 is before 2000"),
    ("asb", {"date": ""}, "date", "date is empty"),
    ("asb", {"time": "24:00"}, "time", f"time '24:00' {NOT_A_TIME}"),
    ("asb", {"time": "21:15:30"}, "time", f"time '21:15:30' {NOT_A_TIME}"),
    ("asb", {"time": "9pm"}, "time", f"time '9pm' {NOT_A_TIME}"),
    (
        "asb",
        {"category": "criminal damage"},
        "category",
        "category 'criminal damage' is not one of personal, nuisance, environmental",
    ),
    ("asb", {"category": ""}, "category", "category is empty"),
    ("asb", {"sub_type": "x" * 101}, "sub_type", "sub_type is longer than 100 characters"),
    ("asb", {"incident_reference": ""}, "incident_reference", "incident_reference is empty"),
    (
        "asb",
        {"latitude": "48.5"},
        "latitude",
        "latitude 48.5 is outside the United Kingdom (49 to 61.5)",
    ),
    (
        "asb",
        {"longitude": "4.2"},
        "longitude",
        "longitude 4.2 is outside the United Kingdom (-11 to 3)",
    ),
    (
        "asb",
        {"latitude": "-0.1372", "longitude": "50.8225"},
        "latitude",
        "latitude -0.1372 is outside the United Kingdom (49 to 61.5); are latitude and "
        "longitude swapped?",
    ),
    (
        "asb",
        {"longitude": ""},
        "longitude",
        "longitude is empty but latitude is given: give both, or neither",
    ),
    (
        "asb",
        {"latitude": ""},
        "latitude",
        "latitude is empty but longitude is given: give both, or neither",
    ),
    ("asb", {"latitude": "50,82"}, "latitude", "latitude '50,82' is not a number"),
    ("asb", {"longitude": "nan"}, "longitude", "longitude 'nan' is not a number"),
    (
        "asb",
        {"postcode": "BN1 1A"},
        "postcode",
        "postcode 'BN1 1A' is not a valid UK postcode: the inward part must be a digit and two "
        "letters",
    ),
    (
        "asb",
        {"postcode": "QQ1 1AA"},
        "postcode",
        "postcode 'QQ1 1AA' is not a valid UK postcode: 'QQ' is not a UK postcode area",
    ),
    (
        "asb",
        {"latitude": "", "longitude": ""},
        "location",
        "no location: give latitude and longitude, or a postcode",
    ),
    (
        "asb",
        {"latitude": "", "longitude": "", "lsoa_code": "E01031349"},
        "location",
        "no location: give latitude and longitude, or a postcode",
    ),
    (
        "asb",
        {"lsoa_code": "E02001234"},
        "lsoa_code",
        "lsoa_code 'E02001234' is not an English or Welsh LSOA code (E01 or W01 and 6 digits, "
        "e.g. E01013453)",
    ),
    (
        "deliberate-fires",
        {"category": "tertiary"},
        "category",
        "category 'tertiary' is not one of primary, secondary",
    ),
    ("deliberate-fires", {"property_type": ""}, "property_type", "property_type is empty"),
    ("deliberate-fires", {"date": "2027-01-01"}, "date", "date 2027-01-01 is in the future"),
    ("assault-admissions", {"count": "-3"}, "count", "count -3 is negative"),
    ("assault-admissions", {"count": "2.5"}, "count", f"count '2.5' {NOT_WHOLE}"),
    ("assault-admissions", {"count": "<0"}, "count", f"count '<0' {NOT_WHOLE}"),
    (
        "assault-admissions",
        {"count": ""},
        "count",
        "count is empty (give a whole number, or * or <5 when the count is suppressed)",
    ),
    ("assault-admissions", {"count": "2000000"}, "count", "count 2000000 is more than 1,000,000"),
    (
        "assault-admissions",
        {"month": "2024-3x"},
        "month",
        "month '2024-3x' is not a month as YYYY-MM",
    ),
    (
        "assault-admissions",
        {"month": "2024-13"},
        "month",
        "month '2024-13' is not a month as YYYY-MM",
    ),
    (
        "assault-admissions",
        {"month": "2026-11"},
        "month",
        "month 2026-11 has not ended yet (it ends 2026-11-30)",
    ),
    ("assault-admissions", {"month": "1999-12"}, "month", "month 1999-12 is before 2000"),
    (
        "assault-admissions",
        {"period_start": "2024-03-01", "period_end": "2024-03-31"},
        "month",
        "give either month, or period_start and period_end, not both",
    ),
    (
        "assault-admissions",
        {"month": "", "period_start": "2024-03-31", "period_end": "2024-03-01"},
        "period_end",
        "period_end 2024-03-01 is before period_start 2024-03-31",
    ),
    (
        "assault-admissions",
        {"month": "", "period_start": "2024-03-01"},
        "period_end",
        "period_end is empty",
    ),
    (
        "assault-admissions",
        {"month": "", "period_start": "2026-11-01", "period_end": "2026-11-30"},
        "period_end",
        "period_end 2026-11-30 is in the future",
    ),
    (
        "assault-admissions",
        {"month": ""},
        "month",
        "no period: give month, or period_start and period_end",
    ),
    (
        "assault-admissions",
        {"outward_postcode": "BN2 1AA"},
        "outward_postcode",
        "outward_postcode 'BN2 1AA' is a full postcode: give only its outward part (BN2), as "
        "the feed is depersonalised",
    ),
    (
        "assault-admissions",
        {"outward_postcode": "2BN"},
        "outward_postcode",
        f"outward_postcode '2BN' {NOT_OUTWARD}",
    ),
    (
        "assault-admissions",
        {"outward_postcode": "QQ1"},
        "outward_postcode",
        "outward_postcode 'QQ1' is not a UK outward postcode: 'QQ' is not a UK postcode area",
    ),
    (
        "assault-admissions",
        {"outward_postcode": ""},
        "outward_postcode",
        "outward_postcode is empty",
    ),
    (
        "assault-admissions",
        {"age_band": "18 to 24"},
        "age_band",
        "age_band '18 to 24' is not an age band such as 18-24, 65+ or unknown",
    ),
    (
        "assault-admissions",
        {"age_band": "40-30"},
        "age_band",
        "age_band '40-30' is not an age band such as 18-24, 65+ or unknown",
    ),
    (
        "assault-admissions",
        {"sex": "x"},
        "sex",
        "sex 'x' is not one of male, female, other, unknown (or M, F, U)",
    ),
]
VALID = {"asb": ASB_VALID, "deliberate-fires": FIRE_VALID, "assault-admissions": ADMISSION_VALID}
HEADERS = {
    "asb": ASB_HEADER,
    "deliberate-fires": FIRE_HEADER,
    "assault-admissions": ADMISSIONS_HEADER,
}


@pytest.mark.parametrize(("kind", "change", "field", "reason"), CASES)
def test_each_rule_rejects_its_row_with_file_line_field_and_reason(
    runtime: Runtime,
    source: int,
    tmp_path: Path,
    kind: str,
    change: dict[str, str],
    field: str,
    reason: str,
) -> None:
    header = HEADERS[kind]
    good = dict(VALID[kind])
    bad = {**good, **change}
    if kind != "assault-admissions":
        if "incident_reference" not in change:
            bad["incident_reference"] = "BAD-1"
    else:
        good["sex"] = "female"  # a different key from the bad row
    path = write_feed(
        tmp_path / f"{kind}.csv", header, [[good[c] for c in header], [bad[c] for c in header]]
    )
    report = run_import(runtime, [path], kind, source).to_dict()
    assert report["errors"] == [{"file": str(path), "line": 3, "field": field, "reason": reason}]
    assert (report["rows_read"], report["imported"], report["rejected"]) == (2, 1, 1)
    model = AssaultAdmission if kind == "assault-admissions" else PartnerIncident
    assert count_rows(runtime, model) == 1  # rejected rows are not stored


def test_row_with_the_wrong_number_of_fields(runtime: Runtime, source: int, tmp_path: Path) -> None:
    path = tmp_path / "asb.csv"
    path.write_text(
        ",".join(ASB_HEADER) + "\n"
        "A1,2024-03-01,,nuisance\n"
        "A2,2024-03-01,,nuisance,,50.8,-0.1,,,,\n"  # trailing empty cells are tolerated
        "A3,2024-03-01,,nuisance,,50.8,-0.1,,,extra\n",
        encoding="utf-8",
    )
    report = run_import(runtime, [path], "asb", source).to_dict()
    assert report["errors"] == [
        {"file": str(path), "line": 2, "field": None, "reason": "expected 9 fields, found 4"},
        {"file": str(path), "line": 4, "field": None, "reason": "expected 9 fields, found 10"},
    ]
    assert (report["imported"], report["rejected"]) == (1, 2)


def test_repeated_reference_in_a_file(runtime: Runtime, source: int, tmp_path: Path) -> None:
    rows = [
        ["A1", "2024-03-01", "21:00", "nuisance", "noise", "50.82", "-0.13", "", ""],
        ["A2", "2024-03-01", "", "personal", "", "", "", "BN1 1AA", ""],
        ["A1", "2024-03-01", "21:00", "nuisance", "noise", "50.82", "-0.13", "", ""],
        ["A1", "2024-03-02", "21:00", "personal", "noise", "50.82", "-0.13", "", ""],
    ]
    path = write_feed(tmp_path / "asb.csv", ASB_HEADER, rows)
    report = run_import(runtime, [path], "asb", source).to_dict()
    assert (report["rows_read"], report["imported"], report["duplicates"]) == (4, 2, 1)
    assert report["errors"] == [
        {
            "file": str(path),
            "line": 5,
            "field": "incident_reference",
            "reason": "incident_reference 'A1' is already on line 2 with different content "
            "(differs in date, category)",
        }
    ]
    assert count_rows(runtime, PartnerIncident) == 2


def test_repeated_admission_key_in_a_file(runtime: Runtime, source: int, tmp_path: Path) -> None:
    rows = [
        ["2024-01", "", "", "BN2", "18-24", "male", "12"],
        ["", "2024-01-01", "2024-01-31", "BN2", "18-24", "M", "12"],  # the same row, spelt out
        ["2024-01", "", "", "BN2", "18-24", "male", "*"],
    ]
    path = write_feed(tmp_path / "admissions.csv", ADMISSIONS_HEADER, rows)
    report = run_import(runtime, [path], "assault-admissions", source).to_dict()
    assert (report["imported"], report["duplicates"], report["rejected"]) == (1, 1, 1)
    assert report["errors"][0] == {
        "file": str(path),
        "line": 4,
        "field": "count",
        "reason": "period 2024-01-01 to 2024-01-31, BN2, age band 18-24, sex male is already on "
        "line 2 with count 12 (this row: *)",
    }


def test_a_quoted_field_spanning_lines_reports_the_line_the_row_starts_on(
    runtime: Runtime, source: int, tmp_path: Path
) -> None:
    rows = [
        ["A1", "2024-03-01", "", "nuisance", "noise\nand music", "50.82", "-0.13", "", ""],
        ["A2", "2024-03-01", "", "bad", "", "50.82", "-0.13", "", ""],
    ]
    path = write_feed(tmp_path / "asb.csv", ASB_HEADER, rows)
    report = run_import(runtime, [path], "asb", source).to_dict()
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(4, "category")]
    assert _stored_incidents(runtime)["A1"].sub_type == "noise and music"


# --- idempotency and updates -----------------------------------------------------------------


def _asb_rows(first: int, last: int) -> list[list[str]]:
    return [
        [
            f"ASB-{n:04d}",
            f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}",
            f"{n % 24:02d}:{n % 60:02d}",
            ("personal", "nuisance", "environmental")[n % 3],
            "",
            f"{50.8 + n / 10000:.4f}",
            f"{-0.14 + n / 10000:.4f}",
            "",
            "",
        ]
        for n in range(first, last + 1)
    ]


def test_reimport_adds_nothing(runtime: Runtime, source: int, tmp_path: Path) -> None:
    path = write_feed(tmp_path / "asb.csv", ASB_HEADER, _asb_rows(1, 120))
    first = run_import(runtime, [path], "asb", source, batch_rows=50).to_dict()
    second = run_import(runtime, [path], "asb", source, batch_rows=50).to_dict()
    assert (first["imported"], first["duplicates"]) == (120, 0)
    assert (second["imported"], second["updated"], second["duplicates"]) == (0, 0, 120)
    assert count_rows(runtime, PartnerIncident) == 120
    with runtime.sessions() as session:
        runs = session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
        assert [(r.imported, r.duplicates) for r in runs] == [(120, 0), (0, 120)]
        # Every row now points at the second run as the latest file that contained it.
        latest = session.scalars(select(PartnerIncident.last_import_id).distinct()).all()
        assert latest == [runs[1].id]
        firsts = session.scalars(select(PartnerIncident.first_import_id).distinct()).all()
        assert firsts == [runs[0].id]
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.event == "partner_feed.imported")
        ).all()
        assert len(events) == 2


def test_overlapping_file_adds_only_what_is_new(
    runtime: Runtime, source: int, tmp_path: Path
) -> None:
    january = write_feed(tmp_path / "q1.csv", ASB_HEADER, _asb_rows(1, 100))
    overlap = write_feed(tmp_path / "q1-q2.csv", ASB_HEADER, _asb_rows(61, 160))
    run_import(runtime, [january], "asb", source)
    report = run_import(runtime, [overlap], "asb", source).to_dict()
    assert (report["imported"], report["duplicates"], report["updated"]) == (60, 40, 0)
    assert count_rows(runtime, PartnerIncident) == 160


def test_changed_content_updates_in_place(runtime: Runtime, source: int, tmp_path: Path) -> None:
    rows = _asb_rows(1, 10)
    original = write_feed(tmp_path / "v1.csv", ASB_HEADER, rows)
    first = run_import(runtime, [original], "asb", source).files[0]
    before = _stored_incidents(runtime)
    rows[2][3] = "environmental" if rows[2][3] != "environmental" else "personal"
    rows[5][7] = "BN2 1AA"  # a postcode added
    revised = write_feed(tmp_path / "v2.csv", ASB_HEADER, rows[1:])  # and one row not resent
    second = run_import(runtime, [revised], "asb", source).files[0]
    assert (second.imported, second.updated, second.duplicates) == (0, 2, 7)
    after = _stored_incidents(runtime)
    assert len(after) == 10
    changed = after["ASB-0003"]
    assert changed.id == before["ASB-0003"].id
    assert changed.category == rows[2][3]
    assert after["ASB-0006"].postcode == "BN2 1AA"
    assert (changed.first_import_id, changed.last_import_id) == (
        first.import_run_id,
        second.import_run_id,
    )
    assert changed.source_line == 3  # its line in the revised file
    assert changed.updated_at > before["ASB-0003"].updated_at
    assert after["ASB-0001"].last_import_id == first.import_run_id  # not in the revised file


def test_admission_count_revision_updates_in_place(
    runtime: Runtime, source: int, tmp_path: Path
) -> None:
    rows = [
        ["2024-01", "", "", "BN2", "18-24", "male", "*"],
        ["2024-01", "", "", "BN2", "25-34", "male", "9"],
    ]
    run_import(
        runtime,
        [write_feed(tmp_path / "a.csv", ADMISSIONS_HEADER, rows)],
        "assault-admissions",
        source,
    )
    rows[0][6] = "6"
    rows[1][6] = "9"
    report = run_import(
        runtime,
        [write_feed(tmp_path / "b.csv", ADMISSIONS_HEADER, rows)],
        "assault-admissions",
        source,
    ).to_dict()
    assert (report["imported"], report["updated"], report["duplicates"]) == (0, 1, 1)
    with runtime.sessions() as session:
        row = session.scalars(
            select(AssaultAdmission).where(AssaultAdmission.age_band == "18-24")
        ).one()
        assert (row.admissions, row.suppressed, row.suppression_marker) == (6, False, None)


def test_same_reference_from_another_source_is_another_record(
    runtime: Runtime, source: int, tmp_path: Path
) -> None:
    other = make_organisation(runtime, "Brighton and Hove City Council", "unitary_council")
    path = write_feed(tmp_path / "asb.csv", ASB_HEADER, _asb_rows(1, 5))
    run_import(runtime, [path], "asb", source)
    report = run_import(runtime, [path], "asb", other).to_dict()
    assert report["imported"] == 5
    assert count_rows(runtime, PartnerIncident) == 10


# --- headers and whole-file errors -----------------------------------------------------------


def test_header_names_are_matched_loosely_and_unknown_columns_ignored(
    runtime: Runtime, source: int, tmp_path: Path
) -> None:
    header = [
        "Officer notes",
        " Category ",
        "Incident Reference",
        "DATE",
        "Sub-Type",
        "LSOA Code",
        "Postcode",
        "Time",
    ]
    rows = [
        ["free text, ignored", "nuisance", "R1", "2024-05-01", "noise", "E01031349", "BN2 1AA", ""],
        ["", "personal", "R2", "2024-05-02", "", "", "bn1 1aa", "07:45"],
    ]
    path = write_feed(tmp_path / "asb.csv", header, rows)
    report = run_import(runtime, [path], "asb", source).to_dict()
    assert (report["imported"], report["rejected"]) == (2, 0)
    stored = _stored_incidents(runtime)
    assert (stored["R1"].category, stored["R1"].sub_type, stored["R1"].given_lsoa_code) == (
        "nuisance",
        "noise",
        "E01031349",
    )
    assert (stored["R2"].postcode, stored["R2"].occurred_time) == ("BN1 1AA", dt.time(7, 45))


@pytest.mark.parametrize(
    ("kind", "header", "reason"),
    [
        (
            "asb",
            ["incident_reference", "date", "latitude", "longitude"],
            "missing required column(s): category. An anti-social behaviour feed needs "
            "incident_reference, date, category, and latitude and longitude or postcode (found: "
            "'incident_reference', 'date', 'latitude', 'longitude')",
        ),
        (
            "asb",
            ["Incident Ref", "date", "category", "latitude"],
            "missing required column(s): incident_reference; latitude and longitude or "
            "postcode; longitude (given latitude). An anti-social behaviour feed needs "
            "incident_reference, date, category, and latitude and longitude or postcode (found: "
            "'Incident Ref', 'date', 'category', 'latitude')",
        ),
        (
            "deliberate-fires",
            ["incident_reference", "date", "category", "postcode"],
            "missing required column(s): property_type. A deliberate fires feed needs "
            "incident_reference, date, category, property_type, and latitude and longitude or "
            "postcode (found: 'incident_reference', 'date', 'category', 'postcode')",
        ),
        (
            "assault-admissions",
            ["outward_postcode", "count", "period_start"],
            "missing required column(s): month or period_start and period_end; period_end "
            "(given period_start). An assault admissions feed needs outward_postcode, count, and "
            "month or period_start and period_end (found: 'outward_postcode', 'count', "
            "'period_start')",
        ),
        (
            "asb",
            ["incident_reference", "Date", "date", "category", "postcode"],
            "column date appears twice in the header (columns 2 and 3)",
        ),
    ],
)
def test_missing_required_columns_refuse_the_whole_file(
    runtime: Runtime, source: int, tmp_path: Path, kind: str, header: list[str], reason: str
) -> None:
    bad = write_feed(tmp_path / "bad.csv", header, [["x"] * len(header)])
    good = write_feed(tmp_path / "good.csv", ASB_HEADER, _asb_rows(1, 3))
    paths = [bad, good] if kind == "asb" else [bad]
    report = run_import(runtime, paths, kind, source)
    assert not report.ok
    assert report.files[0].readable is False
    assert report.to_dict()["errors"] == [
        {"file": str(bad), "line": 1, "field": None, "reason": reason}
    ]
    with runtime.sessions() as session:
        runs = session.scalars(select(ImportRun.source_name)).all()
    assert runs == (["good.csv"] if kind == "asb" else [])  # the other file is still imported


def test_bom_and_crlf_files(runtime: Runtime, source: int, tmp_path: Path) -> None:
    path = write_feed(tmp_path / "asb.csv", ASB_HEADER, ASB_ROWS, bom=True, newline="\r\n")
    report = run_import(runtime, [path], "asb", source).to_dict()
    assert (report["imported"], report["rejected"]) == (4, 0)
    assert _stored_incidents(runtime)["ASB-4"].given_lsoa_code == "E01031349"  # no stray \r


def test_empty_file_and_header_only_file(runtime: Runtime, source: int, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header_only = write_feed(tmp_path / "header.csv", ASB_HEADER, [])
    blank_first = tmp_path / "blank.csv"
    blank_first.write_text("\n" + ",".join(ASB_HEADER) + "\n", encoding="utf-8")
    report = run_import(runtime, [empty, header_only, blank_first], "asb", source)
    assert [f.readable for f in report.files] == [False, True, False]
    assert report.files[0].errors == [
        {
            "file": str(empty),
            "line": None,
            "field": None,
            "reason": "the file is empty: expected a header row with incident_reference, date, "
            "category, and latitude and longitude or postcode",
        }
    ]
    assert report.files[2].errors[0]["line"] == 1
    assert report.files[2].errors[0]["reason"].startswith("the first line is empty")
    assert (report.files[1].rows_read, report.files[1].imported) == (0, 0)
    assert report.files[1].import_run_id is not None


def test_missing_file(runtime: Runtime, source: int, tmp_path: Path) -> None:
    report = run_import(runtime, [tmp_path / "nope.csv", tmp_path], "asb", source)
    assert [e["reason"] for e in report.to_dict()["errors"]] == [
        "no such file",
        "not a regular file",
    ]


def test_invalid_utf8_names_the_file_and_line(
    runtime: Runtime, source: int, tmp_path: Path
) -> None:
    path = tmp_path / "latin1.csv"
    rows = _asb_rows(1, 3)
    rows[1][4] = "caf\u00e9 noise"
    text = "\n".join(",".join(r) for r in [ASB_HEADER, *rows]) + "\n"
    path.write_bytes(text.encode("latin-1"))
    byte = path.read_bytes().splitlines()[2].index(b"\xe9") + 1
    assert byte == 44
    report = run_import(runtime, [path], "asb", source)
    assert report.to_dict()["errors"] == [
        {
            "file": str(path),
            "line": 3,
            "field": None,
            "reason": "not UTF-8 text: line 3, byte 44 (0xE9) cannot be decoded; save the file "
            "as CSV UTF-8",
        }
    ]
    assert count_rows(runtime, PartnerIncident) == 0  # nothing from the file is kept
    assert count_rows(runtime, ImportRun) == 0


def test_utf16_file_gets_a_hint(runtime: Runtime, source: int, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(
        ("\n".join(",".join(r) for r in [ASB_HEADER, *_asb_rows(1, 2)])).encode("utf-16")
    )
    report = run_import(runtime, [path], "asb", source)
    assert report.files[0].errors[0]["reason"] == (
        "the file is UTF-16 text, not UTF-8: save it as CSV UTF-8 (comma delimited)"
    )
