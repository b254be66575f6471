"""Tokens of member banks' systems: created and revoked by the member's administrator
(or ``flask api token create``), each acting as one active user of that member.

The raw token is shown once, when created; only its SHA-256 is kept (256 random bits
need no slow hash). A token of a revoked token, a deactivated user or a deactivated
unit authenticates nobody."""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.api.models import ApiToken
from portal.audit.operations import record
from portal.auth.models import User
from portal.auth.roles import MEMBER_ROLES, Role
from portal.db import db
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import member_filter

TOKEN_PREFIX = "lnp_"  # tells a leaked secret apart in logs and secret scanners
PREFIX_SHOWN = 12  # "lnp_" and 8 characters: enough to tell a member's tokens apart
LAST_USE_EVERY = timedelta(minutes=1)  # last_used_at written at most this often


class TokenError(ValueError):
    """A token that may not be created (the message says why, in the user's language)."""


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def member_of(user: User):
    """The member bank ``user`` belongs to, or None (the association's people)."""
    unit = user.unit
    if unit.kind == UnitKind.MEMBER:
        return unit
    return unit.member


def token_problem(user: User) -> str | None:
    """Why no token may act as ``user``, or None."""
    if not user.is_active:
        return _("该用户已停用，不能为其创建令牌。")
    member = member_of(user)
    if member is None or Role(user.role) not in (*MEMBER_ROLES, Role.BRANCH_OFFICER):
        return _("只能为会员单位的用户创建令牌。")
    if not member.is_active or not user.unit.is_active:
        return _("该用户所在单位已停用，不能为其创建令牌。")
    return None


def create_token(
    *, user: User, name: str, actor: User | None, now: datetime
) -> tuple[ApiToken, str]:
    """A new token acting as ``user`` for the system ``name``; returns it with the raw
    token, which is never shown again."""
    problem = token_problem(user)
    if problem:
        raise TokenError(problem)
    name = (name or "").strip()
    if not name:
        raise TokenError(_("请填写系统名称。"))
    if len(name) > 80:
        raise TokenError(_("系统名称不能超过 80 个字符。"))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    member = member_of(user)
    assert member is not None  # token_problem refused the association's people
    token = ApiToken(
        member_id=member.id,
        user_id=user.id,
        name=name,
        prefix=raw[:PREFIX_SHOWN],
        token_hash=digest(raw),
        created_by_id=actor.id if actor else None,
        created_at=now,
    )
    db.session.add(token)
    db.session.flush()
    record(
        actor=actor,
        unit_path=member.path,
        subject=token,
        action="api_token_created",
        changes={
            "name": [None, name],
            "user": [None, user.username],
            "prefix": [None, token.prefix],
        },
        now=now,
    )
    return token, raw


def revoke_token(token: ApiToken, *, actor: User | None, now: datetime) -> bool:
    """Revoke ``token`` for good; False when it already was."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now
    token.revoked_by_id = actor.id if actor else None
    db.session.flush()
    record(
        actor=actor,
        unit_path=token.member.path,
        subject=token,
        action="api_token_revoked",
        changes={"revoked_at": [None, now.isoformat()]},
        now=now,
    )
    return True


def tokens_query(viewer: User) -> Select:
    """The tokens ``viewer`` may see: the association all, a member's people their own
    member's, branch officers none. Newest first."""
    return (
        select(ApiToken)
        .where(member_filter(viewer, ApiToken.member_id))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )


def authenticate(raw: str | None, now: datetime) -> ApiToken | None:
    """The token ``raw`` names, if it may act now: not revoked, its user active and
    still a member's user, their unit and member active. Notes its last use (at most
    once a minute, so that a busy system does not write on every request)."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(raw)))
    if token is None or token.revoked_at is not None:
        return None
    user = token.user
    if token_problem(user) is not None or member_of(user).id != token.member_id:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_EVERY:
        token.last_used_at = now
    return token


def user_of(token: ApiToken) -> User:
    """The user ``token`` acts as."""
    return token.user
