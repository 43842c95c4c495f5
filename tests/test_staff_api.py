"""Timeliness reports and unit lookups through the real API server."""
from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, timedelta

from openpyxl import load_workbook

from crawler.raw_store import RawStore
from search_api.exports import ROW_COLUMNS
from tests.conftest import STAFF_NAME

NOTICE_84 = "泉港区人民政府办公室关于印发推进社会公益事业建设领域政府信息公开工作实施方案的通知"
AS_OF = "2026-11-25"


def report(client, **params) -> dict:
    response = client.get("/api/reports/timeliness", params={"as_of": AS_OF, **params})
    assert response.status_code == 200, response.text
    return response.json()


def row_for(body: dict, doc_number: str) -> dict:
    return next(r for r in body["rows"] if r["doc_number"] == doc_number)


def test_statuses_across_holidays_and_make_up_days(client):
    body = report(client)
    assert [r["workdays"] for r in body["rules"]] == [3] and body["rules"][0]["name"] == "quanzhou_3_workdays"
    national_day = row_for(body, "泉港民〔2016〕58号")  # Fri 2016-09-30, interpretation Sat 10-08 (调休)
    assert (national_day["status"], national_day["deadline"], national_day["link_method"]) == (
        "on_time", "2016-10-10", "doc_number",
    )
    spring = row_for(body, "泉港政办〔2024〕5号")  # Fri 2024-02-09, interpretation Mon 02-19
    assert (spring["status"], spring["deadline"], spring["link_method"]) == ("on_time", "2024-02-20", "quoted_title")
    late = row_for(body, "泉港环〔2019〕8号")
    assert (late["status"], late["late_workdays"], late["status_label"]) == ("late", 3, "逾期")
    assert late["late_calendar_days"] >= 3 and late["interpretations"]
    missing = row_for(body, "泉港教〔2018〕31号")
    assert missing["status"] == "missing" and missing["overdue_workdays"] > 1000 and missing["count_note"] == ""
    assert missing["overdue_calendar_days"] > missing["overdue_workdays"]
    assert row_for(body, "国函〔2018〕159号")["status"] == "not_required"  # a 批复


def test_per_unit_and_month_totals(client):
    body = report(client, unit="区民政局")
    assert {r["unit"] for r in body["rows"]} == {"泉港区民政局"}
    (unit,) = body["by_unit"]
    assert (unit["key"], unit["on_time"], unit["on_time_rate"]) == ("泉港区民政局", 2, 1.0)
    assert [m["key"] for m in body["by_month"]] == ["2016-09", "2019-05"]


def test_date_range_and_bad_dates(client):
    body = report(client, **{"from": "2019-01-01", "to": "2019-12-31"})
    assert body["rows"] and all(r["published"].startswith("2019") for r in body["rows"])
    assert client.get("/api/reports/timeliness", params={"from": "2019-02-30"}).status_code == 422
    assert client.get("/api/reports/timeliness", params={"from": "2019-05-01", "to": "2019-01-01"}).status_code == 422
    assert client.get("/api/reports/timeliness", params={"workdays": -1}).status_code == 422
    assert client.get("/api/reports/timeliness", params={"workdays": 31}).status_code == 422


def test_csv_download_has_the_columns_and_rows(client):
    response = client.get("/api/reports/timeliness", params={"as_of": AS_OF, "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "timeliness.csv" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese right
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [header for header, _ in ROW_COLUMNS] + ["规则依据"]
    assert len(rows) - 1 == len(report(client)["rows"])
    column = {header: i for i, (header, _) in enumerate(ROW_COLUMNS)}
    late = next(r for r in rows[1:] if r[column["文号"]] == "泉港环〔2019〕8号")
    assert (late[column["状态"]], late[column["逾期工作日"]], late[column["适用规则"]]) == ("逾期", "3", "quanzhou_3_workdays")
    assert late[column["政策首次抓取"]] and late[column["全部解读"]]
    assert "相关解读材料应于文件公开后3个工作日内" in late[-1]


def test_xlsx_download_opens_with_its_sheets_and_quotes_the_rule(client):
    response = client.get("/api/reports/timeliness", params={"as_of": AS_OF, "format": "xlsx", "unit": "泉港区民政局"})
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["明细", "按单位", "按月份", "即将到期", "规则"]
    basis = [row[0] for row in book["规则"].values]
    assert any("相关解读材料应于文件公开后3个工作日内" in line and "泉州市民政局" in line for line in basis)
    detail = list(book["明细"].values)
    assert list(detail[0]) == [header for header, _ in ROW_COLUMNS]
    assert {row[0] for row in detail[1:]} == {"泉港区民政局"}
    assert list(book["按单位"].values)[1][:2] == ("泉港区民政局", 2)


def test_staff_include_and_exclude_a_policy(client, staff_client):
    body = report(client)
    minzheng = next(r for r in body["rows"] if r["title"] == "泉州市民政局关于印发2016年政务公开工作要点的通知")
    assert (minzheng["status"], minzheng["reason"]) == ("not_required", "无文号")
    url = f"/api/reports/timeliness/scope/{minzheng['policy_id']}"
    assert client.put(url, json={"include": True}).status_code == 401  # the public cannot change it
    try:
        changed = staff_client.put(url, json={"include": True, "reason": "规范性文件"}).json()
        assert (changed["doc_id"], changed["include"], changed["decided_by"], changed["reason"]) == (
            minzheng["policy_id"], True, STAFF_NAME, "规范性文件",
        )
        included = next(r for r in report(client)["rows"] if r["policy_id"] == minzheng["policy_id"])
        # Thu 2016-06-30 → deadline Tue 07-05; the 文字解读 of 07-04 is on time.
        assert (included["status"], included["deadline"], included["interpretation_published"]) == (
            "on_time", "2016-07-05", "2016-07-04",
        )
    finally:
        assert staff_client.delete(url).status_code == 204
    assert next(r for r in report(client)["rows"] if r["policy_id"] == minzheng["policy_id"])["status"] == "not_required"
    audit = staff_client.get("/api/staff/audit", params={"limit": 2}).json()
    assert [(e["actor"], e["action"], e["target"]) for e in audit] == [
        (STAFF_NAME, "scope.reset", minzheng["policy_id"]), (STAFF_NAME, "scope.include", minzheng["policy_id"]),
    ]
    assert client.get("/api/staff/audit").status_code == 401
    assert staff_client.put("/api/reports/timeliness/scope/0123456789abcdef", json={"include": True}).status_code == 404
    assert staff_client.put(url, json={"include": "maybe"}).status_code == 422


def test_unit_lookup_by_alias_lists_tasks_with_roles_and_co_units(client):
    unit = client.get("/api/units/区民政局").json()
    assert unit["name"] == "泉港区民政局" and "区民政局" in unit["aliases"]
    task = next(t for t in unit["tasks"] if t["policy"]["title"] == NOTICE_84 and t["section"] == "社会救助和社会福利领域")
    assert task["role"] == "牵头"
    assert {"name": "泉港区教育局", "role": "配合"} in task["co_units"]
    assert task["task"].startswith("（二）社会救助和社会福利领域。")
    assert any(d["doc_number"] == "泉港民〔2019〕19号" for d in unit["issued"])


def test_abbreviation_and_full_name_are_one_unit(client):
    short = client.get("/api/units/区卫计局").json()
    full = client.get("/api/units/泉港区卫生和计划生育局").json()
    assert short == full and short["name"] == "泉港区卫生和计划生育局"
    assert client.get("/api/units/不存在的单位").status_code == 404


def test_units_list_counts_roles(client):
    units = {u["name"]: u for u in client.get("/api/units").json()}
    civil = units["泉港区民政局"]
    assert civil["aliases"] == ["区民政局"]
    assert civil["leads"] >= 4 and civil["issued"] >= 4
    assert units["泉港区教育局"]["cooperates"] >= 2


def test_unit_facet_and_filter_accept_aliases(client):
    by_alias = client.get("/api/search", params={"unit": "区卫计局"}).json()
    by_name = client.get("/api/search", params={"unit": "泉港区卫生和计划生育局"}).json()
    assert by_alias["total"] == by_name["total"] > 0


def test_staff_pages_render(client):
    for path in ("/reports/timeliness", "/reports/timeliness?unit=泉港区民政局", "/units", "/units/区民政局"):
        assert client.get(path).status_code == 200, path


def test_due_soon_queue_as_json_csv_and_icalendar(client):
    missing = row_for(report(client), "泉港教〔2018〕31号")  # no interpretation in the sample
    day_before = (date.fromisoformat(missing["deadline"]) - timedelta(days=1)).isoformat()
    due = client.get("/api/reports/timeliness/due", params={"as_of": day_before})
    assert due.status_code == 200, due.text
    items = due.json()
    assert {"policy_id": missing["policy_id"], "due": "tomorrow"}.items() <= next(
        i for i in items if i["policy_id"] == missing["policy_id"]).items()
    assert all(0 <= (date.fromisoformat(i["deadline"]) - date.fromisoformat(day_before)).days <= 7 for i in items)
    on_the_day = client.get("/api/reports/timeliness/due", params={"as_of": missing["deadline"]}).json()
    assert next(i for i in on_the_day if i["policy_id"] == missing["policy_id"])["due"] == "today"
    as_csv = client.get("/api/reports/timeliness/due", params={"as_of": day_before, "format": "csv"})
    assert as_csv.content.decode("utf-8-sig").splitlines()[0].startswith("到期,截止日期,暂定,发布机构")
    feed = client.get("/api/reports/timeliness/due.ics")
    assert feed.headers["content-type"].startswith("text/calendar")
    assert feed.text.startswith("BEGIN:VCALENDAR") and "X-WR-CALNAME:政策解读到期提醒" in feed.text


def test_evidence_export_matches_the_raw_store(client, data_dir):
    body = report(client)
    row = row_for(body, "泉港环〔2019〕8号")
    assert row["first_seen"] and row["interpretation_first_seen"]
    evidence = client.get(f"/api/reports/timeliness/evidence/{row['policy_id']}").json()
    stored = RawStore(data_dir / "raw.sqlite3").latest(evidence["url"])
    assert evidence["captures"][-1]["sha256"] == hashlib.sha256(stored.body).hexdigest()
    assert evidence["interpretations"] and evidence["interpretations"][0]["captures"]
    as_csv = client.get(f"/api/reports/timeliness/evidence/{row['policy_id']}", params={"format": "csv"})
    lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert lines[0] == ["对象", "标题", "声称发布日期", "网址", "抓取时间", "HTTP 状态", "SHA-256"]
    assert {line[0] for line in lines[1:]} == {"政策", "解读"}
    assert client.get("/api/reports/timeliness/evidence/0123456789abcdef").status_code == 404


def test_calendar_status_names_years_and_sources(client):
    status = client.get("/api/reports/calendar").json()
    assert [y["year"] for y in status["years"]][:2] == [2007, 2008] and status["years"][0]["source"] == "内置"
    assert status["settled_through"] >= "2026-12-14" and status["missing_years"] == []


def test_a_unit_is_read_a_page_at_a_time_never_by_scanning_the_index(data_dir):
    from indexer.tantivy_engine import TantivyEngine
    from search_api.services import unit_detail

    class NoScan(TantivyEngine):
        def documents(self, query):
            raise AssertionError("a unit page read every document of the unit")

    engine = NoScan(data_dir / "index" / "tantivy")
    whole = unit_detail(engine, "区民政局")
    assert whole.issued_total == len(whole.issued) >= 4 and whole.task_documents >= 4
    issued, tasks = [], []
    for page in range(1, 4):
        part = unit_detail(engine, "区民政局", issued_page=page, tasks_page=page, size=2)
        assert len(part.issued) <= 2 and len({t.policy.id for t in part.tasks}) <= 2
        issued += part.issued
        tasks += part.tasks
    assert [d.id for d in issued] == [d.id for d in whole.issued][:6]  # newest first, page after page
    dates = [d.published_at for d in whole.issued]
    assert dates == sorted(dates, reverse=True)
    assert {(t.policy.id, t.section) for t in tasks} <= {(t.policy.id, t.section) for t in whole.tasks}


def test_a_units_lists_are_paged_in_the_api_and_the_page(client):
    first = client.get("/api/units/区民政局").json()
    assert first["issued_total"] >= len(first["issued"]) and first["issued_page"] == 1 and first["size"] == 20
    beyond = client.get("/api/units/区民政局", params={"issued_page": 50}).json()
    assert beyond["issued"] == [] and beyond["issued_total"] == first["issued_total"]
    assert client.get("/api/units/区民政局", params={"tasks_page": 0}).status_code == 422
    page = client.get("/units/区民政局").text
    assert f"发布的文件（{first['issued_total']}）" in page and f"承担的任务（{first['task_documents']} 件文件）" in page
