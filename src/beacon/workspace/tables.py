"""The tables behind the workspace's maps and charts, and their CSV and XLSX exports.

Every figure on a workspace page is drawn from a ``Table`` that the page also shows, so the
numbers a chart or map draws can be read, checked and taken away. Exports write the raw values
(full precision, ISO months), not the rounded text the page shows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# How a column's values are shown on the page (exports keep the raw value).
FORMATS = ("text", "integer", "decimal", "percent", "month", "p")
SMALL = "fewer than 5"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    format: str = "text"
    href_key: str | None = None  # a row key holding a link for this cell

    @property
    def numeric(self) -> bool:
        return self.format in ("integer", "decimal", "percent", "p")


@dataclass
class Table:
    id: str
    title: str
    columns: Sequence[Column]
    rows: list[dict[str, Any]]
    note: str | None = None
    # Rows shown on the page (the export always has every row).
    shown: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def visible_rows(self) -> list[dict[str, Any]]:
        return self.rows if self.shown is None else self.rows[: self.shown]


def show(value: Any, format: str) -> str:
    """A cell as the page shows it (en-GB digits, en dash for missing)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        return value
    if format == "integer":
        return f"{round(value):,}"
    if format == "decimal":
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"
    if format == "percent":
        return f"{value * 100:.1f}%"
    if format == "p":
        return "< 0.001" if value < 0.001 else f"{value:.3f}"
    return str(value)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _raw(value: Any) -> Any:
    if value is None:
        return ""
    # Text from partner files reaches these tables (categories, names): a cell that a
    # spreadsheet would read as a formula is written with a leading apostrophe instead.
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(table: Table, *, preamble: Sequence[tuple[str, str]] = ()) -> bytes:
    """UTF-8 CSV (with a byte-order mark, so Excel reads accents right): the provenance lines
    first as ``# name,value`` rows, then a header and every row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for name, value in preamble:
        writer.writerow([f"# {name}", value])
    writer.writerow([c.label for c in table.columns])
    for row in table.rows:
        writer.writerow([_raw(row.get(c.key)) for c in table.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table, *, preamble: Sequence[tuple[str, str]] = ()) -> bytes:
    """One worksheet holding the table (numbers as numbers, percentages formatted) and a second,
    "About", with the provenance lines."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True, "bg_color": "#f3f2f1", "border": 1})
    formats = {
        "integer": book.add_format({"num_format": "#,##0"}),
        "decimal": book.add_format({"num_format": "#,##0.00"}),
        "percent": book.add_format({"num_format": "0.0%"}),
        "p": book.add_format({"num_format": "0.0000"}),
    }
    sheet = book.add_worksheet(_sheet_name(table.title))
    for col, column in enumerate(table.columns):
        sheet.write_string(0, col, column.label, bold)
        sheet.set_column(col, col, max(10, min(40, len(column.label) + 2)))
    for r, row in enumerate(table.rows, start=1):
        for col, column in enumerate(table.columns):
            value = row.get(column.key)
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_boolean(r, col, value)
            elif isinstance(value, int | float) and column.numeric:
                sheet.write_number(r, col, value, formats.get(column.format))
            else:
                # Text is written as text: a value such as "=1+1" must never become a formula.
                sheet.write_string(r, col, str(value))
    sheet.freeze_panes(1, 0)
    if table.rows:
        sheet.autofilter(0, 0, len(table.rows), len(table.columns) - 1)
    about = book.add_worksheet("About")
    about.set_column(0, 0, 24)
    about.set_column(1, 1, 90)
    for r, (name, value) in enumerate([("Table", table.title), *preamble]):
        about.write_string(r, 0, name, bold)
        about.write_string(r, 1, value)
    book.close()
    return buffer.getvalue()


def _sheet_name(title: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\").strip() or "Table"
    return cleaned[:31]


def suppress_small(
    rows: list[dict[str, Any]], counts: Sequence[str], derived: Sequence[str]
) -> None:
    """Counts of 1 to 4 become "fewer than 5" and what is derived from them is withheld, for
    readers without ``data.small_numbers`` (the same rule as the profiles API)."""
    for row in rows:
        small = False
        for key in counts:
            value = row.get(key)
            if isinstance(value, int | float) and 0 < value < 5:
                row[key] = SMALL
                small = True
        if small:
            for key in derived:
                if key in row:
                    row[key] = None
