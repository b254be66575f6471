"""The page shell on a tablet held either way: signing in through the real form, the
header, every menu entry, htmx swaps in place, signing out, language, and the layout
rules the stylesheet promises (nothing wider than the viewport, touch targets ≥ 44px)."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
from support import PASSWORD, add_unit

from portal.auth.roles import ROLE_LABELS, Role
from portal.db import db
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind

pytestmark = pytest.mark.browser

ORIENTATIONS = ["portrait", "landscape"]
TAP = 44  # px, the stylesheet's --tap
# username → (role, unit shown in the header, menu entries in order)
ROLES = {
    "bank1-outlet1": (Role.BRANCH_OFFICER, "第1银行和平支行1号网点", ["首页", "投诉"]),
    "assoc-staff": (
        Role.ASSOC_HANDLER,
        "辽宁省银行业协会",
        [
            "首页",
            "投诉",
            "机构",
            "值班与联络",
            "问责",
            "分析",
            "重大投诉",
            "统计",
            "通报",
            "预案",
            "总结",
            "档案",
        ],
    ),
    "assoc-admin": (
        Role.ASSOC_ADMIN,
        "辽宁省银行业协会",
        [
            "首页",
            "投诉",
            "机构",
            "用户",
            "系统对接",
            "操作记录",
            "邮件发送",
            "值班与联络",
            "工作日历",
            "投诉类别",
            "问责",
            "分析",
            "重大投诉",
            "统计",
            "通报",
            "预案",
            "总结",
            "档案",
        ],
    ),
    "bank1-admin": (
        Role.MEMBER_ADMIN,
        "第1银行辽宁省分行",
        [
            "首页",
            "投诉",
            "机构",
            "用户",
            "系统对接",
            "操作记录",
            "值班与联络",
            "问责",
            "整改建议",
            "重大投诉",
            "统计",
            "通报",
            "预案",
            "总结",
            "档案",
        ],
    ),
}

# Visible elements whose right edge passes the viewport, and the document's width.
# body has overflow-x: hidden, which would clip (hide) such content rather than let
# the page scroll: the element scan catches what scrollWidth alone might not.
LAYOUT_JS = """() => {
  const vw = window.innerWidth;
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
    ' "' + (el.innerText || el.value || '').trim().slice(0, 30) + '"';
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || el.closest('.skip')) continue;
    if (r.right > vw + 0.5) wide.push(describe(el) + ' right=' + Math.round(r.right));
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: vw, wide: wide.slice(0, 10)};
}"""

# Visible touch targets lower than `min` pixels.
SHORT_TARGETS_JS = """([selector, min]) => {
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (r.height < min - 0.5) out.push(el.tagName.toLowerCase() + ' "' +
      (el.innerText || el.value || '').trim().slice(0, 30) + '" ' + r.height.toFixed(1) + 'px');
  }
  return out;
}"""
TARGETS = "nav.mainnav a, button, .btn, input[type=submit]"


def assert_tablet_safe(page):
    """Nothing overflows horizontally; every menu link and button is a full touch target."""
    page.wait_for_load_state("load")  # measured before the stylesheet arrives, a button is 21px
    layout = page.evaluate(LAYOUT_JS)
    where = urlsplit(page.url).path
    assert layout["scrollWidth"] <= layout["innerWidth"], f"{where} scrolls sideways: {layout}"
    assert layout["wide"] == [], f"{where}: elements pass the right edge: {layout['wide']}"
    short = page.evaluate(SHORT_TARGETS_JS, [TARGETS, TAP])
    assert short == [], f"{where}: touch targets under {TAP}px: {short}"


def sign_in(page, username, password=PASSWORD):
    page.goto("/login")
    expect(page.locator("main h1")).to_have_text("登录")
    page.get_by_label("用户名", exact=True).press_sequentially(username)
    page.get_by_label("密码", exact=True).press_sequentially(password)
    page.locator("main").get_by_role("button", name="登录").click()


@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_walks_its_menu_on_a_tablet(
    page_factory, live_server, artifacts_dir, console_problems, username, orientation
):
    role, unit_name, menu = ROLES[username]
    page = page_factory(orientation)
    sign_in(page, username)
    expect(page).to_have_url(re.compile(r"/home$"))
    whoami = page.get_by_test_id("whoami")
    expect(whoami).to_be_visible()
    for part in (username, ROLE_LABELS[role], unit_name):
        expect(whoami).to_contain_text(part)
    expect(page.locator("nav.mainnav a")).to_have_text(menu)
    assert_tablet_safe(page)
    page.screenshot(path=artifacts_dir / f"shell-{username}-{orientation}.png", full_page=True)

    nav = page.locator("nav.mainnav")
    for name in reversed(menu):  # ends back on 首页
        link = nav.get_by_role("link", name=name, exact=True)
        target = live_server.url + link.get_attribute("href")
        with page.expect_response(target) as answer:
            link.tap()
        assert answer.value.status < 400, f"{name} → {target}: {answer.value.status}"
        page.wait_for_load_state()
        expect(page).to_have_url(target)
        expect(nav.locator("a[aria-current=page]")).to_have_text(name)
        expect(page.locator("main h1")).to_be_visible()
        assert_tablet_safe(page)
    assert console_problems == []


def test_branch_officer_menu_has_no_administration(tablet_page):
    sign_in(tablet_page, "bank1-outlet1")
    nav = tablet_page.locator("nav.mainnav")
    expect(nav.get_by_role("link", name="首页", exact=True)).to_be_visible()
    for name in ("机构", "用户", "操作记录"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_have_count(0)


def test_association_admin_menu_has_administration(tablet_page):
    sign_in(tablet_page, "assoc-admin")
    nav = tablet_page.locator("nav.mainnav")
    for name in ("机构", "用户", "操作记录"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()


@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize("username", ["assoc-admin", "bank1-admin"])
def test_administration_pages_fit_the_tablet(page_factory, live_server, username, orientation):
    """The pages one level below the menu: unit detail and forms, user form, password."""
    with live_server.app.app_context():
        code = "LNBA" if username == "assoc-admin" else "BANK1"
        unit_id = db.session.scalar(db.select(Unit.id).where(Unit.code == code))
    page = page_factory(orientation)
    sign_in(page, username)
    for path in (
        f"/units/{unit_id}",
        f"/units/{unit_id}/edit",
        f"/units/new?parent={unit_id}",
        "/users/new",
        "/account/password",
    ):
        response = page.goto(path)
        assert response.status < 400, f"{path}: {response.status}"
        expect(page.locator("main h1")).to_be_visible()
        assert_tablet_safe(page)


def test_unit_search_swaps_the_table_in_place(tablet_page, console_problems):
    page = tablet_page
    sign_in(page, "assoc-admin")
    page.locator("nav.mainnav").get_by_role("link", name="机构", exact=True).tap()
    expect(page).to_have_url(re.compile(r"/units$"))
    expect(page.locator("#unit-table tbody tr")).to_have_count(11)
    page.evaluate("window.__marker = 1")

    with page.expect_response(
        lambda r: "/units?" in r.url and r.request.headers.get("hx-request") == "true"
    ) as answer:
        page.locator("input[name=q]").press_sequentially("沈阳")
    piece = answer.value
    assert piece.status == 200 and "<html" not in piece.text()
    rows = page.locator("#unit-table tbody tr")
    expect(rows).to_have_count(2)
    for text in rows.all_inner_texts():
        assert "沈阳" in text
    expect(page).to_have_url(re.compile(r"[?&]q="))
    assert parse_qs(urlsplit(page.url).query)["q"] == ["沈阳"]
    assert page.evaluate("window.__marker") == 1, "the search reloaded the whole page"
    expect(page.locator("#unit-table")).to_have_count(1)  # replaced, not nested

    page.locator("input[name=q]").fill("没有这个单位")
    expect(page.locator("#unit-table .empty")).to_be_visible()
    assert page.evaluate("window.__marker") == 1
    assert_tablet_safe(page)
    assert console_problems == []


def test_unit_pager_swaps_pages_in_place(tablet_page, live_server, console_problems):
    with live_server.app.app_context():
        sub = db.session.scalar(db.select(Unit).where(Unit.code == "BANK1-SY-01"))
        for n in range(3, 33):
            add_unit(sub, UnitKind.OUTLET, f"BANK1-SY-01-{n:02d}", f"第1银行和平支行{n}号网点")
        db.session.commit()
    page = tablet_page
    sign_in(page, "assoc-admin")
    page.goto("/units")
    pager = page.locator("#unit-table nav.pager")
    expect(pager).to_contain_text("第 1 / 2 页，共 41 条")
    expect(page.locator("#unit-table tbody tr")).to_have_count(25)
    assert_tablet_safe(page)
    page.evaluate("window.__marker = 1")

    pager.get_by_role("link", name="下一页").tap()
    expect(pager).to_contain_text("第 2 / 2 页，共 41 条")
    expect(page.locator("#unit-table tbody tr")).to_have_count(16)
    expect(page).to_have_url(re.compile(r"[?&]page=2"))
    assert page.evaluate("window.__marker") == 1, "the pager reloaded the whole page"
    expect(pager.get_by_role("link", name="下一页")).to_have_attribute("aria-disabled", "true")
    assert_tablet_safe(page)

    # History holds no copies of pages (historyCacheSize 0): going back reloads page 1.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/units$"))
    expect(pager).to_contain_text("第 1 / 2 页，共 41 条")
    assert console_problems == []


def test_sign_out_lands_on_the_sign_in_page(tablet_page):
    page = tablet_page
    sign_in(page, "assoc-staff")
    expect(page).to_have_url(re.compile(r"/home$"))
    # CSRF is on: without the token the real form carries, signing out is refused.
    assert page.request.post("/logout", max_redirects=0).status == 400
    page.reload()
    expect(page.get_by_test_id("whoami")).to_be_visible()
    page.get_by_role("button", name="退出").tap()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("main h1")).to_have_text("登录")
    expect(page.locator(".flashes")).to_contain_text("您已安全退出")
    expect(page.get_by_test_id("whoami")).to_have_count(0)
    expect(page.locator("nav.mainnav")).to_have_count(0)
    page.goto("/home")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_wrong_password_is_told_on_the_page(tablet_page, console_problems):
    page = tablet_page
    sign_in(page, "bank1-outlet1", "not-the-password1")
    expect(page.locator("main .form-errors")).to_contain_text("用户名或密码不正确")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_label("用户名", exact=True)).to_have_value("bank1-outlet1")
    expect(page.get_by_label("密码", exact=True)).to_have_value("")
    assert_tablet_safe(page)
    # The sign-in answers 401, which chromium logs for the document itself.
    expected = [p for p in console_problems if "status of 401" in p]
    assert len(expected) <= 1
    for problem in expected:
        console_problems.remove(problem)
    assert console_problems == []


def test_language_switch_to_english_and_back(tablet_page, console_problems):
    page = tablet_page
    sign_in(page, "bank1-outlet1")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("link", name="English", exact=True).tap()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/home\??$"))
    expect(page.locator("main h1")).to_be_visible()
    expect(page.get_by_test_id("whoami")).to_be_visible()
    assert_tablet_safe(page)
    page.get_by_role("link", name="中文", exact=True).tap()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("nav.mainnav a")).to_have_text(["首页", "投诉"])
    assert console_problems == []


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_header_links_are_full_touch_targets(page_factory, orientation):
    page = page_factory(orientation)
    sign_in(page, "assoc-staff")
    expect(page).to_have_url(re.compile(r"/home$"))
    page.wait_for_load_state("load")
    short = page.evaluate(SHORT_TARGETS_JS, ["header a, header button", TAP])
    assert short == [], f"header touch targets under {TAP}px: {short}"


def test_the_portal_has_a_favicon(tablet_page):
    page = tablet_page
    page.goto("/login")
    response = page.request.get("/favicon.ico")
    assert response.ok, f"/favicon.ico answers {response.status}"
