"""Test helpers shared by the web, integration and browser tests: a small two-bank
province built through the real operations, and sign-in helpers."""

import socket
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import event

from portal.auth.models import User
from portal.auth.operations import new_session_token
from portal.auth.passwords import hash_password
from portal.auth.roles import Role
from portal.db import db
from portal.orgs.models import Unit
from portal.orgs.operations import create_unit
from portal.orgs.rules import UnitKind
from portal.workdays.store import seed_official_years

PASSWORD = "secret123"
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@dataclass
class Province:
    """Two member banks, each with a city branch, a sub-branch and two outlets."""

    units: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def unit(self, key: str) -> Unit:
        return self.units[key]

    def user(self, key: str) -> User:
        return self.users[key]


def add_unit(parent: Unit | None, kind: UnitKind, code: str, name: str, **extra) -> Unit:
    return create_unit(parent=parent, actor=None, now=NOW, kind=kind, code=code, name=name, **extra)


def add_user(username: str, unit: Unit, role: Role, **extra) -> User:
    user = User(
        username=username,
        full_name=extra.pop("full_name", username),
        unit=unit,
        unit_id=unit.id,
        role=role.value,
        password_hash=hash_password(PASSWORD),
        session_token=new_session_token(),
        **extra,
    )
    db.session.add(user)
    db.session.flush()
    return user


def build_province() -> Province:
    p = Province()
    assoc = p.units["assoc"] = add_unit(None, UnitKind.ASSOCIATION, "LNBA", "辽宁省银行业协会")
    for n in (1, 2):
        bank = p.units[f"bank{n}"] = add_unit(
            assoc, UnitKind.MEMBER, f"BANK{n}", f"第{n}银行辽宁省分行"
        )
        city = p.units[f"bank{n}-city"] = add_unit(
            bank, UnitKind.CITY_BRANCH, f"BANK{n}-SY", f"第{n}银行沈阳分行"
        )
        sub = p.units[f"bank{n}-sub"] = add_unit(
            city, UnitKind.SUB_BRANCH, f"BANK{n}-SY-01", f"第{n}银行和平支行"
        )
        for m in (1, 2):
            p.units[f"bank{n}-outlet{m}"] = add_unit(
                sub,
                UnitKind.OUTLET,
                f"BANK{n}-SY-01-0{m}",
                f"第{n}银行和平支行{m}号网点",
                district="和平区",
            )
    p.users["assoc-admin"] = add_user("assoc-admin", assoc, Role.ASSOC_ADMIN)
    p.users["assoc-staff"] = add_user("assoc-staff", assoc, Role.ASSOC_HANDLER)
    p.users["assoc-leader"] = add_user("assoc-leader", assoc, Role.ASSOC_LEADER)
    for n in (1, 2):
        bank = p.units[f"bank{n}"]
        p.users[f"bank{n}-admin"] = add_user(f"bank{n}-admin", bank, Role.MEMBER_ADMIN)
        p.users[f"bank{n}-a"] = add_user(f"bank{n}-a", bank, Role.MEMBER_HANDLER)
        p.users[f"bank{n}-leader"] = add_user(f"bank{n}-leader", bank, Role.MEMBER_LEADER)
        p.users[f"bank{n}-outlet1"] = add_user(
            f"bank{n}-outlet1", p.units[f"bank{n}-outlet1"], Role.BRANCH_OFFICER
        )
        p.users[f"bank{n}-outlet2"] = add_user(
            f"bank{n}-outlet2", p.units[f"bank{n}-outlet2"], Role.BRANCH_OFFICER
        )
    seed_official_years(NOW)  # the official working-day calendar (chinesecalendar years)
    db.session.commit()
    # Hand the test detached copies whose fields stay readable after the context ends.
    for obj in [*p.units.values(), *p.users.values()]:
        db.session.refresh(obj)
    db.session.expunge_all()
    return p


def sign_in(client, username: str, password: str = PASSWORD):
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, f"sign-in of {username} failed: {response.status_code}"
    return response


@contextmanager
def statements_sent(matching):
    """The statements the app's engine sends while the block runs that
    ``matching(statement)`` accepts, as a list filled in as they go."""
    seen: list[str] = []

    def listen(conn, cursor, statement, *args):
        if matching(statement):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)


def sqlite_plans(app, client, url: str, marker: str) -> list[str]:
    """The query plans (EXPLAIN QUERY PLAN, one line per step) of the statements of the
    request to ``url`` that contain ``marker``, with their own parameters."""
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if marker in statement:
            sent.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with engine.connect() as connection:
        return [
            "\n".join(
                row[-1]
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
            )
            for sql, parameters in sent
        ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_config(url: str, **overrides) -> dict:
    """Settings for an app under test on the database at ``url``."""
    from pgcluster import ALL_BANKS_ROLE, APP_ROLE, owner_url

    walled = f"//{APP_ROLE}@" in url  # PostgreSQL as production reaches it
    return {
        "DATABASE_OWNER_URL": owner_url(url) if walled else None,
        "DATABASE_ALL_BANKS_ROLE": ALL_BANKS_ROLE if walled else None,
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "ARGON2_PARAMS": FAST_ARGON2,
        # Signing in takes the password only, unless a test of the second factor asks
        # for it (tests/web/test_two_factor.py sets "privileged" or "all").
        "TWO_FACTOR": "optional",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 1,  # nothing listens there: no test sends real mail by accident
    } | overrides


def category_id(app, code: str) -> int:
    from sqlalchemy import select

    from portal.complaints.models import Category
    from portal.complaints.taxonomy import seed_categories

    with app.app_context():
        seed_categories()
        db.session.commit()
        return db.session.scalar(select(Category.id).where(Category.code == code))


def make_case(
    app,
    province: Province,
    *,
    state: str = "registered",
    outlet: str = "bank1-outlet1",
    mobile: str = "13700001111",
    facts: str = "柜员态度差。",
    category: str = "ATT-01",
    complainant_name: str = "张敏",
) -> int:
    """A case driven through the real operations up to ``state`` (registered, forwarded,
    handling, at_outlet); returns its id."""
    from sqlalchemy import select

    from portal.complaints import operations as ops
    from portal.complaints.models import Category
    from portal.complaints.taxonomy import seed_categories

    now = app.config.get("FROZEN_NOW") or NOW
    with app.app_context():
        seed_categories()
        staff = db.session.get(User, province.user("assoc-staff").id)
        unit = db.session.get(Unit, province.unit(outlet).id)
        case = ops.create_complaint(
            actor=staff,
            now=now,
            local_today=now.date(),
            received_at=now,
            received_on=now.date(),
            mobile=mobile,
            id_number=None,
            outlet=unit,
            channel="phone",
            complainant_name=complainant_name,
            address=None,
            reply_channel="phone",
            staff=None,
            category_id=db.session.scalar(select(Category.id).where(Category.code == category)),
            facts=facts,
            demand="道歉。",
        )
        if state in ("forwarded", "handling", "at_outlet"):
            ensure_pair(province, outlet.split("-")[0])
            ops.forward_to_member(case, actor=staff, now=now)
        if state in ("handling", "at_outlet"):
            handler = db.session.get(User, province.user(f"{outlet.split('-')[0]}-a").id)
            ops.accept(case, actor=handler, now=now)
            if state == "at_outlet":
                ops.forward_down(case, actor=handler, now=now, unit=unit, note=None)
        db.session.commit()
        if state in ("forwarded", "handling", "at_outlet"):
            from duty_support import keep_detached

            keep_detached(province)
        return case.id


def ensure_pair(province: Province, bank: str) -> None:
    """Art. 7: a member receives forwarded complaints only once it has named handlers A
    and B. A test that forwards to a bank without them gets them: ``bankN-a`` and a
    ``bankN-b`` (added when missing)."""
    from duty_support import name_pair

    name_pair(province, int(bank.removeprefix("bank")))


def with_duty_roster(app, province: Province) -> Province:
    """Add handler B to each bank and name the A/B pairs (Art. 7)."""
    from duty_support import prepare

    with app.app_context():
        return prepare(province)


def add_absence(app, username: str, start, end, province: Province) -> None:
    from duty_support import away

    with app.app_context():
        away(province.user(username).id, start, end, entered_at=start)
        db.session.commit()
