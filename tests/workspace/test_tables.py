"""Tables, exports, figure descriptions and query parsing, without a database."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from beacon.analytics.trends import month_changes
from beacon.workspace import figures
from beacon.workspace.query import QueryError, parse_query
from beacon.workspace.tables import Column, Table, show, suppress_small, to_csv, to_xlsx


def _table() -> Table:
    return Table(
        "areas",
        "By area",
        [
            Column("name", "Area"),
            Column("count", "Count", "integer"),
            Column("share", "Share", "percent"),
        ],
        [
            {"name": '=HYPERLINK("http://example.org","x")', "count": 7, "share": 0.25},
            {"name": "Adur 002A", "count": None, "share": None},
        ],
        shown=1,
    )


def test_cells_are_shown_the_en_gb_way() -> None:
    assert show(12345, "integer") == "12,345"
    assert show(0.1234, "percent") == "12.3%"
    assert show(3.14159, "decimal") == "3.14"
    assert show(1234.5, "decimal") == "1,234.5"
    assert show(0.0001, "p") == "< 0.001"
    assert show(None, "integer") == "–"
    assert show("fewer than 5", "integer") == "fewer than 5"


def test_csv_has_provenance_header_and_every_row() -> None:
    table = _table()
    text = to_csv(table, preamble=[("Area", "Adur")]).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "# Area,Adur"
    assert lines[1] == "Area,Count,Share"
    assert len(lines) == 4  # every row, though the page shows one
    assert lines[3] == "Adur 002A,,"
    # A cell a spreadsheet would run as a formula is written as text.
    assert lines[2].startswith("\"'=HYPERLINK(")


def test_xlsx_keeps_numbers_as_numbers_and_text_as_text() -> None:
    book = load_workbook(io.BytesIO(to_xlsx(_table(), preamble=[("Area", "Adur")])))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == ["Area", "Count", "Share"]
    assert sheet["B2"].value == 7 and sheet["C2"].value == 0.25
    assert sheet["C2"].number_format == "0.0%"
    # Never a formula, whatever an area name holds.
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("=HYPERLINK")
    assert book["About"]["B2"].value == "Adur"


def test_small_numbers_are_suppressed_with_what_derives_from_them() -> None:
    rows = [
        {"count": 3, "rate": 1.2, "harm": 40.0},
        {"count": 5, "rate": 2.0},
        {"count": 0, "rate": 0},
    ]
    suppress_small(rows, ["count"], ["rate", "harm"])
    assert rows[0] == {"count": "fewer than 5", "rate": None, "harm": None}
    assert rows[1] == {"count": 5, "rate": 2.0}
    assert rows[2] == {"count": 0, "rate": 0}  # zero identifies nobody


def test_quantile_breaks_never_make_empty_classes() -> None:
    assert figures.quantile_breaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == [2, 4, 6, 8, 10]
    assert figures.quantile_breaks([0, 0, 0, 0, 0, 0, 0, 0, 5, 9]) == [0, 9]
    assert figures.quantile_breaks([]) == []


def test_sequential_map_colours_each_area_by_its_class() -> None:
    rows = [{"code": f"A{i}", "value": float(i)} for i in range(1, 11)] + [
        {"code": "X", "value": None}
    ]
    data = figures.sequential_map(
        rows, code_key="code", value_key="value", title="Rate", show=str,
        value_text=lambda r: str(r["value"]), href=lambda c: f"/p/{c}",
    )  # fmt: skip
    assert data["areas"]["A1"]["fill"] == figures.SEQUENTIAL[0]
    assert data["areas"]["A10"]["fill"] == figures.SEQUENTIAL[-1]
    assert data["areas"]["X"]["fill"] == figures.NO_DATA
    assert data["areas"]["A3"]["href"] == "/p/A3"
    assert [i["fill"] for i in data["legend"]["items"]] == list(reversed(figures.SEQUENTIAL))


def test_hotspot_map_uses_the_class_colours_and_lists_only_present_classes() -> None:
    areas = [{"area": "A", "class": "hot 99%"}, {"area": "B", "class": "not significant"}]
    data = figures.hotspot_map(areas, lambda c: c, lambda a: "")
    assert data["areas"]["A"]["fill"] == figures.HOTSPOT_FILLS["hot 99%"]
    assert [i["label"] for i in data["legend"]["items"]] == [
        "Hot spot, 99% confidence",
        "Not significant",
    ]


def test_trend_chart_marks_significant_months() -> None:
    months = ["2018-01", "2018-02", "2018-03", "2018-04"]
    counts = [100, 100, 160, 90]
    changes = month_changes(months, counts)
    assert [(c["month"], c["direction"]) for c in changes] == [
        ("2018-03", "rise"),
        ("2018-04", "fall"),
    ]
    spec = figures.trend_chart(months, counts, changes, label="Crimes")
    rises = next(s for s in spec["series"] if s["label"].startswith("Significant rise"))
    assert rises["data"] == [None, None, 160, None]
    assert spec["labels"] == months


def test_month_changes_refuse_a_gap() -> None:
    from beacon.analytics.errors import AnalysisInputError

    with pytest.raises(AnalysisInputError, match="consecutive"):
        month_changes(["2018-01", "2018-03"], [10, 200])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"area": "lad:XYZ"}, "area"),
        ({"area": "county:E10000001"}, "area"),
        ({"area": "force:../../etc"}, "area"),
        ({"from": "2018-1", "to": "2018-12"}, "from"),
        ({"from": "2018-05"}, "to"),
        ({"shade": "colour"}, "shade"),
        ({"value": "rate"}, "value"),
        ({"snapshot": "../x"}, "snapshot"),
    ],
)
def test_query_errors_name_the_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(params)
    assert field in caught.value.errors


def test_query_round_trips_through_its_url() -> None:
    query = parse_query(
        {"area": "lad:e07000223", "from": "2018-10", "to": "2018-12", "shade": "harm"}
    )
    assert query.area == "lad:E07000223"
    assert query.url("/workspace/volume") == (
        "/workspace/volume?area=lad%3AE07000223&from=2018-10&to=2018-12&shade=harm"
    )
    assert parse_query(query.params()) == query
