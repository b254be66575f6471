"""系统对接 (/settings/api), issue 24: a member's administrator makes a token for the
bank's system, acting as one of the bank's active users; it is shown once and works
against the API at once; revoking it (one confirmation) stops it. Another bank's token
answers 404; the association's administrator reads every bank's tokens and changes
none; nobody else sees the page."""

import re

import pytest
from sqlalchemy import select
from support import sign_in

from portal.db import db


def _signed_in(app, username):
    client = app.test_client()
    sign_in(client, username)
    return client


def make_token(client, province, *, user="bank1-a", name="行内投诉管理系统") -> tuple[int, str]:
    """The administrator's form; returns (the token's id, the token shown once)."""
    page = client.get("/settings/api").get_data(as_text=True)
    assert 'action="/settings/api/tokens"' in page
    response = client.post(
        "/settings/api/tokens", data={"name": name, "user_id": province.user(user).id}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    html = response.get_data(as_text=True)
    raw = re.search(r'data-testid="new-token"[^>]*>\s*<li[^>]*><code>([^<]+)</code>', html).group(1)
    assert "data-copy" in html
    from portal.api.models import ApiToken

    with client.application.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.prefix == raw[:12]))
    return token_id, raw


def _me(app, raw):
    return app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})


def test_the_administrator_makes_a_token_that_is_shown_once_and_works(app, province):
    admin = _signed_in(app, "bank1-admin")
    token_id, raw = make_token(admin, province)
    assert raw.startswith("lnp_")
    page = admin.get("/settings/api").get_data(as_text=True)
    assert raw not in page  # never again
    assert raw[:12] in page and "行内投诉管理系统" in page and "未使用" in page
    me = _me(app, raw)
    assert me.status_code == 200, me.get_data(as_text=True)
    assert "bank1-a" in me.get_data(as_text=True)
    assert "未使用" not in admin.get("/settings/api").get_data(as_text=True)  # last use shown
    # The change log has it, without the token.
    with app.app_context():
        from portal.audit.models import AuditEntry

        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "api_token_created")
        )
        assert entry is not None and raw not in str(entry.changes)


def test_revoking_takes_one_confirmation_and_stops_the_token(app, province):
    admin = _signed_in(app, "bank1-admin")
    token_id, raw = make_token(admin, province)
    page = admin.get("/settings/api").get_data(as_text=True)
    form = re.search(
        rf'<form method="post" action="/settings/api/tokens/{token_id}/revoke"\s+data-confirm="[^"]+"',
        page,
    )
    assert form, "revoking asks once (data-confirm)"
    response = admin.post(f"/settings/api/tokens/{token_id}/revoke")
    assert response.status_code == 302
    assert "已吊销" in admin.get(response.headers["Location"]).get_data(as_text=True)
    answer = _me(app, raw)
    assert answer.status_code == 401
    assert answer.mimetype == "application/problem+json"
    # Again: nothing more to do, and said so.
    admin.post(f"/settings/api/tokens/{token_id}/revoke")
    assert "此前已吊销" in admin.get("/settings/api").get_data(as_text=True)


def test_the_acting_user_is_one_of_the_banks_active_users(app, province):
    admin = _signed_in(app, "bank1-admin")
    page = admin.get("/settings/api").get_data(as_text=True)
    options = re.search(r'<select[^>]*name="user_id".*?</select>', page, re.S).group(0)
    assert "bank1-a" in options and "bank1-outlet1" in options
    assert "bank2-a" not in options and "assoc-staff" not in options
    for user, name in (
        ("bank2-a", "x"),
        ("assoc-staff", "x"),
        ("bank1-a", ""),
        ("bank1-a", "长" * 81),
    ):
        response = admin.post(
            "/settings/api/tokens", data={"name": name, "user_id": province.user(user).id}
        )
        assert response.status_code == 422, (user, name)
    with app.app_context():
        from portal.api.models import ApiToken

        assert db.session.scalars(select(ApiToken)).all() == []


def test_another_banks_token_answers_404_and_stays(app, province):
    token_id, raw = make_token(_signed_in(app, "bank2-admin"), province, user="bank2-a")
    admin = _signed_in(app, "bank1-admin")
    assert admin.post(f"/settings/api/tokens/{token_id}/revoke").status_code == 404
    assert admin.post("/settings/api/tokens/99999999/revoke").status_code == 404
    assert admin.post(f"/settings/api/tokens/{2**63}/revoke").status_code == 404
    assert raw[:12] not in admin.get("/settings/api").get_data(as_text=True)
    assert _me(app, raw).status_code == 200


def test_the_association_reads_every_banks_tokens_and_changes_none(app, province):
    first, _ = make_token(_signed_in(app, "bank1-admin"), province)
    make_token(_signed_in(app, "bank2-admin"), province, user="bank2-a", name="二行系统")
    association = _signed_in(app, "assoc-admin")
    page = association.get("/settings/api").get_data(as_text=True)
    assert "行内投诉管理系统" in page and "二行系统" in page
    assert "第1银行辽宁省分行" in page and "第2银行辽宁省分行" in page
    assert 'action="/settings/api/tokens"' not in page and "/revoke" not in page
    assert association.post(f"/settings/api/tokens/{first}/revoke").status_code == 403
    assert (
        association.post(
            "/settings/api/tokens", data={"name": "x", "user_id": province.user("bank1-a").id}
        ).status_code
        == 403
    )


@pytest.mark.parametrize("who", ["bank1-a", "bank1-leader", "bank1-outlet1", "assoc-staff"])
def test_nobody_else_sees_the_page(app, province, who):
    assert _signed_in(app, who).get("/settings/api").status_code == 403


def test_the_menu_leads_administrators_there(app, province):
    for who in ("bank1-admin", "assoc-admin"):
        home = _signed_in(app, who).get("/home").get_data(as_text=True)
        assert 'href="/settings/api"' in home, who
    assert 'href="/settings/api"' not in _signed_in(app, "bank1-a").get("/home").get_data(
        as_text=True
    )


def test_the_docs_page_needs_no_sign_in_and_loads_only_the_portals_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "/static/vendor/swagger-ui-5.36.0/swagger-ui-bundle.js" in html
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    assert "<script>" not in html and "style=" not in html  # the CSP allows neither
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    for path in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(path).status_code == 200, path
    client.get("/lang/en")  # the reader's choice, as on every page
    english = client.get("/api/v1/docs").get_data(as_text=True)
    assert "<title>API documentation (v1) · " in english and 'lang="en"' in english
