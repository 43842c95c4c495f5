"""Every page type in a real Chromium at a phone's size (390×844) and a desk's (1366×900): where
things are on the first screen, the controls without JavaScript, axe-core's accessibility
checks, and the API docs with every request off this machine refused. Screenshots of each page
and size are kept in build/screenshots (the README shows two of them)."""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, MINZHENG_2016

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "build" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1366, "height": 900}}
INTERPRETATION = "《泉州市民政系统2016年政务公开工作要点》解读"
INFOGRAPHIC = "图解：泉州市民政系统2016年政务公开工作要点"


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _context(browser, size: str, javascript: bool = True):
    phone = size == "phone"
    return browser.new_context(locale="zh-CN", viewport=SIZES[size], java_script_enabled=javascript,
                               is_mobile=phone, has_touch=phone, device_scale_factor=2 if phone else 1)


@pytest.fixture(params=list(SIZES))
def sized(request, browser):
    context = _context(browser, request.param)
    yield request.param, context.new_page()
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def top(locator) -> float:
    return locator.bounding_box()["y"]


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width} px wide"


def document_url(page, api_url: str, title: str) -> str:
    page.goto(api_url + "/?" + f"q={title}")
    return page.locator('article.hit a[href^="/documents/"]', has_text=title).first.get_attribute("href")


def test_search_results_come_first_and_filters_open_on_demand(sized, api_url):
    size, page = sized
    page.goto(api_url + "/?q=政务公开")
    first = page.locator("article.hit").first
    expect(first).to_be_visible()
    height = page.viewport_size["height"]
    assert top(first) + 60 < height, "the first result must start on the first screen"
    assert "<" not in page.title() and page.title().endswith("政策通")
    no_sideways_scroll(page)
    facets = page.locator("aside.facets")
    shot(page, f"search-{size}")
    if size == "phone":
        expect(facets).to_be_hidden()
        page.get_by_text("筛选", exact=False).first.click()
        expect(facets).to_be_visible()
        assert top(facets) < top(first)  # opened above the results
    else:
        expect(facets).to_be_visible()
        assert facets.bounding_box()["x"] < first.bounding_box()["x"]  # beside them, on the left
    shot(page, f"search-filters-{size}")


def test_the_reading_page_shows_its_interpretations_on_the_first_screen(sized, api_url):
    size, page = sized
    page.goto(api_url + document_url(page, api_url, MINZHENG_2016))
    expect(page.locator("h1")).to_have_text(MINZHENG_2016)
    panel = page.locator("#interpretations")
    expect(panel).to_be_visible()
    assert top(panel) + 40 < page.viewport_size["height"], "相关解读 must be on the first screen"
    no_sideways_scroll(page)
    label = page.locator("table.metadata th").first
    assert label.bounding_box()["width"] > 48, "a metadata label must not wrap one character per line"
    if size == "phone":
        assert top(panel) < top(page.locator(".body"))  # before the body
    else:
        assert panel.bounding_box()["x"] > page.locator(".body").bounding_box()["x"]  # beside it
    shot(page, f"document-{size}")


def test_an_infographic_shows_its_image_from_this_server(sized, api_url):
    size, page = sized
    page.goto(api_url + document_url(page, api_url, INFOGRAPHIC))
    image = page.locator(".body figure.image img")
    expect(image).to_be_visible()
    assert image.get_attribute("src").startswith("/api/documents/")
    assert page.evaluate("(img) => img.complete && img.naturalWidth", image.element_handle()) == 320
    assert image.bounding_box()["width"] <= page.viewport_size["width"]
    expect(page.locator("#interprets a")).to_have_text(MINZHENG_2016)  # the policy it explains
    shot(page, f"infographic-{size}")


@pytest.mark.parametrize("path", ["/", "/units", "/units/泉港区民政局", "/reports/timeliness", "/no/such/page", "/signin"])
def test_staff_and_other_pages_fit_the_screen(sized, api_url, path):
    size, page = sized
    page.goto(api_url + path)
    expect(page.locator("h1")).to_have_count(1)
    no_sideways_scroll(page)
    chart = page.locator("#rate-chart svg")
    if chart.count():
        assert chart.bounding_box()["width"] <= page.viewport_size["width"]
    shot(page, f"{path.strip('/').replace('/', '-') or 'home'}-{size}")


@pytest.fixture(params=list(SIZES))
def without_script(request, browser):
    context = _context(browser, request.param, javascript=False)
    yield request.param, context.new_page()
    context.close()


def params_of(page) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(page.url).query)


def test_the_domain_tree_is_walked_without_javascript(without_script, api_url):
    size, page = without_script
    page.goto(api_url + "/?q=")
    facet = page.locator('section[data-facet="domain"]')
    if size == "phone":
        page.locator("label.filters-button").click()
    facet.get_by_role("link", name="民政、扶贫、救灾").click()
    assert [v for k, v in params_of(page) if k == "domain"] == ["民政、扶贫、救灾"]
    top = int(page.locator("#total").inner_text())
    if size == "phone":
        page.locator("label.filters-button").click()
    facet.locator("ul.subcategories a", has_text="社会福利").click()
    assert [v for k, v in params_of(page) if k == "domain"] == ["民政、扶贫、救灾/社会福利"]
    assert 0 < int(page.locator("#total").inner_text()) < top
    assert page.locator("ul.chips", has_text="民政、扶贫、救灾 › 社会福利").is_visible()
    page.screenshot(path=str(SCREENSHOTS / f"search-domain-{size}.png"), full_page=True)


def test_every_search_control_works_without_javascript(without_script, api_url):
    size, page = without_script
    page.goto(api_url + "/?q=通知")
    total = int(page.locator("#total").inner_text())
    if size == "phone":
        page.locator("label.filters-button").click()  # a checkbox and CSS, no script
    page.locator('section[data-facet="kind"] a', has_text="政策文件").click()
    assert ("kind", "policy") in params_of(page)
    narrowed = int(page.locator("#total").inner_text())
    assert 0 < narrowed < total
    if size == "phone":
        page.locator("label.filters-button").click()
    page.locator('section[data-facet="kind"] a', has_text="政策解读").click()  # a second value: either
    assert {("kind", "policy"), ("kind", "interpretation")} <= set(params_of(page))
    assert int(page.locator("#total").inner_text()) > narrowed

    page.get_by_role("link", name="发布日期（新→旧）").click()
    dates = page.locator("article.hit > .meta time").all_inner_texts()
    assert dates == sorted(dates, reverse=True) and ("sort", "newest") in params_of(page)

    if size == "phone":
        page.locator("label.filters-button").click()
    page.locator('form.dates input[name="from"]').fill("2018-01-01")
    page.locator('form.dates input[name="to"]').fill("2019-12-31")
    page.locator("form.dates").get_by_role("button", name="应用").click()
    state = dict(params_of(page))
    assert state["from"] == "2018-01-01" and state["to"] == "2019-12-31" and state["sort"] == "newest"
    dates = page.locator("article.hit > .meta time").all_inner_texts()
    assert dates and all("2018" <= d[:4] <= "2019" for d in dates)

    chip = page.locator("ul.chips a", has_text="发布日期从")
    chip.click()
    assert "from" not in dict(params_of(page)) and dict(params_of(page))["to"] == "2019-12-31"

    page.goto(api_url + "/?q=通知&size=3")
    page.locator("form.jump input[name=page]").fill("2")
    page.locator("form.jump").get_by_role("button", name="跳转").click()
    expect(page.locator('nav.pager [aria-current="page"]')).to_have_text("2")
    results_url = page.url
    page.locator("article.hit h2 a").first.click()
    page.get_by_role("link", name="← 返回检索结果").click()
    assert sorted(params_of(page)) == sorted(parse_qsl(urlsplit(results_url).query))

    page.goto(api_url + "/?q=政务公开")
    page.locator("select#search-field").select_option("title")
    page.get_by_role("combobox", name="检索词").fill("民政")
    page.get_by_role("button", name="搜索").click()
    assert ("field", "title") in params_of(page)
    titles = page.locator("article.hit h2").all_inner_texts()
    assert titles and all("民政" in t for t in titles)


AXE_PAGES = ["/", "/?q=", "/?q=政务公开", "/?q=&domain=民政、扶贫、救灾/社会福利", "/?q=不存在的词语组合", "/units",
             "/units/泉港区民政局", "/reports/timeliness", "/signin", "/no/such/page"]


@pytest.mark.parametrize("size", list(SIZES))
def test_axe_finds_nothing_serious_on_any_page_type(browser, api_url, size):
    if not AXE.exists():
        if os.environ.get("ZHENGCE_REQUIRE_AXE"):
            pytest.fail("axe-core is missing and ZHENGCE_REQUIRE_AXE is set: run scripts/install-test-tools.sh")
        pytest.skip("axe-core is not installed: `make test` installs it with npm into node_modules/")
    # axe is injected as a script of the page: the test context alone lets it past our CSP.
    context = browser.new_context(locale="zh-CN", viewport=SIZES[size], bypass_csp=True)
    page = context.new_page()
    paths = [*AXE_PAGES, *(document_url(page, api_url, title) for title in (MINZHENG_2016, INTERPRETATION, INFOGRAPHIC))]
    found = {}
    for path in paths:
        page.goto(api_url + path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
        if bad:
            found[path] = bad
    context.close()
    assert found == {}, found


def test_the_api_docs_load_with_every_request_off_this_machine_refused(browser, api_url):
    context = _context(browser, "desk")
    refused = []

    def only_loopback(route):
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        page.goto(api_url + "/docs")
        expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
        expect(page.locator(".opblock-summary-path", has_text="/api/search").first).to_be_visible()
        page.goto(api_url + "/redoc")
        expect(page.get_by_role("heading", name=re.compile("Search policies, interpretations and notices"))).to_be_visible(timeout=15_000)
        shot(page, "redoc-desk")
    finally:
        context.close()
    assert refused == []
    # ReDoc's footer asks for its logo from a CDN: our CSP stops it before any request is made.
    assert [e for e in errors if "Content Security Policy" not in e] == []
