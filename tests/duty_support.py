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


def prepare(province, *, pairs: bool = True):
    """Add ``bankN-b`` handlers and e-mail addresses; name each bank's A/B pair."""
    for n in (1, 2):
        bank = db.session.get(Unit, province.unit(f"bank{n}").id)
        b = add_user(f"bank{n}-b", bank, Role.MEMBER_HANDLER, full_name=f"第{n}行B角")
        province.users[f"bank{n}-b"] = b
        for key in ("a", "b", "leader", "admin"):
            user = db.session.get(User, province.user(f"bank{n}-{key}").id)
            user.email = f"bank{n}-{key}@bank{n}.example.cn"
            user.work_phone, user.mobile = "024-22530000", "13900000000"
        if pairs:
            operations.set_pair(
                bank,
                handler_a_id=province.user(f"bank{n}-a").id,
                handler_b_id=b.id,
                actor=None,
                now=NOW,
            )
    staff = db.session.get(User, province.user("assoc-staff").id)
    staff.email = "assoc-staff@lnba.example.cn"
    db.session.commit()
    for key in ("bank1-b", "bank2-b"):
        db.session.refresh(province.users[key])
        db.session.expunge(province.users[key])
    return province


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
