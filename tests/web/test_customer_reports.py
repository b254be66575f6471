"""A member reports its count of personal customers (the regulator's figures per 10
million personal customers): the member administrator reports its own, append-only,
dated by the server; bad input is a 422 that writes nothing; another member's answers
404; the association reads them in the directory."""

from datetime import date

import pytest
from duty_support import NOW, prepare
from sqlalchemy import func, select
from support import sign_in

from portal.db import db
from portal.duty.models import CustomerReport


@pytest.fixture
def app(make_app):
    return make_app(FROZEN_NOW=NOW)


@pytest.fixture
def duty(app, province):
    with app.app_context():
        return prepare(province)


def _reports(app):
    with app.app_context():
        return [
            (r.member_id, r.personal_customers, r.as_of, r.reported_at, r.reported_by_id)
            for r in db.session.scalars(select(CustomerReport).order_by(CustomerReport.id))
        ]


def test_member_admin_reports_and_the_profile_lists_them(app, client, duty):
    sign_in(client, "bank1-admin")
    bank1 = duty.unit("bank1").id
    page = client.get(f"/duty/members/{bank1}").get_data(as_text=True)
    assert "尚未报备个人客户数" in page and f"/duty/members/{bank1}/customers" in page
    assert client.get(f"/duty/members/{bank1}/customers").status_code == 200
    for count, day in ((12_500_000, "2026-06-30"), (12_600_000, "2026-06-30")):
        answer = client.post(
            f"/duty/members/{bank1}/customers",
            data={"personal_customers": str(count), "as_of": day},
        )
        assert answer.status_code == 302
    reports = _reports(app)
    assert [(m, n, d) for m, n, d, _at, _by in reports] == [
        (bank1, 12_500_000, date(2026, 6, 30)),
        (bank1, 12_600_000, date(2026, 6, 30)),  # a correction is a new report
    ]
    assert all(at == NOW for _m, _n, _d, at, _by in reports)  # the server's time
    assert reports[0][4] == duty.user("bank1-admin").id
    page = client.get(f"/duty/members/{bank1}").get_data(as_text=True)
    assert "12,600,000" in page and "12,500,000" in page and "2026年6月30日" in page
    assert "bank1-admin" in page.split("个人客户数", 1)[1].split("最近的变更报备", 1)[0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"personal_customers": "", "as_of": "2026-06-30"}, "请填写个人客户数"),
        ({"personal_customers": "0", "as_of": "2026-06-30"}, "个人客户数应为 1 至"),
        ({"personal_customers": "abc", "as_of": "2026-06-30"}, "个人客户数"),
        ({"personal_customers": "3000000000", "as_of": "2026-06-30"}, ""),
        ({"personal_customers": "1000", "as_of": ""}, "请填写统计截止日期"),
        ({"personal_customers": "1000", "as_of": "2026-12-31"}, "不能晚于今天"),
        ({"personal_customers": "1000", "as_of": "1999-12-31"}, ""),
        ({"personal_customers": "1000", "as_of": "2026-13-01"}, ""),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(app, client, duty, data, message):
    sign_in(client, "bank1-admin")
    answer = client.post(f"/duty/members/{duty.unit('bank1').id}/customers", data=data)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    assert _reports(app) == []


def test_who_may_report(app, client, duty):
    bank1, bank2 = duty.unit("bank1").id, duty.unit("bank2").id
    good = {"personal_customers": "1000", "as_of": "2026-06-30"}
    sign_in(client, "bank1-admin")
    # Another member's: as if it did not exist.
    assert client.post(f"/duty/members/{bank2}/customers", data=good).status_code == 404
    assert client.get(f"/duty/members/{bank2}/customers").status_code == 404
    for user in ("bank1-a", "bank1-leader", "assoc-admin", "assoc-staff"):
        other = app.test_client()
        sign_in(other, user)
        assert other.post(f"/duty/members/{bank1}/customers", data=good).status_code == 403
    assert _reports(app) == []


def test_the_association_reads_them_in_the_directory(app, client, duty):
    bank1 = duty.unit("bank1").id
    with app.app_context():
        db.session.add_all(
            [
                CustomerReport(
                    member_id=bank1, personal_customers=5_000_000, as_of=date(2026, 3, 31)
                ),
                CustomerReport(
                    member_id=bank1, personal_customers=7_000_000, as_of=date(2026, 9, 30)
                ),
            ]
        )
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(CustomerReport)) == 2
    sign_in(client, "assoc-staff")
    page = client.get("/duty/directory").get_data(as_text=True)
    assert "7,000,000" in page and "2026年9月30日" in page and "5,000,000" not in page
    assert "未报备" in page  # bank2 has none
    piece = client.get("/duty/directory", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "7,000,000" in piece
    # The member's profile as the association reads it.
    profile = client.get(f"/duty/members/{bank1}").get_data(as_text=True)
    assert "7,000,000" in profile and f"/duty/members/{bank1}/customers" not in profile
