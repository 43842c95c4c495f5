"""Downloads: the timeliness report as CSV and XLSX (the same rows and columns as the JSON), and
a search's results as CSV. Every cell is neutralized against formula injection (_cell)."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Callable, Iterable

from analyzers.model import KIND_LABELS, Document
from analyzers.timeliness import DueItem, PolicyFacts, Tally, TimelinessReport, TimelinessRow
from indexer.fields import VALIDITY_DEFAULT

def _yes(flag: bool) -> str:
    return "是" if flag else ""


def _interpretations(row: TimelinessRow) -> str:
    return "；".join(f"{i.published.isoformat() if i.published else '日期不详'} {i.form or '解读'}《{i.title}》"
                    for i in row.interpretations)


# (header, value) — one definition of the columns for both formats.
ROW_COLUMNS: list[tuple[str, Callable[[TimelinessRow], object]]] = [
    ("发布机构", lambda r: r.unit),
    ("文号", lambda r: r.doc_number),
    ("标题", lambda r: r.title),
    ("发布日期", lambda r: r.published),
    ("适用规则", lambda r: r.rule),
    ("时限（工作日）", lambda r: r.workdays),
    ("解读截止日期", lambda r: r.deadline),
    ("暂定", lambda r: _yes(r.provisional)),
    ("状态", lambda r: r.status_label),
    ("逾期工作日", lambda r: r.late_workdays),
    ("逾期自然日", lambda r: r.late_calendar_days),
    ("非工作日发布", lambda r: _yes(r.off_day_publication)),
    ("已超期工作日", lambda r: r.overdue_workdays),
    ("已超期自然日", lambda r: r.overdue_calendar_days),
    ("计数说明", lambda r: r.count_note),
    ("首个解读标题", lambda r: r.interpretation_title),
    ("解读形式", lambda r: r.interpretation_form),
    ("解读发布日期", lambda r: r.interpretation_published),
    ("关联方式", lambda r: r.link_method),
    ("全部解读", _interpretations),
    ("政策首次抓取", lambda r: r.first_seen.strftime("%Y-%m-%d %H:%M") if r.first_seen else ""),
    ("解读首次抓取", lambda r: r.interpretation_first_seen.strftime("%Y-%m-%d %H:%M") if r.interpretation_first_seen else ""),
    ("证据提示", lambda r: "；".join(r.evidence_flags)),
    ("说明", lambda r: "；".join(x for x in (r.reason, r.provisional_reason) if x)),
    ("原文链接", lambda r: r.url),
]
TALLY_COLUMNS = [("按时", "on_time"), ("逾期", "late"), ("缺失", "missing"), ("未到期", "pending"),
                 ("无需解读", "not_required"), ("无法判定", "undetermined"), ("其中暂定", "provisional")]
TALLY_HEADERS = [title for title, _ in TALLY_COLUMNS] + ["按时率"]
DUE_LABELS = {"today": "今天到期", "tomorrow": "明天到期", "week": "7日内到期"}
DUE_COLUMNS: list[tuple[str, Callable[[DueItem], object]]] = [
    ("到期", lambda d: DUE_LABELS[d.due]),
    ("截止日期", lambda d: d.deadline),
    ("暂定", lambda d: _yes(d.provisional)),
    ("发布机构", lambda d: d.unit),
    ("文号", lambda d: d.doc_number),
    ("标题", lambda d: d.title),
    ("发布日期", lambda d: d.published),
    ("原文链接", lambda d: d.url),
]


def _tally_values(tally: Tally) -> list[object]:
    rate = tally.on_time_rate
    return [getattr(tally, name) for _, name in TALLY_COLUMNS] + [rate if rate is not None else ""]


def report_header(report: TimelinessReport) -> list[str]:
    """What the figures rest on: the rules quoted, the calendar's coverage, the day counted to."""
    lines = [f"统计截至 {report.as_of}"]
    lines += [f"规则 {rule.name}（{rule.label}，{rule.workdays} 个工作日，自{rule.clock}起算）：{rule.citation}"
              for rule in report.rules]
    settled = report.calendar.settled_through
    lines.append(f"节假日日历：{report.calendar.years[0]}—{report.calendar.years[-1]} 年，确定至 {settled}"
                 if report.calendar.years else "节假日日历：无数据")
    lines += [f"日历文件问题：{problem}" for problem in report.calendar.problems]
    return lines


EXCEL_EPOCH = date(1899, 12, 30)

# A spreadsheet reads a cell starting with one of these as a formula (=HYPERLINK(…), DDE's
# =cmd|…, +, -, @) or shifts it (tab, CR). Crawled titles and unit names can start with anything.
_FORMULA_STARTS = "=+-@\t\r"


def _cell(value: object) -> object:
    """A value as a cell: text that could start a formula gets a leading apostrophe (OWASP's
    rule for CSV injection); numbers and dates stay as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value and value[0] in _FORMULA_STARTS:
        return "'" + value
    return value


def rows_csv(columns: list[tuple[str, Callable]], items: Iterable) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for header, _ in columns])
    for item in items:
        writer.writerow([_cell(value(item)) for _, value in columns])
    return buffer.getvalue().encode("utf-8-sig")


def row_columns(report: TimelinessReport) -> list[tuple[str, Callable[[TimelinessRow], object]]]:
    """ROW_COLUMNS and, last, the sentence of each row's rule with its source: a CSV read on its
    own still says what the figures were checked against (an XLSX has them in its 规则 sheet)."""
    citations = {rule.name: rule.citation for rule in report.rules}
    return [*ROW_COLUMNS, ("规则依据", lambda r: citations.get(r.rule, ""))]


def to_csv(report: TimelinessReport) -> bytes:
    return rows_csv(row_columns(report), report.rows)


def to_xlsx(report: TimelinessReport) -> bytes:
    """XlsxWriter, streaming rows (constant memory), text always written as text: a title that
    starts with = stays a string, never a formula."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    dated = book.add_format({"num_format": "yyyy-mm-dd"})

    def sheet(title: str, headers: list[str], rows: Iterable[list[object]]) -> None:
        worksheet = book.add_worksheet(title)
        worksheet.freeze_panes(1, 0)
        write_string, write_number = worksheet.write_string, worksheet.write_number
        for column, header in enumerate(headers):
            write_string(0, column, header, bold)
        for number, values in enumerate(rows, start=1):
            for column, value in enumerate(values):
                kind = type(value)
                if kind is str:
                    if value:
                        write_string(number, column, _cell(value))
                elif kind is date:  # Excel's serial day number, as write_datetime computes it, faster
                    write_number(number, column, (value - EXCEL_EPOCH).days, dated)
                elif value is not None:
                    write_number(number, column, value)

    # Cells are neutralized as they are written (_cell, as for the CSV).
    # The rules' sentences are in the 规则 sheet, once, rather than on every row as in the CSV.
    sheet("明细", [h for h, _ in ROW_COLUMNS], ([v(row) for _, v in ROW_COLUMNS] for row in report.rows))
    for title, tallies, key in (("按单位", report.by_unit, "发布机构"), ("按月份", report.by_month, "月份")):
        sheet(title, [key] + TALLY_HEADERS, ([t.key] + _tally_values(t) for t in tallies))
    sheet("即将到期", [h for h, _ in DUE_COLUMNS], ([v(item) for _, v in DUE_COLUMNS] for item in report.due))
    sheet("规则", ["依据"], ([line] for line in report_header(report)))
    book.close()
    return buffer.getvalue()


def to_ics(items: list[DueItem], name: str) -> bytes:
    """The due-soon queue as an iCalendar feed: one all-day event per deadline, stable UIDs so a
    subscribed calendar updates events instead of duplicating them."""
    from icalendar import Calendar, Event

    feed = Calendar()
    feed.add("prodid", "-//zhengce//政策解读到期提醒//ZH")
    feed.add("version", "2.0")
    feed.add("x-wr-calname", name)
    for item in items:
        event = Event()
        event.add("uid", f"{item.policy_id}-interpretation-due@zhengce")
        event.add("summary", f"解读到期：{item.title}")
        event.add("dtstart", item.deadline)
        event.add("dtend", item.deadline + timedelta(days=1))
        detail = [f"发布机构：{item.unit}", f"文号：{item.doc_number or '无'}", f"发布日期：{item.published}",
                  f"截止日期：{item.deadline}{'（暂定）' if item.provisional else ''}"]
        event.add("description", "\n".join(detail))
        if item.url.startswith(("http://", "https://")):
            event.add("url", item.url)
        feed.add_component(event)
    return feed.to_ical()


EVIDENCE_COLUMNS = ["对象", "标题", "声称发布日期", "网址", "抓取时间", "HTTP 状态", "SHA-256"]


def evidence_csv(policy: PolicyFacts) -> bytes:
    """One line per stored capture of the policy and of each interpretation."""
    lines = [("政策", policy.title, policy.published, c) for c in policy.captures]
    lines += [("解读", i.title, i.published, c) for i in policy.interpretations for c in i.captures]
    rows = [[what, title, claimed, c.url, c.fetched_at.isoformat(timespec="seconds"), c.status, c.sha256]
            for what, title, claimed, c in lines]
    return rows_csv([(h, lambda r, i=i: r[i]) for i, h in enumerate(EVIDENCE_COLUMNS)], rows)


SEARCH_EXPORT_LIMIT = 10_000  # rows of a search's CSV, as deep as a result list may be paged


def search_columns(site: str) -> list[tuple[str, Callable[[Document], object]]]:
    """The columns of a search's CSV; `site`: this server's address, for the 本站链接 column."""
    return [
        ("标题", lambda d: d.title),
        ("文号", lambda d: d.doc_number),
        ("发布机构", lambda d: d.publisher),
        ("发布日期", lambda d: d.published_at.strftime("%Y-%m-%d") if d.published_at else ""),
        ("类别", lambda d: KIND_LABELS[d.kind]),
        ("解读形式", lambda d: d.interpretation_form),
        ("主题分类", lambda d: "；".join(d.domains)),
        ("效力", lambda d: d.validity.status if d.validity else VALIDITY_DEFAULT),
        ("本站链接", lambda d: f"{site}/documents/{d.id}"),
        ("原文链接", lambda d: d.url),
    ]
