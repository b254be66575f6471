"""``make screenshots``: each role's home and case page, at desk and tablet size, so anyone
can look at the portal without setting anything up.

Seeds a fresh demo province in a throw-away instance folder, serves it on a free port and
drives Debian's chromium (Playwright) through each login. The PNGs go to ``screenshots/``
(git-ignored), Chinese first and a few in English.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"
PASSWORD = "demo12345"
DESK, TABLET, PORTRAIT = (1440, 900), (1024, 768), (768, 1024)

# (login, what they do, the sizes they work at, the list whose first case is shown): the
# outlet officer works on a tablet; each case is one where the viewer has a step to take.
PEOPLE = [
    ("assoc-staff", "association-desk", [DESK], "/cases?state=registered"),
    ("assoc-leader", "association-leader", [DESK], "/home"),
    ("bank1-a", "member-handler", [DESK, TABLET], "/cases?state=handling"),
    ("bank1-leader", "member-leader", [DESK], "/home"),
    ("bank1-outlet1", "outlet-officer", [TABLET, PORTRAIT], "/home"),
]
ENGLISH = [("assoc-staff", "association-desk", DESK), ("bank1-outlet1", "outlet-officer", TABLET)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env: dict, *args: str, **kwargs):
    command = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", *args]
    return subprocess.Popen(command, cwd=ROOT, env=env, **kwargs)


def wait_for(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the portal stopped before answering")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the portal did not answer at {url}")


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def shoot(page: Page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    print(f"    screenshots/{name}.png", flush=True)


def first_case(page: Page) -> str | None:
    link = page.locator("main a[href^='/cases/']").filter(has_text="-").first
    return link.get_attribute("href") if link.count() else None


def main() -> int:
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium is not installed: make dev-setup installs it.", file=sys.stderr)
        return 1
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as instance:
        # The demo logins sign in with their password only (no authenticator app here).
        env = {**os.environ, "PORTAL_INSTANCE_DIR": instance, "PORTAL_TWO_FACTOR": "optional"}
        env.pop("DATABASE_URL", None)
        print("==> Seeding a demo province in a throw-away instance", flush=True)
        for args in (("db", "upgrade"), ("demo", "seed")):
            if flask(env, *args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).wait():
                return 1
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = flask(
            env, "run", "--port", str(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_for(f"{base}/login", server)
            print("==> Taking screenshots", flush=True)
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=chromium,
                    args=[
                        "--no-sandbox",
                        "--disable-background-networking",
                        "--disable-component-update",
                    ],
                )
                for username, role, sizes, cases in PEOPLE:
                    for width, height in sizes:
                        tablet = (width, height) != DESK
                        context = browser.new_context(
                            viewport={"width": width, "height": height},
                            has_touch=tablet,
                            is_mobile=False,
                        )
                        page = context.new_page()
                        sign_in(page, base, username)
                        size = f"{width}x{height}"
                        page.goto(f"{base}/home")
                        shoot(page, f"{role}-home-{size}")
                        if cases != "/home":
                            page.goto(base + cases)
                        case = first_case(page)
                        if case:
                            page.goto(base + case)
                            shoot(page, f"{role}-case-{size}")
                        context.close()
                for username, role, (width, height) in ENGLISH:
                    context = browser.new_context(viewport={"width": width, "height": height})
                    context.add_cookies([{"name": "lang", "value": "en", "url": base}])
                    page = context.new_page()
                    sign_in(page, base, username)
                    page.goto(f"{base}/home")
                    shoot(page, f"en-{role}-home-{width}x{height}")
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait()
    print(f"==> {len(list(OUT.glob('*.png')))} screenshots in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
