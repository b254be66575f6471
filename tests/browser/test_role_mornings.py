"""Each role's Monday morning on its own device (issue 20, "Done when"): the outlet officer
on a tablet held either way, the member bank's handler and the association's staff at a
desktop (1440×900). The province's cases are put in place through the portal's own forms
(``handoff_support.Desk``, on a twin of the live app without CSRF), at the moments they
happened; the browser then proves what each person sees, where focus goes, which dialogs
open and how the page is laid out.

The live server's clock is frozen on Monday 2026-11-23 at 10:00 Beijing time. Screenshots
go to /tmp/mornings/.
"""

import logging
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from handoff_support import Desk, at
from playwright.sync_api import expect
from support import build_province
from werkzeug.serving import make_server

from portal.complaints.models import Complaint
from portal.db import db

from .conftest import SQLITE_ONLY, TIMEOUT_MS, LiveServer
from .test_shell import TAP, sign_in

pytestmark = pytest.mark.browser

MONDAY = at("2026-11-23", 10)  # the live server's now
DESKTOP = {"width": 1440, "height": 900}
SHOTS = Path("/tmp/mornings")
OFFICER, HANDLER, STAFF = "bank1-outlet1", "bank1-a", "assoc-staff"
MOBILE = "13812341234"  # Desk.register's complainant
MASKED = "138****1234"


@dataclass
class Morning(LiveServer):
    desk: Desk  # the province's people on a twin app (no CSRF), to set cases up

    def at(self, day: str, hh: int = 10) -> None:
        """Steps the desk takes from now on happen at ``day`` ``hh``:00 Beijing time."""
        self.desk.app.config["FROZEN_NOW"] = at(day, hh)

    def case(self, case_id: int) -> Complaint:
        with self.app.app_context():
            case = db.session.get(Complaint, case_id)
            db.session.expunge(case)
            return case


@contextmanager
def serving(app):
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the live server did not stop"


@pytest.fixture
def live_server(make_app, backend):
    """conftest's live server (CSRF on) with the clock frozen on Monday morning, and a
    desk on a twin app of the same database whose forms need no token."""
    assert backend == "sqlite", SQLITE_ONLY
    app = make_app(WTF_CSRF_ENABLED=True, FROZEN_NOW=MONDAY)
    with app.app_context():
        province = build_province()
    desk = Desk(make_app(FROZEN_NOW=MONDAY), province)  # handlers A and B named (Art. 7)
    with serving(app) as url:
        yield Morning(app=app, url=url, desk=desk)


@pytest.fixture
def desktop_page(browser, live_server, console_problems):
    """A 1440×900 desktop page (mouse, no touch), zh-CN; console errors fail the test
    at teardown like conftest's tablet pages."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=DESKTOP,
        screen=DESKTOP,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    def on_console(msg):
        if msg.type == "error":
            where = msg.location.get("url", "")
            console_problems.append(f"{page.url}: console: {msg.text} [{where}]")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: console_problems.append(f"{page.url}: pageerror: {exc}"))
    yield page
    context.close()
    assert console_problems == [], "the pages logged errors"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # caret="initial": see test_case_tablet.shoot (no style="" copied by htmx's settle).
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True, caret="initial")


def forgive(console_problems, status: int, where: str, most: int = 1) -> None:
    """Chromium logs a refused answer (a 422 on purpose) like any failed load."""
    expected = [p for p in console_problems if f"status of {status}" in p and where in p]
    assert len(expected) <= most, expected
    for problem in expected:
        console_problems.remove(problem)


def open_step(page, action):
    """Open a step of the actions panel (a <details>) and return it."""
    details = page.get_by_test_id(f"action-{action}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    expect(details.locator("form")).to_be_visible()
    return details


def success(page):
    return page.locator("#main .flash.success[role=status]")


# --- 1. The outlet officer's morning on a tablet -------------------------------------


def officer_cases(morning: Morning) -> dict[str, int]:
    """Three cases at bank1-outlet1, passed down a week ago (late), last Wednesday (due
    today: 3 working days) and this morning (3 working days to go)."""
    desk, cases = morning.desk, {}
    for key, day in (("late", "2026-11-16"), ("today", "2026-11-18"), ("fresh", "2026-11-23")):
        morning.at(day)
        cases[key] = desk.register()
        desk.to_outlet(cases[key])
    morning.at("2026-11-23")
    return cases


# The header's own height on a tablet: its padding and one 44px row (the brand, the
# name, the links). Two rows would be at least 44 + 4 + 44.
ONE_LINE = 2 * TAP


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_the_outlet_officers_morning_on_a_tablet(
    page_factory, live_server, console_problems, orientation
):
    cases = officer_cases(live_server)
    numbers = {key: live_server.case(case_id).tracking_no for key, case_id in cases.items()}
    page = page_factory(orientation)
    sign_in(page, OFFICER)
    expect(page).to_have_url(re.compile(r"/home$"))

    # The cases in hand, each with its step, the time left and a button to call.
    in_hand = page.get_by_test_id("queue-in_hand")
    expect(in_hand.get_by_test_id("count-in_hand").locator(".num")).to_have_text("3")
    rows = in_hand.locator("ul.worklist > li")
    expect(rows).to_have_count(3)
    expected_left = {
        "late": re.compile(r"^超期 \d+ 个工作日$"),
        "today": "今日到期",
        "fresh": "剩 3 个工作日",
    }
    for key, left in expected_left.items():
        row = rows.filter(has_text=numbers[key])
        expect(row).to_have_count(1)
        time_left = row.get_by_test_id("time-left")
        expect(time_left.locator(".step-name")).to_have_text("网点答复客户")
        expect(time_left.locator(".tag")).to_have_text(left)
        expect(time_left.locator(".due-on")).to_contain_text("23:59 止")
        expect(row.get_by_role("button", name=f"拨打客户电话 {MASKED}")).to_be_visible()
    # The late one is also under 已超期, the one due today under 今日到期.
    expect(page.get_by_test_id("queue-breached").locator("ul.worklist > li")).to_have_text(
        [re.compile(numbers["late"])]
    )
    expect(page.get_by_test_id("queue-due_today").locator("ul.worklist > li")).to_have_text(
        [re.compile(numbers["today"])]
    )
    page.wait_for_load_state("load")
    shoot(page, f"officer-home-{orientation}")

    today_row = rows.filter(has_text=numbers["today"])

    # The case: the officer's own step and clock come first, above the complainant.
    today_row.locator("a.case-link").tap()
    expect(page).to_have_url(re.compile(rf"/cases/{cases['today']}$"))
    page.wait_for_load_state("load")
    banner = page.get_by_test_id("next-step")
    expect(banner).to_contain_text("网点答复客户")
    expect(banner.get_by_test_id("time-left").locator(".tag")).to_have_text("今日到期")
    expect(banner).to_contain_text("2026年11月23日 23:59 止")
    complainant = page.locator(".case-grid .card").filter(
        has=page.get_by_role("heading", name="投诉人", exact=True)
    )
    actions = page.locator(".actions-panel")
    assert banner.bounding_box()["y"] < actions.bounding_box()["y"]
    assert actions.bounding_box()["y"] < complainant.bounding_box()["y"]
    first_clock = page.locator(f"#clocks-{cases['today']} tbody tr").first
    expect(first_clock).to_have_attribute("data-testid", "clock-branch_reply")

    # The top bar stays one line: brand and user side by side, never wrapped.
    header = page.locator("header.topbar").bounding_box()
    assert header["height"] < ONE_LINE, f"the top bar wraps: {header}"
    brand = page.locator("header .brand").bounding_box()
    who = page.locator("header .who").bounding_box()
    assert abs(brand["y"] - who["y"]) < 8 and brand["x"] + brand["width"] <= who["x"]

    # How the deadline was counted, day by day: one tap on 如何计算.
    explain = page.locator(f"#explain-next-{cases['today']}")
    banner.get_by_role("link", name="如何计算").tap()
    lines = explain.locator(".explain-lines li")
    expect(lines.first).to_be_visible()
    expect(explain).to_contain_text("第3个工作日：11月23日")
    expect(explain.get_by_test_id("deadline-rule")).to_be_visible()
    expect(explain.get_by_test_id("clock-due")).to_have_text("2026年11月23日 23:59")
    expect(page).to_have_url(re.compile(rf"/cases/{cases['today']}$"))  # in place
    shoot(page, f"officer-case-{orientation}")

    # Replying works: the final reply, answered in place with what happened.
    final = page.get_by_test_id("action-final_reply")
    if final.get_attribute("open") is None:
        final.locator("summary").tap()
    final.locator("[name=final_reply-result]").fill("已核实并向客户致歉，客户接受。")
    final.locator("[name=final_reply-reaction]").fill("客户表示满意。")
    final.get_by_role("button", name="答复客户最终结果").tap()
    expect(success(page)).to_have_text("已记录最终答复，等待会员单位核实。")
    expect(success(page)).to_be_focused()
    expect(page.get_by_test_id("action-final_reply")).to_have_count(0)
    expect(page.get_by_test_id("history")).to_contain_text("已核实并向客户致歉")
    expect(page.get_by_test_id("clock-state-branch_reply")).to_have_text("按时完成")
    assert live_server.case(cases["today"]).replied_at is not None

    # Last (the tel: address leaves headless chromium's page unable to take taps):
    page.locator("nav.mainnav").get_by_role("link", name="首页", exact=True).tap()
    expect(page).to_have_url(re.compile(r"/home$"))
    fresh = rows.filter(has_text=numbers["fresh"])
    # Tap to call: the tap is recorded (a reveal) and answered with the tel: address,
    # which the browser opens (the tablet's phone app; headless chromium has none and
    # drops it); the page stays where it was, and the CSP lets it through.
    with page.expect_request(f"tel:{MOBILE}"):
        with page.expect_response(re.compile(rf"/cases/{cases['fresh']}/call$")) as answer:
            fresh.get_by_role("button", name=f"拨打客户电话 {MASKED}").tap()
    assert answer.value.status == 204
    assert answer.value.headers["hx-redirect"] == f"tel:{MOBILE}"
    expect(page).to_have_url(re.compile(r"/home$"))
    assert console_problems == []


# --- 2. and 3. The member bank's handler at a desktop --------------------------------


def handler_cases(morning: Morning) -> dict[str, int]:
    """bank1's work this morning: one to accept, one accepted and held (complained
    against outlet 2: to pass down), one verified (to report), one at outlet 1."""
    desk, cases = morning.desk, {}
    cases["to_accept"] = desk.register()
    desk.step(STAFF, cases["to_accept"], "forward")
    cases["pass_down"] = desk.register(outlet="bank1-outlet2")
    desk.step(STAFF, cases["pass_down"], "forward")
    desk.step(HANDLER, cases["pass_down"], "accept")
    cases["to_report"] = desk.register()
    desk.step(STAFF, cases["to_report"], "forward")
    desk.step(HANDLER, cases["to_report"], "accept")
    desk.step(HANDLER, cases["to_report"], "verify", finding="substantiated", facts="属实。")
    cases["at_outlet"] = desk.register()
    desk.to_outlet(cases["at_outlet"])
    return cases


class Dialogs:
    """Every dialog the page opens (page.on("dialog")), answered as ``self.answer`` says."""

    def __init__(self, page):
        self.messages: list[str] = []
        self.answer = False
        page.on("dialog", self._on)

    def _on(self, dialog):
        self.messages.append(f"{dialog.type}: {dialog.message}")
        if self.answer:
            dialog.accept()
        else:
            dialog.dismiss()


def step_requests(page, case_id, action) -> list[str]:
    """The POSTs of ``action`` the page sends from now on."""
    sent: list[str] = []
    path = f"/cases/{case_id}/do/{action}"
    page.on("request", lambda r: r.method == "POST" and r.url.endswith(path) and sent.append(r.url))
    return sent


# The look of each step button of the actions panel: the classes and what they paint.
STEP_BUTTONS_JS = """panel => Array.from(panel.querySelectorAll('summary.btn'))
  .filter(el => el.checkVisibility())
  .map(el => { const s = getComputedStyle(el); return {
    text: el.innerText.trim(), classes: Array.from(el.classList),
    background: s.backgroundColor, color: s.color, border: s.borderTopColor }; })"""
# Buttons a user can see in the panel besides the step summaries (a submit of an open
# form would be a second coloured button).
VISIBLE_BUTTONS_JS = """panel => Array.from(panel.querySelectorAll('button, .btn'))
  .filter(el => el.checkVisibility() && el.tagName !== 'SUMMARY')
  .map(el => el.innerText.trim())"""


def primary_and_quiet(page):
    panel = page.locator(".actions-panel")
    expect(panel).to_be_visible()
    buttons = panel.evaluate(STEP_BUTTONS_JS)
    primary = [b for b in buttons if not {"secondary", "quiet"} & set(b["classes"])]
    quiet = [b for b in buttons if "quiet" in b["classes"]]
    assert panel.evaluate(VISIBLE_BUTTONS_JS) == [], "a step form is open on arrival"
    return primary, quiet, buttons


def test_the_member_handlers_morning_at_a_desktop(desktop_page, live_server, console_problems):
    cases = handler_cases(live_server)
    page = desktop_page
    sign_in(page, HANDLER)
    expect(page).to_have_url(re.compile(r"/home$"))

    # Home: to accept, to pass down, to report — each counted, each count a link to its list.
    expected = {
        "to_accept": [cases["to_accept"]],
        # Held by the member, no reply yet: the verified one too (it may still pass it down).
        "pass_down": [cases["pass_down"], cases["to_report"]],
        "to_report": [cases["to_report"]],
    }
    titles = {"to_accept": "待受理", "pass_down": "待转交网点或答复", "to_report": "待上报处理结果"}
    for key, ids in expected.items():
        queue = page.get_by_test_id(f"queue-{key}")
        expect(queue.locator("h2")).to_have_text(titles[key])
        count = queue.get_by_test_id(f"count-{key}")
        expect(count.locator(".num")).to_have_text(str(len(ids)))
        expect(count).to_have_attribute("href", f"/cases?queue={key}")
        expect(queue.locator("ul.worklist > li")).to_have_count(len(ids))
    page.wait_for_load_state("load")
    shoot(page, "handler-home-desktop")
    for key, ids in expected.items():
        page.get_by_test_id(f"count-{key}").click()
        expect(page).to_have_url(re.compile(rf"/cases\?queue={key}$"))
        rows = page.locator("tr[id^=case-row-]")
        expect(rows).to_have_count(len(ids))
        for case_id in ids:
            expect(page.locator(f"#case-row-{case_id}")).to_be_visible()
        page.go_back()
        expect(page).to_have_url(re.compile(r"/home$"))

    # A case at the outlet: one primary step (verify); recalling it up is quiet.
    page.goto(f"/cases/{cases['at_outlet']}")
    primary, quiet, buttons = primary_and_quiet(page)
    assert [b["text"] for b in primary] == ["录入核实结论"], buttons
    assert [b["text"] for b in quiet] == ["收回至会员单位"], buttons
    (main,), (back,) = primary, quiet
    assert back["background"] in ("rgba(0, 0, 0, 0)", "transparent"), back
    assert back["background"] != main["background"] and back["color"] != main["color"]
    shoot(page, "handler-case-desktop")

    # Recalling asks once; "no" sends nothing, "yes" sends the step once.
    dialogs = Dialogs(page)
    sent = step_requests(page, cases["at_outlet"], "recall_up")
    recall = open_step(page, "recall_up")
    recall.locator("[name=recall_up-reason]").fill("网点人手不足，由分行直接处理。")
    recall.get_by_role("button", name="收回至会员单位").click()
    expect(recall.locator("form")).to_be_visible()
    assert dialogs.messages == ["confirm: 确定要收回至会员单位吗？"]
    assert sent == []
    dialogs.answer = True
    recall.get_by_role("button", name="收回至会员单位").click()
    expect(success(page)).to_have_text("已收回至第1银行辽宁省分行。")
    assert dialogs.messages == ["confirm: 确定要收回至会员单位吗？"] * 2
    assert len(sent) == 1
    expect(success(page)).to_be_focused()
    expect(page.get_by_test_id("action-recall_up")).to_have_count(0)
    assert (
        live_server.case(cases["at_outlet"]).handling_unit_id
        == live_server.case(cases["at_outlet"]).member_id
    )
    # A step that takes nothing back asks nothing (accepting).
    page.goto(f"/cases/{cases['to_accept']}")
    primary, quiet, buttons = primary_and_quiet(page)
    assert [b["text"] for b in primary] == ["受理"] and quiet == [], buttons
    open_step(page, "accept").get_by_role("button", name="受理").click()
    expect(success(page)).to_have_text("已受理。请转交被投诉网点，或由本单位直接核实处理。")
    assert len(dialogs.messages) == 2
    assert console_problems == []


def test_passing_down_offers_the_complained_outlet_in_a_keyboard_combobox(
    desktop_page, live_server, console_problems
):
    cases = handler_cases(live_server)
    case_id = cases["pass_down"]
    outlet1, outlet2 = (live_server.desk.province.unit(f"bank1-outlet{m}") for m in (1, 2))
    page = desktop_page
    sign_in(page, HANDLER)
    page.goto(f"/cases/{case_id}")
    step = open_step(page, "forward_down")
    box = step.get_by_role("combobox", name="转交单位")
    chosen = step.locator(f"#pass-down-{case_id}-value")
    listbox = step.locator(f"#pass-down-{case_id}-list")
    options = listbox.get_by_role("option", include_hidden=True)

    # The complained outlet comes chosen; the list is closed.
    expect(box).to_have_value(f"{outlet2.name}（{outlet2.code}）")
    expect(chosen).to_have_value(str(outlet2.id))
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_attribute("aria-controls", f"pass-down-{case_id}-list")
    expect(listbox).to_be_hidden()
    expect(options).to_have_count(4)  # city branch, sub-branch, both outlets

    # ArrowDown opens the list on the first option; Escape closes it, nothing changed.
    box.focus()
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(listbox).to_be_visible()
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(listbox).to_be_hidden()
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".*"))
    expect(chosen).to_have_value(str(outlet2.id))
    shoot(page, "handler-combobox-closed")

    # Typing filters (the text was selected on focus, so it is replaced) ...
    box.press_sequentially("1号")
    expect(box).to_have_value("1号")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(listbox.get_by_role("option")).to_have_text([f"{outlet1.name}（{outlet1.code}）"])
    expect(chosen).to_have_value(str(outlet2.id))  # typing alone chooses nothing
    # ... and ArrowDown + Enter chooses, without sending the form.
    sent = step_requests(page, case_id, "forward_down")
    box.press("ArrowDown")
    expect(listbox.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    shoot(page, "handler-combobox-open")
    box.press("Enter")
    expect(box).to_have_value(f"{outlet1.name}（{outlet1.code}）")
    expect(chosen).to_have_value(str(outlet1.id))
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(listbox).to_be_hidden()
    assert sent == [], "Enter in the combobox sent the form"

    step.get_by_role("button", name="转交下级单位").click()
    expect(success(page)).to_have_text(f"已转交{outlet1.name}，其答复期限已开始计算。")
    assert len(sent) == 1
    assert live_server.case(case_id).handling_unit_id == outlet1.id
    assert console_problems == []


# --- 4. The association's staff at a desktop ----------------------------------------


def test_the_association_staffs_morning_at_a_desktop(desktop_page, live_server, console_problems):
    desk = live_server.desk
    to_forward = desk.register()
    to_review = desk.register()
    desk.to_outlet(to_review)
    desk.step(
        OFFICER,
        to_review,
        "final_reply",
        result="已道歉。",
        told_at="2026-11-23T09:50",
        told_how="phone",
        reaction="accepted",
    )
    desk.step(HANDLER, to_review, "verify", finding="substantiated", facts="属实。")
    desk.step(HANDLER, to_review, "report", summary="已处理。")
    a = desk.province.user(HANDLER).full_name
    page = desktop_page
    sign_in(page, STAFF)
    expect(page).to_have_url(re.compile(r"/home$"))

    # Home: the case to forward and the report to review, each counted and linked.
    for key, case_id, title in (
        ("to_forward", to_forward, "待转办"),
        ("to_review", to_review, "待审核办结"),
    ):
        queue = page.get_by_test_id(f"queue-{key}")
        expect(queue.locator("h2")).to_have_text(title)
        expect(queue.get_by_test_id(f"count-{key}").locator(".num")).to_have_text("1")
        expect(queue.get_by_test_id(f"count-{key}")).to_have_attribute(
            "href", f"/cases?queue={key}"
        )
        number = live_server.case(case_id).tracking_no
        expect(queue.locator("ul.worklist > li")).to_have_text([re.compile(number)])
    page.wait_for_load_state("load")
    shoot(page, "staff-home-desktop")

    # The forward form names the bank and who of its pair accepts now.
    page.get_by_test_id("queue-to_forward").locator("a.case-link").click()
    expect(page).to_have_url(re.compile(rf"/cases/{to_forward}$"))
    primary, _quiet, buttons = primary_and_quiet(page)
    assert [b["text"] for b in primary] == ["转办会员单位"], buttons
    forward = open_step(page, "forward")
    receiver = forward.get_by_test_id("forward-to")
    expect(receiver).to_have_text(re.compile(rf"^转办至\s+第1银行辽宁省分行，\s*A角{a}受理\s*$"))
    expect(receiver.locator("strong")).to_have_text("第1银行辽宁省分行")
    expect(receiver.locator(".tag")).to_have_text(f"A角{a}受理")
    shoot(page, "staff-forward-desktop")

    # Forwarded: the message says what happened, and focus lands on it (portal.js).
    forward.get_by_role("button", name="转办会员单位").click()
    message = success(page)
    expect(message).to_have_text(f"已转办至第1银行辽宁省分行，A角{a}受理。")
    expect(message).not_to_have_text("已保存。")
    expect(message).to_be_focused()
    assert page.evaluate(
        "() => document.activeElement.matches('.flash[role=status]') && "
        "document.activeElement.closest('#main') !== null"
    )
    box = message.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= DESKTOP["height"], "message off screen"
    expect(page.get_by_test_id("state")).to_have_text("待会员单位受理")
    shoot(page, "staff-forwarded-desktop")

    # The report to review: closing is the step; sending it back is quiet, asks once.
    page.goto(f"/cases/{to_review}")
    primary, quiet, buttons = primary_and_quiet(page)
    assert [b["text"] for b in primary] == ["审核通过并办结"], buttons
    assert [b["text"] for b in quiet] == ["退回重新核实"], buttons
    dialogs = Dialogs(page)
    sent = step_requests(page, to_review, "send_back")
    back = open_step(page, "send_back")
    back.locator("[name=send_back-reason]").fill("核实材料不全。")
    back.get_by_role("button", name="退回重新核实").click()
    assert dialogs.messages == ["confirm: 确定要退回重新核实吗？"] and sent == []
    dialogs.answer = True
    back.get_by_role("button", name="退回重新核实").click()
    expect(success(page)).to_have_text("已退回第1银行辽宁省分行重新核实，核实和报送期限重新计算。")
    assert len(dialogs.messages) == 2 and len(sent) == 1
    expect(success(page)).to_be_focused()
    assert console_problems == []


# --- 6. A dissatisfied return visit ----------------------------------------------------


def test_a_dissatisfied_return_visit_lands_on_the_repeat_as_a_whole_page(
    desktop_page, live_server, console_problems
):
    desk = live_server.desk
    case_id = desk.register()
    desk.to_outlet(case_id)
    desk.step(
        OFFICER,
        case_id,
        "final_reply",
        result="已道歉。",
        told_at="2026-11-23T09:50",
        told_how="phone",
        reaction="accepted",
    )
    desk.step(HANDLER, case_id, "verify", finding="substantiated", facts="属实。")
    desk.step(HANDLER, case_id, "report", summary="已处理。")
    desk.step(STAFF, case_id, "close", note="同意办结")
    original = live_server.case(case_id).tracking_no
    page = desktop_page
    sign_in(page, STAFF)
    page.goto(f"/cases/{case_id}")
    page.evaluate("window.__marker = 1")

    visit = open_step(page, "return_visit")
    visit.locator("[name=return_visit-satisfaction]").select_option("dissatisfied")
    visit.locator("[name=return_visit-comment]").fill("客户认为处理结果不公。")
    with page.expect_response(re.compile(rf"/cases/{case_id}/do/return_visit$")) as answer:
        visit.get_by_role("button", name="登记回访").click()
    assert answer.value.status == 204
    target = answer.value.headers["hx-redirect"]
    expect(page).to_have_url(live_server.url + target)
    page.wait_for_load_state("load")

    with live_server.app.app_context():
        repeat = db.session.scalar(db.select(Complaint).where(Complaint.repeat_of_id == case_id))
    assert target == f"/cases/{repeat.id}"
    assert page.evaluate("window.__marker") is None, "swapped into the old page, not loaded"
    # The whole page: one header with the user, the menu and sign-out; the new case.
    expect(page.locator("header.topbar")).to_have_count(1)
    expect(page.get_by_test_id("whoami")).to_contain_text(STAFF)
    expect(page.locator("nav.mainnav a[aria-current=page]")).to_have_text("投诉")
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    expect(page.get_by_test_id("tracking-no")).to_have_text(repeat.tracking_no)
    expect(page.locator("#main article.case")).to_have_count(1)
    flash = page.locator("#main .flashes[role=status] .flash.success")
    expect(flash).to_have_text(
        f"已登记回访：客户不满意，已作为重复投诉{repeat.tracking_no}重新登记（原投诉{original}）。"
    )
    # The message of the whole page takes focus on load, as a swapped answer's does.
    expect(page.locator("#main .flashes[role=status]")).to_be_focused()
    # The repeat links back to the complaint it repeats.
    expect(page.get_by_role("link", name=original, exact=True)).to_have_attribute(
        "href", f"/cases/{case_id}"
    )
    shoot(page, "staff-repeat-desktop")
    assert console_problems == []
