"""A real headless Chromium (Debian's, driven by Playwright) using the UI as a person would."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import LATE_DECEMBER_POLICY, STAFF_NAME

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
MINZHENG_2016 = "泉州市民政局关于印发2016年政务公开工作要点的通知"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        yield context.new_page()
        browser.close()


def test_search_open_policy_and_follow_its_interpretation(page, api_url, tmp_path):
    page.goto(api_url + "/")
    page.get_by_role("combobox", name="检索词").fill("政务公开")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("#total")).not_to_have_text("0")
    result = page.locator("article.hit h2 a", has_text=MINZHENG_2016)
    expect(result).to_be_visible()
    expect(page.locator("article.hit", has_text=MINZHENG_2016).locator("em").first).to_have_text("政务公开")
    expect(page.locator('section[data-facet="year"]')).to_contain_text("2016")
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)

    result.click()
    expect(page.locator("h1")).to_have_text(MINZHENG_2016)
    expect(page.locator("table.metadata")).to_contain_text("泉州市民政局")
    panel = page.locator("#interpretations")
    expect(panel.locator("a")).to_have_count(2)
    expect(panel).to_contain_text("图解")

    panel.get_by_role("link", name=re.compile("解读$")).click()
    expect(page.locator("h1")).to_have_text("《泉州市民政系统2016年政务公开工作要点》解读")
    back = page.locator("#interprets a")
    expect(back).to_have_text(MINZHENG_2016)
    back.click()
    expect(page.locator("h1")).to_have_text(MINZHENG_2016)


def test_facet_click_narrows_the_results(page, api_url):
    page.goto(api_url + "/?q=" + "通知")
    total = int(page.locator("#total").inner_text())
    page.locator('section[data-facet="kind"] a', has_text="政策解读").click()
    narrowed = int(page.locator("#total").inner_text())
    assert 0 < narrowed < total
    expect(page.locator("article.hit .kind").first).to_have_text(re.compile("^政策解读"))


def test_crawled_script_text_is_shown_not_run(page, api_url):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(api_url + "/?q=网络诈骗")
    page.locator("article.hit h2 a").first.click()
    expect(page.locator(".body")).to_contain_text("<script>alert('xss')</script>")
    assert dialogs == []


def test_timeliness_dashboard_renders_and_staff_can_exclude_a_policy(page, api_url, staff_token, tmp_path):
    page.goto(api_url + "/reports/timeliness")
    expect(page.locator("h1")).to_have_text("政策解读发布时效")
    full_bar = page.locator('#rate-chart rect.bar[data-unit="泉港区民政局"]')
    expect(full_bar).to_be_visible()
    assert full_bar.bounding_box()["width"] == pytest.approx(400, abs=1)
    expect(page.locator("#by-unit")).to_contain_text("泉港区民政局")
    row = page.locator("#rows tr", has_text="泉港环〔2019〕8号")
    expect(row.locator(".status")).to_have_text("逾期")
    expect(row).to_contain_text("逾期 3 个工作日")
    page.screenshot(path=str(tmp_path / "timeliness.png"), full_page=True)

    csv_link = page.get_by_role("link", name="下载 CSV")
    with page.expect_download() as download:
        csv_link.click()
    assert download.value.suggested_filename == "timeliness.csv"

    expect(row.locator("button.scope")).to_have_count(0)  # the public sees no staff controls

    sign_in(page, staff_token)
    expect(page.locator("h1")).to_have_text("政策解读发布时效")
    row = page.locator("#rows tr", has_text="泉港环〔2019〕8号")
    policy_id = row.locator("button.scope").get_attribute("data-id")
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    try:
        page.locator("#scope-reason").fill("浏览器测试")
        row.locator("button.scope").click()
        excluded = page.locator("#rows tr", has_text="泉港环〔2019〕8号")
        expect(excluded.locator(".status")).to_have_text("无需解读")
        expect(excluded.locator(".decision")).to_contain_text(f"排除：{STAFF_NAME}")
        expect(excluded.locator(".decision")).to_contain_text("浏览器测试")
    finally:
        gone = page.request.delete(f"{api_url}/api/reports/timeliness/scope/{policy_id}", headers={"X-CSRF-Token": csrf})
        assert gone.status == 204
    page.goto(api_url + "/staff/audit")
    expect(page.locator("#audit tr").nth(1)).to_contain_text("scope.reset")
    page.get_by_role("button", name=re.compile("退出")).click()
    expect(page.get_by_role("link", name="工作人员登录")).to_be_visible()


def test_dashboard_shows_the_due_soon_queue_provisional_rows_and_evidence(page, deployment, tmp_path):
    _folder, url = deployment
    page.goto(url + "/reports/timeliness")
    page.get_by_label("统计截至").fill("2026-12-31")
    page.get_by_role("button", name="统计").click()
    expect(page.locator("#rules")).to_contain_text("相关解读材料应于文件公开后3个工作日内")
    expect(page.locator("#rules")).to_contain_text("确定至 2026-12-14")
    row = page.locator("#rows tr", has_text=LATE_DECEMBER_POLICY)
    expect(row.locator(".status")).to_have_text("未到期")
    expect(row.locator(".provisional")).to_have_text("暂定")
    expect(row).to_contain_text("2027-01-04")
    expect(row).to_contain_text("2027 年的节假日安排尚未载入")
    due = page.locator("#due-table tr", has_text=LATE_DECEMBER_POLICY)
    expect(due).to_contain_text("7日内到期")
    expect(due.locator(".provisional")).to_be_visible()
    expect(page.get_by_role("link", name="订阅到期提醒（iCalendar）")).to_have_attribute("href", "/api/reports/timeliness/due.ics")
    evidence = page.locator("#rows tr", has_text="泉港环〔2019〕8号").locator(".evidence")
    expect(evidence).to_contain_text(re.compile(r"政策首次抓取 20\d\d-\d\d-\d\d"))
    expect(evidence).to_contain_text(re.compile(r"解读首次抓取 20\d\d-"))
    with page.expect_download() as download:
        evidence.get_by_role("link", name="证据").click()
    assert download.value.suggested_filename.startswith("evidence-")
    page.screenshot(path=str(tmp_path / "timeliness-due.png"), full_page=True)

    page.get_by_label("统计截至").fill("")
    page.locator('input[name="from"]').fill("2019-05-01")
    page.locator('input[name="to"]').fill("2019-01-01")
    page.get_by_role("button", name="统计").click()
    expect(page.locator("#problems")).to_contain_text("晚于")  # said on the page, in Chinese
    expect(page.locator("#rows")).to_be_visible()


def sign_in(page, token: str) -> None:
    """Through the sign-in page, as a staff member would, with the token `zhengce staff add` gave."""
    page.get_by_role("link", name="工作人员登录").click()
    page.get_by_label("账号").fill(STAFF_NAME)
    page.get_by_label("密码或 API 令牌").fill(token)
    page.get_by_role("button", name="登录").click()


def test_unit_page_shows_tasks_and_links_to_co_units(page, api_url):
    page.goto(api_url + "/units")
    page.get_by_role("link", name="泉港区民政局", exact=True).click()
    expect(page.locator("h1")).to_have_text("泉港区民政局")
    task = page.locator("#tasks tr", has_text="社会救助和社会福利领域")
    expect(task.locator(".role")).to_have_text("牵头")
    task.get_by_role("link", name="泉港区教育局").click()
    expect(page.locator("h1")).to_have_text("泉港区教育局")
