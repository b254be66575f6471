"""API v1 tokens: created for a member's active user only, stored hashed, revoked for
good, scoped like the member's records; the bearer token is the only way in (no
cookie), with 401 problems and a rate limit per token."""

from datetime import timedelta

import pytest
from api_support import Api, token_for
from sqlalchemy import select
from support import sign_in

from portal.api.models import ApiToken
from portal.api.tokens import (
    TokenError,
    authenticate,
    create_token,
    digest,
    revoke_token,
    tokens_query,
)
from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.db import db
from portal.orgs.models import Unit
from portal.web import clock


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def test_a_token_is_shown_once_and_kept_as_its_hash_with_an_audit_entry(app, province):
    with app.app_context():
        token, raw = create_token(
            user=_user("bank1-a"),
            name="行内投诉管理系统",
            actor=_user("bank1-admin"),
            now=clock.now(),
        )
        db.session.commit()
        assert raw.startswith("lnp_") and len(raw) > 40
        assert token.token_hash == digest(raw) and raw not in (token.token_hash, token.prefix)
        assert raw.startswith(token.prefix)
        assert token.member_id == province.unit("bank1").id
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "api_token_created")
        )
        assert entry.subject_id == token.id and entry.actor_id == province.user("bank1-admin").id
        assert raw not in str(entry.changes)


@pytest.mark.parametrize("username", ["assoc-staff", "assoc-admin"])
def test_no_token_for_the_association(app, province, username):
    with app.app_context(), pytest.raises(TokenError, match="会员单位"):
        create_token(user=_user(username), name="x", actor=None, now=clock.now())


def test_no_token_for_an_inactive_user_or_unit(app, province):
    with app.app_context():
        user = _user("bank1-outlet1")
        user.is_active = False
        db.session.flush()
        with pytest.raises(TokenError, match="停用"):
            create_token(user=user, name="x", actor=None, now=clock.now())
        user.is_active = True
        db.session.get(Unit, province.unit("bank1-outlet1").id).is_active = False
        db.session.flush()
        with pytest.raises(TokenError, match="停用"):
            create_token(user=user, name="x", actor=None, now=clock.now())
        with pytest.raises(TokenError):
            create_token(user=_user("bank1-a"), name="  ", actor=None, now=clock.now())


def test_authenticate_refuses_unknown_revoked_and_deactivated(app, province):
    raw = token_for(app, "bank1-a")
    with app.app_context():
        now = clock.now()
        assert authenticate(raw, now) is not None
        assert authenticate(raw + "x", now) is None
        assert authenticate("nonsense", now) is None
        assert authenticate(None, now) is None
        _user("bank1-a").is_active = False
        db.session.flush()
        assert authenticate(raw, now) is None
        db.session.rollback()
        db.session.get(Unit, province.unit("bank1").id).is_active = False
        db.session.flush()
        assert authenticate(raw, now) is None
        db.session.rollback()
        token = authenticate(raw, now)
        revoke_token(token, actor=_user("bank1-admin"), now=now)
        assert revoke_token(token, actor=None, now=now) is False  # once
        db.session.commit()
        assert authenticate(raw, now) is None
        assert db.session.scalar(
            select(AuditEntry.id).where(AuditEntry.action == "api_token_revoked")
        )


def test_last_use_is_written_at_most_once_a_minute(app, province):
    raw = token_for(app, "bank1-a")
    with app.app_context():
        now = clock.now()
        token = authenticate(raw, now)
        assert token.last_used_at == now
        assert authenticate(raw, now + timedelta(seconds=30)).last_used_at == now
        later = now + timedelta(minutes=1)
        assert authenticate(raw, later).last_used_at == later


def test_tokens_are_scoped_by_member(app, province):
    token_for(app, "bank1-a")
    token_for(app, "bank2-a")
    with app.app_context():

        def names(viewer):
            return {t.member_id for t in db.session.scalars(tokens_query(_user(viewer)))}

        assert names("bank1-admin") == {province.unit("bank1").id}
        assert names("bank2-leader") == {province.unit("bank2").id}
        assert names("assoc-admin") == {province.unit("bank1").id, province.unit("bank2").id}
        assert names("bank1-outlet1") == set()


def test_the_cli_prints_a_token_that_works(app, province):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api", "token", "create", "bank1-a", "--name", "核心系统"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip()
    me = Api(app.test_client(), raw).get("/me")
    assert me.status_code == 200
    assert me.get_json()["system"] == "核心系统"
    assert me.get_json()["user"]["username"] == "bank1-a"
    assert me.get_json()["member"]["id"] == province.unit("bank1").id
    refused = runner.invoke(args=["api", "token", "create", "assoc-staff"])
    assert refused.exit_code != 0 and "会员单位" in refused.output
    listed = runner.invoke(args=["api", "token", "list"])
    assert raw[:12] in listed.output and raw not in listed.output
    revoked = runner.invoke(args=["api", "token", "revoke", raw[:12]])
    assert revoked.exit_code == 0, revoked.output
    assert Api(app.test_client(), raw).get("/me").status_code == 401


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer lnp_unknown", "Basic dXNlcjpwYXNz", "Token lnp_x"],
)
def test_no_valid_token_answers_401_problem(client, province, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/cases", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.get_json()
    assert body["status"] == 401 and body["type"].endswith("/unauthenticated") and body["title"]


def test_a_revoked_token_answers_401(app, client, province):
    raw = token_for(app, "bank1-a")
    api = Api(client, raw)
    assert api.get("/me").status_code == 200
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        revoke_token(token, actor=None, now=clock.now())
        db.session.commit()
    assert api.get("/me").status_code == 401


def test_the_session_cookie_is_ignored_and_none_is_set(app, client, province):
    """A signed-in browser's cookie authenticates nothing under /api/v1 (the API is
    exempt from CSRF); the API answers set no cookie."""
    sign_in(client, "bank1-a")
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers
    raw = token_for(app, "bank1-outlet1")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.get_json()["user"]["username"] == "bank1-outlet1"  # the token's user
    assert "Set-Cookie" not in response.headers
    # A write with the cookie and no token is refused, never taken as the cookie's user.
    assert client.post("/api/v1/cases/1/accept", json={"version": 1}).status_code == 401


def test_the_openapi_document_needs_no_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert "/cases/{case_id}/accept" in document["paths"]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_the_rate_limit_counts_per_token_and_answers_429(make_app, province_factory=None):
    app = make_app(API_RATE_LIMIT=3)
    with app.app_context():
        from support import build_province

        build_province()
    raw, other = token_for(app, "bank1-a"), token_for(app, "bank2-a")
    api = Api(app.test_client(), raw)
    first = api.get("/me")
    assert first.headers["RateLimit-Limit"] == "3"
    assert first.headers["RateLimit-Remaining"] == "2"
    assert api.get("/cases/999999").status_code == 404  # a 4xx counts too (committed)
    assert api.get("/me").status_code == 200
    refused = api.get("/me")
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert Api(app.test_client(), other).get("/me").status_code == 200  # per token


def test_errors_under_the_prefix_are_problems(app, client, province):
    api = Api(client, token_for(app, "bank1-a"))
    unknown = api.get("/nowhere")
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    wrong_method = api.get("/cases/1/accept")
    assert wrong_method.status_code == 405 and wrong_method.mimetype == "application/problem+json"
    assert "POST" in wrong_method.headers["Allow"]
    delete = client.delete("/api/v1/cases/1", headers=api.headers())
    assert delete.status_code == 405
    not_json = client.post(
        "/api/v1/cases/1/accept",
        data="version=1",
        headers=api.headers(),
        content_type="application/x-www-form-urlencoded",
    )
    assert not_json.status_code == 415 and not_json.mimetype == "application/problem+json"
    # The portal's own pages keep their HTML error pages.
    assert client.get("/nowhere").mimetype == "text/html"


def test_english_messages_on_request(app, client, province):
    response = client.get("/api/v1/me", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.get_json()["title"] == "Unauthenticated"
    assert response.get_json()["detail"].startswith("Provide a valid token")
