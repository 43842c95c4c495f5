"""A deployment changing its own calendar and rules, through the command line and the real
server, with no reindex: the year after the shipped calendar, an imported notice, a rule
profile for one unit."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import LATE_DECEMBER_POLICY, zhengce

NOTICE_2027 = Path(__file__).parent / "data" / "holiday_notices" / "2027-official-format.txt"
UNIT = "泉港区民政局"


@pytest.fixture(scope="module")
def api(deployment):
    folder, url = deployment
    with httpx.Client(base_url=url, timeout=30) as http:
        yield folder, http


def rows(http: httpx.Client, **params) -> dict[str, dict]:
    response = http.get("/api/reports/timeliness", params=params)
    assert response.status_code == 200, response.text
    return {row["policy_id"]: row for row in response.json()["rows"]}


def generation(folder: Path) -> str:
    return (folder / "index" / "tantivy" / "CURRENT").read_text()


def test_the_year_after_the_calendar_is_provisional_and_an_imported_notice_makes_it_final(api):
    folder, http = api
    built = generation(folder)
    now = rows(http, as_of="2026-11-25")
    later = rows(http, as_of="2027-02-01")
    # No 缺失 row becomes anything else when the day counted to lies past the calendar.
    missing_now = {pid for pid, row in now.items() if row["status"] == "missing"}
    assert missing_now and {later[pid]["status"] for pid in missing_now} == {"missing"}
    assert all(later[pid]["count_note"].endswith("日历覆盖至 2026-12-14") for pid in missing_now)

    (december,) = [row for row in later.values() if row["doc_number"] == LATE_DECEMBER_POLICY]
    assert (december["status"], december["deadline"], december["provisional"]) == ("missing", "2027-01-04", True)
    assert december["provisional_reason"] == "2027 年的节假日安排尚未载入，它可能调整 2026 年 12 月下旬的休息日和上班日"

    preview = zhengce(folder, "calendar", "import", str(NOTICE_2027), "--dry-run")
    assert preview.returncode == 0, preview.stderr
    assert "元旦：放假 1月1日（星期五）至1月3日（星期日），共 3 天" in preview.stdout
    assert not (folder / "calendar").exists()  # --dry-run writes nothing
    try:
        imported = zhengce(folder, "calendar", "import", str(NOTICE_2027), "--url", "https://www.gov.cn/zhengce/example")
        assert imported.returncode == 0, imported.stderr
        assert "无需重建索引" in imported.stdout and (folder / "calendar" / "2027.json").exists()
        status = zhengce(folder, "calendar", "status")
        assert status.returncode == 0 and str(folder / "calendar" / "2027.json") in status.stdout

        final = rows(http, as_of="2027-02-01")[december["policy_id"]]
        # Thu 12-31, then the 元旦 holiday: Mon 01-04, Tue 01-05.
        assert (final["status"], final["deadline"], final["provisional"]) == ("missing", "2027-01-05", False)
        assert final["count_note"] == ""  # the overdue count is complete again (until 2027-12-14)
        assert generation(folder) == built  # no reindex
        calendar = http.get("/api/reports/calendar").json()
        assert calendar["years"][-1]["year"] == 2027 and calendar["years"][-1]["papers"] == ["https://www.gov.cn/zhengce/example"]
    finally:
        (folder / "calendar" / "2027.json").unlink(missing_ok=True)
    assert rows(http, as_of="2027-02-01")[december["policy_id"]]["provisional"] is True


def test_a_notice_that_cannot_be_read_changes_nothing(api, tmp_path):
    folder, _ = api
    bad = tmp_path / "notice.txt"
    bad.write_text("国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：1月1日（周四）放假。", encoding="utf-8")
    result = zhengce(folder, "calendar", "import", str(bad))
    assert result.returncode == 2 and "2027-01-01 是星期五，通知却写着星期四" in result.stderr
    assert not (folder / "calendar" / "2027.json").exists()


def test_a_same_day_profile_for_one_unit_changes_exactly_that_units_rows(api):
    folder, http = api
    before = rows(http, as_of="2026-11-25")
    rules = folder / "timeliness.toml"
    rules.write_text('[[assign]]\nunit = "区民政局"\nprofile = "same_day"\n', encoding="utf-8")  # an alias of the unit
    try:
        after = rows(http, as_of="2026-11-25")
    finally:
        rules.unlink()
    changed = {pid for pid in before if before[pid] != after[pid]}
    assert changed and {before[pid]["unit"] for pid in changed} == {UNIT}
    assert all(after[pid]["rule"] == "same_day" and after[pid]["workdays"] == 0
               for pid in before if before[pid]["unit"] == UNIT)
    national_day = next(pid for pid in changed if before[pid]["doc_number"] == "泉港民〔2016〕58号")
    # Fri 2016-09-30, interpretation Sat 10-08: on time within 3 working days, late on the same-day rule.
    assert (before[national_day]["status"], after[national_day]["status"]) == ("on_time", "late")
    assert after[national_day]["deadline"] == "2016-09-30"
    assert rows(http, as_of="2026-11-25") == before  # the file removed: back to the default


def test_a_broken_rules_file_is_a_clear_error(api):
    folder, http = api
    rules = folder / "timeliness.toml"
    rules.write_text('default = "nonexistent"\n', encoding="utf-8")
    try:
        response = http.get("/api/reports/timeliness")
    finally:
        rules.unlink()
    assert response.status_code == 503 and "没有名为“nonexistent”的规则" in response.json()["message"]
