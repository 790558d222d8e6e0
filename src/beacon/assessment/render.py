"""An assessment as one self-contained HTML file, and as a print-quality PDF (WeasyPrint).

Both go through one template (``web/templates/assessment/print/document.html``, with
``print.css`` inlined) and print only what the ``Document`` holds: numbers are shown with
``workspace.tables.show``, charts and maps are drawn by ``drawing.py`` and embedded as
``data:`` URIs, so neither the file nor the PDF renderer makes any request. The PDF fetcher
refuses every scheme but ``data:``: text from partner files cannot make WeasyPrint fetch.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from beacon.assessment.document import Document, Fact, Figure, Section
from beacon.workspace.tables import Table, show

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates" / "assessment" / "print"
PDF_ROWS = 40  # rows of a table printed in the PDF's body; the data annex has every row
CHART_MM = (160.0, 80.0)
MAP_MM = (160.0, 120.0)
# Charts and maps are PNG at 200 dpi in both the PDF and the HTML file, so the two show the
# same images and the second render reuses the first's (``_IMAGES``). SVG charts cost far more
# in WeasyPrint, which draws SVG itself and gets matplotlib's text as glyph outlines (measured
# in drawing.py's docstring); 1,400 areas as SVG paths are megabytes.
CHART_FORMAT = "png"
MAP_FORMAT = "png"
MIME = {"svg": "image/svg+xml", "png": "image/png"}


@dataclass
class TableView:
    anchor: str
    number: int
    title: str
    columns: list[dict[str, Any]]
    rows: list[list[dict[str, Any]]]
    note: str | None
    cut: str | None  # "First 40 of 1,234 rows…" when rows were left out
    widths: list[float] = field(default_factory=list)  # per column, per cent of the table
    compact: bool = False  # printed in smaller type: its columns need more than a line


@dataclass
class FigureView:
    anchor: str
    number: int
    kind: str
    caption: str
    alt: str
    src: str | None
    width_mm: float
    notes: list[str]
    table: TableView | None  # printed right under the figure
    table_ref: TableView | None = None  # the table holding its figures (linked)
    error: str | None = None
    unmapped: int = 0  # areas with no stored boundary, left off the map


@dataclass
class SectionView:
    anchor: str
    number: str
    title: str
    level: int  # heading level: 2 for sections, 3 for subsections, 4 below
    paragraphs: list[str]
    facts: list[dict[str, Any]]
    missing: list[str]
    figures: list[FigureView]
    tables: list[TableView]  # tables not placed under a figure
    subsections: list[SectionView] = field(default_factory=list)


def standalone_html(document: Document, boundaries: Mapping[str, bytes]) -> str:
    """The assessment as one HTML file with no external resources (CSS inline, images as
    ``data:`` URIs), to open in any browser, archive or send."""
    return _render(document, boundaries, medium="html")


def pdf(document: Document, boundaries: Mapping[str, bytes]) -> bytes:
    """The assessment as an A4 PDF: running header, "Page X of Y", contents with page
    numbers, long tables cut to their first rows (the data annex has them all)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = _render(document, boundaries, medium="pdf")
    # Only data: URIs exist in the document; anything else is refused, never fetched.
    fetcher = URLFetcher(allowed_protocols=("data",))
    result = HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf(pdf_tags=True)
    assert isinstance(result, bytes)
    return result


# --- building the page ------------------------------------------------------------------------


def _render(document: Document, boundaries: Mapping[str, bytes], *, medium: str) -> str:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    images = _draw_figures(document, boundaries)
    counters = {"figure": 0, "table": 0}
    sections = [
        _section(s, 2, images, counters, medium=medium, top=True) for s in document.sections
    ]
    approved = document.status == "approved"
    context = {
        "medium": medium,
        "title": document.title,
        "kind_label": document.kind_label,
        "page_per_chapter": document.kind == "strategic",
        "scope": _scope(document.scope),
        "period": _period(document.period),
        "comparison": _period(document.comparison) if document.comparison else None,
        "generated": _timestamp(document.generated_at),
        "generated_at": document.generated_at,
        "snapshot_id": (document.snapshot or {}).get("id"),
        "run_id": document.run_id,
        "status": document.status,
        "status_label": document.status.replace("_", " ").capitalize() or "Draft",
        "approved": approved,
        "shared": document.audience == "shared",
        "sections": sections,
    }
    return environment.get_template("document.html").render(context)


def _section(
    section: Section,
    level: int,
    images: Mapping[int, Drawn],
    counters: dict[str, int],
    *,
    medium: str,
    top: bool = False,
) -> SectionView:
    tables: dict[str, TableView] = {}
    for table in section.tables:
        counters["table"] += 1
        tables[table.id] = _table(table, section, counters["table"], medium=medium)
    figures: list[FigureView] = []
    placed: set[str] = set()
    for figure in section.figures:
        counters["figure"] += 1
        behind = tables.get(figure.table) if figure.table and figure.table not in placed else None
        if behind is not None and figure.table:
            placed.add(figure.table)
        view = _figure(figure, section, counters["figure"], images[id(figure)], behind)
        # Printed under the first figure that draws it; later figures link to it.
        view.table_ref = tables.get(figure.table or "")
        figures.append(view)
    return SectionView(
        anchor=section.id,
        number=section.number,
        title=section.title,
        level=min(level, 4),
        paragraphs=list(section.paragraphs),
        facts=[_fact(f) for f in section.facts],
        missing=list(section.missing),
        figures=figures,
        tables=[view for table_id, view in tables.items() if table_id not in placed],
        subsections=[
            _section(s, level + 1, images, counters, medium=medium) for s in section.subsections
        ],
    )


def _fact(fact: Fact) -> dict[str, Any]:
    return {"label": fact.label, "value": show(fact.value, fact.format), "note": fact.note}


def _table(table: Table, section: Section, number: int, *, medium: str) -> TableView:
    rows = table.visible_rows
    if medium == "pdf":
        rows = rows[:PDF_ROWS]
    cut = None
    if len(rows) < len(table.rows):
        cut = f"First {len(rows):,} of {len(table.rows):,} rows; all rows are in the data annex."
    columns = [{"label": c.label, "numeric": c.numeric} for c in table.columns]
    # The first column names the row (an area, a month, a category) unless it is a number.
    row_header = bool(table.columns) and not table.columns[0].numeric
    body: list[list[dict[str, Any]]] = [
        [
            {
                "text": show(row.get(c.key), c.format),
                "numeric": c.numeric,
                "header": row_header and i == 0,
            }
            for i, c in enumerate(table.columns)
        ]
        for row in rows
    ]
    widths, compact = column_widths(
        [c.label for c in table.columns],
        [c.numeric for c in table.columns],
        [[cell["text"] for cell in row] for row in body],
    )
    return TableView(
        widths=widths,
        compact=compact,
        anchor=f"table-{section.id}-{table.id}",
        number=number,
        title=table.title,
        columns=columns,
        rows=body,
        note=table.note,
        cut=cut,
    )


# A line of a table at its print size holds about this many average characters (A4 portrait,
# 0.85em of the body text); cell padding is counted in characters too.
LINE_CHARACTERS = 100
COMPACT_LINE_CHARACTERS = 118  # at the compact size (0.72em) for tables too wide for a line
TEXT_PADDING = 2
NUMBER_PADDING = 3
WIDEST_TEXT = 60  # a text column wider than this wraps rather than squeezing the others


def column_widths(
    labels: list[str], numeric: list[bool], rows: list[list[str]]
) -> tuple[list[float], bool]:
    """Per-cent widths for a fixed-layout table, from what its columns hold, and whether
    the table is printed compact (smaller type) because its columns need more than a line.

    Fixed layout is much faster in WeasyPrint than measuring every cell, so the widths are
    estimated here: no column is narrower than its longest unbreakable word (a code, a
    figure, a heading word) plus padding, and when the line is short of room only the text
    columns give way, by wrapping.
    """
    need: list[int] = []
    want: list[int] = []
    for i, label in enumerate(labels):
        pad = NUMBER_PADDING if numeric[i] else TEXT_PADDING
        texts = [row[i] for row in rows]
        # Headings are bold, so a little wider than the same letters in a cell.
        heading_word = math.ceil(1.1 * max((len(w) for w in label.split()), default=0))
        if numeric[i]:
            unbreakable = max((len(t) for t in texts), default=0)
        else:
            unbreakable = min(max((len(w) for t in texts for w in t.split()), default=0), 18)
        longest = min(max((len(t) for t in texts), default=0), WIDEST_TEXT)
        need.append(max(heading_word, unbreakable, 4) + pad)
        want.append(max(need[-1], longest + pad, 0 if numeric[i] else 8 + pad))
    compact = sum(need) > LINE_CHARACTERS
    line = COMPACT_LINE_CHARACTERS if compact else LINE_CHARACTERS
    if sum(want) <= line or sum(need) >= line:
        basis = [float(w) for w in (want if sum(want) <= line else need)]
    else:
        # Every column gets what it needs; the rest of the line goes to the text columns in
        # proportion to how much more they would like.
        spare = line - sum(need)
        extra = [w - n for w, n in zip(want, need, strict=True)]
        share = sum(extra) or 1
        basis = [n + spare * e / share for n, e in zip(need, extra, strict=True)]
    total = sum(basis) or 1.0
    return [round(100 * b / total, 2) for b in basis], compact


def _figure(
    figure: Figure, section: Section, number: int, drawn: Drawn, table: TableView | None
) -> FigureView:
    view = FigureView(
        anchor=f"figure-{section.id}-{figure.id}",
        number=number,
        kind=figure.kind,
        caption=figure.caption,
        alt=figure.alt,
        src=None,
        width_mm=drawn.width_mm,
        notes=[str(n) for n in figure.spec.get("notes") or [] if n and figure.kind != "map"],
        table=table,
        unmapped=drawn.unmapped,
    )
    if drawn.image is None:
        view.error = drawn.error or "unknown error"
    else:
        encoded = base64.b64encode(drawn.image).decode("ascii")
        view.src = f"data:{MIME[drawn.fmt]};base64,{encoded}"
    return view


# --- drawing the figures ----------------------------------------------------------------------


@dataclass
class Drawn:
    fmt: str
    width_mm: float
    image: bytes | None = None
    error: str | None = None
    unmapped: int = 0


def _jobs(document: Document, boundaries: Mapping[str, bytes]) -> list[tuple[int, dict[str, Any]]]:
    jobs: list[tuple[int, dict[str, Any]]] = []
    for _, figure in document.all_figures():
        is_map = figure.kind == "map"
        width_mm, height_mm = MAP_MM if is_map else CHART_MM
        job: dict[str, Any] = {
            "kind": "map" if is_map else "chart",
            "spec": figure.spec,
            "fmt": MAP_FORMAT if is_map else CHART_FORMAT,
            "width_mm": width_mm,
            "height_mm": height_mm,
        }
        if is_map:
            areas = figure.spec.get("areas") or {}
            job["boundaries"] = {c: bytes(boundaries[c]) for c in areas if boundaries.get(c)}
            job["unmapped"] = len(areas) - len(job["boundaries"])
        jobs.append((id(figure), job))
    return jobs


def _draw_cached(job: Mapping[str, Any]) -> bytes:
    """One figure's image: drawn, or the same drawing made moments ago (the workflow renders
    a document's PDF and then its HTML file; a draft is downloaded again and again)."""
    key = _job_key(job)
    with _IMAGES_LOCK:
        image = _IMAGES.get(key)
        if image is not None:
            _IMAGES.move_to_end(key)
            return image
    image = _draw(job)
    with _IMAGES_LOCK:
        _IMAGES[key] = image
        while sum(len(v) for v in _IMAGES.values()) > IMAGE_CACHE_BYTES and len(_IMAGES) > 1:
            _IMAGES.popitem(last=False)
    return image


def _draw(job: Mapping[str, Any]) -> bytes:
    from beacon.assessment import drawing

    size = {"width_mm": job["width_mm"], "height_mm": job["height_mm"], "fmt": job["fmt"]}
    if job["kind"] == "map":
        return drawing.draw_map(job["spec"], job["boundaries"], **size)
    return drawing.draw_chart(job["spec"], notes=False, **size)


def _job_key(job: Mapping[str, Any]) -> bytes:
    digest = hashlib.blake2b(digest_size=20)
    described = {k: v for k, v in job.items() if k != "boundaries"}
    digest.update(json.dumps(described, sort_keys=True, default=str).encode())
    for code, shape in sorted((job.get("boundaries") or {}).items()):
        digest.update(code.encode())
        digest.update(shape)
    return digest.digest()


_IMAGES: OrderedDict[bytes, bytes] = OrderedDict()
_IMAGES_LOCK = threading.Lock()
IMAGE_CACHE_BYTES = 48_000_000


def _draw_figures(document: Document, boundaries: Mapping[str, bytes]) -> dict[int, Drawn]:
    """Every figure's image, keyed by ``id(figure)``. A figure that cannot be drawn is
    reported in its place (with the reason), never allowed to lose the whole document."""
    jobs = _jobs(document, boundaries)
    results: dict[int, Drawn] = {
        key: Drawn(job["fmt"], job["width_mm"], unmapped=job.get("unmapped", 0))
        for key, job in jobs
    }
    for key, job in jobs:
        try:
            results[key].image = _draw_cached(job)
        except Exception as error:
            log.exception("a %s could not be drawn", job["kind"])
            results[key].error = str(error) or type(error).__name__
    return results


# --- metadata as text -------------------------------------------------------------------------

MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


def _date(value: Any) -> str:
    text = str(value)
    if match := re.fullmatch(r"(\d{4})-(\d{2})", text):
        year, month = match.groups()
        if 1 <= int(month) <= 12:
            return f"{MONTHS[int(month) - 1]} {year}"
    if match := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        year, month, day = match.groups()
        if 1 <= int(month) <= 12:
            return f"{int(day)} {MONTHS[int(month) - 1]} {year}"
    return text


def _period(period: Mapping[str, Any] | None) -> str:
    if not period:
        return "–"
    start, end = period.get("from"), period.get("to")
    text = " to ".join(_date(v) for v in (start, end) if v)
    months = period.get("months")
    count = months if isinstance(months, int) else len(months) if months else None
    if count:
        text += f" ({count} month{'s' if count != 1 else ''})"
    return text or "–"


def _scope(scope: Mapping[str, Any]) -> str:
    if scope.get("label"):
        return str(scope["label"])
    names = scope.get("names") or scope.get("codes") or []
    return ", ".join(str(n) for n in names) or "–"


def _timestamp(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    offset = moment.utcoffset()
    # generated_at is stored in UTC; a naive timestamp is UTC too.
    zone = " UTC" if offset is None or not offset else f" {moment:%z}"
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M}{zone}"
