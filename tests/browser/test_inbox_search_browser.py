"""The inbox's search box by a mobile number, in the browser (issue 21): typed and sent
by htmx as the user types, the list swaps in place and the address bar shows an opaque
``ref=``; the pages after it carry the reference; no request the page makes holds the
number in its URL."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
from support import build_province, make_case

from . import test_role_mornings
from .conftest import SQLITE_ONLY
from .test_role_mornings import MONDAY, LiveServer, serving
from .test_shell import sign_in

pytestmark = pytest.mark.browser
desktop_page = test_role_mornings.desktop_page  # the fixture, 1440×900

MOBILE = "13812345678"


@pytest.fixture
def live_server(make_app, backend):
    """CSRF on, the clock frozen, two cases on a page: three of one mobile, one other."""
    assert backend == "sqlite", SQLITE_ONLY
    app = make_app(WTF_CSRF_ENABLED=True, FROZEN_NOW=MONDAY, PAGE_SIZE=2)
    with app.app_context():
        province = build_province()
    for _ in range(3):
        make_case(app, province, mobile=MOBILE)
    make_case(app, province, mobile="13900000000")
    with serving(app) as url:
        yield LiveServer(app=app, url=url)


def test_a_mobile_typed_in_the_search_box_never_reaches_a_url(desktop_page, console_problems):
    page = desktop_page
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    sign_in(page, "assoc-staff")
    page.goto("/cases")
    expect(page.locator("#inbox-table tbody tr")).to_have_count(2)
    page.evaluate("window.__marker = 1")

    page.locator("input[name=q]").press_sequentially(MOBILE)
    expect(page).to_have_url(re.compile(r"[?&]ref="))
    rows = page.locator("#inbox-table tbody tr")
    expect(rows).to_have_count(2)
    for text in rows.all_inner_texts():
        assert "138****5678" in text
    assert page.evaluate("window.__marker") == 1, "the search reloaded the whole page"
    ref = parse_qs(urlsplit(page.url).query)["ref"][0]

    # The next page, by keyboard: it carries the reference, and holds the third case.
    page.get_by_role("link", name="下一页").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"[?&]after=.*ref={ref}|[?&]ref={ref}.*after="))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("138****5678")

    # Enter in the box sends the term again: still no number in the address.
    page.locator("input[name=q]").press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]ref=(?!" + re.escape(ref) + ")"))
    expect(rows).to_have_count(2)
    assert page.locator("input[name=q]").input_value() == MOBILE
    assert all(MOBILE not in url for url in urls), [u for u in urls if MOBILE in u]
    assert all(MOBILE[:7] not in url for url in urls)  # nor most of it, as it was typed
    assert console_problems == []


def test_the_category_filter_loads_its_list_when_reached_by_keyboard(
    desktop_page, live_server, console_problems
):
    """The filter's category list is not part of the page (issue 22): it loads when the
    list gets focus, and choosing from it, or from any other list, filters in place."""
    from support import category_id

    page = desktop_page
    sign_in(page, "assoc-staff")
    page.goto("/cases")
    category = page.locator("select#category")
    expect(category.locator("option")).to_have_count(1)  # 全部, until opened
    page.locator("select#clock").focus()
    page.keyboard.press("Tab")  # into the category list, as a keyboard user gets there
    expect(category).to_be_focused()
    cards = str(category_id(live_server.app, "CRD-02"))
    expect(category.locator(f'option[value="{cards}"]')).to_be_attached()
    category.select_option(cards)
    expect(page).to_have_url(re.compile(rf"[?&]category={cards}"))
    expect(page.locator("#inbox-table tbody tr")).to_have_count(0)
    expect(category).to_have_value(cards)
    # Every list of the form sends it, not only the first (htmx's "from:find select"
    # listened to the state list alone): the flag list, then back to every category.
    page.locator("select#flag").select_option("media")
    expect(page).to_have_url(re.compile(r"[?&]flag=media"))
    category.select_option("")
    expect(page).to_have_url(re.compile(r"^(?!.*category=\d).*flag=media"))
    assert console_problems == []
