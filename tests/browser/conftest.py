"""Browser fixtures: the portal served live from a thread, Debian's chromium driven by
Playwright (never `playwright install`: the bank intranets have no download site), and
tablet pages — 768×1024 held upright or 1024×768 on its side, touch, zh-CN.

The live server runs in a thread of this process and reads what the test committed,
so browser tests run on SQLite only: tests/conftest.py deselects the PostgreSQL half
of the `database_url` parametrization at collection time, before any cluster starts.
"""

import logging
import shutil
import threading
from dataclasses import dataclass

import pytest
from flask import Flask
from support import build_province
from werkzeug.serving import make_server

SQLITE_ONLY = "browser tests run on SQLite only (the live server is a thread of this process)"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--disable-dev-shm-usage",
]
VIEWPORTS = {
    "portrait": {"width": 768, "height": 1024},
    "landscape": {"width": 1024, "height": 768},
}
TIMEOUT_MS = 10_000


@dataclass
class LiveServer:
    app: Flask
    url: str


@pytest.fixture
def live_server(make_app, backend):
    """The portal with CSRF on (the real pages send the token), seeded with the
    two-bank province of `support.build_province`, served on a free local port."""
    assert backend == "sqlite", SQLITE_ONLY
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        build_province()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the live server did not stop"


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip(
            "Debian's chromium is not installed (apt-get install chromium): browser tests skipped"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed"
    )
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def console_problems() -> list[str]:
    """Console errors (CSP violations among them) and uncaught page errors of every
    page the test opened, each prefixed with the page's URL."""
    return []


@pytest.fixture
def page_factory(browser, live_server, console_problems):
    """`open_page("portrait" | "landscape")`: a fresh tablet context (own cookies)
    with relative URLs resolved against the live server. A test that ends with
    unexpected console problems fails at teardown even if it did not look."""
    contexts = []

    def open_page(orientation: str = "portrait"):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=VIEWPORTS[orientation],
            screen=VIEWPORTS[orientation],
            has_touch=True,
            is_mobile=False,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()

        def on_console(msg):
            if msg.type != "error":
                return
            problem = f"{page.url}: console: {msg.text} [{msg.location.get('url', '')}]"
            console_problems.append(problem)

        page.on("console", on_console)
        page.on("pageerror", lambda exc: console_problems.append(f"{page.url}: pageerror: {exc}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert console_problems == [], "the pages logged errors"


@pytest.fixture
def tablet_page(page_factory):
    """A 768×1024 portrait tablet page."""
    return page_factory("portrait")
