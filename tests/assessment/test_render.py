"""The printed assessment: one self-contained HTML file and an A4 PDF (WeasyPrint)."""

from __future__ import annotations

import io
import re

import pytest
import shapely
from pypdf import PdfReader

from beacon.assessment.document import Document, Fact, Figure, Section
from beacon.assessment.render import pdf, standalone_html
from beacon.workspace.figures import bar_chart, hotspot_map, trend_chart
from beacon.workspace.tables import SMALL, Column, Table

MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]
COUNTS = [40, 42, 38, 61, 44, 41, 39, 37, 45, 43, 20, 41]
CLASSES = {
    "E01000001": "hot 99%",
    "E01000002": "hot 95%",
    "E01000003": "not significant",
    "E01000004": "cold 95%",
    "E01000005": "cold 99%",
    "E01000006": "hot 90%",  # no stored boundary
}


def boundaries() -> dict[str, bytes]:
    return {
        f"E0100000{i}": shapely.to_wkb(
            shapely.box(
                -0.2 + (i % 3) * 0.01,
                50.82 + (i // 3) * 0.01,
                -0.19 + (i % 3) * 0.01,
                50.83 + (i // 3) * 0.01,
            )
        )
        for i in range(1, 6)
    }


def document(*, audience: str = "analysts", status: str = "draft") -> Document:
    trend = trend_chart(
        MONTHS,
        COUNTS,
        [{"direction": "rise", "index": 3, "count": 61}],
        label="Burglaries",
        sen_slope=0.1,
        trend_note="No significant trend (Mann–Kendall p = 0.41).",
    )
    types = ["Violence and sexual offences", "Burglary", "Robbery"]
    bars = bar_chart(types, [812, 123, 4], label="Crimes")
    gi = hotspot_map(
        [{"area": code, "class": c} for code, c in CLASSES.items()],
        href=lambda code: f"/workspace/areas/{code}",
        value_text=lambda a: a["class"],
    )
    areas = [
        {"code": f"E01{i:06d}", "name": f"Worthing {i:03d}A", "count": (i * 7) % 50 + 5}
        for i in range(1, 56)
    ]
    return Document(
        kind="strategic",
        title="Strategic Intelligence Assessment 2024 <Worthing & Adur>",
        scope={"level": "lad", "codes": ["E07000229"], "label": "Worthing"},
        period={"from": "2024-01", "to": "2024-12", "months": 12},
        comparison={"from": "2023-01", "to": "2023-12", "months": 12},
        generated_at="2025-01-15T09:30:00+00:00",
        snapshot={"id": "snapshot-7f3a"},
        audience=audience,
        status=status,
        sections=[
            Section(
                id="summary",
                number="1",
                title="Summary of findings",
                paragraphs=["Burglary rose in the spring. <script>alert(1)</script>"],
                facts=[
                    Fact("total.count", "Crimes recorded", 45678),
                    Fact("total.change", "Change on 2023", -0.041, "percent", note="All crime"),
                ],
            ),
            Section(
                id="method",
                number="2",
                title="Method and data",
                paragraphs=["Police recorded crime, 2024."],
                missing=["Population estimates were not loaded, so no rates are given."],
            ),
            Section(
                id="theme-burglary",
                number="3",
                title="Burglary",
                paragraphs=["Burglary is a priority."],
                subsections=[
                    Section(
                        id="theme-burglary-trend",
                        number="3.1",
                        title="Burglary over time",
                        figures=[
                            Figure(
                                id="trend",
                                kind="chart",
                                caption="Burglaries by month",
                                alt="Line chart: burglaries by month, peaking at 61 in April.",
                                spec=trend,
                                table="by-month",
                            )
                        ],
                        tables=[
                            Table(
                                id="by-month",
                                title="Burglaries by month",
                                columns=[
                                    Column("month", "Month"),
                                    Column("n", "Burglaries", "integer"),
                                ],
                                rows=[
                                    {"month": m, "n": n}
                                    for m, n in zip(MONTHS, COUNTS, strict=True)
                                ],
                            )
                        ],
                    ),
                    Section(
                        id="theme-burglary-places",
                        number="3.2",
                        title="Where burglary happens",
                        figures=[
                            Figure(
                                id="hotspots",
                                kind="map",
                                caption="Burglary hot and cold spots",
                                alt="Map: two hot spots in the west, two cold spots in the east.",
                                spec=gi,
                                table="areas",
                            )
                        ],
                        tables=[
                            Table(
                                id="areas",
                                title="Burglaries by LSOA",
                                columns=[
                                    Column("name", "Area"),
                                    Column("code", "LSOA"),
                                    Column("count", "Burglaries", "integer"),
                                ],
                                rows=areas,
                            )
                        ],
                    ),
                ],
            ),
            Section(
                id="theme-types",
                number="4",
                title="Crime by type",
                figures=[
                    Figure(
                        id="types",
                        kind="chart",
                        caption="Crimes by type",
                        alt="Bar chart: violence is by far the largest type.",
                        spec=bars,
                        table="types",
                    )
                ],
                tables=[
                    Table(
                        id="types",
                        title="Crimes by type",
                        columns=[
                            Column("type", "Crime type"),
                            Column("n", "Crimes", "integer"),
                            Column("share", "Share", "percent"),
                        ],
                        rows=[
                            {"type": types[0], "n": 812, "share": 0.864},
                            {"type": types[1], "n": 123, "share": 0.131},
                            {"type": types[2], "n": SMALL, "share": None},
                        ],
                        note="Robbery is fewer than 5, so its share is withheld.",
                    )
                ],
            ),
        ],
    )


@pytest.fixture(scope="module")
def printed() -> bytes:
    return pdf(document(), boundaries())


@pytest.fixture(scope="module")
def page() -> str:
    return standalone_html(document(), boundaries())


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in reader.pages))


def test_pdf_holds_every_section_figure_and_gap(printed: bytes) -> None:
    assert printed.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(printed))
    assert len(reader.pages) > 1
    assert reader.metadata is not None
    assert reader.metadata.title == "Strategic Intelligence Assessment 2024 <Worthing & Adur>"
    text = pdf_text(printed)
    for section in document().all_sections():
        assert section.title in text
    assert "45,678" in text  # a fact, as tables.show prints it
    assert "-4.1%" in text
    assert "Not computed: Population estimates were not loaded" in text
    assert "Page 1 of" in text
    assert "DRAFT" in text
    # The 55-row table is cut for print, and says so; the 12-row one is not.
    assert "First 40 of 55 rows; all rows are in the data annex." in text
    assert "Worthing 040A" in text and "Worthing 041A" not in text
    assert "2024-12" in text
    # A map area without a boundary is said, not silently dropped.
    assert "1 area has no stored boundary" in text


def test_pdf_contents_list_gives_page_numbers(printed: bytes) -> None:
    reader = PdfReader(io.BytesIO(printed))
    first = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    assert "Contents" in first
    # "3.2 Where burglary happens ..... N" with N the page its heading is on.
    match = re.search(r"Where burglary happens[ .]*(\d+)", first)
    assert match
    number = int(match.group(1))
    assert number > 1
    assert "Where burglary happens" in reader.pages[number - 1].extract_text()


def test_html_is_self_contained(page: str) -> None:
    # No resource from anywhere else: no http(s) or protocol-relative src/href, no url().
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:[a-z]+:)?//""", page, re.I)
    assert "url(" not in page
    assert "@import" not in page
    for src in re.findall(r"""src\s*=\s*["']([^"']*)""", page):
        assert src.startswith("data:image/")


def test_html_structure_and_accessibility(page: str) -> None:
    doc = document()
    assert page.count("<h1") == 1
    assert "<h2" in page and "<h3" in page
    assert re.search(r"<h2[^>]*>.*Summary of findings</h2>", page)
    assert re.search(r"<h3[^>]*>.*Burglary over time</h3>", page)
    figures = doc.all_figures()
    assert page.count("<img ") == len(figures) == 3
    for _, figure in figures:
        assert f'alt="{figure.alt}"' in page
    assert page.count("<figure") == 3 and page.count("<figcaption>") == 3
    for section, table in doc.all_tables():
        assert f'id="table-{section.id}-{table.id}"' in page
        assert re.search(rf"<caption>.*{re.escape(table.title)}</caption>", page)
    # Each figure is followed by (and links to) the table behind it.
    assert page.index('id="figure-theme-types-types"') < page.index('id="table-theme-types-types"')
    assert 'href="#table-theme-types-types"' in page
    assert '<th scope="col"' in page and '<th scope="row"' in page
    assert '<td class="num">812</td>' in page
    assert '<td class="num">fewer than 5</td>' in page
    assert '<td class="num">86.4%</td>' in page
    assert "Not computed:" in page
    # The HTML keeps every row (only the PDF cuts long tables).
    assert "Worthing 055A" in page and "First 40 of" not in page
    # Text from the document is escaped, never markup.
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert (
        "<title>Strategic Intelligence Assessment 2024 &lt;Worthing &amp; Adur&gt;</title>" in page
    )


def test_html_metadata_and_banners(page: str) -> None:
    for text in (
        "Strategic Intelligence Assessment",
        "Worthing",
        "January 2024 to December 2024 (12 months)",
        "January 2023 to December 2023 (12 months)",
        "15 January 2025, 09:30 UTC",
        "snapshot-7f3a",
        "DRAFT",
        "Analysts’ version",
    ):
        assert text in page
    shared = standalone_html(document(audience="shared", status="approved"), boundaries())
    assert "Shared version:" in shared and "‘fewer than 5’" in shared
    assert "DRAFT" not in shared and "has not been approved" not in shared
    assert "Approved" in shared


def test_a_figure_that_cannot_be_drawn_is_reported_not_lost() -> None:
    doc = document()
    broken = doc.section("theme-types")
    assert broken is not None
    broken.figures[0].spec = {"kind": "bar", "series": []}
    page = standalone_html(doc, boundaries())
    assert "This figure could not be drawn" in page
    assert "Bar chart: violence is by far the largest type." in page
    assert page.count("<img ") == 2
    assert 'id="table-theme-types-types"' in page


def test_images_follow_the_spec_when_drawn_again() -> None:
    # Images are reused between renders (PDF, then HTML): never for a changed figure.
    def map_src(doc: Document) -> str:
        page = standalone_html(doc, boundaries())
        return re.findall(r'<img src="([^"]+)" alt="Map:', page)[0]

    doc = document()
    first = map_src(doc)
    assert map_src(document()) == first
    places = doc.section("theme-burglary-places")
    assert places is not None
    places.figures[0].spec["areas"]["E01000001"]["fill"] = "#f3f2f1"
    assert map_src(doc) != first
    moved = boundaries()
    moved["E01000002"] = shapely.to_wkb(shapely.box(-0.3, 50.7, -0.29, 50.71))
    assert standalone_html(document(), moved).count(first) == 0


def test_column_widths_keep_codes_and_figures_whole() -> None:
    from beacon.assessment.render import LINE_CHARACTERS, column_widths

    labels = ["Position", "Ward", "Code", "Crimes", "Share of harm"]
    numeric = [True, False, False, True, True]
    rows = [["1", "Chaddesden and Oakwood Park", "E05001773", "2,483", "26.3%"]]
    widths, compact = column_widths(labels, numeric, rows)
    assert not compact
    assert sum(widths) == pytest.approx(100, abs=0.1)
    # Each column is at least as wide as its longest unbreakable word plus padding.
    per_char = 100 / LINE_CHARACTERS
    assert widths[2] >= (len("E05001773") + 2) * per_char - 0.01
    assert widths[0] >= (len("Position") * 1.1 + 3) * per_char - 0.01
    # The text column takes the spare room, not the figures.
    assert widths[1] == max(widths)


def test_column_widths_print_a_wide_table_compact() -> None:
    from beacon.assessment.render import column_widths

    labels = [f"Heading{i:02d}" for i in range(10)]
    widths, compact = column_widths(labels, [True] * 10, [["123,456,789"] * 10])
    assert compact
    assert widths == pytest.approx([10.0] * 10)
    narrow, compact = column_widths(
        ["Crime type", "Crimes"], [False, True], [["Anti-social behaviour", "812"]]
    )
    assert not compact
    assert narrow[0] > narrow[1]
