"""Users. Passwords are argon2 hashes; lockout state lives in the row so that every
app server behind the proxy sees the same count. The second factor (a TOTP secret,
encrypted, and recovery codes, hashed) belongs to the user."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.roles import ASSOCIATION_ROLES, MEMBER_ROLES, ROLE_LABELS, Role
from portal.db import Model, UTCDateTime, utcnow


class User(Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    full_name: Mapped[str] = mapped_column(String(60), nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(30), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    email: Mapped[str | None] = mapped_column(String(120))
    work_phone: Mapped[str | None] = mapped_column(String(40))
    mobile: Mapped[str | None] = mapped_column(String(20))
    locale: Mapped[str | None] = mapped_column(String(10))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Changing it signs out every session of this user (password change, deactivation).
    session_token: Mapped[str] = mapped_column(String(64), nullable=False)
    # Two-factor sign-in (TOTP, ``auth.two_factor``): the shared secret, encrypted under
    # the data key; when the person proved their app had it (enrolled from then on); and
    # the last time step a code was accepted for, as no code is accepted twice.
    totp_secret_enc: Mapped[str | None] = mapped_column(Text)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    unit = relationship("Unit", lazy="joined")

    # The key of the sign-in this request runs under (``SignIn.key``), set by the loader.
    sign_in_key = ""

    # The version counts administrative edits only (operations bump it): sign-in
    # bookkeeping must not make an administrator's open form look stale. Every UPDATE
    # still checks it, so two concurrent edits cannot both land.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    # Flask-Login protocol -------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # The session cookie holds id, token and the sign-in's key: a changed token ends
        # every session of the user, an ended sign-in (sign-out) that one session.
        return f"{self.id}:{self.session_token}:{getattr(self, 'sign_in_key', '')}"

    # Convenience --------------------------------------------------------------
    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role_enum]

    @property
    def is_association(self) -> bool:
        return self.role_enum in ASSOCIATION_ROLES

    @property
    def is_member_level(self) -> bool:
        return self.role_enum in MEMBER_ROLES

    @property
    def has_two_factor(self) -> bool:
        return self.totp_confirmed_at is not None

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class SignIn(Model):
    """One signed-in session, kept on the server so that signing out ends it for good
    (a copy of the cookie taken before is refused afterwards); also the record of who
    signed in, when, from where and with what."""

    __tablename__ = "sign_in"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    address: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(200))


class SignInThrottle(Model):
    """Wrong passwords in a row for one key (a name typed from an address, an address, a
    name, a device cookie's device: ``rules.throttle_key``) and until when attempts
    under it wait. Shared by every app server; rows of the quiet are dropped by the
    sweep."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    wait_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(Model):
    """One of a user's recovery codes (for a lost phone): a keyed hash of the code, never
    the code, which is shown once when made. Each works once (``used_at``); making new
    ones deletes the old."""

    __tablename__ = "recovery_code"
    # Also the index of a user's codes (user_id leads).
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
