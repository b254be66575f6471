from flask import request
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.auth.access import require
from portal.auth.roles import Permission
from portal.orgs.scoping import scope_filter
from portal.web.htmx import render_page_or_piece
from portal.web.pagination import paginate


def N_(text: str) -> str:  # marks a label for extraction; translated where shown
    return text


ACTION_LABELS = {
    "unit_created": N_("新增单位"),
    "unit_updated": N_("修改单位信息"),
    "unit_activated": N_("启用单位"),
    "unit_deactivated": N_("停用单位"),
    "user_created": N_("新增用户"),
    "user_updated": N_("修改用户信息"),
    "user_activated": N_("启用用户"),
    "user_deactivated": N_("停用用户"),
    "password_changed": N_("修改密码"),
    "password_reset": N_("重设密码"),
}


@login_required
def index():
    require(Permission.AUDIT_VIEW)
    query = select(AuditEntry).where(scope_filter(current_user, AuditEntry.unit_path))
    if request.args.get("action") in ACTION_LABELS:
        query = query.where(AuditEntry.action == request.args["action"])
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return render_page_or_piece(
        "admin/audit/index.html",
        "admin/audit/_table.html",
        pagination=paginate(query),
        actions=ACTION_LABELS,
    )
