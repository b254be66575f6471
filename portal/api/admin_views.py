"""系统对接 (/settings/api): a member administrator's tokens for the bank's own systems
and its webhook endpoints; the association's administrator reads every bank's.

A token and a webhook's signing secret are shown once, on the answer to the request
that made them (never stored readable, never in a redirect or the session). Everything
goes through ``api.tokens`` and ``api.webhooks``, scoped by ``orgs.scoping``: another
bank's token or endpoint answers 404, like one that does not exist."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from portal.api import webhooks
from portal.api.models import ApiToken
from portal.api.tokens import (
    TokenError,
    create_token,
    member_of,
    revoke_token,
    token_problem,
    tokens_query,
)
from portal.auth.access import require
from portal.auth.models import User
from portal.auth.roles import MEMBER_ROLES, ROLE_LABELS, Permission, Role
from portal.db import db
from portal.orgs.models import Unit
from portal.orgs.scoping import users_query
from portal.web import clock
from portal.web.forms import PortalForm

# Who manages a bank's systems: its administrator, who manages its users (a token acts
# as one of them). The association's administrator holds the permission too, and reads.
MANAGE = Permission.USER_MANAGE
MAX_ID = 2**31 - 1


class ConfirmForm(PortalForm):
    """CSRF token only, for a confirmed action."""


class TokenForm(PortalForm):
    name = StringField(_l("系统名称"), validators=[DataRequired(), Length(max=80)])
    user_id = SelectField(
        _l("以哪位用户的身份操作"), coerce=int, validators=[DataRequired()], validate_choice=True
    )


class EndpointForm(PortalForm):
    url = StringField(_l("接收地址（URL）"), validators=[DataRequired(), Length(max=200)])
    events = SelectMultipleField(
        _l("通知哪些事件"),
        choices=[SelectChoice(name, _l(label)) for name, label in webhooks.EVENTS.items()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        default=["case.forwarded", "case.sent_back"],
    )


class EventsForm(PortalForm):
    events = EndpointForm.events


def _own_member() -> Unit | None:
    """The member bank whose systems the signed-in administrator manages; None for the
    association (which reads only)."""
    if Role(current_user.role) not in MEMBER_ROLES:
        return None
    return member_of(current_user)


def _managing_member() -> Unit:
    require(MANAGE)
    member = _own_member()
    if member is None:
        abort(403)  # the association reads every bank's, changes none
    return member


def _acting_users(member: Unit) -> list[User]:
    """The bank's active users a token may act as."""
    users = db.session.scalars(
        users_query(current_user).where(User.is_active.is_(True)).order_by(Unit.path, User.username)
    ).all()
    return [u for u in users if token_problem(u) is None and member_of(u).id == member.id]


def _token_form(member: Unit, formdata=None) -> TokenForm:
    form = TokenForm(formdata=formdata) if formdata is not None else TokenForm()
    form.user_id.choices = [
        SelectChoice(
            u.id, f"{u.full_name}（{u.username}，{_(ROLE_LABELS[Role(u.role)])}，{u.unit.name}）"
        )
        for u in _acting_users(member)
    ]
    return form


def _page(status: int = 200, *, token_form=None, endpoint_form=None):
    require(MANAGE)
    member = _own_member()
    tokens = db.session.scalars(tokens_query(current_user).limit(500)).all()
    endpoints = db.session.scalars(webhooks.endpoints_query(current_user)).all()
    deliveries = (
        {e.id: webhooks.recent_deliveries(e) for e in endpoints} if member is not None else {}
    )
    if member is not None:
        token_form = token_form or _token_form(member)
        endpoint_form = endpoint_form or EndpointForm()
    html = render_template(
        "api/admin/index.html",
        member=member,
        tokens=tokens,
        endpoints=endpoints,
        deliveries=deliveries,
        token_form=token_form,
        endpoint_form=endpoint_form,
        confirm_form=ConfirmForm(),
        events=webhooks.EVENTS,
        max_endpoints=webhooks.MAX_ENDPOINTS,
    )
    return html, status


@login_required
def index():
    return _page()


@login_required
def create_token_view():
    member = _managing_member()
    form = _token_form(member, request.form)
    if not form.validate():
        return _page(422, token_form=form)
    user = next(u for u in _acting_users(member) if u.id == form.user_id.data)
    try:
        token, raw = create_token(
            user=user, name=form.name.data or "", actor=current_user, now=clock.now()
        )
    except TokenError as error:
        form.name.errors.append(str(error))
        return _page(422, token_form=form)
    return render_template("api/admin/token_created.html", token=token, raw=raw)


def _load_token_or_404(token_id: int) -> ApiToken:
    token = (
        db.session.scalar(tokens_query(current_user).where(ApiToken.id == token_id))
        if token_id <= MAX_ID
        else None
    )
    if token is None:
        abort(404)
    return token


@login_required
def revoke_token_view(token_id: int):
    token = _load_token_or_404(token_id)  # another bank's: 404 before anything else
    _managing_member()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if revoke_token(token, actor=current_user, now=clock.now()):
        flash(
            _(
                "已吊销令牌 %(prefix)s…（%(name)s），使用它的系统将无法再访问。",
                prefix=token.prefix,
                name=token.name,
            ),
            "success",
        )
    else:
        flash(_("该令牌此前已吊销。"), "warning")
    return redirect(url_for("api_screens.settings"))


def _load_endpoint_or_404(endpoint_id: int) -> webhooks.WebhookEndpoint:
    if endpoint_id > MAX_ID:
        abort(404)
    return webhooks.load_endpoint_or_404(current_user, endpoint_id)


@login_required
def create_endpoint_view():
    member = _managing_member()
    form = EndpointForm(formdata=request.form)
    if not form.validate():
        return _page(422, endpoint_form=form)
    try:
        endpoint, secret = webhooks.create_endpoint(
            member,
            url=form.url.data or "",
            events=form.events.data,
            actor=current_user,
            now=clock.now(),
        )
    except webhooks.WebhookError as error:
        field = getattr(form, error.field, None) if error.field else None
        (field.errors if field is not None else form.form_errors).append(_(str(error)))
        return _page(422, endpoint_form=form)
    return render_template(
        "api/admin/secret_shown.html", endpoint=endpoint, secret=secret, new=True
    )


@login_required
def endpoint_active_view(endpoint_id: int):
    endpoint = _load_endpoint_or_404(endpoint_id)
    _managing_member()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    if webhooks.set_active(endpoint, active, actor=current_user, now=clock.now()):
        flash(
            _("已恢复向 %(url)s 发送通知。", url=endpoint.url)
            if active
            else _("已暂停向 %(url)s 发送通知。", url=endpoint.url),
            "success",
        )
    return redirect(url_for("api_screens.settings"))


@login_required
def endpoint_events_view(endpoint_id: int):
    endpoint = _load_endpoint_or_404(endpoint_id)
    _managing_member()
    form = EventsForm(formdata=request.form)
    if not form.validate():
        abort(400)
    try:
        changed = webhooks.change_events(
            endpoint, form.events.data, actor=current_user, now=clock.now()
        )
    except webhooks.WebhookError as error:
        flash(_(str(error)), "error")
        return redirect(url_for("api_screens.settings"))
    if changed:
        flash(_("已更新 %(url)s 接收的事件。", url=endpoint.url), "success")
    return redirect(url_for("api_screens.settings"))


@login_required
def rotate_secret_view(endpoint_id: int):
    endpoint = _load_endpoint_or_404(endpoint_id)
    _managing_member()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    secret = webhooks.rotate_secret(endpoint, actor=current_user, now=clock.now())
    return render_template(
        "api/admin/secret_shown.html", endpoint=endpoint, secret=secret, new=False
    )


def docs():
    """The OpenAPI document for reading (Swagger UI, vendored): no sign-in needed."""
    return render_template("api/docs.html", spec_url=url_for("api.openapi"))
