"""The case actions as a table: each names its form and what it does. The view stays one
dispatcher; bad input comes back as 422 with the form's messages, a stale version as 409."""

from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select

from portal.complaints import coding, forms, operations
from portal.complaints.attachments import read_uploads
from portal.complaints.models import Category, Complaint, ComplaintEvent, Rectification
from portal.complaints.queries import categories, org_id, units_below
from portal.complaints.rules import promise_problem
from portal.complaints.signals import step_taken
from portal.db import db
from portal.deadlines import operations as clocks
from portal.deadlines.batch import clock_batch
from portal.deadlines.models import Clock
from portal.duty.wording import answer_text
from portal.orgs.models import Unit
from portal.web import clock
from portal.web.bounds import int_or
from portal.web.i18n import cn_date


@dataclass
class Done:
    """What a step did, said to the person who took it (and where to go next, when the
    step created something elsewhere)."""

    message: str
    redirect_to: str | None = None


@dataclass
class Outcome:
    status: int = 200
    form: object = None
    conflict: list | None = None
    message: str | None = None
    redirect_to: str | None = None
    clocks: list[Clock] | None = None  # the case's clocks after the step, when known


def _now():
    return clock.now()


def _invalidate(case, form, user, batch):
    operations.invalidate(
        case,
        actor=user,
        now=_now(),
        reason=form.reason.data,
        told_how=form.told_how.data,
        batch=batch,
    )
    return Done(_("已认定为无效投诉，不再转办。"))


def _refer(case, form, user, batch):
    operations.refer(
        case,
        actor=user,
        now=_now(),
        referred_to=form.referred_to.data.strip(),
        reason=form.reason.data,
        told_how=form.told_how.data.strip(),
        batch=batch,
    )
    return Done(_("已移交%(to)s处理，不再转办。", to=form.referred_to.data.strip()))


def _duplicate(case, form, user, batch):
    number = (form.original.data or "").strip().upper()
    original = db.session.scalar(select(Complaint).where(Complaint.tracking_no == number))
    if original is None:
        raise operations.CaseError(_("没有这个投诉编号。"), field="original")
    operations.mark_duplicate(
        case, original, actor=user, now=_now(), reason=form.reason.data or None, batch=batch
    )
    return Done(_("已认定为投诉%(no)s的重复登记，不再转办。", no=original.tracking_no))


def _flags(case, form, user, batch):
    operations.set_flags(
        case,
        actor=user,
        now=_now(),
        is_major=bool(form.is_major.data),
        is_media=bool(form.is_media.data),
        reason=form.reason.data,
        batch=batch,
    )
    return Done(_("已更新重大投诉、媒体关注标记。"))


def _correct(case, form, user, batch):
    outlet = None
    if form.outlet_id.data:
        outlet = db.session.get(Unit, form.outlet_id.data)
        if outlet is None:
            raise operations.CaseError(_("请选择被投诉的网点。"), field="outlet_id")
    category = db.session.get(Category, form.category_id.data) if form.category_id.data else None
    codes = coding.check_correction(form)
    if problems := [(n, e) for n in codes for e in getattr(form, n).errors]:
        raise operations.CaseError(problems[0][1], field=problems[0][0])
    changes = operations.correct(
        case,
        actor=user,
        now=_now(),
        reason=form.reason.data,
        outlet=outlet,
        category=category,
        complainant_name=form.complainant_name.data.strip(),
        mobile=(form.mobile.data or "").strip() or None,
        address=(form.address.data or "").strip(),
        reply_channel=form.reply_channel.data,
        codes=codes,
        batch=batch,
    )
    return Done(_("已更正登记信息。") if changes else _("登记信息没有变化。"))


def _forward(case, form, user, batch):
    receiver = operations.forward_to_member(case, actor=user, now=_now(), batch=batch)
    return Done(forward_message(case.member.name, receiver))


def forward_message(bank: str, receiver) -> str:
    """ "已转办至建行辽宁省分行，B角王某受理（A角不在岗（外出培训），由B角受理）。" (Art. 7)"""
    answer = receiver.answer
    if answer.is_gap:
        return _(
            "已转办至%(bank)s。当前无人受理（%(why)s），已提醒其管理员。",
            bank=bank,
            why=answer_text(answer),
        )
    pair = receiver.pair
    person = pair.handler_a if answer.user_id == pair.handler_a_id else pair.handler_b
    if answer.role == "A":
        return _("已转办至%(bank)s，A角%(name)s受理。", bank=bank, name=person.full_name)
    return _(
        "已转办至%(bank)s，B角%(name)s受理（%(why)s）。",
        bank=bank,
        name=person.full_name,
        why=answer_text(answer),
    )


def _recall(case, form, user, batch):
    bank = case.member.name
    operations.recall_from_member(
        case, actor=user, now=_now(), reason=form.reason.data, batch=batch
    )
    return Done(_("已从%(bank)s撤回，投诉回到协会待转办。", bank=bank))


def _accept(case, form, user, batch):
    operations.accept(case, actor=user, now=_now(), batch=batch)
    return Done(_("已受理。请转交被投诉网点，或由本单位直接核实处理。"))


def _forward_down(case, form, user, batch):
    unit = next((u for u in units_below(case) if u.id == form.unit_id.data), None)
    if unit is None:
        raise operations.CaseError(_("只能转交给本单位的下级单位。"), field="unit_id")
    operations.forward_down(
        case, actor=user, now=_now(), unit=unit, note=form.note.data or None, batch=batch
    )
    return Done(_("已转交%(unit)s，其答复期限已开始计算。", unit=unit.name))


def _recall_up(case, form, user, batch):
    operations.move_up(
        case, actor=user, now=_now(), reason=form.reason.data, action="recalled_up", batch=batch
    )
    return Done(_("已收回至%(unit)s。", unit=case.handling_unit.name))


def _escalate(case, form, user, batch):
    operations.move_up(
        case, actor=user, now=_now(), reason=form.reason.data, action="escalated", batch=batch
    )
    return Done(_("已上报至%(unit)s，由其接手处理。", unit=case.handling_unit.name))


def _attach(case, user, event, field):
    uploads, problems = read_uploads(request.files.getlist(field.name))
    if problems:
        field.errors.extend(_(p) for p in problems)
        raise operations.CaseError(_("附件未通过检查。"), field=field.name)
    for upload in uploads:
        assert upload.content_type is not None  # read_uploads refused unknown types
        operations.add_attachment(
            case,
            actor=user,
            now=_now(),
            filename=upload.filename,
            content_type=upload.content_type,
            data=upload.data,
            sha256=upload.sha256,
            event=event,
        )


def _contact(case, form, user, batch):
    when = clock.from_local(form.contacted_at.data)
    if when > _now():
        raise operations.CaseError(_("联系时间不能晚于现在。"), field="contacted_at")
    event = operations.record_contact(
        case,
        actor=user,
        now=_now(),
        contacted_at=when,
        how=form.how.data,
        summary=form.summary.data,
    )
    _attach(case, user, event, form.photos)
    return Done(_("已记录联系客户。"))


def _progress(case, form, user, batch):
    problem = promise_problem(form.promised_on.data, clock.local_today())
    if problem:
        raise operations.CaseError(_(problem), field="promised_on")
    operations.report_progress(
        case,
        actor=user,
        now=_now(),
        promised_on=form.promised_on.data,
        summary=form.summary.data,
        batch=batch,
    )
    return Done(_("已报告进度，承诺%(day)s前答复客户。", day=cn_date(form.promised_on.data)))


def _final_reply(case, form, user, batch):
    told_at = clock.from_local(form.told_at.data)
    if told_at > _now():
        raise operations.CaseError(_("答复时间不能晚于现在。"), field="told_at")
    operations.final_reply(
        case,
        actor=user,
        now=_now(),
        result=form.result.data,
        told_at=told_at,
        told_how=form.told_how.data,
        reaction=form.reaction.data,
        batch=batch,
    )
    return Done(_("已记录最终答复，等待会员单位核实。"))


def _verify(case, form, user, batch):
    operations.verify(
        case, actor=user, now=_now(), finding=form.finding.data, facts=form.facts.data, batch=batch
    )
    return Done(_("已提交核实结论。下一步：向协会报送处理结果。"))


def _report(case, form, user, batch):
    operations.report_result(case, actor=user, now=_now(), summary=form.summary.data, batch=batch)
    return Done(_("已向协会报送处理结果，等待协会审核。"))


def _rectify(case, form, user, batch):
    if form.due_on.data and form.due_on.data < clock.local_today():
        raise operations.CaseError(_("完成期限不能早于今天。"), field="due_on")
    operations.add_rectification(
        case,
        actor=user,
        now=_now(),
        kind=form.kind.data,
        opinion=form.opinion.data,
        owner=form.owner.data or None,
        due_on=form.due_on.data,
        batch=batch,
    )
    return Done(_("已提出整改意见。"))


def _rectify_done(case, form, user, batch):
    item = db.session.scalar(
        select(Rectification).where(
            Rectification.id == form.item_id.data, Rectification.complaint_id == case.id
        )
    )
    if item is None:
        raise operations.CaseError(_("没有这个整改事项。"), field="item_id")
    operations.complete_rectification(
        case, item, actor=user, now=_now(), note=form.note.data, batch=batch
    )
    return Done(_("整改事项已完成。"))


def _close(case, form, user, batch):
    operations.close(case, actor=user, now=_now(), note=form.note.data or None)
    return Done(_("已办结。可在回访后登记客户满意度。"))


def _send_back(case, form, user, batch):
    operations.send_back(case, actor=user, now=_now(), reason=form.reason.data, batch=batch)
    return Done(_("已退回%(bank)s重新核实，核实和报送期限重新计算。", bank=case.member.name))


def _return_visit(case, form, user, batch):
    repeat = operations.return_visit(
        case,
        actor=user,
        now=_now(),
        local_today=clock.local_today(),
        satisfaction=form.satisfaction.data,
        comment=form.comment.data,
        batch=batch,
    )
    if repeat is None:
        return Done(_("已登记回访。"))
    # The step created a new case elsewhere: the user goes there, told what happened.
    return Done(
        _(
            "已登记回访：客户不满意，已作为重复投诉%(repeat)s重新登记（原投诉%(original)s）。",
            repeat=repeat.tracking_no,
            original=case.tracking_no,
        ),
        redirect_to=f"/cases/{repeat.id}",
    )


def _note(case, form, user, batch):
    operations.add_note(
        case,
        actor=user,
        now=_now(),
        text=form.text.data,
        internal_org_id=org_id(user) if form.internal.data else None,
    )
    return Done(_("已添加内部备注。") if form.internal.data else _("已添加备注。"))


ACTIONS = {
    "invalidate": (forms.InvalidateForm, _invalidate),
    "refer": (forms.ReferForm, _refer),
    "duplicate": (forms.DuplicateForm, _duplicate),
    "flags": (forms.FlagsForm, _flags),
    "correct": (forms.CorrectForm, _correct),
    "forward": (forms.EmptyForm, _forward),
    "recall": (forms.ReasonForm, _recall),
    "accept": (forms.EmptyForm, _accept),
    "forward_down": (forms.ForwardDownForm, _forward_down),
    "recall_up": (forms.ReasonForm, _recall_up),
    "escalate": (forms.ReasonForm, _escalate),
    "contact": (forms.ContactForm, _contact),
    "progress": (forms.ProgressForm, _progress),
    "final_reply": (forms.FinalReplyForm, _final_reply),
    "verify": (forms.VerifyForm, _verify),
    "report": (forms.ReportForm, _report),
    "rectify": (forms.RectifyForm, _rectify),
    "rectify_done": (forms.CompleteRectificationForm, _rectify_done),
    "close": (forms.CloseForm, _close),
    "send_back": (forms.ReasonForm, _send_back),
    "return_visit": (forms.ReturnVisitForm, _return_visit),
    "note": (forms.NoteForm, _note),
}


def gate(action: str) -> str:
    """The entry of ``available_actions`` that allows ``action``."""
    return "rectify" if action == "rectify_done" else action


def _form(
    action: str,
    case: Complaint,
    formdata=None,
    last_event_id: int | None = None,
    csrf: bool = True,
):
    form_class = ACTIONS[action][0]
    # Without CSRF for the API (``portal.api``): a token authenticates it, not a cookie.
    meta = {} if csrf else {"meta": {"csrf": False}}
    form = (
        form_class(formdata=formdata, prefix=action, **meta)
        if formdata is not None
        else form_class(prefix=action, **meta)
    )
    if formdata is None:
        form.version.data = str(case.version)
        seen = _last_event_id(case) if last_event_id is None else last_event_id
        form.seen_event.data = str(seen)
    if action == "forward_down":
        below = units_below(case)
        form.unit_id.choices = forms.choices((u.id, f"{u.name}（{u.code}）") for u in below)
        # The searchable list (a combobox): each unit with the words it is found by.
        form.unit_id.options = [
            (u.id, f"{u.name}（{u.code}）", f"{u.city or ''} {u.district or ''}") for u in below
        ]
        if formdata is None:
            form.unit_id.data = _complained_unit(case, below)
    if action == "correct":
        # The blank form offers the current category; the page loads the others when
        # the list is opened (``views.categories.options``): no query on every case page.
        form.category_id.choices = (
            forms.choices((c.id, c.full_label) for c in categories())
            if formdata is not None
            else forms.choices([(case.category_id, case.category.full_label)])
        )
        coding.set_choices(form)
        if formdata is None:
            form.category_id.data = case.category_id
            form.code_a.data, form.code_b.data = case.code_a or "", case.code_b or ""
            form.code_c.data = case.code_c or ""
            form.complainant_name.data = case.complainant_name
            form.address.data = case.address
            form.reply_channel.data = case.reply_channel
    if action == "flags" and formdata is None:
        form.is_major.data, form.is_media.data = case.is_major, case.is_media
    if hasattr(form, "contacted_at") and formdata is None:
        form.contacted_at.data = _local_now()
    if hasattr(form, "told_at") and formdata is None:
        form.told_at.data = _local_now()
    return form


def _complained_unit(case: Complaint, below: list[Unit]) -> int | None:
    """Passing down goes to the complained outlet, or to the unit below that holds it."""
    outlet_path = case.outlet.path
    holding = [u for u in below if outlet_path.startswith(u.path)]
    return max(holding, key=lambda u: len(u.path)).id if holding else None


def _local_now():
    return clock.now().astimezone(clock.tz()).replace(tzinfo=None, second=0, microsecond=0)


# Steps taken now and then (a correction, the flags, an outcome at intake): the case page
# offers them closed and builds their form when one is opened (``views.cases.step_form``),
# so every case page and every step's answer does not build and render them.
ON_DEMAND = frozenset({"correct", "flags", "refer", "duplicate"})


def blank_forms(case: Complaint, available, last_event_id: int | None = None) -> dict:
    """The forms of the steps open now, each naming the case version and the last
    history entry the user has seen (``last_event_id``, looked up when not given);
    the steps built on demand are left out."""
    names = set(available) - ON_DEMAND
    names |= {"rectify_done"} if "rectify" in available else set()
    if last_event_id is None:
        last_event_id = _last_event_id(case)  # once for all the forms
    return {
        name: _form(name, case, last_event_id=last_event_id) for name in names if name in ACTIONS
    }


def blank_form(action: str, case: Complaint):
    """The blank form of one step, built when the user opens it (``ON_DEMAND``)."""
    return _form(action, case)


def _last_event_id(case: Complaint) -> int:
    return (
        db.session.scalar(
            select(ComplaintEvent.id)
            .where(ComplaintEvent.complaint_id == case.id)
            .order_by(ComplaintEvent.id.desc())
            .limit(1)
        )
        or 0
    )


def _conflict(case: Complaint, seen_raw: str | None) -> Outcome:
    """409 with the history entries the user has not seen (public ones only)."""
    seen = int_or(seen_raw, 0)  # a hidden field: nothing beyond 32 bits reaches the query
    changes = db.session.scalars(
        select(ComplaintEvent)
        .where(
            ComplaintEvent.complaint_id == case.id,
            ComplaintEvent.id > seen,
            ComplaintEvent.internal_org_id.is_(None),
        )
        .order_by(ComplaintEvent.id)
    ).all()
    return Outcome(
        409,
        conflict=list(changes),
        message=_("在您填写期间，该投诉已被他人更新。您的内容未保存，请查看下列变化后重新操作。"),
    )


def stale_outcome(action: str, case: Complaint, formdata=None) -> Outcome | None:
    """The 409 for a form filled in on an older version of the case (someone saved it
    meanwhile, perhaps through another app server); None when it names no older version.
    ``formdata``: the API's, else the posted form."""
    data = request.form if formdata is None else formdata
    posted = data.get(f"{action}-version")
    if posted is None or posted == str(case.version):
        return None
    return _conflict(case, data.get(f"{action}-seen_event"))


def perform(action: str, case: Complaint, user, formdata=None) -> Outcome:
    """Validate and take ``action`` on ``case`` as ``user``: the web's posted form, or
    ``formdata`` (a MultiDict with the action's prefix) from the API, whose form is
    built without a CSRF token (a bearer token authenticates it, not a cookie)."""
    if formdata is None:
        form = _form(action, case, formdata=request.form)
    else:
        form = _form(action, case, formdata=formdata, csrf=False)
    if not form.validate():
        return Outcome(422, form=form)
    if form.version.data != str(case.version):
        return _conflict(case, form.seen_event.data)
    try:
        with clock_batch() as batch:
            done: Done = ACTIONS[action][1](case, form, user, batch)
        db.session.flush()
        step_taken.send(case, action=action, now=_now())
    except operations.CaseError as error:
        # The rules speak Chinese; a message the catalogue knows is shown translated.
        message = _(str(error))
        field = getattr(form, error.field, None) if error.field else None
        if field is not None:
            if message not in field.errors:
                field.errors.append(message)
        else:
            form.form_errors.append(message)
        return Outcome(422, form=form)
    # The page the step answers with shows the clocks as the step left them.
    return Outcome(
        200,
        message=done.message,
        redirect_to=done.redirect_to,
        clocks=batch.case_clocks(case.id),
    )


def case_clocks(case: Complaint) -> list[Clock]:
    return clocks.case_clocks(case.id)


def rectifications(case: Complaint) -> list[Rectification]:
    # Art. 9(2): only a substantiated (or partly) complaint gets rectification opinions.
    if case.finding not in ("substantiated", "partly"):
        return []
    return operations.open_rectifications(case)
