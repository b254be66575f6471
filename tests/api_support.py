"""API v1 test helpers: tokens made through ``api.tokens.create_token`` (as the member's
administrator would), and a client that speaks JSON with a bearer token."""

from sqlalchemy import select

from portal.auth.models import User
from portal.complaints.models import Complaint
from portal.db import db


def token_for(app, username: str, name: str = "行内投诉管理系统") -> str:
    """A new token acting as ``username``; returns the raw token."""
    from portal.api.tokens import create_token
    from portal.web import clock

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        _token, raw = create_token(user=user, name=name, actor=None, now=clock.now())
        db.session.commit()
        return raw


class Api:
    """``client`` calls under /api/v1 with ``token`` (None: none sent)."""

    def __init__(self, client, token: str | None):
        self.client, self.token = client, token

    def headers(self, extra=None) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return headers | (extra or {})

    def get(self, path: str, **kwargs):
        headers = self.headers(kwargs.pop("headers", None))
        return self.client.get(f"/api/v1{path}", headers=headers, **kwargs)

    def post(self, path: str, body=None, *, key: str | None = None, **kwargs):
        headers = self.headers(kwargs.pop("headers", None))
        if key is not None:
            headers["Idempotency-Key"] = key
        if "data" in kwargs:
            return self.client.post(f"/api/v1{path}", headers=headers, **kwargs)
        return self.client.post(f"/api/v1{path}", json=body or {}, headers=headers, **kwargs)

    def step(self, case_id: int, step: str, *, key: str | None = None, **fields):
        """POST a step with the case's current version."""
        version = self.get(f"/cases/{case_id}").get_json()["version"]
        return self.post(f"/cases/{case_id}/{step}", {"version": version, **fields}, key=key)


def case_version(app, case_id: int) -> int:
    with app.app_context():
        return db.session.get(Complaint, case_id).version
