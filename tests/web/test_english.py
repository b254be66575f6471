"""English complete for interface text: category names, charts and months, article
references, the calendar's days, table headers that wrap between words; the records and
the bulletin PDF stay Chinese."""

from datetime import UTC, datetime

from sqlalchemy import select
from statistics_support import build_statistics_data
from support import make_case, sign_in

from portal.auth.models import User
from portal.bulletins import operations, pdf
from portal.complaints.models import Category, Complaint
from portal.db import db
from portal.notify.models import Notification
from portal.statistics.rules import parse_period

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _english(app, username):
    client = app.test_client()
    sign_in(client, username)
    client.get("/lang/en?next=/")
    return client


def test_category_names_are_english_in_english_and_chinese_in_records(app, province):
    case_id = make_case(app, province, state="forwarded", category="QUE-01")
    client = _english(app, "assoc-staff")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Queues and efficiency › Long waiting time" in page
    assert "排队与效率" not in page
    listing = client.get("/cases?state=all").get_data(as_text=True)
    assert "Long waiting time" in listing and "排队等候时间长" not in listing
    with app.app_context():
        category = db.session.scalar(db.select(Category).where(Category.code == "QUE-01"))
        assert category.full_name == "排队与效率 › 排队等候时间长"  # what records keep
    chinese = app.test_client()
    sign_in(chinese, "assoc-staff")
    assert "排队与效率 › 排队等候时间长" in chinese.get(f"/cases/{case_id}").get_data(as_text=True)


def test_the_association_names_its_own_categories_in_english(app, province):
    client = _english(app, "assoc-admin")
    data = {"parent_id": "0", "code": "DIG", "name": "数字渠道", "name_en": "Digital channels"}
    response = client.post("/categories", data=data)
    assert response.status_code == 200, response.status_code
    with app.app_context():
        added = db.session.scalar(db.select(Category).where(Category.code == "DIG"))
        assert (added.name, added.name_en) == ("数字渠道", "Digital channels")
    assert "Digital channels" in client.get("/categories").get_data(as_text=True)


def test_statistics_charts_months_and_periods_in_english(app, province):
    with app.app_context():
        build_statistics_data(province)
    html = _english(app, "assoc-staff").get("/statistics?period=2026H1").get_data(as_text=True)
    assert "Statistics for the first half of 2026" in html
    assert "Complaints received per month" in html and "By category" in html
    assert ">Jan<" in html and "1月" not in html
    assert "Service attitude" in html and "服务态度" not in html


def test_deadlines_cite_the_article_in_english(app, province):
    case_id = make_case(app, province, state="forwarded")
    page = _english(app, "bank1-a").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Art. 7" in page or "Art. 11(" in page
    assert "第十一条" not in page and "第七条" not in page


def test_the_calendar_names_days_and_holidays_in_english(app, province):
    html = _english(app, "assoc-staff").get("/calendar/2026").get_data(as_text=True)
    assert ">Mon<" in html and ">Sun<" in html
    assert "National Day" in html and "Make-up working day (National Day)" in html
    assert "国庆节" not in html and "October" in html


def test_english_table_headers_break_between_words(app, province):
    css = app.test_client().get("/static/css/portal.css").get_data(as_text=True)
    assert ":lang(en) table.list th { overflow-wrap: normal; word-break: normal;" in css


def test_the_bulletin_stays_chinese_whoever_renders_it(app, province):
    with app.app_context():
        build_statistics_data(province)
        staff = db.session.get(User, province.user("assoc-staff").id)
        draft = operations.create_draft(parse_period("2026H1"), actor=staff, now=NOW)
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        draft = db.session.merge(draft)
        context = pdf.build_context(draft, db.session.get(User, province.user("assoc-staff").id))
        assert "按月受理投诉量" in context["charts"]["month"]
        assert "1月" in context["charts"]["month"]


def test_notices_read_in_each_readers_language_and_are_kept_in_chinese(desk, app):
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    desk.step("bank1-a", case_id, "accept")
    desk.step("bank1-a", case_id, "forward_down", unit_id=desk.province.unit("bank1-outlet1").id)
    with app.app_context():
        tracking = db.session.get(Complaint, case_id).tracking_no
        note = db.session.scalar(
            select(Notification)
            .join(User, User.id == Notification.user_id)
            .where(User.username == "bank1-outlet1")
        )
        # The record (and the e-mail) keeps the Chinese text.
        assert note.title == f"投诉已转交下级单位：{tracking}"
        assert "下一期限：会员单位核实（2个工作日），2026年11月25日止。" in note.body
    english = _english(app, "bank1-outlet1").get("/notifications").get_data(as_text=True)
    assert f"Complaint passed down: {tracking}" in english
    assert "Next deadline: Member bank verification" in english and "25 Nov 2026" in english
    assert "投诉已转交下级单位" not in english and "下一期限" not in english
    chinese = app.test_client()
    sign_in(chinese, "bank1-outlet1")
    assert f"投诉已转交下级单位：{tracking}" in chinese.get("/notifications").get_data(as_text=True)


def test_the_new_case_notice_names_the_category_in_english(desk, app):
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    html = _english(app, "bank1-a").get("/notifications").get_data(as_text=True)
    assert "New complaint to accept" in html and "Category: Service attitude ›" in html


def test_deadline_notices_of_the_sweep_read_in_english(app, province):
    from portal.jobs.sweep import run_sweep

    make_case(app, province, state="forwarded")
    with app.app_context():
        run_sweep(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))  # two weeks on: accepting is late
        db.session.commit()
    html = _english(app, "bank1-a").get("/notifications").get_data(as_text=True)
    assert "[Overdue] Deadline passed: Accept" in html
    assert "(Beijing time)" in html and "(Art. 7)" in html
    assert "【超期】" not in html


def test_time_left_counts_working_days_in_good_english(app, province):
    # Forwarded on Monday 23 November, acceptance due the next day (Art. 7): on
    # Wednesday it is one working day late, on Thursday two.
    case_id = make_case(app, province, state="forwarded")
    for now, expected in (
        (datetime(2026, 11, 25, 2, 0, tzinfo=UTC), "1 working day overdue"),
        (datetime(2026, 11, 26, 2, 0, tzinfo=UTC), "2 working days overdue"),
    ):
        app.config["FROZEN_NOW"] = now
        page = _english(app, "bank1-a").get(f"/cases/{case_id}").get_data(as_text=True)
        assert expected in page, expected


def test_the_duty_status_reads_in_english(app, province):
    """Who of the A/B pair receives a forward, and why (Art. 7), in the reader's language;
    the absence's reason stays as the member typed it."""
    from datetime import timedelta

    from support import add_absence, with_duty_roster

    with_duty_roster(app, province)
    week = (NOW - timedelta(days=1), NOW + timedelta(days=7))
    add_absence(app, "bank1-a", *week, province)
    for username in ("bank2-a", "bank2-b"):
        add_absence(app, username, *week, province)
    app.config["FROZEN_NOW"] = NOW
    to_bank1 = make_case(app, province, mobile="13700000001")
    to_bank2 = make_case(app, province, mobile="13700000002", outlet="bank2-outlet1")
    client = _english(app, "assoc-staff")
    page = client.get(f"/cases/{to_bank1}").get_data(as_text=True)
    assert "A-handler away (年假); the B-handler accepts" in page
    assert "A角" not in page and "由B角受理" not in page and "不在岗" not in page
    gap = client.get(f"/cases/{to_bank2}").get_data(as_text=True)
    assert "A-handler away (年假), B-handler away (年假): nobody can accept" in gap
    directory = client.get("/duty/directory").get_data(as_text=True)
    assert "the B-handler accepts" in directory and "nobody can accept" in directory
    assert "无人受理" not in directory and "由B角受理" not in directory
