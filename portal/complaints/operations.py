"""Writes to a case. Each appends to the history, moves the clocks (Art. 11) and
flushes; the request commits once, so a failed step leaves nothing half-written."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Integer, delete, select, text, update

from portal.audit import operations as audit
from portal.complaints import notices, pii
from portal.complaints.models import (
    Attachment,
    CaseFollower,
    Complaint,
    ComplaintEvent,
    PendingUpload,
    PiiReveal,
    Rectification,
)
from portal.complaints.rules import (
    CHANGE_LABELS,
    OPEN_STATES,
    State,
    mask_id_number,
    mask_mobile,
    tracking_number,
)
from portal.complaints.signals import case_closed
from portal.db import PREPARE, db
from portal.deadlines import operations as clocks
from portal.deadlines.batch import ClockBatch, clock_batch
from portal.deadlines.rules import ClockKind
from portal.deadlines.settings import current_policy
from portal.duty.notices import notify_on_duty
from portal.duty.queries import Receiver, receiver_at
from portal.notify.message import N_, Msg, Named
from portal.orgs.models import Unit
from portal.web.bounds import int_or


class CaseError(ValueError):
    """A lifecycle rule refused the step; ``field`` names the form field to blame."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StaleCase(Exception):
    """The case changed since the user loaded it (optimistic locking)."""


@contextmanager
def _steps(batch: ClockBatch | None) -> Iterator[ClockBatch]:
    """The clock batch of the request's step (``actions.perform``), or one of its own
    for a step taken outside a request (the demo, a command)."""
    if batch is not None:
        yield batch
    else:
        with clock_batch() as own:
            yield own


def check_version(case: Complaint, expected: int | str | None) -> None:
    if expected is None or str(expected) != str(case.version):
        raise StaleCase()


def record(
    case: Complaint,
    actor,
    action: str,
    now,
    *,
    note: str | None = None,
    detail: dict | None = None,
    internal_org_id: int | None = None,
) -> ComplaintEvent:
    entry = ComplaintEvent(
        complaint_id=case.id,
        at=now,
        actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else None,
        actor_unit_id=actor.unit_id if actor else None,
        action=action,
        note=note,
        detail=detail or {},
        internal_org_id=internal_org_id,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


# One atomic upsert: concurrent intakes on several app servers never share a number.
# Written as SQL (PostgreSQL and SQLite both accept it): SQLAlchemy would compile its
# ON CONFLICT construct anew on every intake, never caching it.
_NEXT_TRACKING_SEQ = (
    text(
        "INSERT INTO tracking_counter (year, last) VALUES (:year, 1)"
        " ON CONFLICT (year) DO UPDATE SET last = tracking_counter.last + 1"
        " RETURNING last"
    )
    .columns(last=Integer)
    .execution_options(**PREPARE)
)


def _next_tracking_seq(year: int) -> int:
    return db.session.execute(_NEXT_TRACKING_SEQ, {"year": year}).scalar_one()


def _association(unit: Unit) -> Unit:
    # Every path starts at the association; units are never deleted.
    return db.session.get_one(Unit, int(unit.path.split("/")[1]))


def create_complaint(
    *,
    actor,
    now,
    local_today: date,
    received_at,
    mobile: str | None,
    id_number: str | None,
    outlet: Unit,
    batch: ClockBatch | None = None,
    **fields,
) -> Complaint:
    """Intake worksheet (Art. 8(2)); starts the association's 2-day forward clock (Art. 11(1))."""
    association = _association(outlet)
    received_on = fields.pop("received_on")
    case = Complaint(
        tracking_no=tracking_number(received_on.year, _next_tracking_seq(received_on.year)),
        state=State.REGISTERED,
        received_at=received_at,
        received_on=received_on,
        received_by_id=actor.id,
        outlet_id=outlet.id,
        member_id=outlet.member_id,
        handling_unit_id=association.id,
        handling_path=association.path,
        mobile_enc=pii.encrypt(mobile),
        mobile_hash=pii.search_hash(mobile),
        mobile_masked=mask_mobile(mobile),
        id_number_enc=pii.encrypt(id_number),
        id_number_hash=pii.search_hash(id_number),
        id_number_masked=mask_id_number(id_number),
        created_at=now,
        updated_at=now,
        **fields,
    )
    db.session.add(case)
    db.session.flush()
    record(case, actor, "registered", now, detail={"channel": case.channel})
    # Art. 11(1): the association forwards within 2 working days of receipt.
    with _steps(batch) as steps:
        clocks.start_clock(
            steps,
            case_id=case.id,
            kind=ClockKind.FORWARD,
            owner_unit=association,
            started_at=received_at,
            now=now,
        )
    return case


def add_attachment(
    case: Complaint,
    *,
    actor,
    now,
    filename: str,
    content_type: str,
    data: bytes,
    sha256: str,
    event: ComplaintEvent | None = None,
) -> Attachment:
    attachment = Attachment(
        complaint_id=case.id,
        event_id=event.id if event else None,
        filename=filename,
        content_type=content_type,
        size=len(data),
        sha256=sha256,
        data=data,
        uploaded_by_id=actor.id,
        uploaded_at=now,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


# A file chosen on the worksheet and never registered is dropped after this long.
PENDING_UPLOAD_LIFETIME = timedelta(days=1)


def keep_upload(
    *, actor, now, filename: str, content_type: str, data: bytes, sha256: str
) -> PendingUpload:
    """Keep a file chosen on the intake worksheet until the complaint is registered."""
    kept = PendingUpload(
        uploaded_by_id=actor.id,
        filename=filename,
        content_type=content_type,
        size=len(data),
        sha256=sha256,
        data=data,
        uploaded_at=now,
    )
    db.session.add(kept)
    db.session.flush()
    return kept


def pending_uploads(actor, ids) -> list[PendingUpload]:
    """The user's own kept files among ``ids`` (another user's id is not theirs to claim)."""
    wanted = {n for i in ids if (n := int_or(i, 0)) > 0}  # none beyond 32 bits
    if not wanted:
        return []
    return list(
        db.session.scalars(
            select(PendingUpload)
            .where(PendingUpload.id.in_(wanted), PendingUpload.uploaded_by_id == actor.id)
            .order_by(PendingUpload.id)
        )
    )


def attach_pending(case: Complaint, kept: list[PendingUpload], *, actor, now) -> None:
    """The kept files become the new complaint's attachments."""
    for item in kept:
        add_attachment(
            case,
            actor=actor,
            now=now,
            filename=item.filename,
            content_type=item.content_type,
            data=item.data,
            sha256=item.sha256,
        )
        db.session.delete(item)


def purge_pending_uploads(now) -> int:
    """Files chosen on a worksheet never registered: dropped after a day (the sweep)."""
    result = cast(
        CursorResult[Any],
        db.session.execute(
            delete(PendingUpload).where(PendingUpload.uploaded_at < now - PENDING_UPLOAD_LIFETIME)
        ),
    )
    return result.rowcount


def _touch(case: Complaint, now) -> None:
    case.updated_at = now


def invalidate(
    case: Complaint, *, actor, now, reason: str, told_how: str, batch: ClockBatch | None = None
) -> None:
    """Art. 8(3): only valid complaints are forwarded; others close with a reason."""
    if case.state != State.REGISTERED:
        raise CaseError("只有待转办的投诉可以认定为无效。")
    case.state = State.INVALID
    case.invalid_reason = reason
    case.closed_at = now
    _touch(case, now)
    with _steps(batch) as steps:
        clocks.stop_clock(steps, case_id=case.id, kind=ClockKind.FORWARD, met_at=now)
        entry = record(case, actor, "invalidated", now, note=reason, detail={"told_how": told_how})
        notices.tell(case, entry, notices.Notice([], N_("认定为无效投诉")), actor=actor, now=now)


def refer(
    case: Complaint,
    *,
    actor,
    now,
    referred_to: str,
    reason: str,
    told_how: str,
    batch: ClockBatch | None = None,
) -> None:
    """Out of the association's scope: the customer is told where to turn, and the
    matter closes at intake (counted apart from valid complaints)."""
    if case.state != State.REGISTERED:
        raise CaseError("只有待转办的投诉可以认定为不属受理范围。")
    case.state = State.REFERRED
    case.referred_to = referred_to
    case.closed_at = now
    _touch(case, now)
    with _steps(batch) as steps:
        clocks.stop_clock(steps, case_id=case.id, kind=ClockKind.FORWARD, met_at=now)
        entry = record(
            case,
            actor,
            "referred",
            now,
            note=reason,
            detail={"referred_to": referred_to, "told_how": told_how},
        )
        notices.tell(
            case, entry, notices.Notice([], N_("不属受理范围")), actor=actor, now=now, batch=steps
        )


def mark_duplicate(
    case: Complaint,
    original: Complaint,
    *,
    actor,
    now,
    reason: str | None,
    batch: ClockBatch | None = None,
) -> None:
    """The same matter registered twice: this registration is linked to the case already
    registered and closed without clocks of its own (it is counted apart)."""
    if case.state != State.REGISTERED:
        raise CaseError("只有待转办的投诉可以认定为重复登记。", field="original")
    if original.id == case.id or original.state == State.DUPLICATE:
        raise CaseError("请填写另一件未被认定为重复登记的原投诉编号。", field="original")
    case.state = State.DUPLICATE
    case.duplicate_of_id = original.id
    case.closed_at = now
    _touch(case, now)
    with _steps(batch) as steps:
        # No clock of its own: the original's clocks run; this one is withdrawn, not met.
        clocks.cancel_clock(
            steps, case_id=case.id, kind=ClockKind.FORWARD, at=now, reason="duplicate"
        )
        entry = record(
            case,
            actor,
            "duplicated",
            now,
            note=reason,
            detail={"original": original.tracking_no, "original_id": original.id},
        )
        record(
            original,
            actor,
            "duplicate_merged",
            now,
            detail={"duplicate": case.tracking_no, "duplicate_id": case.id},
        )
        notices.tell(
            case, entry, notices.Notice([], N_("重复登记")), actor=actor, now=now, batch=steps
        )


def set_flags(
    case: Complaint,
    *,
    actor,
    now,
    is_major: bool,
    is_media: bool,
    reason: str,
    batch: ClockBatch | None = None,
) -> None:
    """Set or clear 重大 and 舆情 (Art. 12(1)4) on an open case, with the reason."""
    if case.state not in OPEN_STATES:
        raise CaseError("只有办理中的投诉可以变更标记。")
    changes = {
        name: [getattr(case, name), value]
        for name, value in (("is_major", is_major), ("is_media", is_media))
        if getattr(case, name) != value
    }
    if not changes:
        raise CaseError("标记没有变化。")
    case.is_major, case.is_media = is_major, is_media
    _touch(case, now)
    entry = record(case, actor, "flags_changed", now, note=reason, detail={"changes": changes})
    notices.tell(
        case,
        entry,
        notices.Notice(
            notices.everyone(
                notices.association_owner(case),
                notices.accepting_handler(case),
                notices.member_pair(case) if case.state != State.REGISTERED else [],
            ),
            N_("标记变更"),
            Msg(
                N_("%(changes)s。"),
                changes=[_flag_change(name, after) for name, (_before, after) in changes.items()],
            ),
        ),
        actor=actor,
        now=now,
        batch=batch,
    )


def _tell_on_duty(case: Complaint, member: Unit, *, dedupe_key: str, now, receiver):
    """Art. 7: the member's handler on duty hears of the case at once (A and B both see it
    in their inbox); returns who was told. The category is named in the reader's language
    (categories are data with an English name, not catalogue messages)."""
    category = case.category
    return notify_on_duty(
        member,
        title=Msg(N_("新投诉待受理：%(no)s"), no=case.tracking_no),
        body=Msg(N_("类别：%(name)s"), name=Named(category.full_name, category.full_name_en)),
        link=f"/cases/{case.id}",
        dedupe_key=dedupe_key,
        now=now,
        receiver=receiver,
    )


def _flag_change(name: str, set_: bool) -> Msg:
    label = Msg({"is_major": N_("重大投诉"), "is_media": N_("舆情（已升级至网络或媒体）")}[name])
    return Msg(N_("标记为%(flag)s") if set_ else N_("取消%(flag)s"), flag=label)


def correct(
    case: Complaint,
    *,
    actor,
    now,
    reason: str,
    outlet: Unit | None = None,
    category=None,
    complainant_name: str | None = None,
    mobile: str | None = None,
    address: str | None = None,
    reply_channel: str | None = None,
    codes: dict[str, str | None] | None = None,
    batch: ClockBatch | None = None,
) -> dict:
    """Correct what was typed wrong at intake (the association), with the reason. Before
    the member accepts, a change of member re-routes the case: the old member's clocks
    are withdrawn and the new member's pair receives it afresh (Art. 7, 11(2)); after,
    the member cannot change. Returns the changes, ``{field: [before, after]}``."""
    if case.state in (State.INVALID, State.REFERRED, State.DUPLICATE):
        raise CaseError("已在受理环节办结的投诉无须更正。")
    changes: dict[str, list] = {}
    if outlet is not None and outlet.id != case.outlet_id:
        if outlet.member_id is None or not outlet.is_active:
            raise CaseError("请选择会员单位下在用的网点。", field="outlet_id")
        changes["outlet"] = [case.outlet.name, outlet.name]
        if outlet.member_id != case.member_id:
            if case.state not in (State.REGISTERED, State.FORWARDED):
                raise CaseError(
                    "会员单位已受理该投诉，不能改由其他会员单位办理。", field="outlet_id"
                )
            changes["member"] = [case.member.name, outlet.member.name]
    if category is not None and category.id != case.category_id:
        if not category.is_active:
            raise CaseError("该类别已停用。", field="category_id")
        changes["category"] = [case.category.full_name, category.full_name]
    texts = {
        "complainant_name": complainant_name,
        "address": address,
        "reply_channel": reply_channel,
    }
    # JR/T 0169-2018 codes (checked by the caller against the current version): a code
    # given replaces the case's; None leaves it. Recorded in the history as a category is.
    for name, value in (codes or {}).items():
        if value and value != getattr(case, name):
            texts[name] = value
    for name, value in texts.items():
        if value is not None and (value or None) != getattr(case, name):
            changes[name] = [getattr(case, name), value or None]
    if mobile and pii.search_hash(mobile) != case.mobile_hash:
        changes["mobile"] = [case.mobile_masked, mask_mobile(mobile)]
    if not changes:
        raise CaseError("没有需要更正的内容。")
    old_member = case.member
    if outlet is not None and "outlet" in changes:
        assert outlet.member_id is not None  # refused above otherwise
        case.outlet_id, case.outlet = outlet.id, outlet
        case.member_id, case.member = outlet.member_id, outlet.member
    if "category" in changes:
        case.category_id, case.category = category.id, category
    for name in texts:
        if name in changes:
            setattr(case, name, changes[name][1])
    if "mobile" in changes:
        case.mobile_enc, case.mobile_hash = pii.encrypt(mobile), pii.search_hash(mobile)
        case.mobile_masked = mask_mobile(mobile)
    _touch(case, now)
    with _steps(batch) as steps:
        if "member" in changes and case.state == State.FORWARDED:
            _reroute(case, old_member, actor=actor, now=now, steps=steps, reason=reason)
        entry = record(case, actor, "corrected", now, note=reason, detail={"changes": changes})
        at_member = case.state not in (State.REGISTERED,)
        notices.tell(
            case,
            entry,
            notices.Notice(
                notices.everyone(notices.accepting_handler(case), notices.member_pair(case))
                if at_member
                else [],
                N_("协会更正登记信息"),
                Msg(
                    N_("%(fields)s已更正。"),
                    fields=[Msg(CHANGE_LABELS.get(name, name)) for name in changes],
                ),
            ),
            actor=actor,
            now=now,
            batch=steps,
        )
    return changes


def _reroute(case: Complaint, old_member: Unit, *, actor, now, steps: ClockBatch, reason) -> None:
    """Forwarded to the wrong member, not yet accepted: the right member's pair receives
    it now, with fresh accept, verify and report clocks (Art. 7, 11(2)); the wrong
    member's are withdrawn and its pair told."""
    member = case.member
    receiver = receiver_at(member, now)
    if receiver is None:
        raise CaseError(
            "该会员单位尚未设置A/B角承办人，暂不能转办；请先联系其管理员。", field="outlet_id"
        )
    old_pair = notices.member_pair_of(old_member)
    case.handling_unit_id, case.handling_path = member.id, member.path
    case.handling_unit = member
    kinds = (ClockKind.ACCEPT, ClockKind.VERIFY, ClockKind.REPORT)
    clocks.cancel_clocks(steps, case_id=case.id, kinds=kinds, at=now, reason="rerouted")
    steps.session.flush()  # the open-clock index must see them withdrawn first
    clocks.start_clocks(
        steps, case_id=case.id, kinds=kinds, owner_unit=member, started_at=now, now=now
    )
    entry = record(
        case,
        actor,
        "rerouted",
        now,
        note=reason,
        detail={"from": old_member.name, "to": member.name, "to_id": member.id},
    )
    told = _tell_on_duty(
        case, member, dedupe_key=f"case{case.id}:rerouted:e{entry.id}", now=now, receiver=receiver
    )
    notices.tell(
        case,
        entry,
        notices.Notice(
            old_pair,
            N_("协会已撤回转办"),
            Msg(N_("该投诉已改转%(bank)s，贵单位无须再受理。"), bank=member.name),
        ),
        actor=actor,
        now=now,
        batch=steps,
        told_already=told,
    )


def forward_to_member(case: Complaint, *, actor, now, batch: ClockBatch | None = None) -> Receiver:
    """Art. 8(3), 11: forward to the member; its accept, verify and report clocks start.
    Returns the pair that received it and who of it is on duty (Art. 7)."""
    if case.state != State.REGISTERED:
        raise CaseError("该投诉当前不能转办。")
    member = case.member
    if not member.is_active:
        raise CaseError("该会员单位已停用，不能转办。")
    # Art. 7: a member receives forwarded complaints only once it has named handlers A and
    # B; who of them is on duty is asked in the same breath.
    receiver = receiver_at(member, now)
    if receiver is None:
        raise CaseError("该会员单位尚未设置A/B角承办人，暂不能转办；请先联系其管理员。")
    case.state = State.FORWARDED
    case.handling_unit_id, case.handling_path = member.id, member.path
    case.handling_unit = member
    _touch(case, now)
    with _steps(batch) as steps:
        clocks.stop_clock(steps, case_id=case.id, kind=ClockKind.FORWARD, met_at=now)
        # Art. 7: accept by the end of the next working day; Art. 11(2): verify within 2,
        # report within 5 working days of receipt.
        clocks.start_clocks(
            steps,
            case_id=case.id,
            kinds=(ClockKind.ACCEPT, ClockKind.VERIFY, ClockKind.REPORT),
            owner_unit=member,
            started_at=now,
            now=now,
        )
        entry = record(
            case, actor, "forwarded", now, detail={"to": member.name, "to_id": member.id}
        )
        told = _tell_on_duty(
            case,
            member,
            dedupe_key=f"case{case.id}:forwarded:{case.version}",
            now=now,
            receiver=receiver,
        )
        notices.tell(
            case,
            entry,
            notices.Notice([], N_("已转办会员单位"), Msg(N_("转办至%(bank)s。"), bank=member.name)),
            actor=actor,
            now=now,
            batch=steps,
            told_already=told,
        )
    return receiver


def recall_from_member(
    case: Complaint, *, actor, now, reason: str, batch: ClockBatch | None = None
) -> None:
    """A wrong forward is taken back by the sender before the member accepts it."""
    if case.state != State.FORWARDED:
        raise CaseError("会员单位已受理，不能撤回。")
    association = _association(case.member)
    case.state = State.REGISTERED
    case.handling_unit_id, case.handling_path = association.id, association.path
    case.handling_unit = association
    _touch(case, now)
    with _steps(batch) as steps:
        clocks.cancel_clocks(
            steps,
            case_id=case.id,
            kinds=(ClockKind.ACCEPT, ClockKind.VERIFY, ClockKind.REPORT),
            at=now,
            reason="recalled",
        )
        # The forward clock runs on from the original receipt: a wrong forward buys no time.
        clocks.start_clock(
            steps,
            case_id=case.id,
            kind=ClockKind.FORWARD,
            owner_unit=association,
            started_at=case.received_at,
            now=now,
        )
        entry = record(case, actor, "recalled", now, note=reason)
        notices.tell(
            case,
            entry,
            notices.Notice(
                notices.everyone(notices.member_pair(case), notices.association_owner(case)),
                N_("协会已撤回转办"),
                Msg(N_("%(bank)s无须再受理该投诉。"), bank=case.member.name),
            ),
            actor=actor,
            now=now,
            batch=steps,
        )


def accept(case: Complaint, *, actor, now, batch: ClockBatch | None = None) -> None:
    """Art. 7, 9(1): the member's handler on duty accepts; the first one to act wins."""
    if case.state != State.FORWARDED:
        who = case.accepted_by.full_name if case.accepted_by else ""
        raise CaseError(f"该投诉已由{who}受理。" if who else "该投诉当前不能受理。")
    case.state = State.HANDLING
    case.accepted_by_id, case.accepted_at = actor.id, now
    _touch(case, now)
    with _steps(batch) as steps:
        clocks.stop_clock(steps, case_id=case.id, kind=ClockKind.ACCEPT, met_at=now)
        entry = record(case, actor, "accepted", now)
        notices.tell(
            case, entry, notices.Notice([], N_("会员单位已受理")), actor=actor, now=now, batch=steps
        )


def forward_down(
    case: Complaint, *, actor, now, unit: Unit, note: str | None, batch: ClockBatch | None = None
) -> None:
    """Art. 10(1): pass the case to a unit below; its 3-day reply clock starts on arrival."""
    if case.state != State.HANDLING:
        raise CaseError("只有处理中的投诉可以转交下级单位。")
    if not unit.path.startswith(case.handling_path) or unit.id == case.handling_unit_id:
        raise CaseError("只能转交给本单位的下级单位。", field="unit_id")
    if not unit.is_active:
        raise CaseError("所选单位已停用。", field="unit_id")
    losing = case.handling_unit
    case.handling_unit_id, case.handling_path = unit.id, unit.path
    case.handling_unit = unit
    _touch(case, now)
    # Art. 11(3): the responsible unit replies within 3 working days of receiving it.
    with _steps(batch) as steps:
        clocks.start_clock(
            steps,
            case_id=case.id,
            kind=ClockKind.BRANCH_REPLY,
            owner_unit=unit,
            started_at=now,
            now=now,
        )
        entry = record(
            case,
            actor,
            "forwarded_down",
            now,
            note=note,
            detail={"to": unit.name, "to_id": unit.id},
        )
        # The unit gaining the case must reply; the one losing it (or, at the member, the
        # handler who accepted it) knows where it went.
        notices.tell(
            case,
            entry,
            notices.Notice(
                notices.everyone(notices.holders_of(unit), notices.holders(case, losing)),
                N_("投诉已转交下级单位"),
                Msg(
                    N_("已转交%(unit)s处理，请在三个工作日内答复客户（第十一条第（三）项）。"),
                    unit=unit.name,
                ),
            ),
            actor=actor,
            now=now,
            batch=steps,
        )


def move_up(
    case: Complaint, *, actor, now, reason: str, action: str, batch: ClockBatch | None = None
) -> None:
    """Recall by the member, or escalation by the unit (Art. 10(1)): back to the parent.

    The case never lands without a clock: the unit losing it stops its reply clock (met,
    on time or late as it stood), and the unit it lands at owns a reply clock from
    arrival (Art. 11(3): 3 working days, or what the association set for escalated
    cases). A promise made to the customer passes with the case; its clock is withdrawn.
    The member's verify and report clocks run on."""
    if case.state != State.HANDLING or case.handling_unit_id == case.member_id:
        raise CaseError("该投诉已在会员单位层面处理。")
    losing = case.handling_unit
    parent = losing.parent
    target = parent if parent.path.startswith(case.member.path) else case.member
    if action == "recalled_up":
        target = case.member
    case.handling_unit_id, case.handling_path = target.id, target.path
    case.handling_unit = target
    _touch(case, now)
    with _steps(batch) as steps:
        clocks.stop_clock(steps, case_id=case.id, kind=ClockKind.BRANCH_REPLY, met_at=now)
        clocks.cancel_clock(steps, case_id=case.id, kind=ClockKind.PROMISE, at=now, reason=action)
        if case.replied_at is None:
            clocks.start_clock(
                steps,
                case_id=case.id,
                kind=ClockKind.BRANCH_REPLY,
                owner_unit=target,
                started_at=now,
                now=now,
                limit=current_policy().escalated_reply_days,
            )
        entry = record(
            case, actor, action, now, note=reason, detail={"to": target.name, "to_id": target.id}
        )
        if action == "escalated":
            # Art. 10(1): beyond the unit's authority — the unit it lands at takes it over;
            # the member's owner and the association's know it moved up.
            told = notices.Notice(
                notices.everyone(
                    notices.holders(case, target),
                    notices.accepting_handler(case),
                    notices.association_owner(case),
                ),
                N_("下级单位上报投诉"),
                Msg(
                    N_("%(from)s上报至%(to)s（超出其处理权限，第十条第（一）项）。"),
                    **{"from": losing.name, "to": target.name},
                ),
            )
        else:
            told = notices.Notice(
                notices.everyone(notices.holders(case, losing), notices.holders(case, target)),
                N_("投诉已收回至会员单位"),
                Msg(
                    N_("%(to)s已收回该投诉，%(from)s无须再办理。"),
                    **{"to": target.name, "from": losing.name},
                ),
            )
        notices.tell(case, entry, told, actor=actor, now=now, batch=steps)


def record_contact(
    case: Complaint, *, actor, now, contacted_at, how: str, summary: str
) -> ComplaintEvent:
    _require_handling(case)
    entry = record(
        case,
        actor,
        "contact",
        now,
        note=summary,
        detail={"how": how, "contacted_at": contacted_at.isoformat()},
    )
    notices.tell(
        case,
        entry,
        notices.Notice(notices.accepting_handler(case), N_("网点已联系客户")),
        actor=actor,
        now=now,
    )
    return entry


def report_progress(
    case: Complaint, *, actor, now, promised_on: date, summary: str, batch: ClockBatch | None = None
) -> ComplaintEvent:
    """Art. 11(3): not finished in time — report progress, reply, promise a date."""
    _require_handling(case)
    with _steps(batch) as steps:
        clocks.stop_clock(steps, case_id=case.id, kind=ClockKind.BRANCH_REPLY, met_at=now)
        # A new promise keeps the previous one (if it is still open) and sets the next date.
        clocks.stop_clock(steps, case_id=case.id, kind=ClockKind.PROMISE, met_at=now)
        clocks.start_clock(
            steps,
            case_id=case.id,
            kind=ClockKind.PROMISE,
            owner_unit=case.handling_unit,
            started_at=now,
            now=now,
            due_on=promised_on,
        )
        case.promised_on = promised_on
        _touch(case, now)
        entry = record(
            case,
            actor,
            "progress",
            now,
            note=summary,
            detail={"promised_on": promised_on.isoformat()},
        )
        # Art. 11(3): not finished in time — the progress is reported to the superior unit.
        notices.tell(
            case,
            entry,
            notices.Notice(
                notices.everyone(
                    notices.accepting_handler(case),
                    notices.superior_of(case.handling_unit, case),
                ),
                N_("处理进度报告"),
                Msg(
                    N_("%(unit)s未能按期办结，已向客户承诺于%(day)s前再次答复。"),
                    unit=case.handling_unit.name,
                    day=promised_on,
                ),
            ),
            actor=actor,
            now=now,
            batch=steps,
        )
        return entry


def final_reply(
    case: Complaint,
    *,
    actor,
    now,
    result: str,
    told_at,
    told_how: str,
    reaction: str,
    batch: ClockBatch | None = None,
) -> ComplaintEvent:
    """Art. 11(3): the final result, and how and when the customer was told."""
    _require_handling(case)
    if case.replied_at is not None:
        raise CaseError("已经答复过客户；如需补充，请添加处理记录。")
    case.replied_at = told_at
    case.promised_on = None
    _touch(case, now)
    with _steps(batch) as steps:
        clocks.stop_clock(steps, case_id=case.id, kind=ClockKind.BRANCH_REPLY, met_at=told_at)
        clocks.stop_clock(steps, case_id=case.id, kind=ClockKind.PROMISE, met_at=told_at)
        entry = record(
            case,
            actor,
            "final_reply",
            now,
            note=result,
            detail={"told_at": told_at.isoformat(), "told_how": told_how, "reaction": reaction},
        )
        notices.tell(
            case,
            entry,
            notices.Notice(
                notices.accepting_handler(case),
                N_("已答复客户"),
                Msg(N_("请核实处理情况并按期向协会上报处理结果（第十一条第（二）项）。")),
            ),
            actor=actor,
            now=now,
            batch=steps,
        )
        return entry


def verify(
    case: Complaint, *, actor, now, finding: str, facts: str, batch: ClockBatch | None = None
) -> None:
    """Art. 11(2): the member finishes verifying the facts within 2 working days."""
    _require_handling(case)
    case.finding = finding
    _touch(case, now)
    with _steps(batch) as steps:
        clocks.stop_clock(steps, case_id=case.id, kind=ClockKind.VERIFY, met_at=now)
        entry = record(case, actor, "verified", now, note=facts, detail={"finding": finding})
        notices.tell(
            case, entry, notices.Notice([], N_("核实完毕")), actor=actor, now=now, batch=steps
        )


def report_result(
    case: Complaint, *, actor, now, summary: str, batch: ClockBatch | None = None
) -> None:
    """Art. 9(1), 11(2): the member reports the handling result within 5 working days."""
    _require_handling(case)
    if not case.finding:
        raise CaseError("请先录入核实结论，再上报处理结果。")
    case.state = State.REPORTED
    case.reported_at = now
    _touch(case, now)
    with _steps(batch) as steps:
        clocks.stop_clock(steps, case_id=case.id, kind=ClockKind.REPORT, met_at=now)
        entry = record(case, actor, "reported", now, note=summary)
        notices.tell(
            case,
            entry,
            notices.Notice(
                notices.association_owner(case),
                N_("会员单位上报处理结果"),
                Msg(
                    N_("%(bank)s已上报处理结果，请审核办结或退回重新核实。"),
                    bank=case.member.name,
                ),
            ),
            actor=actor,
            now=now,
            batch=steps,
        )


def add_rectification(
    case: Complaint,
    *,
    actor,
    now,
    kind: str,
    opinion: str,
    owner: str | None,
    due_on: date | None,
    batch: ClockBatch | None = None,
) -> Rectification:
    """Art. 9(2): opinions for a substantiated complaint, followed up to completion. One
    with a completion date owns a clock held by the complained outlet, reminded and
    marked overdue like any deadline."""
    if case.finding not in ("substantiated", "partly"):
        raise CaseError("核实属实或部分属实的投诉才需下发整改意见。")
    item = Rectification(
        complaint_id=case.id,
        kind=kind,
        opinion=opinion,
        owner=owner,
        due_on=due_on,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(item)
    db.session.flush()
    with _steps(batch) as steps:
        if due_on is not None:
            clocks.start_clock(
                steps,
                case_id=case.id,
                kind=ClockKind.RECTIFY,
                owner_unit=case.outlet,
                started_at=now,
                now=now,
                due_on=due_on,
                rectification_id=item.id,
            )
        entry = record(
            case,
            actor,
            "rectification_added",
            now,
            note=opinion,
            detail={
                "kind": kind,
                "item": item.id,
                "due_on": due_on.isoformat() if due_on else None,
            },
        )
        notices.tell(
            case,
            entry,
            notices.Notice(
                notices.holders_of(case.outlet),
                N_("下发整改意见"),
                Msg(
                    N_("整改单位：%(unit)s，请于%(day)s前完成。"), unit=case.outlet.name, day=due_on
                )
                if due_on
                else Msg(N_("整改单位：%(unit)s。"), unit=case.outlet.name),
            ),
            actor=actor,
            now=now,
            batch=steps,
        )
    return item


def complete_rectification(
    case: Complaint,
    item: Rectification,
    *,
    actor,
    now,
    note: str,
    batch: ClockBatch | None = None,
) -> None:
    if item.completed_at is not None:
        raise CaseError("该整改事项已完成。")
    item.completed_at, item.completion_note = now, note
    with _steps(batch) as steps:
        clocks.stop_clock(
            steps, case_id=case.id, kind=ClockKind.RECTIFY, met_at=now, rectification_id=item.id
        )
        entry = record(
            case, actor, "rectification_completed", now, note=note, detail={"item": item.id}
        )
        notices.tell(
            case,
            entry,
            notices.Notice(
                notices.everyone(notices.accepting_handler(case), notices.member_pair(case)),
                N_("整改完成"),
            ),
            actor=actor,
            now=now,
            batch=steps,
        )


def record_rectification_work(
    case: Complaint, item: Rectification, *, actor, now, note: str
) -> ComplaintEvent:
    """The outlet records what it has done towards an open rectification (Art. 9(2))."""
    if item.completed_at is not None:
        raise CaseError("该整改事项已完成。")
    entry = record(case, actor, "rectification_progress", now, note=note, detail={"item": item.id})
    notices.tell(
        case,
        entry,
        notices.Notice(
            notices.everyone(notices.accepting_handler(case), notices.member_pair(case)),
            N_("整改进展"),
        ),
        actor=actor,
        now=now,
    )
    return entry


def close(case: Complaint, *, actor, now, note: str | None) -> None:
    if case.state != State.REPORTED:
        raise CaseError("只有已上报结果的投诉可以办结。")
    case.state = State.CLOSED
    case.closed_at = now
    _touch(case, now)
    entry = record(case, actor, "closed", now, note=note)
    case_closed.send(case, now=now)  # Art. 8(6): an archive number, a dossier due
    notices.tell(
        case,
        entry,
        notices.Notice(
            notices.everyone(notices.accepting_handler(case), notices.member_pair(case)),
            N_("协会审核通过，投诉已办结"),
        ),
        actor=actor,
        now=now,
    )


def send_back(case: Complaint, *, actor, now, reason: str, batch: ClockBatch | None = None) -> None:
    """The association rejects the report: re-verify; verify and report clocks restart."""
    if case.state != State.REPORTED:
        raise CaseError("只有已上报结果的投诉可以退回。")
    case.state = State.HANDLING
    case.finding = None
    case.reported_at = None
    _touch(case, now)
    with _steps(batch) as steps:
        clocks.start_clocks(
            steps,
            case_id=case.id,
            kinds=(ClockKind.VERIFY, ClockKind.REPORT),
            owner_unit=case.member,
            started_at=now,
            now=now,
        )
        entry = record(case, actor, "sent_back", now, note=reason)
        notices.tell(
            case,
            entry,
            notices.Notice(
                notices.everyone(notices.accepting_handler(case), notices.member_pair(case)),
                N_("协会退回重新核实"),
                Msg(N_("请重新核实并在期限内再次上报处理结果（第十一条第（二）项）。")),
            ),
            actor=actor,
            now=now,
            batch=steps,
        )


def return_visit(
    case: Complaint,
    *,
    actor,
    now,
    local_today: date,
    satisfaction: str,
    comment: str,
    batch: ClockBatch | None = None,
    online_via=None,
) -> Complaint | None:
    """回访. A dissatisfied customer reopens the matter as a linked repeat complaint.

    ``online_via``: the customer answered online, through the one-time link this
    association user sent (``portal.tracking``); ``actor`` is then None, the entry says
    ``{"online": true}`` and a repeat is registered under that user."""
    if case.state != State.CLOSED or case.satisfaction:
        raise CaseError("只有已办结且尚未回访的投诉可以登记回访。")
    case.satisfaction = satisfaction
    _touch(case, now)
    detail: dict[str, Any] = {"satisfaction": satisfaction}
    if online_via is not None:
        detail["online"] = True
    entry = record(case, actor, "return_visit", now, note=comment, detail=detail)
    if satisfaction != "dissatisfied":
        notices.tell(case, entry, notices.Notice([], N_("已登记回访")), actor=actor, now=now)
        return None
    repeat = Complaint(
        complainant_name=case.complainant_name,
        mobile_enc=case.mobile_enc,
        mobile_hash=case.mobile_hash,
        mobile_masked=case.mobile_masked,
        id_number_enc=case.id_number_enc,
        id_number_hash=case.id_number_hash,
        id_number_masked=case.id_number_masked,
        address=case.address,
        reply_channel=case.reply_channel,
        staff=case.staff,
        category_id=case.category_id,
        facts=f"回访不满意：{comment}\n\n原投诉 {case.tracking_no}：{case.facts}",
        demand=case.demand,
        is_major=case.is_major,
        is_media=case.is_media,
        repeat_of_id=case.id,
        repeat_reason="dissatisfied",
        # The same matter: its JR/T 0169-2018 codes with it.
        code_a=case.code_a,
        code_b=case.code_b,
        code_c=case.code_c,
    )
    reopened = _register_repeat(
        repeat,
        case,
        actor=actor,
        now=now,
        local_today=local_today,
        batch=batch,
        received_by=online_via,
    )
    reopening = record(
        case,
        actor,
        "reopened",
        now,
        detail={"repeat": reopened.tracking_no, "repeat_id": reopened.id},
    )
    # The member's owner and pair learn the customer is not satisfied; the association's
    # handlers, that a repeat complaint waits to be forwarded.
    notices.tell(
        case,
        reopening,
        notices.Notice(
            notices.everyone(notices.accepting_handler(case), notices.member_pair(case)),
            N_("回访不满意，已重新登记"),
            Msg(
                N_("客户对处理结果不满意，已作为重复投诉%(no)s重新登记。"),
                no=reopened.tracking_no,
            ),
        ),
        actor=actor,
        now=now,
    )
    return reopened


def _register_repeat(
    repeat: Complaint,
    original: Complaint,
    *,
    actor,
    now,
    local_today,
    batch: ClockBatch | None = None,
    received_by=None,
) -> Complaint:
    association = _association(original.outlet)
    repeat.tracking_no = tracking_number(local_today.year, _next_tracking_seq(local_today.year))
    repeat.state = State.REGISTERED
    repeat.received_at, repeat.received_on = now, local_today
    repeat.channel, repeat.received_by_id = "phone", (actor or received_by).id
    repeat.outlet_id, repeat.member_id = original.outlet_id, original.member_id
    repeat.handling_unit_id, repeat.handling_path = association.id, association.path
    repeat.created_at = repeat.updated_at = now
    db.session.add(repeat)
    db.session.flush()
    registered = record(
        repeat, actor, "registered", now, detail={"repeat_of": original.tracking_no}
    )
    with _steps(batch) as steps:
        clocks.start_clock(
            steps,
            case_id=repeat.id,
            kind=ClockKind.FORWARD,
            owner_unit=association,
            started_at=now,
            now=now,
        )
        notices.tell(
            repeat,
            registered,
            notices.Notice(
                notices.unit_handlers(association),
                N_("重复投诉待转办"),
                Msg(
                    N_("原投诉%(no)s回访不满意，请在两个工作日内转办（第十一条第（一）项）。"),
                    no=original.tracking_no,
                ),
            ),
            actor=actor,
            now=now,
            batch=steps,
        )
    return repeat


def follow(case: Complaint, *, user, now) -> bool:
    """关注: ``user`` hears of every step of the case from now on. Returns whether they
    did not follow it already."""
    if db.session.get(CaseFollower, (case.id, user.id)) is not None:
        return False
    db.session.add(CaseFollower(complaint_id=case.id, user_id=user.id, created_at=now))
    _count_followers(case, +1)
    return True


def unfollow(case: Complaint, *, user) -> bool:
    row = db.session.get(CaseFollower, (case.id, user.id))
    if row is None:
        return False
    db.session.delete(row)
    _count_followers(case, -1)
    return True


def _count_followers(case: Complaint, change: int) -> None:
    """Following is not a step of the case: the count moves by a set-based UPDATE that
    neither bumps the case's version (a step being saved meanwhile still succeeds) nor
    touches ``updated_at``."""
    db.session.flush()
    db.session.execute(
        update(Complaint)
        .where(Complaint.id == case.id)
        .values(follower_count=Complaint.follower_count + change, updated_at=Complaint.updated_at)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(case, ["follower_count"])


def add_note(
    case: Complaint, *, actor, now, text: str, internal_org_id: int | None
) -> ComplaintEvent:
    return record(case, actor, "note", now, note=text, internal_org_id=internal_org_id)


def reveal(case: Complaint, *, actor, now, field: str) -> str | None:
    """Show a full mobile or ID number to someone handling the case; each reveal is kept."""
    value = pii.decrypt(case.mobile_enc if field == "mobile" else case.id_number_enc)
    db.session.add(PiiReveal(complaint_id=case.id, user_id=actor.id, field=field, at=now))
    # In the audit log too, under the unit holding the case: its administrators (and the
    # association's) see who looked at whose number.
    audit.record(
        actor=actor,
        unit_path=case.handling_path,
        subject=case,
        action="pii_revealed",
        changes={"case": case.tracking_no, "field": field},
        now=now,
    )
    db.session.flush()
    return value


def _require_handling(case: Complaint) -> None:
    if case.state != State.HANDLING:
        raise CaseError("该投诉当前不在处理阶段。")


def open_rectifications(case: Complaint) -> list[Rectification]:
    return list(
        db.session.scalars(
            select(Rectification)
            .where(Rectification.complaint_id == case.id)
            .order_by(Rectification.id)
        )
    )
