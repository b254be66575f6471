"""Duty test helpers: the two-bank province with e-mail addresses, a handler B per bank
and (optionally) each bank's A/B pair, built through the real operations.

Times: ``NOW`` is Monday 23 November 2026, 10:00 in Beijing; ``bj(day, hour)`` is a
moment of that November in Beijing time.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from support import NOW, add_user

from portal.auth.models import User
from portal.auth.roles import Role
from portal.db import db
from portal.duty import operations
from portal.duty.models import Absence
from portal.orgs.models import Unit

SH = ZoneInfo("Asia/Shanghai")
assert NOW == datetime(2026, 11, 23, 10, tzinfo=SH)


def bj(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


def _handler_b(province, n: int) -> User:
    """``bankN-b``, added on first use."""
    key = f"bank{n}-b"
    existing = db.session.scalar(select(User).where(User.username == key))
    if existing is not None:
        return existing
    bank = db.session.get(Unit, province.unit(f"bank{n}").id)
    b = add_user(key, bank, Role.MEMBER_HANDLER, full_name=f"第{n}行B角")
    province.users[key] = b
    return b


def name_pair(province, n: int) -> None:
    """Name bank N's pair (``bankN-a`` and ``bankN-b``) unless it has one."""
    from portal.duty.models import DutyPair

    bank = db.session.get(Unit, province.unit(f"bank{n}").id)
    if db.session.scalar(select(DutyPair).where(DutyPair.unit_id == bank.id)) is not None:
        return
    b = _handler_b(province, n)
    operations.set_pair(
        bank, handler_a_id=province.user(f"bank{n}-a").id, handler_b_id=b.id, actor=None, now=NOW
    )


def prepare(province, *, pairs: bool = True):
    """Add ``bankN-b`` handlers and e-mail addresses; name each bank's A/B pair."""
    for n in (1, 2):
        _handler_b(province, n)
        for key in ("a", "b", "leader", "admin"):
            user = db.session.get(User, province.user(f"bank{n}-{key}").id)
            user.email = f"bank{n}-{key}@bank{n}.example.cn"
            user.work_phone, user.mobile = "024-22530000", "13900000000"
        if pairs:
            name_pair(province, n)
    staff = db.session.get(User, province.user("assoc-staff").id)
    staff.email = "assoc-staff@lnba.example.cn"
    db.session.commit()
    keep_detached(province)
    return province


def keep_detached(province) -> None:
    """The province's objects are detached copies: so are the B handlers added here."""
    for key in ("bank1-b", "bank2-b"):
        user = province.users.get(key)
        if user is not None and user in db.session:
            db.session.refresh(user)
            db.session.expunge(user)


def away(user_id: int, start: datetime, end: datetime, reason: str = "年假", *, entered_at=NOW):
    """An absence written directly (bypassing the entry checks, for arranging a past)."""
    absence = Absence(
        user_id=user_id,
        starts_at=start,
        ends_at=end,
        reason=reason,
        entered_by_id=user_id,
        entered_at=entered_at,
    )
    db.session.add(absence)
    db.session.flush()
    return absence


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))
