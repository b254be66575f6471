"""Intake at the association's desk (Art. 8): the worksheet, the outlet picker, repeat
suggestions, the printable worksheet."""

import secrets
from collections.abc import Sequence

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from portal.auth.access import require
from portal.auth.roles import Permission
from portal.complaints import coding, operations
from portal.complaints.attachments import read_uploads
from portal.complaints.forms import IntakeForm, choices
from portal.complaints.models import Complaint
from portal.complaints.queries import categories, load_case_or_404, suggest_repeats
from portal.complaints.signals import complaint_registered
from portal.db import db
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import units_query
from portal.web import clock
from portal.web.htmx import render_page_or_piece


def _category_choices():
    return choices([(0, "—")] + [(c.id, c.full_label) for c in categories() if c.parent_id])


def _outlet_or_error(form: IntakeForm) -> Unit | None:
    outlet = db.session.scalar(units_query(current_user).where(Unit.id == form.outlet_id.data))
    if outlet is None or not outlet.is_active or outlet.member_id is None:
        form.outlet_id.errors.append(_("请从列表中选择被投诉的网点或机构。"))
        return None
    return outlet


def _repeat_or_error(form: IntakeForm) -> Complaint | None:
    if not form.repeat_of.data:
        return None
    original = db.session.scalar(
        select(Complaint).where(Complaint.tracking_no == form.repeat_of.data.strip().upper())
    )
    if original is None:
        form.repeat_of.errors.append(_("没有这个投诉编号。"))
    return original


def _check(form: IntakeForm) -> tuple[Unit | None, Complaint | None]:
    """Every check of the worksheet at once, so that one submission shows every problem:
    the form's own validators, then those that ask the database or the clock."""
    form.validate()
    outlet = _outlet_or_error(form) if form.outlet_id.data else None
    original = _repeat_or_error(form)
    if not form.category_id.data and not form.category_id.errors:
        form.category_id.errors.append(_("请选择投诉类别。"))
    if form.received_at.data and clock.from_local(form.received_at.data) > clock.now():
        form.received_at.errors.append(_("受理时间不能晚于现在。"))
    coding.check_intake(form)
    return outlet, original


# One intake form submitted twice (a double click, a resent POST) must register one
# complaint: each rendered worksheet carries a one-time token, signed for the user it
# was rendered for; its random part is stored with the complaint it registers, unique
# (``Complaint.intake_token``), so the database decides a race between two submissions.
INTAKE_TOKEN_SALT = "intake-form"


def _token_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=INTAKE_TOKEN_SALT)


def new_intake_token() -> str:
    return _token_serializer().dumps([current_user.id, secrets.token_urlsafe(24)])


def intake_nonce(token: str | None) -> str | None:
    """The random part of a worksheet's token, when the token is one this portal signed
    for the current user; None otherwise (no token: registered without the check)."""
    if not token or len(token) > 200:
        return None
    try:
        user_id, nonce = _token_serializer().loads(token)
    except (BadSignature, TypeError, ValueError):
        return None
    if user_id != current_user.id or not isinstance(nonce, str) or len(nonce) > 64:
        return None
    return nonce


def registered_from(nonce: str | None) -> Complaint | None:
    if nonce is None:
        return None
    return db.session.scalar(select(Complaint).where(Complaint.intake_token == nonce))


def _already_registered(case: Complaint):
    flash(_("该投诉已登记（%(no)s），未重复登记。", no=case.tracking_no), "info")
    return redirect(url_for("complaints.detail", case_id=case.id), 303)


@login_required
def create():
    require(Permission.CASE_INTAKE)
    form = IntakeForm()
    form.category_id.choices = _category_choices()
    coding.set_choices(form)
    kept = operations.pending_uploads(current_user, request.form.getlist("upload_id"))
    token = request.form.get("intake_token") if request.method == "POST" else None
    nonce = intake_nonce(token)
    if nonce is None:
        token = new_intake_token()
    if request.method == "GET":
        form.received_at.data = (
            clock.now().astimezone(clock.tz()).replace(tzinfo=None, second=0, microsecond=0)
        )
        form.code_a.data = coding.defaults(
            category_id=None, channel=form.channel.data, a="", b="", c=""
        )[0]
    elif (first := registered_from(nonce)) is not None:
        return _already_registered(first)
    else:
        outlet, original = _check(form)
        # Files sent with the form itself (no script to send them as they were chosen).
        uploads, problems = read_uploads(request.files.getlist(form.attachments.name))
        form.attachments.errors.extend(_(p) for p in problems)
        if outlet is not None and not form.errors:
            try:
                case = _register(form, outlet, original, nonce)
            except IntegrityError:
                # The same form's other submission registered first, between our check
                # and our insert: the unique token decided; show that one.
                db.session.rollback()
                if (first := registered_from(nonce)) is None:
                    raise
                return _already_registered(first)
            operations.attach_pending(case, kept, actor=current_user, now=clock.now())
            for upload in uploads:
                assert upload.content_type is not None  # read_uploads refused unknown types
                operations.add_attachment(
                    case,
                    actor=current_user,
                    now=clock.now(),
                    filename=upload.filename,
                    content_type=upload.content_type,
                    data=upload.data,
                    sha256=upload.sha256,
                )
            complaint_registered.send(case, now=clock.now())
            flash(_("已登记投诉 %(no)s。", no=case.tracking_no), "success")
            return redirect(url_for("complaints.detail", case_id=case.id))
    outlet = db.session.get(Unit, form.outlet_id.data) if form.outlet_id.data else None
    return render_template(
        "complaints/intake.html", form=form, outlet=outlet, kept=kept, intake_token=token
    ), 422 if form.errors else 200


def _register(
    form: IntakeForm, outlet: Unit, original: Complaint | None, nonce: str | None
) -> Complaint:
    return operations.create_complaint(
        actor=current_user,
        now=clock.now(),
        local_today=clock.local_today(),
        received_at=clock.from_local(form.received_at.data),
        received_on=form.received_at.data.date(),
        mobile=(form.mobile.data or "").strip() or None,
        id_number=(form.id_number.data or "").strip().upper() or None,
        outlet=outlet,
        channel=form.channel.data,
        complainant_name=form.complainant_name.data.strip(),
        address=form.address.data or None,
        reply_channel=form.reply_channel.data,
        staff=form.staff.data or None,
        category_id=form.category_id.data,
        facts=form.facts.data.strip(),
        demand=form.demand.data.strip(),
        is_major=form.is_major.data,
        is_media=form.is_media.data,
        repeat_of_id=original.id if original else None,
        repeat_reason=form.repeat_reason.data or None,
        intake_token=nonce,
        code_a=form.code_a.data or None,
        code_b=form.code_b.data,
        code_c=form.code_c.data,
    )


@login_required
def upload():
    """A file chosen on the worksheet is kept at once: a submission refused for another
    field does not lose it. Answers the kept files' rows and the refusals."""
    require(Permission.CASE_INTAKE)
    uploads, problems = read_uploads(request.files.getlist("attachments"))
    kept = []
    for item in uploads:
        assert item.content_type is not None  # read_uploads refused unknown types
        kept.append(
            operations.keep_upload(
                actor=current_user,
                now=clock.now(),
                filename=item.filename,
                content_type=item.content_type,
                data=item.data,
                sha256=item.sha256,
            )
        )
    status = 422 if problems and not kept else 200
    return render_template(
        "complaints/_uploads_answer.html", kept=kept, problems=[_(p) for p in problems]
    ), status


@login_required
def outlet_picker():
    """Search-as-you-type over the whole tree: name, code or district."""
    require(Permission.CASE_INTAKE)
    q = (request.args.get("q") or "").strip()
    units: Sequence[Unit] = []
    if q:
        like = f"%{q}%"
        units = db.session.scalars(
            units_query(current_user)
            .where(
                Unit.is_active.is_(True),
                Unit.member_id.is_not(None),
                or_(
                    Unit.name.ilike(like),
                    Unit.code.ilike(like),
                    Unit.district.ilike(like),
                    Unit.city.ilike(like),
                ),
            )
            .order_by((Unit.kind != UnitKind.OUTLET).asc(), Unit.path)
            .limit(20)
        ).all()
    return render_page_or_piece(
        "complaints/outlet_picker.html", "complaints/_outlet_options.html", units=units, q=q
    )


@login_required
def repeat_suggestions():
    """Earlier cases of the same customer or outlet and category. The worksheet posts
    its fields: a mobile or ID number never travels in a URL. A GET (the page twin)
    looks by outlet and category only and refuses a number."""
    require(Permission.CASE_INTAKE)
    args = request.form if request.method == "POST" else request.args
    if request.method == "GET" and (args.get("mobile") or args.get("id_number")):
        abort(400, _("手机号、证件号不能放在网址中，请在受理工作表中填写。"))
    cases = suggest_repeats(
        mobile=(args.get("mobile") or "").strip() or None,
        id_number=(args.get("id_number") or "").strip().upper() or None,
        outlet_id=args.get("outlet_id", type=int),
        category_id=args.get("category_id", type=int),
        today=clock.local_today(),
    )
    return render_page_or_piece("complaints/repeats.html", "complaints/_repeats.html", cases=cases)


@login_required
def worksheet(case_id):
    """The printable 客户投诉受理工作表 (A4, print stylesheet)."""
    case = load_case_or_404(current_user, case_id)
    if not current_user.is_association:
        abort(403)
    from portal.complaints.rules import CHANNELS

    return render_template(
        "complaints/worksheet.html",
        case=case,
        channels=CHANNELS,
        case_codes=coding.case_codes(case),
    )


@login_required
def coding_fields():
    """The worksheet's coding fieldset again after the category or the channel changed:
    B and C from the category's crosswalk, A from the channel (``complaints.coding``)."""
    require(Permission.CASE_INTAKE)
    form = IntakeForm(formdata=None)
    coding.set_choices(form)
    args = request.args
    a, b, c, walked = coding.defaults(
        category_id=args.get("category_id", type=int),
        channel=args.get("channel"),
        a=(args.get("code_a") or "").strip().upper()[:16],
        b=(args.get("code_b") or "").strip().upper()[:16],
        c=(args.get("code_c") or "").strip().upper()[:16],
        changed=args.get("changed", ""),
    )
    form.code_a.data, form.code_b.data, form.code_c.data = a, b, c
    return render_page_or_piece(
        "complaints/coding.html", "complaints/_coding.html", form=form, walked=walked
    )
