"""Scale-out (issue 8, point 4): several app servers share one PostgreSQL and nothing
lives in one server's memory that another would miss.

Two real gunicorn servers (two workers each, separate instance directories) on two
ports serve ONE database with the same SECRET_KEY; a visitor's cookies go to whichever
server it talks to, as behind a load balancer. Requests are interleaved and raced with
threads. Then the periodic commands run twice at once as separate processes: two
deadline sweeps (each breach marked and told once, reminders and e-mail not doubled,
every message delivered once over SMTP) and two job workers (each job run once).

PostgreSQL only: skipped, with the reason printed, when initdb/pg_ctl are absent.
"""

import io
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from deadline_support import alone, bare_cases
from flask_migrate import upgrade
from sqlalchemy import func, select
from support import (
    PASSWORD,
    app_config,
    build_province,
    category_id,
    free_port,
    make_case,
    with_duty_roster,
)

from portal import create_app
from portal.auth.models import SignInThrottle, User
from portal.complaints.models import Attachment, Complaint, ComplaintEvent
from portal.db import db
from portal.deadlines.models import Clock, ClockEvent

ROOT = Path(__file__).resolve().parents[2]
BEIJING = ZoneInfo("Asia/Shanghai")
SECRET = "scale-out-secret-" + uuid.uuid4().hex
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256))


# -- the database and the two servers -------------------------------------------------


def _migrated_database(cluster, name: str) -> str:
    url = cluster.create_database(name)
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def _environment(url: str, instance: Path, **extra) -> dict:
    """What a host of the deployment is given: the same database, SECRET_KEY and data
    key everywhere; its own instance directory (nothing may depend on local disk)."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        SECRET_KEY=SECRET,
        PORTAL_DATA_KEY=SECRET + "-data",
        PORTAL_ENV="development",  # plain HTTP on loopback: cookies without Secure
        PORTAL_BASE_URL="http://127.0.0.1",  # the address e-mails link to, the same everywhere
        PORTAL_INSTANCE_DIR=str(instance),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT="1",  # nothing listens there unless a test says otherwise
        LOGIN_MAX_FAILURES="5",
        PORTAL_TWO_FACTOR="optional",  # the visitors sign in with their password only
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    env.update(extra)
    return env


class Server:
    def __init__(self, name: str, url: str, tmp: Path):
        self.name, self.port = name, free_port()
        instance = tmp / f"instance-{name}"
        instance.mkdir()
        self.log = tmp / f"server-{name}.log"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "120",
            "wsgi:app",
        ]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=_environment(url, instance), stdout=log, stderr=log
            )

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                connection = HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/login")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"server {self.name} did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def deployment(postgres_cluster, tmp_path_factory):
    """Two gunicorn servers on one migrated database holding the two-bank province with
    its A/B pairs and the category taxonomy."""
    url = _migrated_database(postgres_cluster, "portal_scale_web")
    setup = create_app(app_config(url))
    with setup.app_context():
        province = build_province()
    with_duty_roster(setup, province)
    category = category_id(setup, "ATT-01")
    tmp = tmp_path_factory.mktemp("scale")
    servers = [Server("A", url, tmp), Server("B", url, tmp)]
    try:
        for server in servers:
            server.wait_ready()
        yield {
            "app": setup,
            "province": province,
            "category": category,
            "a": servers[0],
            "b": servers[1],
        }
    finally:
        for server in servers:
            server.stop()
        with setup.app_context():
            db.engine.dispose()


# -- a visitor: its own cookies, sent to whichever server it talks to -----------------


class Answer:
    def __init__(self, status: int, headers, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(str(value).encode() + b"\r\n")
    for name, (filename, data) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class Visitor:
    def __init__(self):
        self.cookies: dict[str, str] = {}
        self.token: str | None = None

    def request(self, server: Server, method: str, path: str, fields=None, files=None):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            fields = dict(fields or {})
            if self.token:
                fields.setdefault("csrf_token", self.token)
                headers["X-CSRFToken"] = self.token  # as htmx sends it (<body hx-headers>)
            if files:
                body, headers["Content-Type"] = _multipart(fields, files)
            else:
                body = urlencode(fields).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = HTTPConnection("127.0.0.1", server.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            connection.close()
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        token = re.search(r'"X-CSRFToken": "([^"]+)"', answer.text)
        if token:
            self.token = token.group(1)
        return answer

    def get(self, server: Server, path: str) -> Answer:
        return self.request(server, "GET", path)

    def post(self, server: Server, path: str, fields=None, files=None) -> Answer:
        return self.request(server, "POST", path, fields, files)

    def sign_in(self, server: Server, username: str, password: str = PASSWORD) -> Answer:
        self.get(server, "/login")  # the session cookie with the CSRF secret, and the token
        answer = self.post(server, "/login", {"username": username, "password": password})
        if answer.status == 302:
            # Signing in starts a fresh session: the page it leads to carries its token.
            self.get(server, answer.headers["Location"])
        return answer


def signed_in(server: Server, username: str) -> Visitor:
    visitor = Visitor()
    answer = visitor.sign_in(server, username)
    assert answer.status == 302, f"sign-in of {username} on {server.name}: {answer.status}"
    return visitor


def beijing_now() -> datetime:
    return datetime.now(UTC).astimezone(BEIJING)


def intake_fields(deployment, name: str) -> dict:
    received = (beijing_now() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    return {
        "received_at": received,
        "channel": "phone",
        "complainant_name": name,
        "mobile": "13700001111",
        "reply_channel": "phone",
        "outlet_id": deployment["province"].unit("bank1-outlet1").id,
        "category_id": deployment["category"],
        "facts": "柜员态度差。",
        "demand": "道歉。",
    }


def case_id_from(answer: Answer) -> int:
    assert answer.status == 302, answer.text[-2000:]
    return int(answer.location.rstrip("/").rsplit("/", 1)[1])


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', page)
    assert match, f"no {name} on the page"
    return match.group(1)


# -- sessions, intake, races ----------------------------------------------------------


def test_a_session_signed_in_on_one_server_works_on_the_other(deployment):
    a, b = deployment["a"], deployment["b"]
    visitor = signed_in(a, "assoc-leader")
    for server in (b, a, b, b):  # both workers of B answer some of these
        page = visitor.get(server, "/cases")
        assert page.status == 200, (server.name, page.status)
        assert 'data-testid="whoami"' in page.text
    stranger = Visitor()
    assert stranger.get(b, "/cases").status == 302  # no cookie: to the sign-in page


def test_intake_through_both_servers_at_once_numbers_each_complaint_once(deployment):
    a, b = deployment["a"], deployment["b"]
    marker = f"并发{uuid.uuid4().hex[:6]}"
    per_thread, threads = 10, 4  # 40 complaints, half through each server

    def submit(index: int) -> list[int]:
        server = (a, b)[index % 2]
        visitor = signed_in(server, "assoc-staff")
        visitor.get(server, "/cases/new")
        ids = []
        for n in range(per_thread):
            fields = intake_fields(deployment, f"{marker}-{index}-{n}")
            ids.append(case_id_from(visitor.post(server, "/cases/new", fields)))
        return ids

    with ThreadPoolExecutor(threads) as pool:
        ids = [i for batch in pool.map(submit, range(threads)) for i in batch]
    assert len(ids) == len(set(ids)) == threads * per_thread

    app = deployment["app"]
    with app.app_context():
        cases = db.session.scalars(
            select(Complaint).where(Complaint.complainant_name.startswith(marker))
        ).all()
        assert sorted(c.id for c in cases) == sorted(ids)
        numbers = sorted(int(c.tracking_no.rsplit("-", 1)[1]) for c in cases)
        assert numbers == list(range(numbers[0], numbers[0] + len(ids)))  # no gap, no repeat
        events = Counter(
            db.session.execute(
                select(ComplaintEvent.complaint_id, ComplaintEvent.action).where(
                    ComplaintEvent.complaint_id.in_(ids)
                )
            ).tuples()
        )
        assert events == Counter({(i, "registered"): 1 for i in ids})
        clocks = Counter(
            db.session.execute(
                select(Clock.case_id, Clock.kind).where(Clock.case_id.in_(ids))
            ).tuples()
        )
        assert clocks == Counter({(i, "forward"): 1 for i in ids})  # Art. 11(1)


def _forwarded_case(deployment, staff: Visitor, server: Server, name: str) -> int:
    case_id = case_id_from(staff.post(server, "/cases/new", intake_fields(deployment, name)))
    page = staff.get(server, f"/cases/{case_id}").text
    answer = staff.post(
        server,
        f"/cases/{case_id}/do/forward",
        {"forward-version": hidden(page, "forward-version")},
    )
    assert answer.status == 200, answer.text[-2000:]
    return case_id


def test_handlers_a_and_b_race_to_accept_through_two_servers_and_one_wins(deployment):
    a, b = deployment["a"], deployment["b"]
    staff = signed_in(a, "assoc-staff")
    handler_a, handler_b = signed_in(a, "bank1-a"), signed_in(b, "bank1-b")
    app = deployment["app"]
    for round_ in range(4):
        case_id = _forwarded_case(deployment, staff, (a, b)[round_ % 2], f"抢受理{round_}")
        pages = {
            "a": handler_a.get(a, f"/cases/{case_id}").text,
            "b": handler_b.get(b, f"/cases/{case_id}").text,
        }
        barrier = threading.Barrier(2)

        def accept(who: str, case_id=case_id, pages=pages, barrier=barrier) -> Answer:
            visitor, server = (handler_a, a) if who == "a" else (handler_b, b)
            fields = {
                "accept-version": hidden(pages[who], "accept-version"),
                "accept-seen_event": hidden(pages[who], "accept-seen_event"),
            }
            barrier.wait(timeout=30)
            return visitor.post(server, f"/cases/{case_id}/do/accept", fields)

        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(accept, ["a", "b"]))
        statuses = sorted(answer.status for answer in answers)
        assert statuses == [200, 409], statuses
        loser = next(answer for answer in answers if answer.status == 409)
        assert "他人" in loser.text  # "saved by someone else meanwhile": a clear answer
        # The loser tries again from the page it had: still a conflict that says who
        # accepted, not a "no permission" (the step is gone, the form is stale).
        who = "a" if answers[0] is loser else "b"
        again = (handler_a, a) if who == "a" else (handler_b, b)
        retry = again[0].post(
            again[1],
            f"/cases/{case_id}/do/accept",
            {
                "accept-version": hidden(pages[who], "accept-version"),
                "accept-seen_event": hidden(pages[who], "accept-seen_event"),
            },
        )
        assert retry.status == 409 and "已被他人更新" in retry.text
        with app.app_context():
            accepted = db.session.scalars(
                select(ComplaintEvent).where(
                    ComplaintEvent.complaint_id == case_id, ComplaintEvent.action == "accepted"
                )
            ).all()
            case = db.session.get(Complaint, case_id)
            assert len(accepted) == 1 and case.state == "handling"
            assert case.accepted_by_id == accepted[0].actor_id
            accept_clock = db.session.scalar(
                select(Clock).where(Clock.case_id == case_id, Clock.kind == "accept")
            )
            assert accept_clock.met_at is not None


def _due_on_page(visitor: Visitor, server: Server, start: date, n: int) -> date:
    page = visitor.get(server, f"/calendar/explain?start={start.isoformat()}&n={n}").text
    match = re.search(r"期限：(\d{4})年(\d{1,2})月(\d{1,2})日 23:59", page)
    assert match, page[-2000:]
    return date(*map(int, match.groups()))


def test_a_calendar_edit_on_one_server_moves_due_dates_computed_on_the_other(deployment):
    from portal.workdays.store import load_calendar

    a, b = deployment["a"], deployment["b"]
    with deployment["app"].app_context():
        calendar = load_calendar()
    start = beijing_now().date() + timedelta(days=40)
    while calendar.add_working_days(start, 1).weekday() >= 5:  # a plain weekday to take off
        start += timedelta(days=1)
    day_off = calendar.add_working_days(start, 1)
    before, after = calendar.add_working_days(start, 2), calendar.add_working_days(start, 3)

    reader = signed_in(b, "bank2-a")
    for _ in range(6):  # every worker of B computes (and caches) the calendar as it is
        assert _due_on_page(reader, b, start, 2) == before
    admin = signed_in(a, "assoc-admin")
    admin.get(a, f"/calendar/day/{day_off.isoformat()}")
    answer = admin.post(
        a,
        f"/calendar/day/{day_off.isoformat()}",
        {"is_working": "0", "name": "临时休假", "reason": "多服务器测试"},
    )
    assert answer.status == 302, answer.text[-2000:]
    for _ in range(6):
        assert _due_on_page(reader, b, start, 2) == after


def test_a_password_change_on_one_server_ends_the_other_session_there_too(deployment):
    a, b = deployment["a"], deployment["b"]
    elsewhere = signed_in(b, "bank2-leader")  # e.g. a desk computer, through server B
    here = signed_in(a, "bank2-leader")  # a laptop, through server A
    assert elsewhere.get(b, "/cases").status == 200
    here.get(a, "/account/password")
    new_password = "Changed-on-server-a-9x7"
    answer = here.post(
        a,
        "/account/password",
        {"current": PASSWORD, "new": new_password, "confirm": new_password},
    )
    assert answer.status == 302, answer.text[-2000:]
    for server in (b, b, a):
        assert elsewhere.get(server, "/cases").status == 302  # signed out everywhere
        assert here.get(server, "/cases").status == 200  # the changing session stays
    assert Visitor().sign_in(b, "bank2-leader", new_password).status == 302


def test_an_attachment_uploaded_through_one_server_downloads_through_the_other(deployment):
    a, b = deployment["a"], deployment["b"]
    staff = signed_in(a, "assoc-staff")
    staff.get(a, "/cases/new")
    answer = staff.post(
        a,
        "/cases/new",
        intake_fields(deployment, "附件测试"),
        files={"attachments": ("现场照片.jpg", JPEG)},
    )
    case_id = case_id_from(answer)
    page = staff.get(b, f"/cases/{case_id}").text
    attachment_id = int(re.search(r"/cases/attachments/(\d+)", page).group(1))
    download = staff.get(b, f"/cases/attachments/{attachment_id}")
    assert download.status == 200 and download.body == JPEG
    assert download.headers["Content-Type"] == "image/jpeg"
    with deployment["app"].app_context():
        assert db.session.get(Attachment, attachment_id).complaint_id == case_id
    # Neither server wrote it to its own disk: the bytes live in the database.
    for server in (a, b):
        instance = server.log.parent / f"instance-{server.name}"
        assert not any(p.is_file() for p in instance.rglob("*")), list(instance.rglob("*"))


def test_wrong_passwords_tried_at_once_on_both_servers_all_count(deployment):
    a, b = deployment["a"], deployment["b"]
    visitors = [Visitor() for _ in range(5)]  # LOGIN_MAX_FAILURES
    for i, visitor in enumerate(visitors):
        visitor.get((a, b)[i % 2], "/login")
    barrier = threading.Barrier(len(visitors))

    def wrong(i: int) -> int:
        barrier.wait(timeout=30)
        server = (a, b)[i % 2]
        fields = {"username": "bank2-outlet2", "password": "not-the-password"}
        return visitors[i].post(server, "/login", fields).status

    with ThreadPoolExecutor(len(visitors)) as pool:
        statuses = list(pool.map(wrong, range(len(visitors))))
    # Each failure counted, on whichever server: all five answered "wrong password", and
    # the fifth (LOGIN_MAX_FAILURES) makes the next attempts of this name from this
    # address wait, on every server, even with the right password.
    assert statuses == [401] * 5, statuses
    with deployment["app"].app_context():
        counted = db.session.scalar(
            select(SignInThrottle.failures).where(
                SignInThrottle.key == "pair:bank2-outlet2|127.0.0.1"
            )
        )
        assert counted == 5, statuses
    for server in (a, b):
        assert Visitor().sign_in(server, "bank2-outlet2").status == 429


# -- the periodic commands, twice at once ---------------------------------------------


def _run_together(commands: list[list[str]], env: dict, timeout: float = 300) -> list[str]:
    """Start the processes together (as cron would on two hosts) and wait for all."""
    processes = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for command in commands
    ]
    outputs = []
    for process in processes:
        out, _ = process.communicate(timeout=timeout)
        text = out.decode("utf-8", "replace")
        assert process.returncode == 0, text[-3000:]
        outputs.append(text)
    return outputs


FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


class Inbox:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(envelope)
        return "250 OK"


def _outbox_id(envelope) -> int:
    """The outbox row a delivered e-mail came from (its Message-ID names it)."""
    match = re.search(rb"^Message-ID: *<outbox(\d+)\.", envelope.content, re.M | re.I)
    return int(match.group(1))


def test_two_sweeps_at_once_mark_tell_and_mail_everything_exactly_once(postgres_cluster, tmp_path):
    from portal.accountability.models import AccountabilityCase, CaseEvidence
    from portal.deadlines import operations as clocks
    from portal.jobs.sweep import breach_recipients, clock_recipients
    from portal.notify.models import Notification, OutboxMessage
    from portal.orgs.models import Unit

    url = _migrated_database(postgres_cluster, "portal_scale_sweep")
    now = datetime.now(UTC)
    past = now - timedelta(days=30)  # every Art. 11 limit started then has passed
    app = create_app(app_config(url, FROZEN_NOW=past))
    with app.app_context():
        province = build_province()
    with_duty_roster(app, province)
    with app.app_context():  # everyone has an address before the first notice
        for user in db.session.scalars(select(User)):
            user.email = user.email or f"{user.username}@example.cn"
        db.session.commit()
    forwarded = [make_case(app, province, state="forwarded") for _ in range(6)]
    at_outlet = [make_case(app, province, state="at_outlet", outlet="bank2-outlet1")]
    today = now.astimezone(BEIJING).date()
    with app.app_context():
        outlet = db.session.get(Unit, province.unit("bank2-outlet1").id)
        # Cases of their own (a clock belongs to a case), above the ids make_case used.
        bare_cases(province, range(1000, 1005), outlet="bank2-outlet1")
        for case_id in range(1000, 1005):  # promises due today: the morning reminders
            alone(
                clocks.start_clock,
                case_id=case_id,
                kind="promise",
                owner_unit=outlet,
                started_at=past,
                now=past,
                due_on=today,
            )
        db.session.commit()
        overdue = set(
            db.session.scalars(select(Clock.id).where(Clock.due_at < now, Clock.met_at.is_(None)))
        )
        due_today = set(db.session.scalars(select(Clock.id).where(Clock.due_on == today)))
    assert len(overdue) >= 3 * len(forwarded) + len(at_outlet) and len(due_today) == 5

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        env = _environment(
            url,
            tmp_path,
            MAIL_PORT=str(smtp.port),
            PORTAL_REMINDER_HOUR="0",  # "due today" reminders at any hour of the test
        )
        outputs = _run_together([FLASK + ["deadlines", "sweep"]] * 2, env)
    finally:
        smtp.stop()
    print("\n".join(outputs))

    with app.app_context():
        breached = db.session.scalars(select(Clock).where(Clock.id.in_(overdue))).all()
        assert all(c.breached_at is not None for c in breached)
        events = Counter(
            db.session.execute(
                select(ClockEvent.clock_id, ClockEvent.event).where(
                    ClockEvent.event.in_(["breached", "reminded"])
                )
            ).tuples()
        )
        assert events == Counter(
            {(i, "breached"): 1 for i in overdue} | {(i, "reminded"): 1 for i in due_today}
        )
        notes = Counter(
            db.session.execute(select(Notification.user_id, Notification.dedupe_key)).tuples()
        )
        assert set(notes.values()) == {1}
        expected = {
            (user.id, f"clock{c.id}:breach:{c.due_on.isoformat()}")
            for c in breached
            for user in breach_recipients(c)
        }
        reminded = db.session.scalars(select(Clock).where(Clock.id.in_(due_today))).all()
        expected |= {
            (user.id, f"clock{c.id}:due:{today.isoformat()}")
            for c in reminded
            for user in clock_recipients(c)
        }
        clock_keys = {key for key in notes if key[1].startswith("clock")}
        assert clock_keys == expected  # none lost, none doubled, nobody extra
        # Art. 12(1)1: each unaccepted complaint recorded once, one case per member.
        unaccepted = Counter(
            db.session.scalars(
                select(ComplaintEvent.complaint_id).where(ComplaintEvent.action == "unaccepted")
            )
        )
        assert unaccepted == Counter({i: 1 for i in forwarded})
        assert db.session.scalar(select(func.count()).select_from(AccountabilityCase)) == 1
        evidence = Counter(db.session.scalars(select(CaseEvidence.complaint_id)))
        assert evidence == Counter({i: 1 for i in forwarded})
        # Every notification of a user with an address became one e-mail, sent once.
        messages = db.session.scalars(select(OutboxMessage)).all()
        assert len(messages) == sum(notes.values())
        assert {m.status for m in messages} == {"sent"}
    delivered = Counter(_outbox_id(envelope) for envelope in inbox.messages)
    assert delivered == Counter({m.id: 1 for m in messages})
    with app.app_context():
        db.engine.dispose()


def test_two_job_workers_at_once_run_each_job_exactly_once(postgres_cluster, tmp_path):
    from portal.bulletins import jobs, operations
    from portal.bulletins.models import Bulletin, Job
    from portal.statistics.rules import parse_period

    url = _migrated_database(postgres_cluster, "portal_scale_jobs")
    app = create_app(app_config(url))

    def enqueue(periods):
        with app.app_context():
            staff = db.session.scalar(select(User).where(User.username == "assoc-staff"))
            now = datetime.now(UTC)
            for code in periods:
                draft = operations.create_draft(parse_period(code), actor=staff, now=now)
                jobs.enqueue(jobs.PREVIEW, {"bulletin_id": draft.id}, actor=staff, now=now)
            db.session.commit()

    def states():
        with app.app_context():
            return sorted((j.state, j.attempts) for j in db.session.scalars(select(Job)))

    with app.app_context():
        build_province()
    enqueue(["2024H1", "2024H2", "2025H1"])
    env = _environment(url, tmp_path)

    # From cron: two "--once" workers take two different jobs.
    once = _run_together([FLASK + ["jobs", "work", "--once"]] * 2, env)
    assert all("1 job(s) run" in out for out in once), once
    assert states() == [("done", 1), ("done", 1), ("queued", 0)]

    # As systemd services: two workers that keep polling, given more work while running.
    workers = [
        subprocess.Popen(
            FLASK + ["jobs", "work", "--poll", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    try:
        enqueue(["2025H2", "2026H1", "2026H2"])
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and any(s != "done" for s, _ in states()):
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.terminate()  # SIGTERM, as systemctl stop sends
        outputs = [w.communicate(timeout=60)[0].decode("utf-8", "replace") for w in workers]
    print("\n".join(once + outputs))
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert all("stopped:" in out for out in outputs), outputs
    assert states() == [("done", 1)] * 6  # each job claimed and run exactly once
    with app.app_context():
        previews = db.session.scalars(select(Bulletin)).all()
        assert all(b.preview_pdf and b.preview_pdf.startswith(b"%PDF") for b in previews)
        db.engine.dispose()
