"""Campaign seasons, the eligibility register (Art. 12(3)) and the trigger thresholds."""

from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.accountability import forms, operations, queries
from portal.accountability.models import Season
from portal.accountability.rules import Thresholds
from portal.auth.access import can, require
from portal.auth.roles import Permission
from portal.db import db
from portal.web import clock
from portal.web.htmx import render_page_or_piece

AWARD_LABELS = {
    "organisation": _l("优服创建活动组织奖"),  # Art. 12(3): the member bank
    "outlet": _l("“先进服务单位”评选"),  # Art. 12(3): the outlets concerned
}


def _register(season_form=None, status=200):
    seasons = queries.seasons()
    chosen = request.args.get("season", type=int)
    season = next((s for s in seasons if s.id == chosen), None)
    if chosen and season is None:
        abort(404)
    season = (
        season or queries.current_season(clock.local_today()) or (seasons[0] if seasons else None)
    )
    return render_page_or_piece(
        "accountability/eligibility.html",
        "accountability/_eligibility.html",
        status=status,
        seasons=seasons,
        season=season,
        entries=queries.disqualifications(current_user, season) if season else [],
        award_labels=AWARD_LABELS,
        form=season_form
        or (forms.SeasonForm(formdata=None) if can(Permission.ACCOUNTABILITY_CONFIGURE) else None),
    )


@login_required
def eligibility():
    require(Permission.ACCOUNTABILITY_VIEW)
    return _register()


@login_required
def create_season():
    require(Permission.ACCOUNTABILITY_CONFIGURE)
    form = forms.SeasonForm()
    if form.validate_on_submit():
        if db.session.scalar(select(Season.id).where(Season.name == form.name.data.strip())):
            form.name.errors.append(_("该赛季名称已存在。"))
        else:
            db.session.add(
                Season(
                    name=form.name.data.strip(),
                    starts_on=form.starts_on.data,
                    ends_on=form.ends_on.data,
                )
            )
            db.session.flush()
            return _register()
    return _register(form, 422)


def _thresholds_page(form, status=200):
    return render_page_or_piece(
        "accountability/thresholds.html",
        "accountability/_thresholds.html",
        status=status,
        form=form,
    )


@login_required
def thresholds():
    require(Permission.ACCOUNTABILITY_CONFIGURE)
    current = operations.thresholds()
    form = forms.ThresholdsForm(formdata=None, obj=current)
    return _thresholds_page(form)


@login_required
def update_thresholds():
    require(Permission.ACCOUNTABILITY_CONFIGURE)
    form = forms.ThresholdsForm()
    if not form.validate_on_submit():
        return _thresholds_page(form, 422)
    values = Thresholds(
        form.repeat_chain.data, form.recurring_count.data, form.recurring_months.data
    )
    operations.update_thresholds(values, actor=current_user, now=clock.now())
    return _thresholds_page(form)
