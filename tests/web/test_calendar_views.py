"""The calendar screens: who may see and change them, the month grids, a day changed in
place with a reason, a year's notice imported, the warning while a year is missing,
and the deadline explanation (calculator page and the piece the case page includes)."""

import json
from datetime import UTC, date, datetime

import pytest
from deadline_support import NOTICE_2027, alone, bare_cases, beijing
from flask import render_template_string
from sqlalchemy import select
from support import NOW, sign_in

from portal.db import db
from portal.deadlines import operations
from portal.orgs.models import Unit
from portal.workdays.models import CalendarChange, CalendarDay, CalendarYear

HX = {"HX-Request": "true"}


@pytest.fixture
def frozen(make_app, province):
    """An app whose clock reads Mon 23 Nov 2026, 10:00 Beijing time."""
    return make_app(FROZEN_NOW=NOW)


def _client(app, username):
    client = app.test_client()
    sign_in(client, username)
    return client


def _html(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    "username, path, status",
    [
        ("assoc-admin", "/calendar/2026", 200),
        ("assoc-staff", "/calendar/2026", 200),  # anyone signed in may read it
        ("bank1-outlet1", "/calendar/explain", 200),
        ("assoc-staff", "/calendar/day/2026-10-01", 403),
        ("bank1-admin", "/calendar/notice", 403),
        ("assoc-leader", "/calendar/banner", 403),
        ("assoc-admin", "/calendar/1800", 404),
        ("assoc-admin", "/calendar/day/2026-02-30", 404),
        ("assoc-admin", "/calendar/2026/13", 404),
    ],
)
def test_who_may_use_which_screen(frozen, username, path, status):
    assert _client(frozen, username).get(path).status_code == status


def test_only_the_association_administrator_has_the_menu_entry(frozen):
    for username, shown in (("assoc-admin", True), ("assoc-staff", False), ("bank1-admin", False)):
        nav = _html(_client(frozen, username).get("/home")).split('<nav class="mainnav"')[1]
        assert (">工作日历</a>" in nav.split("</nav>")[0]) is shown


def test_year_page_shows_twelve_month_grids_with_kinds_of_day(frozen):
    client = _client(frozen, "assoc-admin")
    page = client.get("/calendar/2025")
    html = _html(page)
    assert page.status_code == 200 and "<html" in html
    assert html.count('class="month card"') == 12
    assert 'data-day="2025-10-01"' in html
    assert 'class="day day-holiday" data-day="2025-10-01"' in html
    assert 'class="day day-makeup" data-day="2025-09-28"' in html  # 调休上班 Sunday
    assert 'class="day day-weekend" data-day="2025-10-12"' in html
    assert 'class="day day-workday" data-day="2025-10-09"' in html
    assert "10/1–10/8 国庆节、中秋节" in html and "10/11 调休上班（国庆节）" in html
    assert "已确认" in html and "chinesecalendar" in html
    piece = client.get("/calendar/2025", headers=HX)
    assert "<html" not in _html(piece) and 'id="calendar-year"' in _html(piece)


def test_a_month_answers_as_page_or_piece(frozen):
    client = _client(frozen, "assoc-staff")
    page = _html(client.get("/calendar/2025/10"))
    assert "<html" in page and 'id="month-2025-10"' in page
    piece = _html(client.get("/calendar/2025/10", headers=HX))
    assert "<html" not in piece and piece.strip().startswith('<section class="month card"')
    assert "/calendar/day/" not in piece  # a reader gets no edit links


def test_an_unconfirmed_year_says_so(frozen):
    html = _html(_client(frozen, "assoc-staff").get("/calendar/2027"))
    assert 'data-testid="year-status">暂定' in html and "按周一至周五推算" in html


def test_clicking_a_day_opens_its_form_in_place(frozen):
    client = _client(frozen, "assoc-admin")
    piece = client.get("/calendar/day/2026-12-31", headers=HX)
    html = _html(piece)
    assert piece.status_code == 200 and "<html" not in html
    assert 'id="month-2026-12"' in html and 'hx-post="/calendar/day/2026-12-31"' in html
    assert "day-editing" in html
    page = client.get("/calendar/day/2026-12-31")
    assert "<html" in _html(page) and "修改原因" in _html(page)


def test_changing_a_day_needs_a_reason_and_a_name(frozen):
    client = _client(frozen, "assoc-admin")
    response = client.post(
        "/calendar/day/2026-12-31", data={"is_working": "0", "name": "临时放假"}, headers=HX
    )
    assert response.status_code == 422 and "请填写修改原因" in _html(response)
    response = client.post(
        "/calendar/day/2026-12-30", data={"is_working": "0", "reason": "通知"}, headers=HX
    )
    assert response.status_code == 422 and "请填写节日名称或放假原因" in _html(response)
    response = client.post("/calendar/day/2026-12-30", data={"reason": "通知"}, headers=HX)
    assert response.status_code == 422 and "请选择工作日或休息日" in _html(response)
    with frozen.app_context():
        assert db.session.get(CalendarDay, date(2026, 12, 30)) is None
        assert (
            db.session.scalars(select(CalendarChange).where(CalendarChange.action == "day")).all()
            == []
        )


def test_changing_a_day_rerenders_the_month_and_records_the_change(frozen, province):
    with frozen.app_context():
        bank = db.session.get(Unit, province.unit("bank1").id)
        bare_cases(province, [1])
        alone(
            operations.start_clock,
            case_id=1,
            kind="verify",
            owner_unit=bank,
            started_at=beijing(2026, 12, 28, 10),
            now=NOW,
        )
        db.session.commit()
    client = _client(frozen, "assoc-admin")
    response = client.post(
        "/calendar/day/2026-12-29",
        data={"is_working": "0", "name": "临时放假", "reason": "省政府临时通知"},
        headers=HX,
    )
    html = _html(response)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "calendar-changed"
    assert 'class="day day-holiday day-manual" data-day="2026-12-29"' in html
    assert "重新计算了 1 个未完成的期限" in html and "<form" not in html
    with frozen.app_context():
        change = db.session.scalars(
            select(CalendarChange).where(CalendarChange.action == "day")
        ).one()
        assert change.actor.username == "assoc-admin" and change.at == NOW
        assert change.reason == "省政府临时通知" and change.recomputed == 1
    year = _html(client.get("/calendar/2026"))
    assert "省政府临时通知" in year and "休息日（临时放假）" in year
    # Without htmx the form posts as a page and comes back to the year.
    response = client.post(
        "/calendar/day/2026-12-29", data={"is_working": "1", "name": "", "reason": "撤销"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#month-2026-12")


def test_importing_a_notice_reports_every_problem(frozen):
    client = _client(frozen, "assoc-admin")
    form = client.get("/calendar/notice")
    assert form.status_code == 200 and 'value="2027"' in _html(form)
    piece = client.get("/calendar/notice?year=2028", headers=HX)
    assert (
        piece.status_code == 200 and "<html" not in _html(piece) and 'value="2028"' in _html(piece)
    )
    response = client.post(
        "/calendar/notice", data={"year": "2027", "content": "{不是 JSON", "confirm": "y"}
    )
    assert response.status_code == 422 and "JSON 格式错误" in _html(response)
    bad = dict(NOTICE_2027, makeup_workdays=[{"day": "2027-02-15", "for": "清明节"}])
    response = client.post(
        "/calendar/notice",
        data={"year": "2027", "content": json.dumps(bad, ensure_ascii=False), "confirm": "y"},
    )
    html = _html(response)
    assert response.status_code == 422
    assert "调休上班日必须是周六或周日，2027-02-15 是周一" in html
    assert "“清明节”不是本通知 holidays 中的节日" in html
    response = client.post("/calendar/notice", data={"year": "", "content": ""}, headers=HX)
    assert response.status_code == 422 and "请填写年份" in _html(response)
    assert "<html" not in _html(response)
    with frozen.app_context():
        assert db.session.get(CalendarYear, 2027) is None


def test_importing_a_notice_confirms_the_year_and_clears_the_warning(frozen):
    client = _client(frozen, "assoc-admin")
    home = _html(client.get("/home"))
    assert 'data-testid="calendar-banner"' in home and "2027年的节假日安排尚未录入" in home
    assert 'data-testid="calendar-banner"' not in _html(_client(frozen, "assoc-staff").get("/home"))
    response = client.post(
        "/calendar/notice",
        data={
            "year": "2027",
            "content": json.dumps(NOTICE_2027, ensure_ascii=False),
            "confirm": "y",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/calendar/2027")
    year = _html(client.get("/calendar/2027"))
    assert 'data-testid="year-status">已确认' in year and "录入国务院通知" in year
    assert 'data-testid="calendar-banner"' not in _html(client.get("/home"))
    banner = client.get("/calendar/banner", headers=HX)
    assert banner.status_code == 200 and "calendar-banner" in _html(banner)
    assert client.get("/calendar/banner").status_code == 302  # no page of its own


def test_a_year_open_clocks_reach_into_is_warned_about(make_app, province):
    # In June nobody expects next year's notice yet — unless a deadline reaches into it.
    app = make_app(FROZEN_NOW=datetime(2026, 6, 1, 2, tzinfo=UTC))
    client = _client(app, "assoc-admin")
    assert 'data-testid="calendar-banner"' not in _html(client.get("/home"))
    with app.app_context():
        bare_cases(province, [2])
        alone(
            operations.start_clock,
            case_id=2,
            kind="promise",
            owner_unit=db.session.get(Unit, province.unit("bank1-outlet1").id),
            started_at=NOW,
            now=NOW,
            due_on=date(2027, 1, 15),
        )
        db.session.commit()
    assert "2027年的节假日安排尚未录入" in _html(client.get("/home"))


def test_the_calculator_explains_a_due_date(frozen):
    client = _client(frozen, "bank1-outlet1")
    page = client.get("/calendar/explain?start=2025-09-30&n=2")
    html = _html(page)
    assert page.status_code == 200 and "<html" in html
    assert "期限：2025年10月10日 23:59" in html
    assert "10月1日–10月8日 国庆节、中秋节（不计）" in html
    assert "收到当天不计入" in html  # the rule sentence (DEADLINE_RULE_ZH)
    piece = client.get("/calendar/explain?start=2026-12-30&n=5", headers=HX)
    html = _html(piece)
    assert "<html" not in html and 'id="explain-calculator"' in html
    assert 'data-testid="provisional"' in html and "2027年的节假日安排尚未公布" in html
    empty = client.get("/calendar/explain")
    assert empty.status_code == 200 and "收到当天不计入" in _html(empty)
    bad = client.get("/calendar/explain?start=2025-02-30&n=0", headers=HX)
    assert bad.status_code == 422 and "<html" not in _html(bad)
    assert "期限应为 1–60 个工作日" in _html(bad)
    assert "收到日期应为真实存在的日期" in _html(bad)
    far = client.get("/calendar/explain?start=9999-12-31&n=x")
    # Issue 21: any date typed in lies between 2000-01-01 and a year from today.
    assert far.status_code == 422 and "日期应在 2000-01-01 至" in _html(far)
    assert "期限应为整数个工作日" in _html(far)


def test_the_clock_piece_explains_itself(frozen, province):
    with frozen.app_context():
        bank = db.session.get(Unit, province.unit("bank1").id)
        bare_cases(province, [3, 4])
        clock = alone(
            operations.start_clock,
            case_id=3,
            kind="report",
            owner_unit=bank,
            started_at=beijing(2026, 11, 16, 9),
            now=NOW,
        )
        promise = alone(
            operations.start_clock,
            case_id=3,
            kind="promise",
            owner_unit=bank,
            started_at=NOW,
            now=NOW,
            due_on=date(2026, 11, 23),
        )
        late = alone(
            operations.start_clock,
            case_id=4,
            kind="verify",
            owner_unit=bank,
            started_at=beijing(2026, 12, 30, 9),
            now=NOW,
        )
        db.session.commit()
        for loaded in (clock, promise, late):
            # Loaded now, outside a request: a request without a signed-in user reads
            # no clock on PostgreSQL (row-level security, orgs/scoping.py).
            db.session.refresh(loaded)
        template = (
            '{% from "deadlines/_explain.html" import explain_clock with context %}'
            "{% for c in clocks %}{{ explain_clock(c) }}{% endfor %}"
        )
        with frozen.test_request_context("/"):
            html = render_template_string(template, clocks=[clock, promise, late])
    first, second, third = html.split('<section class="explain clock card"')[1:]
    assert "上报处理结果" in first and "第十一条第（二）项" in first
    assert "2026年11月23日 23:59" in first  # 16 Nov + 5 working days
    assert 'data-testid="clock-state">今日到期' in first
    assert "第5个工作日：11月23日" in first and "收到当天不计入" in first
    assert "承诺客户的回复日期：2026年11月23日" in second
    assert 'data-testid="provisional"' in third and "暂定" in third


def test_two_administrators_changing_one_day_at_once_get_a_conflict(frozen, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from portal.workdays import store

    def clash(*args, **kwargs):
        raise IntegrityError("INSERT INTO calendar_day", {}, Exception("duplicate key"))

    monkeypatch.setattr(store, "set_day", clash)
    response = _client(frozen, "assoc-admin").post(
        "/calendar/day/2026-12-31",
        data={"is_working": "0", "name": "临时放假", "reason": "通知"},
        headers=HX,
    )
    assert response.status_code == 409 and "内容已被他人修改" in _html(response)
