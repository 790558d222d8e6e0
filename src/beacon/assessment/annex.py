"""The data annex: every table of an assessment, whole, as one XLSX workbook (a sheet per
table, an "About" sheet naming the document, snapshot and manifest) or a ZIP of CSV files.

Values are written raw (full precision, numbers as numbers); text that a spreadsheet would run
as a formula is written as text (XLSX) or with a leading apostrophe (CSV), as the workspace's
exports do.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from beacon.assessment.document import Document
from beacon.workspace.tables import _raw, to_csv

_FORMAT_CODES = {
    "integer": "#,##0",
    "decimal": "#,##0.00",
    "percent": "0.0%",
    "p": "0.0000",
}


def provenance(document: Document) -> list[tuple[str, str]]:
    return [
        ("Document", document.title),
        ("Kind", document.kind_label),
        ("Scope", str(document.scope.get("label"))),
        ("Period", f"{document.period['from']} to {document.period['to']}"),
        ("Status", document.status),
        ("Audience", document.audience),
        ("Snapshot", str(document.snapshot.get("id"))),
        ("Run", str(document.run_id or "")),
        ("Generated", document.generated_at),
    ]


def _sheet_names(document: Document) -> list[tuple[str, Any, Any]]:
    """(sheet name, section, table) with unique names of at most 31 characters."""
    used: set[str] = {"About"}
    found = []
    for section, table in document.all_tables():
        base = "".join(ch for ch in table.id if ch not in "[]:*?/\\")[:31] or "table"
        name, n = base, 2
        while name.lower() in {u.lower() for u in used}:
            suffix = f"~{n}"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        used.add(name)
        found.append((name, section, table))
    return found


def to_xlsx(document: Document) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True, "bg_color": "#f3f2f1", "border": 1})
    formats = {k: book.add_format({"num_format": v}) for k, v in _FORMAT_CODES.items()}
    about = book.add_worksheet("About")
    about.set_column(0, 0, 28)
    about.set_column(1, 1, 90)
    rows = [*provenance(document), ("", ""), ("Sheet", "Table (section)")]
    sheets = _sheet_names(document)
    rows += [(name, f"{t.title} ({s.number} {s.title})") for name, s, t in sheets]
    for r, (name, value) in enumerate(rows):
        about.write_string(r, 0, name, bold if name else None)
        about.write_string(r, 1, value)
    for name, _section, table in sheets:
        sheet = book.add_worksheet(name)
        sheet.write_string(0, 0, table.title, bold)
        for col, column in enumerate(table.columns):
            sheet.write_string(1, col, column.label, bold)
            sheet.set_column(col, col, max(10, min(40, len(column.label) + 2)))
        for r, row in enumerate(table.rows, start=2):
            for col, column in enumerate(table.columns):
                value = row.get(column.key)
                if value is None:
                    continue
                if isinstance(value, bool):
                    sheet.write_boolean(r, col, value)
                elif isinstance(value, int | float) and column.numeric:
                    sheet.write_number(r, col, value, formats.get(column.format))
                else:
                    sheet.write_string(r, col, str(value))
        sheet.freeze_panes(2, 0)
    book.close()
    return buffer.getvalue()


def to_csv_zip(document: Document) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        index = ["sheet,table,section"]
        for name, section, table in _sheet_names(document):
            preamble = [*provenance(document), ("Table", table.title)]
            archive.writestr(f"{name}.csv", to_csv(table, preamble=preamble))
            index.append(
                ",".join(
                    '"' + str(_raw(v)).replace('"', '""') + '"'
                    for v in (name, table.title, f"{section.number} {section.title}")
                )
            )
        archive.writestr("index.csv", "\ufeff" + "\r\n".join(index) + "\r\n")
    return buffer.getvalue()
