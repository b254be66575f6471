"""Intake at the association's desk (Art. 8): the worksheet, the outlet picker, repeat
suggestions, the printable worksheet."""

from collections.abc import Sequence

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from portal.auth.access import require
from portal.auth.roles import Permission
from portal.complaints import operations
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
    return outlet, original


@login_required
def create():
    require(Permission.CASE_INTAKE)
    form = IntakeForm()
    form.category_id.choices = _category_choices()
    kept = operations.pending_uploads(current_user, request.form.getlist("upload_id"))
    if request.method == "GET":
        form.received_at.data = (
            clock.now().astimezone(clock.tz()).replace(tzinfo=None, second=0, microsecond=0)
        )
    else:
        outlet, original = _check(form)
        # Files sent with the form itself (no script to send them as they were chosen).
        uploads, problems = read_uploads(request.files.getlist(form.attachments.name))
        form.attachments.errors.extend(_(p) for p in problems)
        if outlet is not None and not form.errors:
            case = operations.create_complaint(
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
            )
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
        "complaints/intake.html", form=form, outlet=outlet, kept=kept
    ), 422 if form.errors else 200


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
    require(Permission.CASE_INTAKE)
    args = request.args
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

    return render_template("complaints/worksheet.html", case=case, channels=CHANNELS)
