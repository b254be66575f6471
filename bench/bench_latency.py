"""Server time per request of the busiest screens, against latency budgets (issue 8).

Run against a database made by ``flask --app wsgi demo generate`` (1,000,000 complaints,
200 members, 20,000 outlets is the issue's data set)::

    .venv/bin/python bench/bench_latency.py --database-url postgresql://user@host/db

(or ``--database-url sqlite:////path/to/portal.sqlite3``: SQLite, the embedded default;
the query plans of the slowest cases are printed for PostgreSQL only), or let it start
a throw-away PostgreSQL cluster (initdb/pg_ctl, like the tests), migrate it and
generate ``--complaints`` complaints first (default 100,000, a couple of minutes;
``--complaints 1000000`` for the issue's size takes 10-20 minutes on two cores;
``--keep`` leaves the cluster running for another run with ``--database-url``)::

    .venv/bin/python bench/bench_latency.py [--complaints N] [--keep]

The benchmark only reads, except for its two write cases: each repetition of "intake
submit" adds one complaint and each of "forward" forwards one of those (a few hundred
rows in all). ``--skip-writes`` leaves them out. Each intake is followed, untimed, by
the case page it redirects to, as a browser would.

What is measured
    Server time of one request, in process: a WSGI middleware around the portal's
    ``wsgi_app`` takes ``perf_counter`` before the request enters Flask and after the
    response (and the request's commit and teardown) is done, so routing, sign-in
    lookup, the queries, templates and the commit are in; the network and the
    browser are not. Each case is requested ``--warmup`` times untimed, then
    ``--repeat`` times (default 50); the table shows the median and the 95th
    percentile. The cases take turns, one request each per round, so that a few
    seconds of noise on the machine fall on all of them alike. Requests are the
    Flask test client's, signed in through ``/login`` as a user of the right side
    (association handler, a member's handler A, an outlet officer; see ``--*-user``).
    CSRF protection is on, as in production: the writes carry the token the page
    gives htmx. As in a server process (``wsgi.py``), the objects that exist once the
    app is built are frozen for the cycle collector.

Budgets
    every page p95 < 50 ms, every htmx piece (``HX-Request: true``) p95 < 25 ms.

The bare route, and the ratio
    For each case the benchmark first makes one probe request with a SQLAlchemy
    ``before_cursor_execute``/``after_cursor_execute`` listener that records every
    statement, its parameters and its time. A second, separate Flask app (no portal
    code: no blueprints, no sign-in, no ORM, no Babel; only ``Flask(__name__)``)
    has one route that replays exactly those statements with their parameters on a
    raw DBAPI connection from the same pool, fetches every row and renders all rows
    through a three-line Jinja table, then rolls back. Write statements are replayed
    each under a savepoint (the portal has already committed the same unique tracking
    number, so the replayed INSERT fails there; its cost is still paid) and the whole
    replay is rolled back. "ratio" is the portal's median over the bare route's
    median: what the portal adds on top of fetching and printing the same rows
    (ORM objects, Python, real templates, session, i18n). It does not penalise the
    number of statements (the bare route replays them all): that shows in the
    absolute budget and in the "sql" and "stmts" columns (statement time and count of
    the probe request). Budget for the ratio: at most 3x.

Pages 200
    Page 200 is reached the way a user would: by following the "下一页" link of each
    page from the first (with an offset pager whose links only change ``page=``, the
    benchmark jumps straight to ``page=200``). Where a list has fewer than 200 pages
    the last page is used and the table says which page it was.

Query plans
    For the three cases with the highest p95, every read statement of the probe request
    is run again under ``EXPLAIN (ANALYZE, BUFFERS)`` inside a transaction that is
    rolled back, and the plan of the one that takes longest to execute is printed.

Diagnostics
    ``--statements`` prints each case's probe statements with their times and the first
    line of their SQL; ``--profile N`` runs one more request of each case under cProfile
    and prints its N costliest functions (cumulative). ``--only forward,case`` picks cases
    by name ("forward" brings "intake submit" along: it forwards the cases intake makes).

Numbers are wall-clock on whatever else the machine is doing: run it on a quiet
machine, or compare medians rather than the tails. To compare two versions of the code,
run both on the same database one after the other (the run before, then the run after),
since the same machine can be a third slower or faster from one hour to the next.
"""

import argparse
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from flask import Flask, render_template_string  # noqa: E402
from pgcluster import ALL_BANKS_ROLE, APP_ROLE  # noqa: E402
from sqlalchemy import event, func, select, text  # noqa: E402

PAGE_BUDGET_MS = 50.0
PIECE_BUDGET_MS = 25.0
RATIO_BUDGET = 3.0
WRITE_PREFIXES = ("insert", "update", "delete")
NEXT_LINK = re.compile(r"<a\b([^>]*)>\s*下一页\s*</a>")
HREF = re.compile(r'href="([^"]*)"')
LOGIN_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PAGE_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')
PAGES = re.compile(r"第 \d+ / (\d+) 页")
PROBE_LOGIN_PASSWORD = "demo12345"


# ----------------------------------------------------------------------------- timing


class ServerTimer:
    """WSGI middleware: the time from entering the app to the finished response."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.last = 0.0

    def __call__(self, environ, start_response):
        start = time.perf_counter()
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            self.last = time.perf_counter() - start


class StatementLog:
    """Every statement of one probe request: (sql, parameters, seconds)."""

    def __init__(self, engine):
        self.engine = engine
        self.entries: list[tuple[str, object, float]] = []
        self._started: list[float] = []

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._started.append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        took = time.perf_counter() - self._started.pop()
        self.entries.append((statement, parameters, took, executemany))

    def __enter__(self):
        self.entries.clear()
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = share * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# ------------------------------------------------------------------------- the cases


@dataclass
class Case:
    name: str
    kind: str  # "page" or "piece"
    user: str  # "assoc", "member", "outlet"
    method: str = "GET"
    url: str = ""
    # For writes: a function giving (url, form data) for repetition i.
    request_for: object = None
    note: str = ""
    times: list = field(default_factory=list)
    bare_times: list = field(default_factory=list)
    statements: list = field(default_factory=list)
    status: int | None = None

    @property
    def budget(self) -> float:
        return PAGE_BUDGET_MS if self.kind == "page" else PIECE_BUDGET_MS

    @property
    def headers(self) -> dict:
        return {"HX-Request": "true"} if self.kind == "piece" else {}


# ----------------------------------------------------------------------- the bare app


BARE_TEMPLATE = """<table>{% for rows in results %}{% for row in rows %}
<tr>{% for value in row %}<td>{{ value }}</td>{% endfor %}</tr>{% endfor %}{% endfor %}</table>"""


def bare_app(engine, cases: dict[str, Case]) -> Flask:
    """A Flask app with no portal code: replays a case's statements and prints the rows."""
    app = Flask("bare")

    @app.get("/bare/<int:index>")
    def replay(index):
        case = list(cases.values())[index]
        connection = engine.raw_connection()
        results = []
        try:
            cursor = connection.cursor()
            for statement, parameters, _took, many in case.statements:
                write = statement.lstrip().lower().startswith(WRITE_PREFIXES)
                if write:
                    cursor.execute("SAVEPOINT bare")
                try:
                    # One by one: psycopg's executemany runs in pipeline mode, which a
                    # failing replayed INSERT would abort.
                    for each in parameters if many else [parameters]:
                        cursor.execute(statement, each)
                except Exception:  # the replayed INSERT meets the committed unique key
                    cursor.execute("ROLLBACK TO SAVEPOINT bare")
                    continue
                if cursor.description is not None:
                    results.append(cursor.fetchall())
            connection.rollback()
        finally:
            connection.close()
        return render_template_string(BARE_TEMPLATE, results=results)

    app.wsgi_app = ServerTimer(app.wsgi_app)
    return app


# --------------------------------------------------------------------------- helpers


def sign_in(app, username: str, password: str):
    """A test client signed in as ``username``, with the CSRF token a page gives htmx
    (``client.csrf``) for its writes."""
    client = app.test_client()
    token = LOGIN_TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    if response.status_code != 302:
        raise SystemExit(f"sign-in of {username} failed ({response.status_code})")
    client.csrf = PAGE_TOKEN.search(client.get("/cases").get_data(as_text=True)).group(1)
    return client


def api_client(app, username: str):
    """A test client sending a fresh API token of ``username`` (a member bank's system)."""
    from portal.api.tokens import create_token
    from portal.auth.models import User
    from portal.db import db

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        _token, raw = create_token(user=user, name="基准测试", actor=None, now=datetime.now(UTC))
        db.session.commit()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    client.csrf = None
    return client


def public_client(app):
    """A test client of nobody signed in (the complainant at /track), with the form's
    CSRF token."""
    client = app.test_client()
    client.csrf = PAGE_TOKEN.search(client.get("/track").get_data(as_text=True)).group(1)
    return client


def next_link(html: str) -> str | None:
    """The href of the pager's enabled 下一页 link, or None on the last page."""
    for match in NEXT_LINK.finditer(html):
        attributes = match.group(1)
        if 'aria-disabled="true"' in attributes:
            continue
        href = HREF.search(attributes)
        if href:
            return unescape(href.group(1))
    return None


def page_url(client, first: str, page: int) -> tuple[str, int]:
    """The URL of page ``page`` of the list at ``first``, reached by following 下一页,
    and the page actually reached (the last one if the list is shorter)."""
    url, reached = first, 1
    base_keys = {k for k, _ in parse_qsl(urlsplit(first).query)}
    while reached < page:
        html = client.get(url).get_data(as_text=True)
        link = next_link(html)
        if link is None:
            break
        if {k for k, _ in parse_qsl(urlsplit(link).query)} <= base_keys | {"page"}:
            # An offset pager: jump straight there (it shows the last page if shorter).
            pages = PAGES.search(html)
            target = min(page, int(pages.group(1))) if pages else page
            args = dict(parse_qsl(urlsplit(first).query)) | {"page": str(target)}
            return f"{urlsplit(first).path}?{urlencode(args)}", target
        url, reached = link, reached + 1
    return url, reached


def scalar(session, sql: str, **params):
    return session.execute(text(sql), params).scalar()


# ---------------------------------------------------------------------- data choices


@dataclass
class Picks:
    assoc_user: str
    member_user: str
    outlet_user: str
    big_member_id: int
    detail_case_id: int
    detail_entries: int
    tracking_no: str
    mobile: str
    text: str
    short_text: str
    keyword: str
    intake_outlet_id: int
    category_id: int
    member_case_id: int  # a case of the member's with a typical history, for the API
    member_unit_id: int  # the member user's own unit (its bank)


def pick(app, args) -> Picks:
    """Choose users and rows for the cases (read-only queries, once)."""
    from portal.complaints import pii
    from portal.complaints.models import Complaint
    from portal.db import db

    with app.app_context():
        s = db.session
        big_member = scalar(
            s,
            "SELECT member_id FROM complaint WHERE state = 'closed' "
            "GROUP BY member_id ORDER BY count(*) DESC LIMIT 1",
        )
        member_user = args.member_user or scalar(
            s,
            "SELECT username FROM user_account WHERE unit_id = :m AND role = 'member_handler' "
            "AND is_active ORDER BY username LIMIT 1",
            m=big_member,
        )
        outlet_user = args.outlet_user or scalar(
            s,
            "SELECT u.username FROM user_account u JOIN complaint c "
            "ON c.handling_unit_id = u.unit_id WHERE u.role = 'branch_officer' AND u.is_active "
            "AND c.member_id = :m GROUP BY u.username ORDER BY count(*) DESC, u.username LIMIT 1",
            m=big_member,
        )
        recent = scalar(s, "SELECT max(id) - 100000 FROM complaint")
        detail = s.execute(
            text(
                "SELECT complaint_id, count(*) FROM complaint_event WHERE complaint_id > :r "
                "GROUP BY complaint_id ORDER BY abs(count(*) - 30), complaint_id LIMIT 1"
            ),
            {"r": recent},
        ).one()
        row = s.execute(
            text(
                "SELECT tracking_no, mobile_enc, complainant_name FROM complaint "
                "WHERE mobile_enc IS NOT NULL AND id > :r ORDER BY id LIMIT 1"
            ),
            {"r": recent},
        ).one()
        try:
            mobile = pii.decrypt(row.mobile_enc)
        except Exception:  # generated with another PORTAL_DATA_KEY: search a number anyway
            mobile = "13912345678"
            print(
                "note: cannot decrypt the mobiles (PORTAL_DATA_KEY differs); searching a"
                " number that is not there"
            )
        # Most Chinese names and keywords have two characters (a trigram index alone
        # cannot serve them; see models.DOUBLED_SEARCH_COLUMNS). Said in SQLAlchemy,
        # which writes char_length as SQLite's length().
        short_text = args.short_text or s.scalar(
            select(Complaint.complainant_name)
            .where(Complaint.id > recent, func.char_length(Complaint.complainant_name) == 2)
            .order_by(Complaint.id)
            .limit(1)
        )
        member_unit = scalar(
            s, "SELECT unit_id FROM user_account WHERE username = :u", u=member_user
        )
        outlet = scalar(
            s,
            "SELECT id FROM unit WHERE member_id = :m AND kind = 'outlet' AND is_active "
            "ORDER BY id LIMIT 1",
            m=member_unit,
        )
        category = scalar(
            s, "SELECT id FROM complaint_category WHERE parent_id IS NOT NULL ORDER BY id LIMIT 1"
        )
        assoc_user = args.assoc_user or scalar(
            s,
            "SELECT username FROM user_account WHERE username IN ('n-assoc', 'assoc-staff') "
            "ORDER BY username DESC LIMIT 1",
        )
        member_case = scalar(
            s,
            "SELECT complaint_id FROM complaint_event WHERE complaint_id IN (SELECT id FROM "
            "complaint WHERE member_id = :m AND id > :r ORDER BY id LIMIT 200) "
            "GROUP BY complaint_id ORDER BY abs(count(*) - 20), complaint_id LIMIT 1",
            m=member_unit,
            r=recent,
        )
        return Picks(
            member_case_id=member_case,
            member_unit_id=member_unit,
            assoc_user=assoc_user,
            member_user=member_user,
            outlet_user=outlet_user,
            big_member_id=big_member,
            detail_case_id=detail[0],
            detail_entries=detail[1],
            tracking_no=row.tracking_no,
            mobile=mobile,
            text=args.text or row.complainant_name,
            short_text=short_text or "吞卡",
            keyword=args.keyword,
            intake_outlet_id=outlet,
            category_id=category,
        )


def build_cases(app, clients, picks: Picks, args) -> dict[str, Case]:
    cases: dict[str, Case] = {}

    def add(case: Case):
        cases[f"{case.name} [{case.kind}]"] = case

    lists = [
        ("assoc inbox, open (default)", "/cases", 1),
        ("assoc inbox, all", "/cases?state=all", 1),
        ("assoc inbox, all", "/cases?state=all", 200),
        ("assoc inbox, member+closed", f"/cases?unit={picks.big_member_id}&state=closed", 1),
        ("assoc inbox, member+closed", f"/cases?unit={picks.big_member_id}&state=closed", 200),
    ]
    for name, first, page in lists:
        url, reached = page_url(clients["assoc"], first, page) if page > 1 else (first, 1)
        label = f"{name}, p{reached}" + ("" if reached == page else f" (of {page})")
        for kind in ("page", "piece"):
            add(Case(label, kind, "assoc", url=url))
    for kind in ("page", "piece"):
        add(Case("member inbox", kind, "member", url="/cases"))
        add(Case("outlet inbox", kind, "outlet", url="/cases"))
        add(
            Case(
                f"case detail ({picks.detail_entries} entries)",
                kind,
                "assoc",
                url=f"/cases/{picks.detail_case_id}",
            )
        )
        add(Case("association dashboard", kind, "assoc", url="/statistics"))
    # Each role's home: what to do now (a page only; its counts are not swapped alone).
    add(Case("association home", "page", "assoc", url="/home"))
    add(Case("member home", "page", "member", url="/home"))
    add(Case("outlet home", "page", "outlet", url="/home"))
    # 重大投诉: the proposals list, and the piece each home loads (open major cases, proposals).
    for kind in ("page", "piece"):
        add(Case("major proposals", kind, "assoc", url="/major?state=all"))
    add(Case("major on the home", "piece", "assoc", url="/major/dashboard"))
    add(Case("member major on the home", "piece", "member", url="/major/dashboard"))
    # Advice to answer, summaries missing: the duties beside the cases (home/duties.py).
    add(Case("duties on the home", "piece", "assoc", url="/home/duties"))
    add(Case("member duties on the home", "piece", "member", url="/home/duties"))
    # The 75 % line: the count the association's home loads (the dashboard's panel is
    # measured with the dashboard above).
    line_summary = "/statistics/rate-line/summary"
    add(Case("rates below the line on the home", "piece", "assoc", url=line_summary))
    # Art. 8(5): the association's findings, and a member's advice.
    for kind in ("page", "piece"):
        add(Case("analysis findings", kind, "assoc", url="/analysis"))
    add(Case("member advice", "page", "member", url="/analysis/advice"))
    # Art. 9(3) plans, Art. 9(4) summaries: the registers, the association's status table,
    # the countermeasures to follow up, and the piece each case page loads.
    for kind in ("page", "piece"):
        add(Case("plans", kind, "assoc", url="/plans"))
        add(Case("summaries status", kind, "assoc", url="/summaries"))
        add(Case("countermeasures", kind, "assoc", url="/summaries/measures"))
    add(Case("member plans", "page", "member", url="/plans"))
    add(Case("member summaries", "page", "member", url="/summaries"))
    plans_on_case = f"/plans/for-case/{picks.detail_case_id}"
    add(Case("plans on the case page", "piece", "assoc", url=plans_on_case))
    # Art. 8(6): the dossier list (the association's and a member's), and the case page's piece.
    for kind in ("page", "piece"):
        add(Case("archive dossiers", kind, "assoc", url="/archives"))
    add(Case("member archive dossiers", "page", "member", url="/archives"))
    archive_on_case = f"/archives/cases/{picks.detail_case_id}"
    add(Case("archive on the case page", "piece", "assoc", url=archive_on_case))
    # The customer's look-ups and the online return visit, as the case page loads them.
    tracking_on_case = f"/tracking/cases/{picks.detail_case_id}"
    add(Case("tracking on the case page", "piece", "assoc", url=tracking_on_case))
    # Issue 25, the regulator's language: a member's dashboard with its section in the
    # regulator's shape, the level control's piece (stored with the dashboard's figures),
    # the returns, the intake's coding fields, and the member's profile with its
    # personal-customer reports.
    for kind in ("page", "piece"):
        add(Case("member dashboard", kind, "member", url="/statistics"))
    add(Case("codes at level 2", "piece", "assoc", url="/statistics/codes?axis=A&level=2"))
    add(Case("regulator returns", "page", "assoc", url="/bulletins/returns"))
    coding = f"/cases/new/coding?category_id={picks.category_id}&channel=walk_in"
    add(Case("intake coding fields", "piece", "assoc", url=coding))
    add(Case("member profile", "page", "member", url=f"/duty/members/{picks.member_unit_id}"))
    # Art. 4: the member's campaign outlets and the numbers they lack.
    add(Case("member notices", "page", "member", url="/notices"))
    for name, q in (
        ("search tracking no", picks.tracking_no),
        ("search text", picks.text),
        ("search 2 characters", picks.short_text),
        ("search common keyword", picks.keyword),
    ):
        add(Case(name, "piece", "assoc", url="/cases?" + urlencode({"state": "all", "q": q})))
    # A member's text search is walled by row-level security and goes through the
    # database's complaint_text_matches (orgs/scoping.py).
    for name, q in (
        ("member search text", picks.text),
        ("member search common keyword", picks.keyword),
    ):
        add(Case(name, "piece", "member", url="/cases?" + urlencode({"state": "all", "q": q})))
    # A mobile never travels in a URL: the search box posts it once and the list reads it
    # back by its opaque reference, as a user's pages do.
    posted = clients["assoc"].post(
        "/cases/search",
        data={"state": "all", "q": picks.mobile, "csrf_token": clients["assoc"].csrf},
    )
    by_ref = urlsplit(posted.headers["Location"])
    add(Case("search mobile", "piece", "assoc", url=f"{by_ref.path}?{by_ref.query}"))
    # API v1 (a member bank's system, by its token): a page of its cases, and one case
    # with its clocks and history. Whole answers like the inbox and the case page, held
    # to a page's budget (docs/performance.md).
    add(Case("API case list", "page", "api", url="/api/v1/cases"))
    add(Case("API case", "page", "api", url=f"/api/v1/cases/{picks.member_case_id}"))
    # /track: a complainant's look-up by tracking number and the mobile's last four.
    add(
        Case(
            "public status look-up",
            "page",
            "public",
            method="POST",
            request_for=lambda i: (
                "/track",
                {"tracking_no": picks.tracking_no, "last_four": picks.mobile[-4:]},
            ),
        )
    )
    if not args.skip_writes:
        created: list[int] = []
        local = datetime.now(UTC).astimezone(_tz()).strftime("%Y-%m-%dT%H:%M")

        def intake(i):
            return "/cases/new", {
                "received_at": local,
                "channel": "phone",
                "complainant_name": f"基准测试{i}",
                "mobile": f"139{i:08d}",
                "reply_channel": "phone",
                "outlet_id": str(picks.intake_outlet_id),
                "category_id": str(picks.category_id),
                "facts": "基准测试：客户反映柜台排队时间过长。",
                "demand": "希望改进。",
            }

        def forward(i):
            case_id = created[i]
            with app.app_context():
                from portal.complaints.models import Complaint
                from portal.db import db

                version = db.session.get(Complaint, case_id).version
                # Ended as the app ends a request, by COMMIT: a ROLLBACK would make
                # psycopg drop the connection's prepared statements (portal.db.PREPARE).
                db.session.commit()
            return f"/cases/{case_id}/do/forward", {
                "forward-version": str(version),
                "forward-seen_event": "0",
            }

        add(Case("intake submit", "page", "assoc", method="POST", request_for=intake))
        add(Case("forward", "piece", "assoc", method="POST", request_for=forward))
        cases["intake submit [page]"].note = "each adds a complaint"
        cases["forward [piece]"].created = created
    return cases


def _selected(name: str, only: str | None) -> bool:
    terms = [t for t in (only or "").split(",") if t]
    if any(t in "forward" for t in terms):
        terms.append("intake submit")  # forward needs the complaints intake makes
    return not terms or any(t in name for t in terms)


def _tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


# -------------------------------------------------------------------------- running


def call(client, case: Case, i: int):
    if case.request_for is None:
        return client.open(case.url, method=case.method, headers=case.headers)
    url, data = case.request_for(i)
    headers = {**case.headers, "X-CSRFToken": client.csrf}
    return client.open(url, method=case.method, data=data, headers=headers)


def run_cases(app, clients, bare, engine, selected: dict[str, Case], args) -> None:
    """Round by round: each round requests every selected case once (intake before the
    forward of the case it made). A burst of the machine's noise (another guest on the
    host, a checkpoint) lasting a few seconds then falls on all cases alike, instead of
    on the tail of whichever case ran during it; the bare route goes the same way."""
    timer: ServerTimer = app.wsgi_app
    created = getattr(cases_registry.get("forward [piece]"), "created", None)
    total = args.warmup + args.repeat + 1 + (1 if args.profile else 0)
    spent = dict.fromkeys(selected, 0.0)
    for i in range(total):
        for key, case in selected.items():
            if len(case.times) >= 5 and spent[key] > args.max_seconds:
                continue  # a very slow case: enough repetitions to show it
            if case.name == "forward" and (created is None or len(created) <= i):
                continue  # its intake was cut short
            started = time.perf_counter()
            request_once(clients[case.user], timer, engine, key, case, i, total, args, created)
            spent[key] += time.perf_counter() - started
    bare_client = bare.test_client()
    indexes = {key: list(cases_registry).index(key) for key in selected}
    for i in range(args.warmup + max(len(case.times) for case in selected.values())):
        for key, case in selected.items():
            if i < args.warmup + len(case.times):
                bare_client.get(f"/bare/{indexes[key]}")
                if i >= args.warmup:
                    case.bare_times.append(bare.wsgi_app.last * 1000)


def request_once(client, timer, engine, key, case: Case, i: int, total: int, args, created):
    probe = i == args.warmup  # one request, untimed, records its statements
    profiled = args.profile and i == total - 1  # the last, untimed, under cProfile
    if profiled:
        import cProfile

        profiler = cProfile.Profile()
        with profiler:
            response = call(client, case, i)
        print(f"  {key}:")
        print_profile(profiler, args.profile)
    elif probe:
        with StatementLog(engine) as log:
            response = call(client, case, i)
        case.statements = list(log.entries)
    else:
        response = call(client, case, i)
    if response.status_code >= 400:
        raise SystemExit(f"{key}: HTTP {response.status_code} at repetition {i}")
    case.status = response.status_code
    if not probe and not profiled and i >= args.warmup:
        case.times.append(timer.last * 1000)
    if case.name == "intake submit":
        location = response.headers["Location"]
        if created is not None:
            created.append(int(location.rstrip("/").split("/")[-1]))
        # Untimed, as a browser does after the 303: the case page shows the intake's
        # flash and so takes it out of the session. Left there, the flashes piled up
        # in the signed session cookie (200 of them by the end of the case), and
        # every later request of that user paid for reading them.
        client.get(location)


cases_registry: dict[str, Case] = {}


_CPU_KINDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")


def machine_sample() -> tuple[dict | None, float]:
    """The machine's CPU time so far by kind (``/proc/stat``; None where there is none)
    and its load average."""
    try:
        first = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None, os.getloadavg()[0]
    return dict(zip(_CPU_KINDS, map(int, first[1:]), strict=False)), os.getloadavg()[0]


def machine_note(before, after) -> str:
    """What else the machine did during the rounds: a run whose tail figures are the
    machine's rather than the portal's shows a high load or CPU time stolen by the
    hypervisor for other guests."""
    (cpu_before, load_before), (cpu_after, load_after) = before, after
    note = f"machine during the rounds: load average {load_before:.1f} → {load_after:.1f}"
    note += f" on {os.cpu_count()} cores"
    if cpu_before is not None:
        spent = {kind: cpu_after[kind] - cpu_before[kind] for kind in cpu_before}
        total = sum(spent.values()) or 1
        note += (
            f"; CPU time idle {spent['idle'] / total:.0%}, stolen by the hypervisor"
            f" {spent['steal'] / total:.1%}"
        )
    return note


def print_statements(case: Case) -> None:
    for statement, _parameters, took, many in case.statements:
        first = " ".join(statement.split())[:150]
        print(f"    {took * 1000:6.2f} ms {'many ' if many else ''}{first}")


def print_profile(profiler, count: int) -> None:
    import pstats

    pstats.Stats(profiler).sort_stats("cumulative").print_stats(count)


def report(cases: dict[str, Case]) -> None:
    head = (
        f"{'case':<48} {'kind':<5} {'n':>3} {'median':>7} {'p95':>7} {'target':>7} {'':4} "
        f"{'bare':>6} {'ratio':>5} {'':4} {'sql':>6} {'stmts':>5}"
    )
    print(head)
    print("-" * len(head))
    failed = 0
    for case in cases.values():
        if not case.times:
            continue
        median = statistics.median(case.times)
        p95 = percentile(case.times, 0.95)
        bare = statistics.median(case.bare_times)
        ratio = median / bare if bare else float("inf")
        ok = p95 < case.budget
        ratio_ok = ratio <= RATIO_BUDGET
        failed += (not ok) + (not ratio_ok)
        sql = sum(took for _s, _p, took, _m in case.statements) * 1000
        print(
            f"{case.name:<48} {case.kind:<5} {len(case.times):3d} {median:7.1f} {p95:7.1f} {'<' + str(int(case.budget)):>7} "
            f"{'PASS' if ok else 'FAIL'} {bare:6.1f} {ratio:5.1f} {'PASS' if ratio_ok else 'FAIL'} "
            f"{sql:6.1f} {len(case.statements):5d}"
        )
    print(f"\n{failed} budget(s) missed" if failed else "\nevery budget met")


def explain_slowest(engine, cases: dict[str, Case], count: int) -> None:
    """For each of the ``count`` cases with the highest p95: every read statement of its
    probe request under EXPLAIN (ANALYZE, BUFFERS), in a transaction rolled back; the
    plan with the longest execution time is printed (the probe's own timings include the
    round trips, which on a busy machine say more about the machine than the plan)."""
    ranked = sorted(
        (c for c in cases.values() if c.times), key=lambda c: percentile(c.times, 0.95)
    )[::-1][:count]
    for case in ranked:
        reads = [e for e in case.statements if e[0].lstrip().lower().startswith(("select", "with"))]
        if not reads:
            continue
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            plans = []
            for statement, parameters, _took, many in reads:
                if many:
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                lines = [line for (line,) in cursor.fetchall()]
                executed = next(
                    (
                        float(line.split(":")[1].split()[0])
                        for line in lines
                        if line.startswith("Execution Time")
                    ),
                    0.0,
                )
                plans.append((executed, statement, parameters, lines))
            connection.rollback()
        finally:
            connection.close()
        executed, statement, parameters, lines = max(plans, key=lambda p: p[0])
        print(
            f"\n=== {case.name} [{case.kind}]: p95 {percentile(case.times, 0.95):.1f} ms; "
            f"{len(case.statements)} statements, the longest to execute ({executed:.2f} ms):"
        )
        print(statement.strip())
        print(f"-- parameters: {parameters!r}"[:600])
        print("\n".join(lines))


# ------------------------------------------------------------------------ set-up


# Memory settings of a small production server (and of the shared benchmark cluster the
# numbers in the report came from), instead of initdb's defaults for a laptop.
SERVER_SETTINGS = {
    "shared_buffers": "1GB",
    "work_mem": "32MB",
    "maintenance_work_mem": "512MB",
    "effective_cache_size": "4GB",
}


def _tune(cluster) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(cluster.url("postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for name, value in SERVER_SETTINGS.items():
            connection.execute(text(f"ALTER SYSTEM SET {name} = '{value}'"))
    engine.dispose()
    cluster._run("pg_ctl", "-D", str(cluster.data), "-w", "-l", str(cluster.dir / "log"), "restart")


def throwaway_database(complaints: int):
    """A fresh cluster, migrated, with ``complaints`` generated complaints."""
    from flask_migrate import upgrade
    from pgcluster import PostgresCluster

    from portal import create_app

    cluster = PostgresCluster()
    cluster.start()
    _tune(cluster)
    owner = cluster.create_database("portal_latency")
    # The pages are measured as production serves them: connected as a role held by
    # row-level security (the generator, which rebuilds indexes, runs as the owner).
    url = cluster.app_url("portal_latency")
    with create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "DATABASE_OWNER_URL": owner,
            "DATABASE_ALL_BANKS_ROLE": ALL_BANKS_ROLE,
        }
    ).app_context():
        upgrade()
    app = create_app({"SQLALCHEMY_DATABASE_URI": owner})
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(
        args=["demo", "generate", "--complaints", str(complaints)], catch_exceptions=False
    )
    print(result.output.strip())
    if result.exit_code != 0:
        cluster.stop()
        raise SystemExit("demo generate failed")
    print(f"generated {complaints:,} complaints in {time.perf_counter() - started:.0f} s")
    return cluster, url


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        help="an existing generated database, PostgreSQL or SQLite (sqlite:////path/file)",
    )
    parser.add_argument(
        "--complaints",
        type=int,
        default=100_000,
        help="size to generate in a throw-away cluster (no --database-url)",
    )
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--explain", type=int, default=3, help="plans of the N slowest cases")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=60.0,
        help="stop repeating a case after this long (at least 5 repetitions)",
    )
    parser.add_argument("--password", default=os.environ.get("BENCH_PASSWORD", "demo12345"))
    parser.add_argument(
        "--assoc-user", help="default: n-assoc (demo generate), else assoc-staff (demo seed)"
    )
    parser.add_argument("--member-user", help="default: handler of the largest member")
    parser.add_argument("--outlet-user", help="default: busiest outlet of that member")
    parser.add_argument("--text", help="the free-text search term (default: a name)")
    parser.add_argument(
        "--short-text", help="the two-character search term (default: a two-character name)"
    )
    parser.add_argument(
        "--keyword",
        default="吞卡",
        help="a common word of the complaints' facts (default: 吞卡, in 4%% of the generated"
        " ones): a search with many matches",
    )
    parser.add_argument(
        "--only",
        help="run only cases whose name contains this (several: comma-separated); "
        '"forward" brings "intake submit" along, whose cases it forwards',
    )
    parser.add_argument("--skip-writes", action="store_true")
    parser.add_argument(
        "--statements",
        action="store_true",
        help="print each case's probe statements (time and the first line)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="profile one more request of each case and print its N costliest functions "
        "(cumulative)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="leave the throw-away cluster running and print its URL"
    )
    parser.add_argument(
        "--generate-only",
        action="store_true",
        help="generate the throw-away database, keep it, and stop",
    )
    args = parser.parse_args(argv)

    from portal import create_app, freeze_startup_objects
    from portal.config import normalise_database_url
    from portal.db import db

    cluster = None
    url = args.database_url
    if url is None:
        cluster, url = throwaway_database(args.complaints)
        args.keep = args.keep or args.generate_only
    try:
        if args.generate_only:
            return 0
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
                # Connected as the role held by row-level security (pgcluster.app_url),
                # the association's requests take the role that passes it, as deployed.
                "DATABASE_ALL_BANKS_ROLE": ALL_BANKS_ROLE if f"//{APP_ROLE}@" in url else None,
                "PROPAGATE_EXCEPTIONS": True,
                # The measured users sign in with their password only: the pages are
                # measured, not the second factor.
                "TWO_FACTOR": "optional",
                # Repeated on purpose: the limits of a token and of a client address
                # would answer 429 long before the repetitions end.
                "API_RATE_LIMIT": 10**9,
                "TRACK_LIMIT_PER_MINUTE": 10**9,
                "TRACK_LIMIT_PER_HOUR": 10**9,
                "TRACK_LIMIT_PER_NUMBER": 10**9,
            }
        )
        app.wsgi_app = ServerTimer(app.wsgi_app)
        # As wsgi.py does in each server process.
        freeze_startup_objects()
        with app.app_context():
            engine = db.engine
            size = scalar(db.session, "SELECT count(*) FROM complaint")
            print(
                f"database: {size:,} complaints, "
                f"{scalar(db.session, 'SELECT count(*) FROM clock'):,} clocks, "
                f"{scalar(db.session, 'SELECT count(*) FROM complaint_event'):,} history entries"
            )
        picks = pick(app, args)
        print(
            f"users: {picks.assoc_user}, {picks.member_user}, {picks.outlet_user}; "
            f"repeat {args.repeat} after {args.warmup} warm-up"
        )
        clients = {
            "assoc": sign_in(app, picks.assoc_user, args.password),
            "member": sign_in(app, picks.member_user, args.password),
            "outlet": sign_in(app, picks.outlet_user, args.password),
        }
        clients["api"] = api_client(app, picks.member_user)
        clients["public"] = public_client(app)
        cases_registry.update(build_cases(app, clients, picks, args))
        selected = {k: c for k, c in cases_registry.items() if _selected(c.name, args.only)}
        if not selected:
            raise SystemExit("no case selected (--only, --skip-writes)")
        bare = bare_app(engine, cases_registry)
        before = machine_sample()
        run_cases(app, clients, bare, engine, selected, args)
        after = machine_sample()
        for key, case in selected.items():
            print(f"  {key}: median {statistics.median(case.times):.1f} ms")
            if args.statements:
                print_statements(case)
        print()
        report(selected)
        print(machine_note(before, after))
        if engine.dialect.name == "postgresql":
            explain_slowest(engine, selected, args.explain)
        with app.app_context():
            db.engine.dispose()
    finally:
        if cluster is not None and args.keep:
            print(
                f"cluster kept: --database-url '{url}' (stop: runuser -u postgres -- "
                f"pg_ctl -D {cluster.data} -m immediate stop)"
            )
        elif cluster is not None:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
