"""The association's duty screens (Art. 6, 7): every member's reported contacts and duty
handlers with gap markers, its Excel export, the feed of contact changes, and the gaps
across members at a glance. The feed is scoped: a member's people see their own only."""

from io import BytesIO

from flask import request, send_file
from flask_login import current_user, login_required

from portal.auth.access import require
from portal.auth.roles import Permission
from portal.db import db
from portal.duty import queries
from portal.duty.export import directory_workbook
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import units_query
from portal.web import clock
from portal.web.htmx import render_page_or_piece
from portal.web.pagination import paginate


@login_required
def directory():
    require(Permission.DUTY_DIRECTORY_VIEW)
    rows = queries.directory_rows(current_user, clock.now())
    only_gaps = request.args.get("gaps") == "1"
    if only_gaps:
        rows = [r for r in rows if r.answer.is_gap or r.gap_plans]
    customers = queries.latest_customers([r.member.id for r in rows if r.is_member_row])
    return render_page_or_piece(
        "duty/directory.html",
        "duty/_directory.html",
        rows=rows,
        only_gaps=only_gaps,
        customers=customers,
    )


@login_required
def export_directory():
    require(Permission.DUTY_DIRECTORY_VIEW)
    now = clock.now()
    content = directory_workbook(queries.directory_rows(current_user, now), now, queries.local_tz())
    day = queries.local_today(now).strftime("%Y%m%d")
    response = send_file(
        BytesIO(content),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"会员单位投诉联络名录-{day}.xlsx",
    )
    response.headers["Cache-Control"] = "no-store"  # personal phone numbers
    return response


def _members() -> list[Unit]:
    query = units_query(current_user).where(Unit.kind == UnitKind.MEMBER).order_by(Unit.code)
    return list(db.session.scalars(query))


@login_required
def changes():
    require(Permission.DUTY_CHANGES_VIEW)
    member_id = request.args.get("member", type=int)
    query = queries.changes_query(current_user, member_id)
    return render_page_or_piece(
        "duty/changes.html",
        "duty/_changes.html",
        pagination=paginate(query),
        members=_members(),
        member_id=member_id,
    )


@login_required
def gaps():
    require(Permission.DUTY_DIRECTORY_VIEW)
    rows = queries.directory_rows(current_user, clock.now())
    flagged = [r for r in rows if r.answer.is_gap or r.gap_plans]
    return render_page_or_piece("duty/gaps.html", "duty/_gaps.html", rows=flagged, total=len(rows))
