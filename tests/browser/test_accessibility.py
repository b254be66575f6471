"""Accessibility of the key pages of every role (issue 20, point 10).

Each role signs in through the real form and walks its key pages — home, the case list,
a case with its step forms opened, intake, statistics, bulletins, the duty pages,
notifications, administration — at a desk (1280×800) and on a tablet held upright
(768×1024, touch). On every page, with every <details> opened:

* axe-core finds no violation of impact *serious* or *critical*. All its rules run,
  the experimental ones included (label-content-name-mismatch, td-has-header, …).
  axe is vendored for the tests only (vendor/axe-core/README.md) and never served by
  the portal: the page keeps its Content-Security-Policy (script-src 'self'), so
  Playwright's router answers a same-origin path the portal has no route for with the
  vendored file, and `add_script_tag` loads it from there;
* every visible control — a, button, input, select, textarea, summary, [role=button] —
  is at least 44×44 px (the stylesheet's --tap; WCAG 2.5.5), sign-out, breadcrumbs,
  attachment links and calendar days included. A check box or radio button passes
  when one of its labels is that big (tapping the label ticks the box).
  INLINE_EXCEPTIONS lists the controls allowed under 44 px — none at present.
"""

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import NOW, add_user, build_province, make_case
from werkzeug.serving import make_server

from portal.auth.models import User
from portal.auth.roles import Role
from portal.complaints import operations as ops
from portal.complaints.models import Complaint
from portal.db import db
from portal.orgs.models import Unit

from .conftest import SQLITE_ONLY, LiveServer
from .test_case_tablet import jpeg_bytes
from .test_shell import TAP, sign_in

pytestmark = pytest.mark.browser

AXE_FILE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_URL = "/__tests__/axe-core/axe.min.js"  # no route of the portal: only the router's
SERIOUS = ("serious", "critical")
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = ["desktop", "tablet"]  # the tablet: conftest's 768×1024 portrait, touch
BRANCH = "bank1-branch"  # a branch officer at the sub-branch (支行), above two outlets

# The key pages of each role; {placeholders} are filled from the live server's ids.
PAGES = {
    "assoc-staff": [  # 协会受理人员: intake and forwarding
        "/home",
        "/cases",
        "/cases/new",
        "/cases/{registered}",
        "/cases/{at_outlet}",
        "/statistics",
        "/bulletins",
        "/bulletins/returns",  # issue 25: the regulator return (监管报送)
        "/bulletins/register",  # issue 25: the register of document numbers (发文登记)
        "/duty/directory",
        "/notifications",
        "/accountability",
        "/calendar/2026",  # read-only for this role: days are not links
        "/analysis",  # Art. 8(5)
        "/major",
        "/summaries",  # Art. 9(4): who has submitted
        "/archives",  # Art. 8(6)
        "/notices",  # Art. 4
    ],
    "assoc-leader": [  # 协会领导: reads everything
        "/home",
        "/cases",
        "/cases/{at_outlet}",
        "/statistics",
        "/bulletins",
        "/bulletins/returns",  # the leader reads the returns (issue 25)
        "/bulletins/register",  # and the register of document numbers
        "/duty/directory",
        "/duty/members/{bank1}",
        "/notifications",
        "/accountability",
        "/audit",
    ],
    "assoc-admin": [  # 协会管理员: units, users, calendar, categories
        "/home",
        "/units",
        "/units/{bank1}",
        "/users",
        "/users/new",
        "/audit",
        "/calendar/2026",
        "/calendar/2026/10",
        "/categories",
        "/deadlines/settings",
        "/account/password",
        "/settings/contacts",  # Art. 5
        "/analysis/thresholds",
        "/major/settings",
        "/archives/settings",
        "/statistics/rate-line",
        "/settings/api",  # issue 24: every bank's tokens and webhooks, read-only
        "/units/{bank1}/edit",  # issue 25: the institution group
        "/statistics/codes?axis=A",  # issue 25: JR/T 0169-2018 codes by level
        "/categories/codes",  # issue 25: the JR/T 0169-2018 code list and its versions
        "/categories/codes/versions/1",
        "/categories/crosswalk",  # issue 25: categories to B and C codes
    ],
    "bank1-admin": [  # 会员单位管理员
        "/home",
        "/units",
        "/users",
        "/duty/members/{bank1}",
        "/settings/api",  # issue 24: the bank's tokens and webhooks
        "/duty/members/{bank1}/customers",  # issue 25: personal customers reported
    ],
    "bank1-a": [  # 会员单位承办人: the member bank's handler
        "/home",
        "/cases",
        "/cases/{at_outlet}",
        "/rectifications",
        "/statistics",
        "/bulletins",
        "/duty/members/{bank1}",
        "/duty/members/{bank1}/calendar",
        "/duty/members/{bank1}/absences",
        "/notifications",
        "/accountability",
        "/plans",  # Art. 9(3)
        "/plans/new",
        "/summaries",
        "/analysis/advice",
        "/archives",
    ],
    "bank1-leader": [  # 会员单位分管领导
        "/home",
        "/cases",
        "/cases/{at_outlet}",
        "/statistics",
        "/duty/members/{bank1}",
    ],
    BRANCH: [  # 网点（分支机构）人员 at a sub-branch
        "/home",
        "/cases",
        "/cases/{at_outlet}",
        "/notifications",
    ],
    "bank1-outlet1": [  # 网点（分支机构）人员 at an outlet, with a case in hand
        "/home",
        "/cases",
        "/cases/{at_outlet}",
        "/notifications",
        "/account/password",
        "/account/two-factor",
        "/account/two-factor/enrol",  # the QR code, the secret, the confirming code
    ],
}

TARGETS = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]"
# WCAG 2.5.8's exceptions (a link inline in a sentence, a size the browser sets), as
# {selector: why}. Kept explicit and few: every entry is a control some user can miss.
INLINE_EXCEPTIONS: dict[str, str] = {}

# Visible targets under `min` px high or wide, described for the failure message.
SMALL_TARGETS_JS = """([selector, exceptions, min]) => {
  const describe = (el, r) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.getAttribute('type') ? '[type=' + el.getAttribute('type') + ']' : '') + ' "' +
    (el.innerText || el.value || el.getAttribute('aria-label') || '').trim()
      .replace(/\\s+/g, ' ').slice(0, 30) + '" ' + r.width.toFixed(0) + '×' + r.height.toFixed(0) + 'px';
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    const own = el.getBoundingClientRect();
    if (own.width === 0 || own.height === 0 || getComputedStyle(el).visibility === 'hidden'
        || el.closest('.skip') || exceptions.some((s) => el.matches(s))) continue;
    const labels = el.matches('input[type=checkbox], input[type=radio]') ? [...el.labels] : [];
    const fits = (r) => r.height >= min - 0.5 && r.width >= min - 0.5;
    if (!fits(own) && !labels.some((l) => fits(l.getBoundingClientRect()))) out.push(describe(el, own));
  }
  return out;
}"""

# Opens every <details>; resolves once the step forms built on opening have arrived.
OPEN_DETAILS_JS = (
    "() => document.querySelectorAll('details:not([open])').forEach(d => d.open = true)"
)
LOADED_JS = """() => !document.querySelector('.htmx-request') &&
  [...document.querySelectorAll('details[hx-get] .step-form')].every(f => f.querySelector('form'))"""

AXE_JS = """async () => {
  const rules = Object.fromEntries(
    axe.getRules(['experimental']).map((r) => [r.ruleId, {enabled: true}]));
  const result = await axe.run(document, {resultTypes: ['violations'], rules});
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    count: v.nodes.length, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' '))}));
}"""


@dataclass
class A11yServer(LiveServer):
    ids: dict[str, int]


@pytest.fixture
def live_server(make_app, backend):
    """conftest's live server with the clock frozen at NOW and something on each key
    page: a case just registered at the association; one at bank 1's first outlet with
    an intake attachment (a PDF) and a contact with a photo, which sends notifications;
    and a branch officer at bank 1's sub-branch. Overrides conftest's for this module,
    so `page_factory` uses it."""
    assert backend == "sqlite", SQLITE_ONLY
    app = make_app(WTF_CSRF_ENABLED=True, FROZEN_NOW=NOW)
    with app.app_context():
        province = build_province()
        sub_branch = db.session.get(Unit, province.unit("bank1-sub").id)
        add_user(BRANCH, sub_branch, Role.BRANCH_OFFICER)
        db.session.commit()
    registered = make_case(app, province, state="registered", facts="客户反映排队时间过长。")
    at_outlet = make_case(app, province, state="at_outlet", outlet="bank1-outlet1")
    with app.app_context():
        case = db.session.get(Complaint, at_outlet)
        staff = db.session.get(User, province.user("assoc-staff").id)
        officer = db.session.get(User, province.user("bank1-outlet1").id)
        pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
        ops.add_attachment(
            case,
            actor=staff,
            now=NOW,
            filename="投诉信.pdf",
            content_type="application/pdf",
            data=pdf,
            sha256="0" * 64,
        )
        contact = ops.record_contact(
            case, actor=officer, now=NOW, contacted_at=NOW, how="phone", summary="已电话联系客户。"
        )
        ops.add_attachment(
            case,
            actor=officer,
            now=NOW,
            filename="柜台.jpg",
            content_type="image/jpeg",
            data=jpeg_bytes(),
            sha256="1" * 64,
            event=contact,
        )
        db.session.commit()
    ids = {"registered": registered, "at_outlet": at_outlet, "bank1": province.unit("bank1").id}
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield A11yServer(app=app, url=f"http://127.0.0.1:{server.server_port}", ids=ids)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the live server did not stop"


def signed_in_page(page_factory, username, viewport):
    """A fresh touch context (conftest's, console errors collected), resized for a desk
    when asked, with the vendored axe reachable at AXE_URL; signed in as `username`."""
    page = page_factory("portrait")
    if viewport == "desktop":
        page.set_viewport_size(DESKTOP)
    page.route(
        f"**{AXE_URL}", lambda route: route.fulfill(path=AXE_FILE, content_type="text/javascript")
    )
    sign_in(page, username)
    page.wait_for_url("**/home")
    return page


def walk(page, live_server, username):
    """Opens each key page of `username` with all its <details> open; yields its path."""
    for template in PAGES[username]:
        path = template.format(**live_server.ids)
        response = page.goto(path)
        assert response.status == 200, f"{username} {path}: {response.status}"
        expect(page.locator("main h1").first).to_be_visible()
        page.wait_for_load_state("load")  # the stylesheet applied before anything is measured
        page.evaluate(OPEN_DETAILS_JS)
        page.wait_for_function(LOADED_JS)
        yield path


def serious_violations(page) -> list[str]:
    """axe's serious and critical violations on the page: rule, help, where (first 3)."""
    page.add_script_tag(url=AXE_URL)
    return [
        f"{v['impact']} {v['id']}: {v['help']} — {v['count']} element(s): "
        + ", ".join(v["targets"])
        for v in page.evaluate(AXE_JS)
        if v["impact"] in SERIOUS
    ]


def findings(page, paths) -> str:
    """Each page ``paths`` brings ``page`` to (an iterator that loads it), measured for
    touch targets and then checked by axe; both findings reported together ("" if none)."""
    violations, small_targets = {}, {}
    for path in paths:
        if small := page.evaluate(SMALL_TARGETS_JS, [TARGETS, list(INLINE_EXCEPTIONS), TAP]):
            small_targets[path] = small
        if problems := serious_violations(page):  # after measuring: axe adds a <script>
            violations[path] = problems
    failures = ""
    if violations:
        failures += f"serious or critical axe violations:\n{report(violations)}"
    if small_targets:
        failures += f"controls under {TAP}×{TAP}px:\n{report(small_targets)}"
    return failures


def report(found: dict[str, list[str]]) -> str:
    return "".join(
        f"  {path}\n" + "".join(f"    {line}\n" for line in lines) for path, lines in found.items()
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("username", list(PAGES))
def test_key_pages_pass_axe_and_have_full_touch_targets(
    page_factory, live_server, username, viewport
):
    """One walk per role and viewport (each page is loaded once, then measured and
    checked by axe); both findings are reported together."""
    page = signed_in_page(page_factory, username, viewport)
    failures = findings(page, walk(page, live_server, username))
    assert not failures, f"{username} ({viewport}):\n{failures}"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_two_factor_sign_in_steps_pass_axe_and_have_full_touch_targets(
    page_factory, live_server, viewport
):
    """Enrolling at sign-in (QR code, secret, code), the recovery codes shown once, and
    the code step (authenticator or recovery code): an association user where the
    setting requires a second factor."""
    import pyotp

    live_server.app.config["TWO_FACTOR"] = "privileged"
    page = page_factory("portrait")
    if viewport == "desktop":
        page.set_viewport_size(DESKTOP)
    page.route(
        f"**{AXE_URL}", lambda route: route.fulfill(path=AXE_FILE, content_type="text/javascript")
    )
    found: dict[str, list[str]] = {}

    def check(name: str) -> None:
        page.wait_for_load_state("load")
        small = page.evaluate(SMALL_TARGETS_JS, [TARGETS, list(INLINE_EXCEPTIONS), TAP])
        problems = serious_violations(page)
        if small or problems:
            found[name] = [*problems, *(f"under {TAP}px: {s}" for s in small)]

    sign_in(page, "assoc-staff")
    page.wait_for_url("**/login/enrol")
    check("enrol")
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    page.get_by_label("应用显示的 6 位验证码").fill(pyotp.TOTP(secret).at(NOW))
    page.get_by_role("button", name="确认设置").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    check("recovery codes")
    page.get_by_role("button", name="我已保存，继续登录").click()
    page.wait_for_url("**/home")
    page.locator(".who").get_by_role("button", name="退出").click()
    sign_in(page, "assoc-staff")
    page.wait_for_url("**/login/verify")
    check("verify")
    page.get_by_role("link", name="手机不在身边？使用恢复码").click()
    expect(page.get_by_label("恢复码")).to_be_visible()
    check("verify with a recovery code")
    assert not found, report(found)
