"""axe-core beyond the desk and the upright tablet (issue 20, point 10): the key pages of
the roles who work on cases with the tablet on its side (1024×768, touch), and in
English, where longer words wrap and labels change — no serious or critical violation,
every control at least 44 px. The province, the pages and the checks are
test_accessibility's."""

import pytest
from playwright.sync_api import expect

from .test_accessibility import (  # noqa: F401 (live_server is a fixture)
    AXE_FILE,
    AXE_URL,
    LOADED_JS,
    OPEN_DETAILS_JS,
    findings,
    live_server,
)
from .test_shell import sign_in

pytestmark = pytest.mark.browser

KEY_PAGES = {
    "assoc-staff": ["/home", "/cases", "/cases/{registered}", "/cases/{at_outlet}"],
    "bank1-a": ["/home", "/cases", "/cases/{at_outlet}", "/duty/members/{bank1}"],
    "bank1-leader": ["/home", "/cases/{at_outlet}"],
    "bank1-outlet1": ["/home", "/cases", "/cases/{at_outlet}", "/notifications"],
}
ENGLISH_PAGES = {
    "assoc-staff": ["/home", "/cases/{registered}", "/statistics", "/duty/directory"],
    "bank1-a": ["/home", "/cases/{at_outlet}"],
    "bank1-outlet1": ["/home", "/cases/{at_outlet}"],
}


def check_pages(page, live_server, username, paths) -> str:  # noqa: F811
    return findings(page, _visit(page, live_server, username, paths))


def _visit(page, live_server, username, paths):  # noqa: F811
    for template in paths:
        path = template.format(**live_server.ids)
        response = page.goto(path)
        assert response.status == 200, f"{username} {path}: {response.status}"
        expect(page.locator("main h1").first).to_be_visible()
        page.wait_for_load_state("load")
        page.evaluate(OPEN_DETAILS_JS)
        page.wait_for_function(LOADED_JS)
        yield path


def open_signed_in(page_factory, username, orientation):
    page = page_factory(orientation)
    page.route(
        f"**{AXE_URL}", lambda route: route.fulfill(path=AXE_FILE, content_type="text/javascript")
    )
    sign_in(page, username)
    page.wait_for_url("**/home")
    return page


@pytest.mark.parametrize("username", list(KEY_PAGES))
def test_key_pages_pass_axe_on_a_tablet_on_its_side(page_factory, live_server, username):  # noqa: F811
    page = open_signed_in(page_factory, username, "landscape")
    assert page.viewport_size == {"width": 1024, "height": 768}
    failures = check_pages(page, live_server, username, KEY_PAGES[username])
    assert not failures, f"{username} (1024×768):\n{failures}"


@pytest.mark.parametrize("username", list(ENGLISH_PAGES))
def test_key_pages_pass_axe_in_english(page_factory, live_server, username):  # noqa: F811
    page = open_signed_in(page_factory, username, "landscape")
    page.goto("/lang/en?next=/home")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main h1").first).not_to_contain_text("您好")
    failures = check_pages(page, live_server, username, ENGLISH_PAGES[username])
    assert not failures, f"{username} (English):\n{failures}"
