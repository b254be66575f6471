"""``make screenshots``: each role's home and case page, at desk and tablet size, so anyone
can look at the portal without setting anything up.

Seeds a fresh demo province in a throw-away instance folder, serves it on a free port and
drives Debian's chromium (Playwright) through each login. The PNGs go to ``screenshots/``
(git-ignored), Chinese first and a few in English; a login with no case to show is
named in a warning line, never skipped in silence.
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

# (login, what they do, the sizes they are shot at, the lists whose first case is shown,
# tried in turn): every role at a desk and on a tablet on its side, the outlet officer
# (who works on a tablet) held upright too; each case is one where the viewer has a step
# to take, else any case of their scope.
PEOPLE = [
    ("assoc-admin", "association-admin", [DESK, TABLET], ["/cases?clock=breached", "/cases"]),
    ("assoc-staff", "association-desk", [DESK, TABLET], ["/cases?queue=to_forward", "/cases"]),
    ("assoc-leader", "association-leader", [DESK, TABLET], ["/cases?queue=to_review", "/cases"]),
    ("bank1-admin", "member-admin", [DESK, TABLET], ["/cases?queue=pass_down", "/cases"]),
    ("bank1-a", "member-handler", [DESK, TABLET], ["/cases?queue=to_accept", "/cases"]),
    ("bank1-leader", "member-leader", [DESK, TABLET], ["/cases?queue=to_report", "/cases"]),
    ("bank1-outlet1", "outlet-officer", [TABLET, PORTRAIT, DESK], ["/home", "/cases"]),
]
# In English: the home and the case page of those who work on cases most.
ENGLISH = [
    ("assoc-staff", "association-desk", DESK, ["/cases?queue=to_forward", "/cases"]),
    ("bank1-a", "member-handler", DESK, ["/cases?queue=to_accept", "/cases"]),
    ("bank1-outlet1", "outlet-officer", TABLET, ["/home", "/cases"]),
]


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


def first_case(page: Page, base: str, lists: list[str]) -> str | None:
    """The first case of the first of ``lists`` that has one."""
    for path in lists:
        page.goto(base + path)
        link = page.locator("main a[href^='/cases/']").filter(has_text="-").first
        if link.count():
            return link.get_attribute("href")
    return None


def shoot_person(browser, base: str, username: str, role: str, size, lists, lang="zh") -> int:
    """The home and a case page of ``username`` at ``size``; returns the warnings."""
    width, height = size
    context = browser.new_context(
        viewport={"width": width, "height": height},
        screen={"width": width, "height": height},
        has_touch=size != DESK,
        is_mobile=False,
        locale="en-GB" if lang == "en" else "zh-CN",
        timezone_id="Asia/Shanghai",
    )
    if lang == "en":
        context.add_cookies([{"name": "lang", "value": "en", "url": base}])
    prefix = "en-" if lang == "en" else ""
    try:
        page = context.new_page()
        sign_in(page, base, username)
        page.goto(f"{base}/home")
        shoot(page, f"{prefix}{role}-home-{width}x{height}")
        case = first_case(page, base, lists)
        if case is None:
            tried = ", ".join(lists)
            print(f"    warning: {username} has no case to shoot ({tried})", flush=True)
            return 1
        page.goto(base + case)
        shoot(page, f"{prefix}{role}-case-{width}x{height}")
        return 0
    finally:
        context.close()


def main() -> int:
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium is not installed: make dev-setup installs it.", file=sys.stderr)
        return 1
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.png"):  # the count at the end is this run's
        old.unlink()
    warnings = 0
    with tempfile.TemporaryDirectory() as instance:
        # The demo logins sign in with their password only (no authenticator app here).
        env = {**os.environ, "PORTAL_INSTANCE_DIR": instance, "PORTAL_TWO_FACTOR": "optional"}
        env.pop("DATABASE_URL", None)
        print("==> Seeding a demo province in a throw-away instance", flush=True)
        for args in (("db", "upgrade"), ("demo", "seed")):
            step = flask(env, *args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            _out, errors = step.communicate()
            if step.returncode:
                print(errors.decode(errors="replace"), file=sys.stderr)
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
                for username, role, sizes, lists in PEOPLE:
                    for size in sizes:
                        warnings += shoot_person(browser, base, username, role, size, lists)
                for username, role, size, lists in ENGLISH:
                    warnings += shoot_person(browser, base, username, role, size, lists, "en")
                browser.close()
        finally:
            server.terminate()
            server.wait()
    print(f"==> {len(list(OUT.glob('*.png')))} screenshots in {OUT}")
    if warnings:
        print(f"==> {warnings} warning(s): some pages were not shot (see above)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
