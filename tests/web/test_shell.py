"""The page shell: role-based menus, page and piece answers, headers, language."""

import pytest
from support import sign_in

MENUS = {
    "assoc-admin": {
        "首页",
        "投诉",
        "机构",
        "用户",
        "操作记录",
        "值班与联络",
        "工作日历",
        "投诉类别",
        "问责",
        "统计",
        "通报",
    },
    "assoc-staff": {"首页", "投诉", "机构", "值班与联络", "问责", "统计", "通报"},
    "assoc-leader": {"首页", "投诉", "机构", "操作记录", "值班与联络", "问责", "统计", "通报"},
    "bank1-admin": {
        "首页",
        "投诉",
        "机构",
        "用户",
        "操作记录",
        "值班与联络",
        "问责",
        "统计",
        "通报",
    },
    "bank1-a": {"首页", "投诉", "机构", "值班与联络", "问责", "统计", "通报"},
    "bank1-leader": {"首页", "投诉", "机构", "操作记录", "值班与联络", "问责", "统计", "通报"},
    "bank1-outlet1": {"首页", "投诉"},
}
ALL_ITEMS = {
    "首页",
    "投诉",
    "机构",
    "用户",
    "操作记录",
    "值班与联络",
    "工作日历",
    "投诉类别",
    "问责",
    "统计",
    "通报",
}


@pytest.mark.parametrize("username", sorted(MENUS))
def test_menu_shows_exactly_what_the_role_may_use(client, province, username):
    sign_in(client, username)
    html = client.get("/home").get_data(as_text=True)
    nav = html.split('<nav class="mainnav"')[1].split("</nav>")[0]
    shown = {item for item in ALL_ITEMS if f">{item}</a>" in nav}
    assert shown == MENUS[username]


@pytest.mark.parametrize(
    "username, path, status",
    [
        ("bank1-outlet1", "/units", 403),
        ("bank1-outlet1", "/users", 403),
        ("assoc-staff", "/users", 403),
        ("bank1-a", "/audit", 403),
        ("assoc-leader", "/audit", 200),
    ],
)
def test_routes_refuse_roles_without_the_permission(client, province, username, path, status):
    sign_in(client, username)
    assert client.get(path).status_code == status


def test_anonymous_users_are_sent_to_sign_in(client, province):
    response = client.get("/units")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    piece = client.get("/units", headers={"HX-Request": "true"})
    assert piece.status_code == 401 and "/login" in piece.headers["HX-Redirect"]


@pytest.mark.parametrize(
    "path, piece_id",
    [
        ("/units", 'id="unit-table"'),
        ("/users", 'id="user-table"'),
        ("/audit", 'id="audit-table"'),
    ],
)
def test_htmx_routes_answer_a_page_or_a_piece(client, province, path, piece_id):
    sign_in(client, "assoc-admin")
    page = client.get(path)
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    piece = client.get(path, headers={"HX-Request": "true"})
    body = piece.get_data(as_text=True)
    assert piece.status_code == 200 and "<html" not in body and piece_id in body
    assert "HX-Request" in piece.headers["Vary"] and "HX-Request" in page.headers["Vary"]
    # A boosted request or a history restore wants the whole page.
    restore = client.get(path, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_unit_detail_answers_page_or_piece(client, province):
    sign_in(client, "bank1-admin")
    path = f"/units/{province.unit('bank1-sub').id}"
    assert "<html" in client.get(path).get_data(as_text=True)
    piece = client.get(path, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in piece and "-detail" in piece


def test_security_headers(client, province):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html  # nothing inline for the CSP
    assert "/static/vendor/htmx-2.0.8/htmx.min.js" in html


def test_vendored_htmx_is_served_by_the_app(client):
    response = client.get("/static/vendor/htmx-2.0.8/htmx.min.js")
    assert response.status_code == 200 and b"htmx" in response.data
    response.close()


def test_chinese_by_default_and_english_on_request(client, province):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "登录" in html
    switched = client.get("/lang/en?next=/login")
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/login")
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html and "Sign in" in html


def test_dates_read_the_chinese_way(make_app, province):
    from datetime import UTC, datetime

    app = make_app(
        FROZEN_NOW=datetime(2026, 11, 23, 17, 30, tzinfo=UTC)
    )  # 01:30 on the 24th in Beijing
    client = app.test_client()
    sign_in(client, "assoc-staff")
    assert "2026年11月24日" in client.get("/home").get_data(as_text=True)


def test_unknown_page_is_a_friendly_404(client, province):
    sign_in(client, "assoc-staff")
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "未找到" in response.get_data(as_text=True)
