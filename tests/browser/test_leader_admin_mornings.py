"""More mornings (issue 20, "Done when"): those who read rather than act — the
association's leader and a member bank's leader in charge (分管领导, Art. 6) — and an
administrator, at a desktop; and on a tablet, a step refused on a case page brings its
error summary into focus and into view after htmx swaps the case in (portal.js).

The province and the clock are test_role_mornings' (Monday 2026-11-23, 10:00 Beijing
time); the cases are put in place through the portal's own forms at the moments they
happened. Screenshots go to /tmp/mornings/.
"""

import re

import pytest
from playwright.sync_api import expect

from .test_role_mornings import (  # noqa: F401 (fixtures)
    HANDLER,
    OFFICER,
    STAFF,
    Morning,
    desktop_page,
    forgive,
    live_server,
    open_step,
    shoot,
)
from .test_shell import sign_in

pytestmark = pytest.mark.browser

LATE_DAYS = re.compile(r"^超期 \d+ 个工作日$")


def leaders_cases(morning: Morning) -> dict[str, int]:
    """A week-old case bank 1 never accepted (Art. 7: late), one to forward this morning
    and a report to review."""
    desk, cases = morning.desk, {}
    morning.at("2026-11-16")
    cases["late"] = desk.register()
    desk.step(STAFF, cases["late"], "forward")
    morning.at("2026-11-23", 9)
    cases["to_forward"] = desk.register(outlet="bank2-outlet1")
    cases["to_review"] = desk.register()
    desk.to_outlet(cases["to_review"])
    desk.step(
        OFFICER,
        cases["to_review"],
        "final_reply",
        result="已道歉。",
        told_at="2026-11-23T08:50",
        told_how="phone",
        reaction="accepted",
    )
    desk.step(HANDLER, cases["to_review"], "verify", finding="substantiated", facts="属实。")
    desk.step(HANDLER, cases["to_review"], "report", summary="已处理。")
    morning.at("2026-11-23")
    return cases


def count(page, key):
    return page.get_by_test_id(f"count-{key}").locator(".num")


def reads_only(page, case_id: int) -> None:
    """The case page of a reader: the next step and its time left; no step to take but
    a note."""
    page.goto(f"/cases/{case_id}")
    banner = page.get_by_test_id("next-step")
    expect(banner.locator(".step-name")).to_have_text("受理")
    expect(banner.get_by_test_id("time-left").locator(".tag")).to_have_text(LATE_DAYS)
    expect(page.locator(".actions-panel summary.btn")).to_have_text(["添加备注"])
    expect(page.get_by_test_id("clock-accept")).to_be_visible()


def test_the_association_leaders_morning_at_a_desktop(desktop_page, live_server):  # noqa: F811
    cases = leaders_cases(live_server)
    late_no = live_server.case(cases["late"]).tracking_no
    page = desktop_page
    sign_in(page, "assoc-leader")
    expect(page).to_have_url(re.compile(r"/home$"))
    # The association's lists, to read: as many as the staff see, and no intake.
    for key, n in (("breached", 1), ("to_forward", 1), ("to_review", 1)):
        expect(count(page, key)).to_have_text(str(n))
    expect(page.get_by_test_id("queue-breached").locator("ul.worklist > li")).to_have_text(
        [re.compile(late_no)]
    )
    expect(page.locator("main").get_by_role("link", name="登记投诉")).to_have_count(0)
    # Overdue per member, worst first; the count opens the cases it counts.
    table = page.locator("section[aria-labelledby=overdue-members] table")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr td").first).to_have_text("第1银行辽宁省分行")
    page.wait_for_load_state("load")
    shoot(page, "assoc-leader-home-desktop")
    table.get_by_role("link", name="1", exact=True).click()
    expect(page).to_have_url(re.compile(r"/cases\?unit=\d+&clock=breached$"))
    rows = page.locator("tr[id^=case-row-]")
    expect(rows).to_have_count(1)
    expect(page.locator(f"#case-row-{cases['late']}")).to_be_visible()
    reads_only(page, cases["late"])
    shoot(page, "assoc-leader-case-desktop")


def test_a_member_leaders_morning_at_a_desktop(desktop_page, live_server, console_problems):  # noqa: F811
    cases = leaders_cases(live_server)
    page = desktop_page
    sign_in(page, "bank1-leader")
    expect(page).to_have_url(re.compile(r"/home$"))
    # Bank 1's lists as its handlers see them; bank 2's case to forward is not its own.
    for key, n in (("breached", 1), ("to_accept", 1), ("pass_down", 0), ("to_report", 0)):
        expect(count(page, key)).to_have_text(str(n))
    expect(page.locator("#overdue-members")).to_have_count(0)
    expect(page.locator("main").get_by_role("button", name=re.compile("拨打"))).to_have_count(0)
    to_accept = page.get_by_test_id("queue-to_accept")
    row = to_accept.locator("ul.worklist > li")
    expect(row.get_by_test_id("time-left").locator(".tag")).to_have_text(LATE_DAYS)
    page.wait_for_load_state("load")
    shoot(page, "member-leader-home-desktop")
    to_accept.get_by_test_id("count-to_accept").click()
    expect(page).to_have_url(re.compile(r"/cases\?queue=to_accept$"))
    expect(page.locator("tr[id^=case-row-]")).to_have_count(1)
    reads_only(page, cases["late"])
    shoot(page, "member-leader-case-desktop")
    # Another bank's case is not found (tenancy: 404, as an unknown id).
    assert page.goto(f"/cases/{cases['to_forward']}").status == 404
    forgive(console_problems, 404, f"/cases/{cases['to_forward']}")


@pytest.mark.parametrize("username", ["assoc-admin", "bank1-admin"])
def test_an_administrators_morning_at_a_desktop(desktop_page, live_server, username):  # noqa: F811
    """An administrator reads the cases of their scope like its leader, and finds units
    and users one click away in the menu."""
    cases = leaders_cases(live_server)
    page = desktop_page
    sign_in(page, username)
    expect(page).to_have_url(re.compile(r"/home$"))
    expect(count(page, "breached")).to_have_text("1")
    own = ("to_forward", "to_review") if username == "assoc-admin" else ("to_accept",)
    for key in own:
        expect(count(page, key)).to_have_text("1")
    page.wait_for_load_state("load")
    shoot(page, f"{username}-home-desktop")
    menu = page.locator("nav.mainnav")
    menu.get_by_role("link", name="用户", exact=True).click()
    expect(page).to_have_url(re.compile(r"/users$"))
    expect(page.locator("main")).to_contain_text(HANDLER)
    if username == "bank1-admin":  # the bank's own users only
        expect(page.locator("main")).not_to_contain_text(STAFF)
    menu.get_by_role("link", name="机构", exact=True).click()
    expect(page).to_have_url(re.compile(r"/units$"))
    expect(page.locator("main")).to_contain_text("第1银行辽宁省分行")
    # The late case: the step that is late and by how much, on top.
    page.goto(f"/cases/{cases['late']}")
    banner = page.get_by_test_id("next-step")
    expect(banner.locator(".step-name")).to_have_text("受理")
    expect(banner.get_by_test_id("time-left").locator(".tag")).to_have_text(LATE_DAYS)
    shoot(page, f"{username}-case-desktop")


def test_a_refused_step_on_a_case_page_brings_its_summary_into_view_on_a_tablet(
    page_factory,
    live_server,  # noqa: F811
    console_problems,
):
    desk = live_server.desk
    case_id = desk.register()
    desk.to_outlet(case_id)
    page = page_factory("landscape")  # 1024×768: the least height
    sign_in(page, OFFICER)
    page.goto(f"/cases/{case_id}")
    final = open_step(page, "final_reply")
    submit = final.get_by_role("button", name="答复客户最终结果")
    # The button at the top of the screen: the form's head (where the summary will
    # stand) is above the viewport when the answer is swapped in.
    submit.evaluate("el => el.scrollIntoView({block: 'start'})")
    assert page.evaluate("() => window.scrollY") > 0
    with page.expect_response(re.compile(rf"/cases/{case_id}/do/final_reply$")) as refused:
        submit.tap()  # nothing filled in: the form has novalidate, the server refuses
    assert refused.value.status == 422
    summary = page.locator(f"#case-{case_id}").get_by_test_id("error-summary")
    expect(summary).to_have_count(1)
    expect(summary).to_contain_text("最终处理结果")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    box = summary.bounding_box()
    assert 0 <= box["y"] < 768, box
    # Focus was moved in the swapped page, not left on <body>.
    assert page.evaluate("() => document.activeElement !== document.body")
    shoot(page, "officer-refused-step-landscape")
    # The summary's link goes to its field.
    summary.get_by_role("link", name="最终处理结果").tap()
    expect(final.locator("[name=final_reply-result]")).to_be_in_viewport()
    forgive(console_problems, 422, f"/cases/{case_id}/do/final_reply")  # refused on purpose
