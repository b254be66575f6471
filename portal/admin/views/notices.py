"""Art. 4 notices of the campaign outlets, and the association's public contacts (Art. 5)."""

from io import BytesIO

from flask import abort, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from portal.admin.forms import ContactsForm
from portal.admin.notices import lines_for, render_notice
from portal.auth.access import require
from portal.auth.roles import Permission
from portal.db import db
from portal.duty.rules import is_email
from portal.orgs.contacts import Contacts, current_contacts, missing, save_contacts, split_emails
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import load_unit_or_404, scope_root, units_query
from portal.web import clock
from portal.web.htmx import render_page_or_piece
from portal.web.pagination import paginate


def _campaign_outlets(args):
    query = units_query(current_user).where(
        Unit.kind == UnitKind.OUTLET, Unit.in_campaign.is_(True), Unit.is_active.is_(True)
    )
    q = (args.get("q") or "").strip()
    if q:
        like = f"%{q}%"
        query = query.where(or_(Unit.name.ilike(like), Unit.code.ilike(like)))
    if args.get("missing") == "1":
        query = query.where(or_(Unit.complaint_phone.is_(None), Unit.system_phone.is_(None)))
    return query.order_by(Unit.path)


@login_required
def index():
    """Campaign outlets in scope, each with its notice and the numbers it lacks."""
    require(Permission.ORG_UNIT_VIEW)
    contacts = current_contacts()
    pagination = paginate(_campaign_outlets(request.args))
    # The outlet's own two numbers; a missing national number concerns every notice and
    # is said once, above the list.
    rows = [(outlet, missing(lines_for(outlet, contacts)[:2])) for outlet in pagination.items]
    return render_page_or_piece(
        "admin/notices/index.html",
        "admin/notices/_table.html",
        pagination=pagination,
        rows=rows,
        contacts=contacts,
        root=scope_root(current_user),
    )


@login_required
def pdf(unit_id):
    """One outlet's A4 notice; anyone who sees the outlet may print it (its officer too)."""
    outlet = load_unit_or_404(current_user, unit_id)
    if outlet.kind != UnitKind.OUTLET:
        abort(404)
    data = render_notice(outlet, current_contacts(), printed_on=clock.local_today())
    return send_file(
        BytesIO(data),
        mimetype="application/pdf",
        download_name=f"投诉电话公示-{outlet.code}.pdf",
        as_attachment=False,
    )


def _form_from(contacts: Contacts) -> ContactsForm:
    data = {
        "department": contacts.department,
        "phone": contacts.phone,
        "fax": contacts.fax or "",
        "emails": "，".join(contacts.emails),
        "national_name": contacts.national_name,
        "national_phone": contacts.national_phone or "",
    }
    return ContactsForm(formdata=None, data=data)


def _contacts_page(form, status=200, message=None):
    return render_page_or_piece(
        "admin/notices/contacts.html",
        "admin/notices/_contacts.html",
        status=status,
        form=form,
        message=message,
        contacts=current_contacts(),
    )


@login_required
def contacts():
    require(Permission.ORG_MEMBER_MANAGE)
    return _contacts_page(_form_from(current_contacts()))


@login_required
def save_contacts_view():
    require(Permission.ORG_MEMBER_MANAGE)
    form = ContactsForm()
    if not form.validate_on_submit():
        return _contacts_page(form, 422)
    emails = split_emails(form.emails.data)
    wrong = [e for e in emails if not is_email(e)]
    if wrong or not emails:
        form.emails.errors.append(
            _("电子信箱格式不正确：%(emails)s", emails="、".join(wrong))
            if wrong
            else _("请至少填写一个电子信箱。")
        )
        return _contacts_page(form, 422)
    chosen = Contacts(
        department=form.department.data.strip(),
        phone=form.phone.data.strip(),
        fax=(form.fax.data or "").strip() or None,
        emails=tuple(emails),
        national_name=form.national_name.data.strip(),
        national_phone=(form.national_phone.data or "").strip() or None,
    )
    association = db.session.scalar(select(Unit).where(Unit.kind == UnitKind.ASSOCIATION))
    save_contacts(chosen, actor=current_user, association=association, now=clock.now())
    return _contacts_page(
        _form_from(chosen), message=_("公开联系方式已保存，页脚、公示和受理工作表随即使用新信息。")
    )
