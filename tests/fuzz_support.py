"""Helpers of the fuzz suite (tests/fuzz): who it acts as, the hostile values it
sends, the forms a page offers (read from its HTML), a fingerprint of the database that
shows any write, and accountability cases held at each rung of the ladder."""

import functools
from datetime import UTC, date, datetime
from html.parser import HTMLParser

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from portal.db import db

# Who the suite acts as: association staff and a member handler (Art. 7), the
# administrators of both, for the screens only administrators reach, and an outlet's
# officer, for the outlet's own steps (contact, reply, escalate, rectification work).
ACTORS = ("assoc-staff", "bank1-a", "assoc-admin", "bank1-admin", "bank1-outlet1")

HOSTILE_IDS = [0, -1, 2**31, 2**63, 10**30, "x", 2**31 - 1]
HOSTILE_VALUES = [
    "\x00",
    "名\x00字",
    "\x01\x07\x1b[31m\x7f",
    "a\r\nBcc: x@example.com",
    "x" * 10_000,
    "𝕏😀\u202e\ufeff\u200b",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "0",
    "-1",
    str(2**31),
    str(2**63),
    str(-(2**63)),
    str(10**30),
    "١٢",
    "²",
    "1e309",
    "0001-01-01",
    "1999-12-31",
    "9999-12-31",
    "2026-02-30",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "",
]
hostile = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.text(max_size=40),
    st.integers().map(str),
    st.dates().map(str),
)
# Each posted in every field of a form at once (a form whose fields all take any text
# may accept the number and the date).
ALL_AT_ONCE = ("名\x00字", "\x01\x1b", str(2**63), "0001-01-01", "x" * 10_000)
FUZZ = settings(
    max_examples=6,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def mixes(fields: dict[str, str], valid: dict[str, str], **choices):
    """Form data mixing, field by field, the value the page filled in, a valid one (or
    one of ``choices[field]``, a strategy), a hostile one, or none: the field left out."""

    def field(name):
        offered = [fields.get(name, ""), valid.get(name, ""), None]
        return st.sampled_from(offered) | choices.get(name, st.nothing()) | hostile

    names = sorted(set(fields) | set(valid) | set(choices))
    return st.fixed_dictionaries({k: field(k) for k in names}).map(
        lambda data: {k: v for k, v in data.items() if v is not None}
    )


def check(app, client, method, url, data=None, tables=None, ignore=()):
    """The request answers below 500; refused (4xx), it wrote nothing (in the tables
    named ``ignore`` it may: a refused sign-in is counted and recorded on purpose)."""
    before = fingerprint(app, tables, ignore) if method == "POST" else None
    response = client.open(url, method=method, data=data)
    assert response.status_code < 500, (method, url, response.status_code)
    if before is not None and response.status_code >= 400:
        assert fingerprint(app, tables, ignore) == before, (
            f"{method} {url} refused ({response.status_code}) but wrote"
        )
    return response


def fingerprint(app, tables=None, ignore=()) -> dict:
    """Row counts and contents of every table (or of those named, by prefix; but those
    in ``ignore``): a write that slipped through shows. Every row of every table, each
    table's rows sorted and joined into one value, all tables read by one statement."""
    with app.app_context():
        dialect = db.session.get_bind().dialect.name
        statement, names = _fingerprint_statement(dialect, tables, tuple(sorted(ignore)))
        row = db.session.execute(statement).one()
    return dict(zip(names, row, strict=True))


@functools.cache
def _fingerprint_statement(dialect: str, tables, ignore: tuple[str, ...]):
    """One SELECT answering, per table, its row count and its rows as text, sorted and
    joined (on PostgreSQL their md5, to keep the answer small). Built once per dialect
    and choice of tables."""
    columns, names = [], []
    for table in db.metadata.sorted_tables:
        if tables is not None and not table.name.startswith(tables):
            continue
        if table.name in ignore:
            continue
        name = f'"{table.name}"'
        if dialect == "postgresql":
            row = 'fingerprint_row::text COLLATE "C"'
            value = (
                f"(SELECT count(*) || ':' || md5(coalesce("
                f"string_agg({row}, E'\\n' ORDER BY {row}), '')) FROM {name} fingerprint_row)"
            )
        else:
            # quote() keeps every value apart (strings quoted, blobs in hex); a subquery's
            # ORDER BY is kept by SQLite's group_concat (no flattening into an aggregate).
            row = " || ',' || ".join(f'quote("{c.name}")' for c in table.columns)
            value = (
                f"(SELECT count(*) || ':' || coalesce(group_concat(r, char(10)), '') "
                f"FROM (SELECT {row} AS r FROM {name} ORDER BY 1))"
            )
        columns.append(f"{value} AS c{len(names)}")
        names.append(table.name)
    return text("SELECT " + ", ".join(columns)), names


class FormReader(HTMLParser):
    """The POST forms of a page: (action, {field: value as the page would send it})."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._form: dict[str, str] | None = None
        self._action = ""
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            method = (a.get("method") or "").lower()
            action = a.get("hx-post") or (a.get("action") if method == "post" else None)
            if action is not None or method == "post":
                self._form, self._action = {}, action or ""
            return
        if self._form is None or not a.get("name"):
            if tag == "option" and self._form is not None and self._select:
                if self._select not in self._form or "selected" in a:
                    self._form[self._select] = a.get("value") or ""
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a or name not in self._form:
                    self._form[name] = a.get("value") or "y"
            elif kind not in ("file", "submit", "button"):
                self._form[name] = a.get("value") or ""
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea = name
            self._form[name] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._form is not None:
            self.forms.append((self._action, self._form))
            self._form = None


def forms_on(html: str) -> list[tuple[str, dict[str, str]]]:
    reader = FormReader()
    reader.feed(html)
    return reader.forms


# Accountability (Art. 12). The cases open three weeks before the suite's NOW (23
# November 2026) and their interviews are held a few days later, so no case counts as a
# recurrence of another (operations.has_recurred): only the rungs meant to be overdue are.
OPENED = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
HELD = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)
INTERVIEW = {
    "held_on": date(2026, 11, 5),
    "association_attendees": "协会秘书长",
    "member_attendees": "第1银行辽宁省分行行长",
    "requirements": "一个月内完成服务整改。",
    "rectify_by": date(2026, 12, 31),
}
PLAN = {
    "team": "分管行长、网点主任",
    "problem": "柜员态度生硬。",
    "containment": "当日致歉。",
    "root_cause": "培训未覆盖新柜员。",
    "corrective_action": "全员复训。",
    "verification": "神秘客户暗访。",
    "prevention": "纳入季度检查。",
    "owner": "王主任",
    "due_on": date(2026, 12, 20),
}
OVERDUE_ON = date(2026, 11, 20)  # before NOW: rectification overdue (Art. 12(2))
# The rungs of the ladder a case can stand on, as the fuzz suite names them.
RUNGS = (
    "detected",
    "dismissed",
    "interview",  # interview held, no plan yet
    "submitted",
    "completed",
    "rejected",
    "overdue",  # interview held, rectification overdue: criticism allowed
    "closed",
    "criticised",
)


class Ladder:
    """Accountability cases against a member bank at each rung, driven there through the
    real operations. ``case(rung)`` answers the id of a case standing on ``rung`` now:
    when an accepted request moved the last one on, a fresh one is seeded."""

    def __init__(self, app, province, *, season_id: int, bank: str, complaints: list[int]):
        self.app, self.province, self.season_id, self.bank = app, province, season_id, bank
        self.current: dict[str, int] = {}
        self._complaints = list(complaints)
        self._used: set[tuple[str, int]] = set()

    def case(self, rung: str) -> int:
        known = self.current.get(rung)
        if known is None or self.rung_of(known) != rung:
            self.current[rung] = self._seed(rung)
        return self.current[rung]

    def rung_of(self, case_id: int) -> str:
        from portal.accountability import queries
        from portal.accountability.models import AccountabilityCase
        from portal.accountability.operations import rectify_due_on

        with self.app.app_context():
            case = db.session.get(AccountabilityCase, case_id)
            if case.state != "interview":
                return case.state
            interview, plan = queries.interview(case), queries.plan(case)
            due = rectify_due_on(interview, plan)
            if due is not None and due < self._today():
                return "overdue"
            return plan.status if plan else "interview"

    def _today(self) -> date:
        from portal.deadlines.rules import DEADLINE_TZ

        return self.app.config["FROZEN_NOW"].astimezone(DEADLINE_TZ).date()

    def _evidence(self, rung: str):
        """An unused (trigger, complaint): one complaint proves a trigger once. Only the
        'detected' rung opens cases of trigger 1, so a new case of another trigger never
        lands as evidence on the case waiting in review."""
        from support import make_case

        from portal.accountability.rules import Trigger

        triggers = [Trigger.UNACCEPTED] if rung == "detected" else list(Trigger)[1:]
        while True:
            for complaint in self._complaints:
                for trigger in triggers:
                    if (trigger, complaint) not in self._used:
                        self._used.add((trigger, complaint))
                        return trigger, complaint
            mobile = f"139{self.bank[-1]}{len(self._complaints):07d}"
            outlet = f"{self.bank}-outlet1"
            self._complaints.append(
                make_case(self.app, self.province, mobile=mobile, outlet=outlet)
            )

    def _seed(self, rung: str) -> int:
        from flask import current_app

        from portal.accountability import operations as ops
        from portal.accountability import queries
        from portal.accountability.models import AccountabilityCase, Season
        from portal.auth.models import User
        from portal.complaints.models import Complaint

        trigger, complaint_id = self._evidence(rung)
        member_id = self.province.unit(self.bank).id
        with self.app.app_context():
            leader = db.session.get(User, self.province.user("assoc-leader").id)
            handler = db.session.get(User, self.province.user(f"{self.bank}-a").id)
            complaint = db.session.get(Complaint, complaint_id)
            assert ops.open_or_add_evidence(
                trigger=trigger, member_id=member_id, complaints=[complaint], now=OPENED
            )
            case = db.session.scalar(
                select(AccountabilityCase)
                .where(
                    AccountabilityCase.member_id == member_id,
                    AccountabilityCase.trigger == trigger,
                    AccountabilityCase.state == "detected",
                )
                .order_by(AccountabilityCase.id.desc())
            )
            why = {"actor": leader, "now": HELD, "reason": "依据第十二条。"}
            if rung == "dismissed":
                ops.decide(case, "dismiss", **why)
            elif rung != "detected":
                overdue = rung in ("overdue", "criticised")
                rectify_by = OVERDUE_ON if overdue else INTERVIEW["rectify_by"]
                ops.schedule_interview(
                    case, actor=leader, now=HELD, data=INTERVIEW | {"rectify_by": rectify_by}
                )
                if rung in ("submitted", "completed", "rejected", "closed", "overdue"):
                    due_on = OVERDUE_ON if overdue else PLAN["due_on"]
                    ops.submit_plan(case, actor=handler, now=HELD, data=PLAN | {"due_on": due_on})
                plan = queries.plan(case)
                if rung in ("completed", "closed"):
                    ops.complete_plan(case, plan, actor=handler, now=HELD, closure="已完成。")
                if rung == "rejected":
                    ops.reject_plan(case, plan, **why)
                if rung == "closed":
                    ops.verify_plan(case, plan, **why)
                if rung == "criticised":
                    ops.criticise(
                        case,
                        actor=leader,
                        now=self.app.config["FROZEN_NOW"],
                        today=self._today(),
                        reason="逾期未整改。",
                        recurred=False,
                        season=db.session.get(Season, self.season_id),
                        regulator=current_app.config["REGULATOR_NAME"],
                    )
            db.session.commit()
            case_id = case.id
        assert self.rung_of(case_id) == rung, (rung, self.rung_of(case_id))
        return case_id
