"""The timeliness report as CSV and XLSX downloads: the same rows and columns as the JSON."""
from __future__ import annotations

import csv
import io
from typing import Callable

from analyzers.timeliness import STATUS_LABELS, Tally, TimelinessReport, TimelinessRow

# (header, value) — one definition of the columns for both formats.
ROW_COLUMNS: list[tuple[str, Callable[[TimelinessRow], object]]] = [
    ("发布机构", lambda r: r.unit),
    ("文号", lambda r: r.doc_number),
    ("标题", lambda r: r.title),
    ("发布日期", lambda r: r.published),
    ("解读截止日期", lambda r: r.deadline),
    ("状态", lambda r: STATUS_LABELS[r.status]),
    ("逾期工作日", lambda r: r.late_days),
    ("已超期工作日", lambda r: r.overdue_days),
    ("解读标题", lambda r: r.interpretation_title),
    ("解读形式", lambda r: r.interpretation_form),
    ("解读发布日期", lambda r: r.interpretation_published),
    ("关联方式", lambda r: r.link_method),
    ("说明", lambda r: r.reason),
    ("原文链接", lambda r: r.url),
]
TALLY_HEADERS = ["按时", "逾期", "缺失", "未到期", "无需解读", "无法判定", "按时率"]


def _tally_values(tally: Tally) -> list[object]:
    rate = tally.on_time_rate
    return [tally.counts[s] for s in STATUS_LABELS] + [rate if rate is not None else ""]


# A spreadsheet reads a cell starting with one of these as a formula (=HYPERLINK(…), DDE's
# =cmd|…, +, -, @) or shifts it (tab, CR). Crawled titles and unit names can start with anything.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """A value as a cell: text that could start a formula gets a leading apostrophe (OWASP's
    rule for CSV injection); numbers and dates stay as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(report: TimelinessReport) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for header, _ in ROW_COLUMNS])
    for row in report.rows:
        writer.writerow([_cell(value(row)) for _, value in ROW_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(report: TimelinessReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    detail = book.active
    detail.title = "明细"
    detail.append([header for header, _ in ROW_COLUMNS])
    for row in report.rows:
        detail.append([_cell(value(row)) for _, value in ROW_COLUMNS])
    for title, tallies, key in (("按单位", report.by_unit, "发布机构"), ("按月份", report.by_month, "月份")):
        sheet = book.create_sheet(title)
        sheet.append([key] + TALLY_HEADERS)
        for tally in tallies:
            sheet.append([_cell(tally.key)] + _tally_values(tally))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # openpyxl would store a text starting with = as a formula
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
