from zoneinfo import ZoneInfo

from flask import current_app, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.audit.models import AuditEntry
from portal.auth.access import require
from portal.auth.roles import Permission
from portal.db import db
from portal.orgs.scoping import scope_filter
from portal.web import xlsx
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
    "signed_in": N_("登录"),
    "sign_in_failed": N_("登录失败"),
    "signed_out": N_("退出"),
    "two_factor_failed": N_("两步验证失败"),
    "two_factor_enrolled": N_("设置两步验证"),
    "recovery_codes_regenerated": N_("重新生成恢复码"),
    "two_factor_disabled": N_("关闭两步验证"),
    "two_factor_reset": N_("重置两步验证"),
    "pii_revealed": N_("查看完整个人信息"),
    "api_token_created": N_("创建接口令牌"),
    "api_token_revoked": N_("吊销接口令牌"),
    "webhook_created": N_("新增事件通知接收地址"),
    "webhook_changed": N_("修改事件通知"),
    "webhook_paused": N_("暂停事件通知"),
    "webhook_resumed": N_("恢复事件通知"),
    "webhook_secret_rotated": N_("更换事件通知签名密钥"),
}

# What an entry's details are called (a change is [before, after]; a detail one value).
DETAIL_LABELS = {
    "address": N_("地址"),
    "agent": N_("浏览器"),
    "username": N_("用户名"),
    "reason": N_("原因"),
    "case": N_("投诉"),
    "field": N_("字段"),
    "second_factor": N_("两步验证"),
}

# Values shown in words (the second factor a sign-in took or a refusal concerned).
DETAIL_VALUES = {
    "totp": N_("动态验证码"),
    "recovery_code": N_("恢复码"),
}


EXPORT_LIMIT = 50_000  # the newest entries; narrow by action for older ones


def _query():
    query = select(AuditEntry).where(scope_filter(current_user, AuditEntry.unit_path))
    if request.args.get("action") in ACTION_LABELS:
        query = query.where(AuditEntry.action == request.args["action"])
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def _details(changes: dict) -> str:
    parts = []
    for key, value in changes.items():
        label = _(DETAIL_LABELS[key]) if key in DETAIL_LABELS else key
        if isinstance(value, list) and len(value) == 2:
            value = f"{value[0] if value[0] is not None else '—'} → {value[1] if value[1] is not None else '—'}"
        elif key == "second_factor" and value in DETAIL_VALUES:
            value = _(DETAIL_VALUES[value])
        parts.append(f"{label}：{value}")
    return "；".join(parts)


@login_required
def export():
    """The audit log as Excel, as filtered on the page (the newest 50,000 entries)."""
    require(Permission.AUDIT_VIEW)
    entries = db.session.scalars(_query().options(joinedload(AuditEntry.actor)).limit(EXPORT_LIMIT))
    sheet = xlsx.Sheet(
        _("操作记录"),
        [_("时间"), _("操作人"), _("操作"), _("内容")],
        [
            [
                e.at,
                e.actor.full_name if e.actor else _("系统"),
                _(ACTION_LABELS.get(e.action, e.action)),
                _details(e.changes),
            ]
            for e in entries
        ],
    )
    return send_file(
        xlsx.workbook([sheet], tz=ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])),
        as_attachment=True,
        download_name="audit.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
def index():
    require(Permission.AUDIT_VIEW)
    query = _query()
    return render_page_or_piece(
        "admin/audit/index.html",
        "admin/audit/_table.html",
        pagination=paginate(query),
        actions=ACTION_LABELS,
        detail_labels=DETAIL_LABELS,
        detail_values=DETAIL_VALUES,
    )
