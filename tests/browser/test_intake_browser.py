"""Intake at the association's desk, in the browser (issue 20, point 5): a worksheet sent
with several mistakes comes back once with one error summary that lists and links every
one; a photo chosen before the refusal is still on the worksheet afterwards and becomes
the complaint's attachment when the corrected worksheet is registered; the required
fields are marked. Desktop, 1440×900; the clock is frozen on Monday 2026-11-23 10:00."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from support import build_province, category_id

from portal.complaints.models import Attachment, Complaint
from portal.db import db

from . import test_role_mornings
from .conftest import SQLITE_ONLY
from .test_case_tablet import jpeg_bytes
from .test_role_mornings import (
    MONDAY,
    STAFF,
    LiveServer,
    forgive,
    serving,
    shoot,
)
from .test_shell import sign_in

pytestmark = pytest.mark.browser
desktop_page = test_role_mornings.desktop_page  # the fixture, 1440×900

# The worksheet's required fields (label "for" → the control), and one optional field.
REQUIRED = ["received_at", "complainant_name", "outlet", "category_id", "facts", "demand"]
OPTIONAL = ["staff", "id_number", "address"]

# The required mark as drawn: the ::after of the label's span.required.
MARK_JS = """label => { const mark = label.querySelector('.required');
  return mark ? getComputedStyle(mark, '::after').content : null; }"""


@pytest.fixture
def live_server(make_app, backend):
    """conftest's live server (CSRF on), the clock frozen on Monday morning, the
    complaint categories seeded."""
    assert backend == "sqlite", SQLITE_ONLY
    app = make_app(WTF_CSRF_ENABLED=True, FROZEN_NOW=MONDAY)
    with app.app_context():
        build_province()
    category_id(app, "ATT-01")  # seeds the taxonomy
    with serving(app) as url:
        yield LiveServer(app=app, url=url)


def test_intake_shows_every_mistake_at_once_and_keeps_the_chosen_photo(
    desktop_page, live_server, console_problems
):
    page = desktop_page
    photo = jpeg_bytes()
    sign_in(page, STAFF)
    page.goto("/cases/new")
    expect(page.locator("main h1")).to_have_text("客户投诉受理工作表")
    page.wait_for_load_state("load")

    # Required fields are marked (a drawn asterisk, aria-required on the control);
    # optional ones are not.
    for name in REQUIRED:
        label = page.locator(f"label[for={name}]")
        assert label.evaluate(MARK_JS) in ('"*"', '"*" / ""'), name
        expect(page.locator(f"#{name}")).to_have_attribute("aria-required", "true")
    for name in OPTIONAL:
        assert page.locator(f"label[for={name}]").evaluate(MARK_JS) is None, name
        expect(page.locator(f"#{name}")).not_to_have_attribute("aria-required", "true")
    expect(page.get_by_label("投诉人姓名", exact=True)).to_be_visible()  # name unchanged

    # A photo chosen first is sent at once and kept on the worksheet.
    with page.expect_response(re.compile(r"/cases/uploads$")) as upload:
        page.locator("#attachments").set_input_files(
            {"name": "柜台照片.jpg", "mimeType": "image/jpeg", "buffer": photo}
        )
    assert upload.value.status == 200
    kept = page.get_by_test_id("kept-file")
    expect(kept).to_have_count(1)
    expect(kept).to_contain_text("柜台照片.jpg")
    expect(page.locator("#attachments")).to_have_value("")  # not sent a second time

    # Four mistakes: no name, no outlet, no category, no facts (the demand is there).
    page.locator("#mobile").fill("13812341234")
    page.locator("#demand").fill("要求道歉。")
    with page.expect_response(
        lambda r: r.url.endswith("/cases/new") and r.request.method == "POST"
    ) as refused:
        page.get_by_role("button", name="登记", exact=True).click()
    assert refused.value.status == 422
    page.wait_for_load_state("load")
    forgive(console_problems, 422, "/cases/new")

    summary = page.get_by_test_id("error-summary")
    expect(summary).to_have_count(1)
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("请修改以下 4 处后重新提交：")
    expect(summary).to_be_focused()  # the refused page loads with the summary in focus
    links = summary.locator("li a")
    expect(links).to_have_count(4)
    hrefs = [links.nth(i).get_attribute("href") for i in range(4)]
    assert sorted(hrefs) == sorted(["#complainant_name", "#outlet", "#category_id", "#facts"])
    for href in hrefs:
        # Each link names a field the page shows, marked invalid where it stands.
        expect(page.locator(href)).to_be_visible()
        expect(page.locator(href)).to_have_attribute("aria-invalid", "true")
    expect(summary.locator("li").filter(has_text="投诉人姓名")).to_contain_text("请填写投诉人姓名")
    expect(page.locator(".form-errors")).to_have_count(1)  # one summary, not one per round
    # What was typed stays; the photo is still listed, by its kept id.
    expect(page.locator("#demand")).to_have_value("要求道歉。")
    expect(page.locator("#mobile")).to_have_value("13812341234")
    expect(kept).to_have_count(1)
    expect(kept).to_contain_text("柜台照片.jpg")
    shoot(page, "intake-refused-desktop")

    # Following a link goes to its field.
    summary.get_by_role("link", name="投诉事由").click()
    expect(page).to_have_url(re.compile(r"/cases/new#facts$"))
    expect(page.locator("#facts")).to_be_in_viewport()

    # Corrected: name, facts, the outlet from the search (keyboard), the category.
    page.locator("#complainant_name").fill("王丽")
    page.locator("#facts").fill("柜员办理业务时态度生硬。")
    outlet = page.get_by_role("combobox", name="被投诉网点")
    outlet.press_sequentially("和平支行1号")
    option = page.locator("#outlet-list [role=option]").filter(has_text="第1银行和平支行1号网点")
    expect(option).to_be_visible()
    outlet.press("ArrowDown")
    outlet.press("Enter")
    expect(page.locator("#outlet-chosen")).to_contain_text("第1银行和平支行1号网点")
    page.locator("#category_id").select_option(str(category_id(live_server.app, "ATT-01")))
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    case_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator(".flashes .flash.success")).to_contain_text("已登记投诉")
    expect(page.get_by_role("link", name="柜台照片.jpg")).to_be_visible()
    with live_server.app.app_context():
        case = db.session.get(Complaint, case_id)
        assert case.complainant_name == "王丽" and case.outlet.name == "第1银行和平支行1号网点"
        files = db.session.scalars(
            select(Attachment).where(Attachment.complaint_id == case_id)
        ).all()
        assert [(f.filename, f.data) for f in files] == [("柜台照片.jpg", photo)]
    assert console_problems == []
