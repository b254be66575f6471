"""A branch officer works a case on a tablet (768×1024, touch): signs in through the form,
finds the case in the inbox, records a contact with a photo, reports progress with a
promised date (a date not after today is refused in place), and gives the final reply —
every step an htmx swap of the case, never a full reload. Screenshots go to the
artifacts folder.

The server's clock is frozen on Monday 2026-11-23 at 10:00 Beijing time, so the promised
dates below are deterministic.
"""

import io
import logging
import re
import threading
from dataclasses import dataclass

import pytest
from PIL import Image
from playwright.sync_api import expect
from support import NOW, build_province, make_case
from werkzeug.serving import make_server

from .conftest import SQLITE_ONLY, LiveServer
from .test_shell import LAYOUT_JS, SHORT_TARGETS_JS, TAP, sign_in

pytestmark = pytest.mark.browser

OFFICER = "bank1-outlet1"
TODAY = "2026-11-23"  # NOW in Beijing: Monday 10:00
PROMISED = "2026-11-27"  # the Friday of the same week
ACTION_TARGETS = ".actions-panel summary, .actions-panel button, .actions-panel .btn"
CASE_TARGETS = "#main button, #main .btn, #main summary"


@dataclass
class CaseServer(LiveServer):
    case_id: int


@pytest.fixture
def live_server(make_app, backend):
    """conftest's live server with the clock frozen at NOW and one case waiting at the
    outlet of bank1-outlet1 (overrides it for this module, so `page_factory` uses it)."""
    assert backend == "sqlite", SQLITE_ONLY
    app = make_app(WTF_CSRF_ENABLED=True, FROZEN_NOW=NOW)
    with app.app_context():
        province = build_province()
    case_id = make_case(app, province, state="at_outlet", outlet=OFFICER)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield CaseServer(app=app, url=f"http://127.0.0.1:{server.server_port}", case_id=case_id)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the live server did not stop"


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def assert_fits(page, targets=ACTION_TARGETS):
    """No sideways scrolling, nothing past the right edge, every action a full touch target."""
    page.wait_for_load_state("load")
    layout = page.evaluate(LAYOUT_JS)
    assert layout["scrollWidth"] <= layout["innerWidth"], f"the case scrolls sideways: {layout}"
    assert layout["wide"] == [], f"elements pass the right edge: {layout['wide']}"
    short = page.evaluate(SHORT_TARGETS_JS, [targets, TAP])
    assert short == [], f"touch targets under {TAP}px: {short}"


def shoot(page, path):
    # caret="initial": hiding the caret leaves style="" on every input, which htmx's
    # settling then copies onto the swapped-in inputs — a CSP violation per input.
    page.screenshot(path=path, full_page=True, caret="initial")


def assert_not_reloaded(page):
    assert page.evaluate("window.__marker") == 1, "the page was reloaded instead of swapped"


def submit(page, case_id, action, expected_status):
    """Tap the submit button of ``action``'s form; the answer is the case piece, not a page."""
    form = page.get_by_test_id(f"action-{action}").locator("form")
    with page.expect_response(lambda r: r.url.endswith(f"/cases/{case_id}/do/{action}")) as answer:
        form.locator("button[type=submit]").tap()
    response = answer.value
    assert response.request.headers.get("hx-request") == "true", "not sent by htmx"
    assert response.status == expected_status, f"{action}: {response.status}"
    assert "<html" not in response.text(), f"{action} answered a whole page"
    expect(page.locator(f"#case-{case_id}")).to_have_count(1)  # replaced, not nested
    assert_not_reloaded(page)


def open_action(page, action):
    details = page.get_by_test_id(f"action-{action}")
    if details.get_attribute("open") is None:
        details.locator("summary").tap()
    expect(details.locator("form")).to_be_visible()
    return details


def open_case_from_inbox(page, live_server):
    sign_in(page, OFFICER)
    expect(page).to_have_url(re.compile(r"/home$"))
    page.locator("nav.mainnav").get_by_role("link", name="投诉", exact=True).tap()
    expect(page).to_have_url(re.compile(r"/cases$"))
    row = page.locator(f"#case-row-{live_server.case_id}")
    expect(row).to_be_visible()
    row.get_by_role("link").first.tap()
    expect(page).to_have_url(re.compile(rf"/cases/{live_server.case_id}$"))
    expect(page.get_by_test_id("tracking-no")).to_be_visible()
    page.wait_for_load_state("load")


def test_branch_officer_replies_to_a_case_on_a_tablet(
    tablet_page, live_server, artifacts_dir, console_problems
):
    page, case_id = tablet_page, live_server.case_id
    open_case_from_inbox(page, live_server)
    page.evaluate("window.__marker = 1")
    history = page.get_by_test_id("history")
    for action in ("final_reply", "progress", "contact"):
        expect(page.get_by_test_id(f"action-{action}")).to_be_visible()
    assert_fits(page)
    shoot(page, artifacts_dir / "case-tablet-1-open.png")

    # 1. A contact with a photo taken on the tablet.
    jpeg = jpeg_bytes()
    contact = open_action(page, "contact")
    contact.locator("[name=contact-summary]").fill("已电话联系客户，致歉并说明正在核实。")
    contact.locator("input[type=file][name=contact-photos]").set_input_files(
        {"name": "counter.jpg", "mimeType": "image/jpeg", "buffer": jpeg}
    )
    submit(page, case_id, "contact", 200)
    entry = history.locator("li").filter(has_text="已电话联系客户")
    expect(entry).to_contain_text("记录与客户联系")
    thumb = entry.locator("img.thumb")
    expect(thumb).to_be_visible()
    expect(thumb).to_have_attribute("alt", "counter.jpg")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    photo = page.request.get(thumb.get_attribute("src"))
    assert photo.status == 200
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.body() == jpeg
    assert_fits(page)
    shoot(page, artifacts_dir / "case-tablet-2-contact.png")

    # 2. Progress: a promise for today is refused in place, then a date to come is kept.
    progress = open_action(page, "progress")
    progress.locator("[name=progress-summary]").fill("正在调取监控核实，周五前再次答复。")
    progress.locator("[name=progress-promised_on]").fill(TODAY)
    submit(page, case_id, "progress", 422)
    progress = page.get_by_test_id("action-progress")
    expect(progress).to_have_attribute("open", "")
    expect(progress.locator("#progress-promised_on-errors")).to_have_text(
        "承诺答复日期必须晚于今天。"
    )
    expect(progress.locator("[name=progress-promised_on]")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(progress.locator("[name=progress-summary]")).to_have_value(
        "正在调取监控核实，周五前再次答复。"
    )
    expect(page.get_by_test_id("clock-promise")).to_have_count(0)
    assert_fits(page)

    progress.locator("[name=progress-promised_on]").fill(PROMISED)
    submit(page, case_id, "progress", 200)
    promise = page.get_by_test_id("clock-promise")
    expect(promise).to_be_visible()
    expect(promise).to_contain_text("承诺再次答复")
    expect(page.get_by_test_id("clock-state-promise")).to_have_text("进行中")
    expect(history.locator("li").filter(has_text="报告进度并承诺答复日期")).to_contain_text(
        "承诺 2026年11月27日 前再次答复"
    )
    assert_fits(page)
    shoot(page, artifacts_dir / "case-tablet-3-progress.png")

    # 3. The final reply; told_at comes prefilled with the (frozen) time now.
    final = open_action(page, "final_reply")
    expect(final.locator("[name=final_reply-told_at]")).to_have_value(f"{TODAY}T10:00")
    final.locator("[name=final_reply-result]").fill("经核实柜员态度欠佳，已批评教育并向客户致歉。")
    final.locator("[name=final_reply-reaction]").fill("客户表示接受。")
    submit(page, case_id, "final_reply", 200)
    expect(history.locator("li").filter(has_text="答复客户最终结果")).to_contain_text(
        "已批评教育并向客户致歉"
    )
    expect(page.get_by_test_id("action-final_reply")).to_have_count(0)
    expect(page.get_by_test_id("action-progress")).to_have_count(0)
    expect(page.get_by_test_id("clock-state-promise")).to_have_text("按时完成")
    assert_fits(page)
    shoot(page, artifacts_dir / "case-tablet-4-final.png")

    assert_not_reloaded(page)
    # Chromium logs the refused promise's 422 like any failed load; nothing else may show.
    refused = [p for p in console_problems if "status of 422" in p and "/do/progress" in p]
    assert len(refused) <= 1
    for problem in refused:
        console_problems.remove(problem)
    assert console_problems == []


def test_case_page_fits_a_tablet_on_its_side(page_factory, live_server, artifacts_dir):
    page = page_factory("landscape")
    open_case_from_inbox(page, live_server)
    assert_fits(page)
    open_action(page, "contact")
    open_action(page, "progress")
    assert_fits(page)
    shoot(page, artifacts_dir / "case-tablet-landscape.png")


# Known gaps, kept visible: each turns into a failure (strict) once portal.css is fixed,
# so the marker is then removed and the check joins `assert_fits`.
def test_every_button_of_the_case_is_a_full_touch_target(tablet_page, live_server):
    open_case_from_inbox(tablet_page, live_server)
    assert_fits(tablet_page, CASE_TARGETS)


def test_photo_picker_is_a_full_touch_target(tablet_page, live_server):
    open_case_from_inbox(tablet_page, live_server)
    open_action(tablet_page, "contact")
    assert_fits(tablet_page, "input[type=file]")
