"""The portal's mixed workload for locust: many concurrent users of every role.

Run by ``bench/load_test.py`` (which starts PostgreSQL and gunicorn, writes the plan and
reads the results); not meant to be started by hand. Configuration comes from the
environment:

- ``LOADTEST_PLAN``: a JSON file with the logins per role and the run's id;
- ``LOADTEST_RESULTS``: where every sample and the ledger of writes are written at exit;
- ``LOADTEST_STAGES`` (``"10,20,40"``), ``LOADTEST_STAGE_SECONDS``, ``LOADTEST_WARMUP_SECONDS``:
  the user counts stepped through, how long each stage lasts and how much of its start
  (new users signing in) is left out of its latency figures;
- ``LOADTEST_P95_LIMIT_MS``, ``LOADTEST_STOP_AFTER``: the run ends after this many stages
  in a row whose p95 exceeds the limit (more than one: a noisy neighbour may spoil one);
- ``LOADTEST_MAX_REQUESTS``: the run stops after this many requests whatever the time;
- ``LOADTEST_WAIT``: think time between a user's steps, ``"min,max"`` seconds;
- ``LOADTEST_MEDIA_SHARE``: the share of intakes flagged as escalated to the media, each
  of which runs the accountability detection (Art. 12(1)4) in its request (default 0.05).

What the users do, as people at their desks would (think time between steps):

- association staff browse the inbox (pages, filters, search), open cases, read the
  dashboard and statistics, register new complaints through the intake worksheet (with
  the outlet picker) and forward registered ones to the member bank;
- member handlers (A/B) open their inbox, accept forwarded complaints (two handlers of
  one bank may race for the same case: the loser is told, 409/422, and that is counted
  as a refusal, not an error), pass them down to an outlet and record verification
  findings (which run the accountability detection, Art. 12(1));
- outlet officers open their inbox and cases and post progress with a promised date;
- member leaders and the association's leader read the home page, statistics and the
  bulletin list, and download the published bulletin PDF.

Each user signs in once (argon2 is slow on purpose; sign-ins are reported apart from the
steady state). Writes carry the CSRF token the page gives htmx (``<body hx-headers>``)
and the hidden fields of the form they submit, and are sent as htmx sends them
(``HX-Request: true``). Every successful write is entered in a ledger (intakes by a
unique marker in the facts field) that the script checks against the database.
"""

import json
import os
import random
import re
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.cookiejar import DefaultCookiePolicy

from locust import LoadTestShape, between, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"], encoding="utf-8").read())
RESULTS = os.environ["LOADTEST_RESULTS"]
STAGES = [int(n) for n in os.environ.get("LOADTEST_STAGES", "10").split(",") if n.strip()]
STAGE_SECONDS = float(os.environ.get("LOADTEST_STAGE_SECONDS", "20"))
WARMUP_SECONDS = float(os.environ.get("LOADTEST_WARMUP_SECONDS", "5"))
P95_LIMIT_MS = float(os.environ.get("LOADTEST_P95_LIMIT_MS", "200"))
STOP_AFTER = int(os.environ.get("LOADTEST_STOP_AFTER", "2"))
MAX_REQUESTS = int(os.environ.get("LOADTEST_MAX_REQUESTS", "100000"))
WAIT = [float(x) for x in os.environ.get("LOADTEST_WAIT", "0.5,1.5").split(",")]
MEDIA_SHARE = float(os.environ.get("LOADTEST_MEDIA_SHARE", "0.05"))
PASSWORD = PLAN["password"]
RUN_ID = PLAN["run_id"]
SIGN_IN = "sign-in"  # request name kept out of the steady-state figures
BEIJING = timedelta(hours=8)

# ---------------------------------------------------------------------------- recording

_started = time.monotonic()
_samples: list[tuple] = []  # (t since start, name, ms, status, ok, error)
_ledger = {
    "intakes": {},  # marker -> case id
    "forwards": Counter(),  # case id -> successful forwards
    "accepts": Counter(),
    "forwards_down": Counter(),
    "progress": Counter(),
    "verifies": Counter(),
    "downloads": 0,
    "sign_ins": 0,  # completed sign-in POSTs (argon2 on the server)
    "refusals": Counter(),  # expected business refusals (409/422 races) by request name
    "unknown_writes": [],  # writes whose outcome the client could not tell
    "in_flight": [],  # [kind, marker or case id] of writes sent but unanswered at the stop
}
_pending: dict[str, list] = {}  # writes sent and not yet answered
_stage_marks: list[dict] = []  # {"users", "start", "end"} in seconds since start
_lock = threading.Lock()


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response, exception, **kw):
    status = getattr(response, "status_code", 0) if response is not None else 0
    error = None if exception is None else f"{type(exception).__name__}: {exception}"[:300]
    _samples.append(
        (time.monotonic() - _started, name, response_time, status, exception is None, error)
    )


def _close_stage(stage: dict, now: float) -> None:
    """End a stage; its figures are measured from when its warm-up is over and every
    user it added has signed in (argon2 sign-ins are not the steady state)."""
    stage["end"] = now
    signed_in = [s[0] for s in _samples if s[1] == SIGN_IN and stage["start"] <= s[0] < now]
    stage["measure_from"] = max([stage["start"] + WARMUP_SECONDS, *signed_in])


@events.quitting.add_listener
def _write_results(environment, **kw):
    if _stage_marks and "end" not in _stage_marks[-1]:
        _close_stage(_stage_marks[-1], time.monotonic() - _started)
    _ledger["in_flight"] = list(_pending.values())
    ledger = {
        key: (dict(value) if isinstance(value, Counter) else value)
        for key, value in _ledger.items()
    }
    with open(RESULTS, "w", encoding="utf-8") as out:
        json.dump(
            {
                "samples": _samples,
                "ledger": ledger,
                "stages": _stage_marks,
                "warmup_seconds": WARMUP_SECONDS,
                "wait": WAIT,
                "max_requests": MAX_REQUESTS,
            },
            out,
        )


def _p95(stage: dict) -> float | None:
    times = sorted(
        s[2] for s in _samples if stage["measure_from"] <= s[0] < stage["end"] and s[1] != SIGN_IN
    )
    return times[int(0.95 * (len(times) - 1))] if times else None


class Stages(LoadTestShape):
    """Step through the user counts; stop after STOP_AFTER stages in a row over the p95
    limit. Users are added over the first half of the warm-up, not all at once."""

    def tick(self):
        now = time.monotonic() - _started
        if len(_samples) >= MAX_REQUESTS:  # the bound on requests, checked every second
            if _stage_marks:
                _close_stage(_stage_marks[-1], now)
                _stage_marks[-1]["stopped_by"] = "max-requests"
            return None
        index = int(self.get_run_time() // STAGE_SECONDS)
        if not _stage_marks or index >= len(_stage_marks):
            if _stage_marks:
                last = _stage_marks[-1]
                _close_stage(last, now)
                p95 = _p95(last)
                last["over_limit"] = p95 is not None and p95 > P95_LIMIT_MS
                recent = _stage_marks[-STOP_AFTER:]
                if len(recent) == STOP_AFTER and all(m["over_limit"] for m in recent):
                    last["stopped_by"] = f"p95 over the limit {STOP_AFTER} stages in a row"
                    return None
            if index >= len(STAGES):
                return None
            _stage_marks.append({"users": STAGES[index], "start": now})
        users = STAGES[index]
        added = users - (STAGES[index - 1] if index else 0)
        return users, max(added / max(WARMUP_SECONDS / 2, 1.0), 1.0)


# ---------------------------------------------------------------------------- page scraping

CSRF_RE = re.compile(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'')
CASE_LINK_RE = re.compile(r'href="/cases/(\d+)"')
FORM_RE = r'<form method="post" action="/cases/{id}/do/{action}".*?</form>'
INPUT_RE = re.compile(r"<input[^>]*>")
ATTR_RE = re.compile(r'(\w[\w-]*)="([^"]*)"')
OPTION_RE = re.compile(r'<option[^>]*value="(\d+)"')
COMBOBOX_OPTION_RE = re.compile(r'role="option"[^>]*\bdata-value="(\d+)"')
SELECT_RE = r'<select[^>]*name="{name}"[^>]*>(.*?)</select>'
OUTLET_PICK_RE = re.compile(r'"outlet_id": "(\d+)"')


def input_value(html: str, name: str) -> str | None:
    for tag in INPUT_RE.findall(html):
        attrs = dict(ATTR_RE.findall(tag))
        if attrs.get("name") == name:
            return attrs.get("value")
    return None


def hidden_fields(html: str) -> dict:
    fields = {}
    for tag in INPUT_RE.findall(html):
        attrs = dict(ATTR_RE.findall(tag))
        if attrs.get("type") == "hidden" and "name" in attrs:
            fields[attrs["name"]] = attrs.get("value", "")
    return fields


def action_form(html: str, case_id: str, action: str) -> str | None:
    match = re.search(FORM_RE.format(id=case_id, action=action), html, re.S)
    return match.group(0) if match else None


def select_options(html: str, name: str) -> list[str]:
    match = re.search(SELECT_RE.format(name=re.escape(name)), html, re.S)
    return [v for v in OPTION_RE.findall(match.group(1)) if v != "0"] if match else []


def combobox_options(html: str) -> list[str]:
    """The values a keyboard combobox of the form offers (``_macros.combobox``): the
    pass-down's outlets are listed so, not in a select."""
    return COMBOBOX_OPTION_RE.findall(html)


def beijing_today():
    return (datetime.now(UTC) + BEIJING).date()


# ---------------------------------------------------------------------------- users


class LoopbackCookiePolicy(DefaultCookiePolicy):
    """Send the session cookie over plain HTTP to 127.0.0.1. In production it is marked
    Secure (TLS at the proxy); browsers treat localhost as a secure context too."""

    def return_ok_secure(self, cookie, request):
        return True


class PortalUser(FastHttpUser):
    abstract = True
    wait_time = between(*WAIT)
    role = ""

    def on_start(self):
        self.username = random.choice(PLAN["users"][self.role])
        self.client.cookiejar.set_policy(LoopbackCookiePolicy())
        with self.client.get("/login", name=SIGN_IN, catch_response=True) as page:
            token = input_value(page.text or "", "csrf_token")
            if not token:
                page.failure("no CSRF token on the sign-in page")
                raise StopUser()
        with self.client.post(
            "/login",
            data={"csrf_token": token, "username": self.username, "password": PASSWORD},
            name=SIGN_IN,
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            _ledger["sign_ins"] += 1
            if answer.status_code != 302:
                # A lockout or rate limit under load would show here: a finding, not noise.
                answer.failure(f"sign-in of {self.username} answered {answer.status_code}")
                raise StopUser()
        self.csrf = None
        self.page("/home", "GET /home")

    # Every page is fetched through here: it keeps the CSRF token the page hands htmx.
    def page(self, path: str, name: str, htmx: bool = False) -> str:
        headers = {"HX-Request": "true"} if htmx else {}
        with self.client.get(path, name=name, headers=headers, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code}")
                return ""
            text = answer.text or ""
            if not htmx:
                token = CSRF_RE.search(text)
                if token:
                    self.csrf = token.group(1)
            return text

    def act(self, case_id: str, html: str, action: str, extra: dict, name: str):
        """POST one case action from the form on the page: the case piece on success,
        None when refused (a race lost: 409 / 422) or failed."""
        form = action_form(html, case_id, action)
        if form is None:
            return None
        key = uuid.uuid4().hex
        # Not in a finally: a user stopped mid-request (GreenletExit) leaves it pending,
        # and the check then knows the server may have done it without the client knowing.
        _pending[key] = [action, case_id]
        outcome = self._post_action(case_id, hidden_fields(form) | extra, action, name)
        del _pending[key]
        return outcome

    def _post_action(self, case_id: str, data: dict, action: str, name: str):
        with self.client.post(
            f"/cases/{case_id}/do/{action}",
            data=data,
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf or ""},
            name=name,
            catch_response=True,
        ) as answer:
            if answer.status_code == 200:
                return answer.text or " "  # the case piece, with the next forms
            if answer.status_code in (409, 422):
                answer.success()
                with _lock:
                    _ledger["refusals"][name] += 1
                return None
            answer.failure(f"{answer.status_code}")
            if answer.status_code == 0 or answer.status_code >= 500:
                with _lock:
                    _ledger["unknown_writes"].append([name, case_id, answer.status_code])
            return None

    def pick_case(self, listing: str) -> str | None:
        ids = CASE_LINK_RE.findall(listing)
        return random.choice(ids) if ids else None

    def open_case(self, case_id: str) -> str:
        return self.page(f"/cases/{case_id}", "GET /cases/:id")

    def inbox_filtered(self):
        choice = random.choice(
            [
                "state=all",
                "clock=breached",
                "clock=due_today",
                "flag=major",
                "state=handling",
                "page=2",
            ]
        )
        return self.page(f"/cases?{choice}", "GET /cases?filter (htmx)", htmx=True)


class AssociationStaff(PortalUser):
    weight = 4
    role = "assoc_handler"

    def on_start(self):
        super().on_start()
        self.intake()  # the desk opens with a call waiting: every run writes something

    @task(5)
    def inbox(self):
        self.page("/cases", "GET /cases")

    @task(3)
    def filter_inbox(self):
        self.inbox_filtered()

    @task(2)
    def search(self):
        q = random.choice(["张", "李", "ATM", "理财", "LN20", "王"])
        self.page(f"/cases?q={q}&state=all", "GET /cases?q=search (htmx)", htmx=True)

    @task(5)
    def open_a_case(self):
        case_id = self.pick_case(self.page("/cases?state=all", "GET /cases"))
        if case_id:
            self.open_case(case_id)

    @task(2)
    def dashboard(self):
        self.page("/home", "GET /home")

    @task(1)
    def statistics(self):
        self.page("/statistics", "GET /statistics")

    @task(3)
    def intake(self):
        form = self.page("/cases/new", "GET /cases/new")
        csrf, received = input_value(form, "csrf_token"), input_value(form, "received_at")
        categories = select_options(form, "category_id")
        if not (csrf and received and categories):
            return
        q = random.choice(PLAN["picker_queries"])
        picker = self.page(f"/cases/outlets?q={q}", "GET /cases/outlets?q (htmx)", htmx=True)
        outlets = OUTLET_PICK_RE.findall(picker) or PLAN["outlet_ids"]
        marker = f"LT{RUN_ID}-{uuid.uuid4().hex[:16]}"
        data = {
            "csrf_token": csrf,
            "received_at": received,
            "channel": "phone",
            "complainant_name": random.choice(["张伟", "王芳", "李娜", "刘洋", "陈静"]),
            "mobile": f"13{random.randint(100000000, 999999999)}",
            "reply_channel": "phone",
            "outlet_id": random.choice(outlets),
            "staff": "",
            "category_id": random.choice(categories),
            "facts": f"{marker} 客户反映在网点办理业务时等候时间过长，工作人员解释不清。",
            "demand": "请银行核实并改进服务。",
            "repeat_of": "",
            "repeat_reason": "",
        }
        if random.random() < MEDIA_SHARE:
            # Art. 12(1)4: escalated to the media; the intake runs accountability detection.
            data["is_media"] = "y"
        _pending[marker] = ["intake", marker]
        self._post_intake(data, marker)
        del _pending[marker]

    def _post_intake(self, data: dict, marker: str):
        with self.client.post(
            "/cases/new",
            data=data,
            name="POST /cases/new (intake)",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            location = answer.headers.get("Location", "") if answer.status_code == 302 else ""
            found = re.search(r"/cases/(\d+)$", location)
            if found:
                with _lock:
                    _ledger["intakes"][marker] = int(found.group(1))
                return
            answer.failure(f"{answer.status_code} {location}")
            with _lock:
                _ledger["unknown_writes"].append(["intake", marker, answer.status_code])

    @task(3)
    def forward(self):
        case_id = self.pick_case(
            self.page("/cases?state=registered", "GET /cases?state (htmx)", htmx=True)
        )
        if not case_id:
            return
        html = self.open_case(case_id)
        if self.act(case_id, html, "forward", {}, "POST /cases/:id/do/forward"):
            with _lock:
                _ledger["forwards"][case_id] += 1


class MemberHandler(PortalUser):
    weight = 4
    role = "member_handler"

    @task(3)
    def inbox(self):
        self.page("/cases", "GET /cases")

    @task(2)
    def filter_inbox(self):
        self.inbox_filtered()

    @task(3)
    def open_a_case(self):
        case_id = self.pick_case(self.page("/cases", "GET /cases"))
        if case_id:
            self.open_case(case_id)

    @task(4)
    def accept_and_pass_down(self):
        case_id = self.pick_case(
            self.page("/cases?state=forwarded", "GET /cases?state (htmx)", htmx=True)
        )
        if not case_id:
            return
        html = self.open_case(case_id)
        piece = self.act(case_id, html, "accept", {}, "POST /cases/:id/do/accept")
        if not piece:
            return
        with _lock:
            _ledger["accepts"][case_id] += 1
        if random.random() < 0.8 and isinstance(piece, str):
            form = action_form(piece, case_id, "forward_down") or ""
            units = select_options(form, "forward_down-unit_id") or combobox_options(form)
            staffed = [u for u in units if int(u) in PLAN["staffed_units"]]
            if not (staffed or units):
                return
            unit = random.choice(staffed or units)
            extra = {"forward_down-unit_id": unit, "forward_down-note": "请网点联系客户并答复。"}
            if self.act(case_id, piece, "forward_down", extra, "POST /cases/:id/do/forward_down"):
                with _lock:
                    _ledger["forwards_down"][case_id] += 1

    @task(2)
    def verify(self):
        """Art. 11(2): the finding; a substantiated one runs the accountability detection
        (Art. 12(1)3, recurring complaints) inside the request."""
        case_id = self.pick_case(
            self.page("/cases?state=handling", "GET /cases?state (htmx)", htmx=True)
        )
        if not case_id:
            return
        html = self.open_case(case_id)
        finding = random.choices(["substantiated", "partly", "unsubstantiated"], [3, 1, 1])[0]
        extra = {"verify-finding": finding, "verify-facts": "经调取监控核实，情况基本属实。"}
        if self.act(case_id, html, "verify", extra, "POST /cases/:id/do/verify"):
            with _lock:
                _ledger["verifies"][case_id] += 1

    @task(1)
    def dashboard(self):
        self.page("/home", "GET /home")


class OutletOfficer(PortalUser):
    weight = 4
    role = "branch_officer"

    @task(3)
    def inbox(self):
        self.page("/cases", "GET /cases")

    @task(3)
    def progress(self):
        case_id = self.pick_case(
            self.page("/cases?state=handling", "GET /cases?state (htmx)", htmx=True)
        )
        if not case_id:
            return
        html = self.open_case(case_id)
        promised = beijing_today() + timedelta(days=random.randint(3, 20))
        extra = {
            "progress-summary": "已联系客户说明处理进度，正在调取监控核实。",
            "progress-promised_on": promised.isoformat(),
        }
        if self.act(case_id, html, "progress", extra, "POST /cases/:id/do/progress"):
            with _lock:
                _ledger["progress"][case_id] += 1

    @task(1)
    def dashboard(self):
        self.page("/home", "GET /home")


class Leader(PortalUser):
    weight = 2
    role = "leader"

    @task(3)
    def statistics(self):
        self.page("/statistics", "GET /statistics")

    @task(2)
    def dashboard(self):
        self.page("/home", "GET /home")

    @task(2)
    def inbox(self):
        self.page("/cases", "GET /cases")

    @task(1)
    def bulletin(self):
        listing = self.page("/bulletins", "GET /bulletins")
        links = re.findall(r'href="/bulletins/(\d+)/download"', listing)
        if not links:
            return
        key = uuid.uuid4().hex
        _pending[key] = ["download", "bulletin"]  # recorded by the server as a download
        self._download(random.choice(links))
        del _pending[key]

    def _download(self, bulletin_id: str):
        with self.client.get(
            f"/bulletins/{bulletin_id}/download",
            name="GET /bulletins/:id/download (PDF)",
            catch_response=True,
        ) as answer:
            if answer.status_code == 200 and (answer.content or b"")[:4] == b"%PDF":
                with _lock:
                    _ledger["downloads"] += 1
            else:
                answer.failure(f"{answer.status_code} not a PDF")
