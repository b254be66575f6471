"""A complainant on a phone (390×844, touch) follows a case at /track and answers the
online return visit the association sent; each public page passes axe and has full-size
touch targets (issue 24). Screenshots land in test-artifacts/."""

import logging
import threading

import pytest
from playwright.sync_api import expect
from support import NOW, build_province, make_case
from werkzeug.serving import make_server

from portal.auth.models import User
from portal.complaints import operations as ops
from portal.complaints.models import Complaint
from portal.db import db

from .conftest import SQLITE_ONLY, TIMEOUT_MS, LiveServer
from .test_accessibility import (
    AXE_FILE,
    AXE_URL,
    INLINE_EXCEPTIONS,
    SMALL_TARGETS_JS,
    TARGETS,
    serious_violations,
)
from .test_shell import TAP, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


class TrackServer(LiveServer):
    ids: dict


@pytest.fixture
def live_server(make_app, backend):
    """The clock frozen at NOW; a case being handled at bank 1 (mobile …1111) and a
    closed one (mobile …2222), both driven through the operations."""
    assert backend == "sqlite", SQLITE_ONLY
    app = make_app(WTF_CSRF_ENABLED=True, FROZEN_NOW=NOW)
    with app.app_context():
        province = build_province()
    handling = make_case(app, province, state="handling", mobile="13700001111")
    closed = make_case(app, province, state="handling", mobile="13900002222")
    with app.app_context():
        case = db.session.get(Complaint, closed)
        handler = db.session.get(User, province.user("bank1-a").id)
        staff = db.session.get(User, province.user("assoc-staff").id)
        ops.final_reply(
            case,
            actor=handler,
            now=NOW,
            result="已致歉。",
            told_at=NOW,
            told_how="phone",
            reaction="接受",
        )
        ops.verify(case, actor=handler, now=NOW, finding="substantiated", facts="属实。")
        ops.report_result(case, actor=handler, now=NOW, summary="处理完毕。")
        ops.close(case, actor=staff, now=NOW, note=None)
        db.session.commit()
        numbers = {
            key: db.session.get(Complaint, cid).tracking_no
            for key, cid in (("handling", handling), ("closed", closed))
        }
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    live = TrackServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    live.ids = {
        "handling": handling,
        "closed": closed,
        **{f"{k}_no": v for k, v in numbers.items()},
    }
    try:
        yield live
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the live server did not stop"


@pytest.fixture
def open_page(browser, live_server):
    """A fresh context (own cookies) at a phone's or a desk's size; console errors
    (CSP violations among them) fail the test at teardown."""
    contexts, problems = [], []

    def factory(size=PHONE, mobile=True):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=size,
            screen=size,
            has_touch=mobile,
            is_mobile=mobile,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()

        def on_console(message):
            # The used link's 410 is the answer the test asks for; anything else is not.
            if message.type == "error" and "status of 410" not in message.text:
                problems.append(f"{page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: problems.append(f"{page.url}: {exc}"))
        page.route(
            f"**{AXE_URL}",
            lambda route: route.fulfill(path=AXE_FILE, content_type="text/javascript"),
        )
        return page

    yield factory
    for context in contexts:
        context.close()
    assert problems == [], "the pages logged errors"


def checked(page, name, artifacts_dir, found):
    """Measured (touch targets, axe with every <details> open) and photographed."""
    page.wait_for_load_state("load")
    page.screenshot(path=str(artifacts_dir / f"track-{name}.png"), full_page=True)
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    small = page.evaluate(SMALL_TARGETS_JS, [TARGETS, list(INLINE_EXCEPTIONS), TAP])
    problems = serious_violations(page)
    if small or problems:
        found[name] = [*problems, *(f"under {TAP}px: {s}" for s in small)]
    no_overflow = page.evaluate("() => document.documentElement.scrollWidth <= innerWidth + 1")
    if not no_overflow:
        found.setdefault(name, []).append("wider than the screen")


def test_a_customer_follows_a_case_and_answers_the_return_visit_on_a_phone(
    open_page, live_server, artifacts_dir
):
    found: dict[str, list[str]] = {}
    phone = open_page()
    phone.goto("/track")
    expect(phone.locator("main h1")).to_have_text("查询投诉办理进度")
    checked(phone, "form-phone", artifacts_dir, found)
    phone.get_by_label("投诉编号").fill(live_server.ids["handling_no"].lower())
    phone.get_by_label("手机号后四位").fill("1111")
    phone.get_by_role("button", name="查询").click()
    expect(phone.get_by_test_id("track-stage")).to_have_text("银行处理中")
    expect(phone.get_by_test_id("track-bank")).to_have_text("第1银行辽宁省分行")
    phone.get_by_text("期限是怎样算出来的").click()  # one tap opens the day-by-day count
    expect(phone.get_by_test_id("track-explain").locator("li").first).to_be_visible()
    checked(phone, "status-phone", artifacts_dir, found)
    assert "张敏" not in phone.content() and "柜员态度差" not in phone.content()

    # A wrong pair: the form again, with one message.
    phone.goto("/track")
    phone.get_by_label("投诉编号").fill(live_server.ids["handling_no"])
    phone.get_by_label("手机号后四位").fill("0000")
    phone.get_by_role("button", name="查询").click()
    expect(phone.get_by_test_id("track-not-found")).to_be_visible()

    # English through the portal's switch.
    phone.get_by_role("link", name="English").click()
    expect(phone.locator("main h1")).to_have_text("Track your complaint")
    phone.get_by_role("link", name="中文").click()

    # The association makes the return-visit link of the closed case.
    desk = open_page(DESKTOP, mobile=False)
    sign_in(desk, "assoc-staff")
    desk.wait_for_url("**/home")
    desk.goto(f"/cases/{live_server.ids['closed']}")
    desk.get_by_test_id("make-visit-link").click()
    url = desk.get_by_test_id("visit-url").inner_text()
    assert url.startswith("http://127.0.0.1:5000/visit/")
    path = url.removeprefix("http://127.0.0.1:5000")

    # The customer answers on the phone: dissatisfied, with a comment.
    phone.goto(path)
    expect(phone.locator("main h1")).to_have_text("投诉处理回访")
    checked(phone, "visit-phone", artifacts_dir, found)
    phone.get_by_text("不满意", exact=True).click()
    phone.get_by_label("您的意见（可不填）").fill("问题没有解决。")
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_test_id("visit-done")).to_contain_text("不满意")
    checked(phone, "visit-done-phone", artifacts_dir, found)
    phone.goto(path)
    expect(phone.get_by_test_id("visit-gone")).to_contain_text("只能提交一次")

    # The case page: the customer's answer in the history, the repeat registered.
    desk.goto(f"/cases/{live_server.ids['closed']}")
    expect(desk.get_by_test_id("history")).to_contain_text("客户在线回访")
    expect(desk.get_by_test_id("visit-link-state")).to_contain_text("在线回答")
    desk.screenshot(path=str(artifacts_dir / "track-case-desktop.png"), full_page=True)

    # The status page at a desk's size too.
    wide = open_page(DESKTOP, mobile=False)
    wide.goto("/track")
    wide.get_by_label("投诉编号").fill(live_server.ids["closed_no"])
    wide.get_by_label("手机号后四位").fill("2222")
    wide.get_by_role("button", name="查询").click()
    expect(wide.get_by_test_id("track-stage")).to_have_text("已办结")
    checked(wide, "status-desktop", artifacts_dir, found)
    assert not found, found
