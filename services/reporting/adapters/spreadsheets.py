"""Reports as files: CSV (UTF-8 with a BOM, so Excel reads Chinese) and XLSX (openpyxl), one sheet per table."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

_SHEET_NAME_MAX = 31  # Excel's limit
_FORBIDDEN = str.maketrans({character: " " for character in "[]:*?/\\"})


@dataclass(frozen=True)
class Table:
    """One table of a report: a title, column headings and rows of values in the same order."""

    title: str
    headings: Sequence[str]
    rows: Sequence[Sequence[Any]]


def _cell(value: Any) -> Any:
    # a text cell starting with = + - @ would run as a formula in a spreadsheet: keep it text
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _xlsx_cell(value: Any) -> Any:
    # XML 1.0 cannot hold most control characters: a value carrying one (a town typed with one) drops them
    value = _cell(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def to_csv(tables: Sequence[Table]) -> bytes:
    """Every table one after the other: its title on a line, its headings, its rows, then a blank line."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for number, table in enumerate(tables):
        if number:
            writer.writerow([])
        writer.writerow([_cell(table.title)])
        writer.writerow([_cell(heading) for heading in table.headings])
        writer.writerows([[_cell("" if value is None else value) for value in row] for row in table.rows])
    return buffer.getvalue().encode("utf-8")


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """A workbook with one worksheet per table, headings in bold, columns wide enough to read."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for number, table in enumerate(tables, start=1):
        name = table.title.translate(_FORBIDDEN)[:_SHEET_NAME_MAX] or f"Sheet{number}"
        if name in used:
            name = f"{name[:_SHEET_NAME_MAX - 3]}({number})"
        used.add(name)
        sheet = workbook.create_sheet(name)
        sheet.append([_xlsx_cell(heading) for heading in table.headings])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_xlsx_cell(value) for value in row])
        for column, heading in enumerate(table.headings, start=1):
            widest = max([len(str(heading))] + [len(str(row[column - 1])) for row in table.rows if
                                                row[column - 1] is not None])
            sheet.column_dimensions[get_column_letter(column)].width = min(60, max(10, widest * 2 + 2))
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
