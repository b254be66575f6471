"""Demo major complaints (重大投诉): what the rules find among the demo complaints, one
confirmed by the association's staff (so the leaders' bells hold its alert) and at
least one proposal waiting for a decision. Idempotent."""

from datetime import datetime

from sqlalchemy import func, select

from portal.auth.models import User
from portal.complaints.models import Complaint
from portal.complaints.rules import OPEN_STATES, State
from portal.db import db
from portal.major import operations
from portal.major.detect import catch_up, propose_for
from portal.major.models import CONFIRMED, PENDING, MajorProposal


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _pending_of(member_id: int) -> list[MajorProposal]:
    """Pending proposals of the member's open cases it holds (so its people see them)."""
    return list(
        db.session.scalars(
            select(MajorProposal)
            .join(Complaint, MajorProposal.complaint_id == Complaint.id)
            .where(
                MajorProposal.state == PENDING,
                Complaint.member_id == member_id,
                Complaint.state.in_([State.HANDLING.value, State.FORWARDED.value]),
            )
            .order_by(MajorProposal.id)
        )
    )


def _media_case(member_id: int) -> None:
    """A case of the member reached the media: the rules propose it."""
    case = db.session.scalar(
        select(Complaint)
        .where(
            Complaint.member_id == member_id,
            Complaint.state == State.HANDLING.value,
            Complaint.is_major.is_(False),
            Complaint.is_media.is_(False),
            ~Complaint.id.in_(select(MajorProposal.complaint_id)),
        )
        .order_by(Complaint.id.desc())
    )
    if case is not None:
        case.is_media = True
        db.session.flush()


def seed_major(now: datetime) -> str:
    staff, handler = _user("assoc-staff"), _user("bank1-a")
    if staff is None or handler is None:
        return "major complaints: no demo province"
    member_id = handler.unit.member_id or handler.unit_id
    catch_up(now)
    if not db.session.scalar(
        select(MajorProposal.id).where(
            MajorProposal.state == CONFIRMED, MajorProposal.decided_by_id.is_not(None)
        )
    ):
        if len(_pending_of(member_id)) < 2:
            for _ in range(2 - len(_pending_of(member_id))):
                _media_case(member_id)
            propose_for(
                db.session.scalars(
                    select(Complaint.id).where(
                        Complaint.member_id == member_id,
                        Complaint.is_media.is_(True),
                        Complaint.state.in_([s.value for s in OPEN_STATES]),
                    )
                ),
                now,
            )
        first = _pending_of(member_id)[0]
        operations.confirm(
            first,
            first.complaint,
            actor=staff,
            now=now,
            note="按重大投诉督办，请分管领导关注。",
        )
    if not _pending_of(member_id):
        _media_case(member_id)
        catch_up(now)
    counts = dict(
        db.session.execute(select(MajorProposal.state, func.count()).group_by(MajorProposal.state))
        .tuples()
        .all()
    )
    return (
        f"major complaints: {counts.get(CONFIRMED, 0)} confirmed, "
        f"{counts.get(PENDING, 0)} awaiting confirmation"
    )
