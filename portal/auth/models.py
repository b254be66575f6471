"""Users. Passwords are argon2 hashes; lockout state lives in the row so that every
app server behind the proxy sees the same count."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
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
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    unit = relationship("Unit", lazy="joined")

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
        # The session holds id and token: a changed token ends old sessions.
        return f"{self.id}:{self.session_token}"

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

    def __repr__(self) -> str:
        return f"<User {self.username}>"
