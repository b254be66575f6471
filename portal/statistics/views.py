"""The statistics dashboard and its Excel export (Art. 8(4), 8(5)).

Association and members share one page: the figures are scoped by the user, so a member
sees its own subtree. Every number links to the filtered case list that produces it.
"""

from datetime import date
from typing import Any

from flask import abort, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from markupsafe import Markup

from portal.auth.access import require
from portal.auth.roles import Permission
from portal.codes.rules import AXES, AXES_EN
from portal.complaints.models import Category
from portal.complaints.rules import CHANNELS
from portal.db import db
from portal.deadlines.rules import LIFECYCLE_KINDS, RULES
from portal.orgs.models import Unit
from portal.orgs.rules import INSTITUTION_GROUPS, N_, UnitKind
from portal.orgs.scoping import load_unit_or_404, scope_root
from portal.statistics import (
    charts,
    export,
    published,
    queries,
    rate_line_views,
    regulator,
    snapshots,
)
from portal.statistics.rules import (
    LINE_STAGES,
    AnyPeriod,
    below_line,
    parse_any_period,
    percent,
    period_of,
    signed,
    signed_percent,
)
from portal.web import clock
from portal.web.htmx import render_page_or_piece, wants_piece

PERIOD_ERROR = N_("期间格式应为 2026H1、2026H2（半年）或 2026Q1 至 2026Q4（季度）。")


def _filters(args) -> tuple[AnyPeriod | None, dict, str | None]:
    """(period, {member_id, category_id}, error) from the query string. A period is a
    half year (the bulletin's, Art. 8(4)) or a quarter (the regulator's)."""
    text = args.get("period") or period_of(clock.local_today()).code
    try:
        period = parse_any_period(text)
    except ValueError:
        return None, {}, PERIOD_ERROR
    if period.year > clock.local_today().year + 1:  # as any date: at most a year ahead
        return None, {}, PERIOD_ERROR
    filters = {}
    if member := args.get("member", type=int):
        filters["member_id"] = load_unit_or_404(current_user, member).id  # scoped: 404 outside
    if category := args.get("category", type=int):
        filters["category_id"] = category
    return period, filters, None


def _chosen(filters: dict) -> dict:
    """The filter form's chosen member and category, the only options the page carries:
    its lists load when first opened (``complaints.views.cases.filter_options``)."""
    if wants_piece():
        return {}
    return {
        "chosen_member": db.session.get(Unit, filters["member_id"])
        if "member_id" in filters
        else None,
        "chosen_category": db.session.get(Category, filters["category_id"])
        if "category_id" in filters
        else None,
    }


@login_required
def dashboard():
    require(Permission.STATISTICS_VIEW)
    period, filters, error = _filters(request.args)
    context = {
        "error": error,
        **_chosen(filters),
        "args": request.args,
        "period": period,
        "filters": filters,
    }
    if error or period is None:  # a period is missing only with an error
        return render_page_or_piece(
            "statistics/dashboard.html", "statistics/_tables.html", status=422, **context
        )
    snapshot = snapshots.dashboard_snapshot(current_user, period, now=clock.now(), **filters)
    line = rate_line_views.panel_context(period, snapshot.data["rows"], filters)
    context |= {
        **line,
        "period_html": Markup(
            snapshots.rendered(
                snapshot,
                # The marks depend on the line: one rendering per language and line.
                f"{get_locale()}:{line['line_percent']}",
                lambda data: _render_period(
                    data, period, filters, snapshot.computed_at, line["line_percent"]
                ),
            )
        ),
        "regulator_html": Markup(
            snapshots.rendered(
                snapshot,
                f"{get_locale()}:regulator",
                lambda data: _render_regulator(
                    data.get("regulator")
                    or snapshots.regulator_figures(current_user, period, **filters),
                    period,
                    filters,
                ),
            )
        ),
        "open_now": _open_now(filters),
        "published_note": _published_note(period, filters, snapshot.data["head"]),
        "open_link": lambda **extra: url_for(
            "complaints.inbox",
            **{
                k: v
                for k, v in (
                    ("unit", filters.get("member_id")),
                    ("category", filters.get("category_id")),
                )
                if v
            },
            **extra,
        ),
    }
    return render_page_or_piece("statistics/dashboard.html", "statistics/_tables.html", **context)


def _open_now(filters: dict) -> dict:
    """The dashboard's first panel: cases open now, for the member/category filters."""
    member = db.session.get(Unit, filters["member_id"]) if "member_id" in filters else None
    return queries.open_now(
        current_user,
        now=clock.now(),
        tz=clock.tz(),
        member=member,
        category_id=filters.get("category_id"),
    )


def _published_note(period: AnyPeriod, filters: dict, live: dict) -> dict | None:
    """What the period's published bulletin counted for this view (the province, or one
    member) and which counts have moved since: the dashboard counts live (Art. 8(4)).
    None when nothing was published, or for views the bulletin has no figures for (a
    category, a branch)."""
    if filters.get("category_id") or (frozen := published.latest(period.code)) is None:
        return None
    root = scope_root(current_user)
    member_id = filters.get("member_id")
    if member_id is None and root.kind == UnitKind.MEMBER:
        member_id = root.id
    elif member_id is None and root.kind != UnitKind.ASSOCIATION:
        return None
    figures = published.figures_for(frozen, member_id) or {}
    basis = live
    if root.kind == UnitKind.MEMBER:
        # The bulletin counts every case about the member; this page only those handed
        # to it (tenancy): compare like with like, and say how many the page leaves out.
        basis = queries.member_counts(period, root.id, published.COMPARED_COUNTS)
    return {
        "bulletin_id": frozen.bulletin_id,
        "version": frozen.version,
        "published_at": frozen.published_at,
        "figures": figures,
        "differences": published.differences(figures, basis),
        "kept_by_association": basis["received"] - (live.get("received") or 0),
    }


def _render_period(
    data: dict, period: AnyPeriod, filters: dict, computed_at, line_percent: int
) -> str:
    """The period section of the dashboard from stored figures (same for every reader of
    the view in one language, under one line)."""
    return render_template(
        "statistics/_period.html",
        period=period,
        computed_at=computed_at,
        head=data["head"],
        rows=data["rows"],
        cats=data["cats"],
        channels=data["channels"],
        outlets=data["outlets"],
        kinds=[(k.value, RULES[k].label) for k in LIFECYCLE_KINDS],
        channel_labels=CHANNELS,
        percent=percent,
        line_percent=line_percent,
        below=lambda kind, value: (
            kind in LINE_STAGES and bool(below_line(value, line_percent / 100))
        ),
        link=_inbox_link(period, filters),
        month_svg=charts.month_chart(data["months"]),
        category_svg=charts.category_chart(data["cats"]),
    )


def _render_regulator(data: dict, period: AnyPeriod, filters: dict) -> str:
    """The dashboard's section in the regulator's shape from stored figures."""
    root = scope_root(current_user)
    own = root if root.kind == UnitKind.MEMBER else None
    return render_template(
        "statistics/_regulator.html",
        period=period,
        data=_with_dates(data),
        own_member=own,
        filters=filters,
        valid_link=_valid_link(filters),
        **regulator_helpers(),
    )


def regulator_helpers() -> dict:
    """The formatting of the regulator's figures, shared by its templates."""
    return {
        "axis_names": AXES,
        "axis_names_en": AXES_EN,
        "groups": INSTITUTION_GROUPS,
        "percent": percent,
        "signed": signed,
        "signed_percent": signed_percent,
        "figure": _figure,
        "reg_levels": regulator.levels,
    }


def _figure(value, digits: int = 1) -> str:
    """A normalised figure or a median: "12.5", "3" for a whole number, "—" for none."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def _with_dates(data: dict) -> dict:
    """The stored section with its dates back as dates (JSON holds them as text)."""
    for bank in data.get("banks") or []:
        if isinstance(bank.get("customers_as_of"), str):
            bank["customers_as_of"] = date.fromisoformat(bank["customers_as_of"])
    return data


def _valid_link(filters: dict):
    """The case list of the valid complaints of a period (the regulator's basis), of one
    member: what a bank's count in the regulator's section counts."""

    def link(period: AnyPeriod, member_id: int | None = None):
        args: dict[str, Any] = {
            "state": "valid",
            "from": period.first_day.isoformat(),
            "to": period.last_day.isoformat(),
        }
        if member_id or filters.get("member_id"):
            args["unit"] = member_id or filters["member_id"]
        return url_for("complaints.inbox", **args)

    return link


@login_required
def codes():
    """One axis's codes at a chosen level (the level control of the regulator's section),
    from the view's stored figures, as the level-1 tables on the dashboard."""
    require(Permission.STATISTICS_VIEW)
    period, filters, error = _filters(request.args)
    axis = request.args.get("axis", "B")
    if axis not in regulator.AXES:
        abort(404)
    levels = regulator.levels(axis)
    level = request.args.get("level", 1, type=int)
    if error or period is None or level not in levels or filters.get("category_id"):
        abort(404)
    # The dashboard's stored figures hold every level (``snapshots.regulator_figures``);
    # a snapshot stored before they did is counted live.
    snapshot = snapshots.dashboard_snapshot(current_user, period, now=clock.now(), **filters)
    stored = ((snapshot.data.get("regulator") or {}).get("codes_by_level") or {}).get(str(level))
    if stored is not None:
        rows = stored[axis]
    else:
        rows = regulator.code_rows(
            current_user, period, axis, level, member_id=filters.get("member_id")
        )
    return render_page_or_piece(
        "statistics/codes.html",
        "statistics/_codes.html",
        period=period,
        axis=axis,
        level=level,
        levels=levels,
        rows=rows,
        filters=filters,
        **regulator_helpers(),
    )


def _inbox_link(period: AnyPeriod, filters: dict):
    """The case list behind a number: same period, member and category, plus ``extra``."""
    base = {"state": "all", "from": period.first_day.isoformat(), "to": period.last_day.isoformat()}
    if filters.get("member_id"):
        base["unit"] = filters["member_id"]
    if filters.get("category_id"):
        base["category"] = filters["category_id"]
    return lambda **extra: url_for("complaints.inbox", **(base | extra))


@login_required
def export_tables():
    require(Permission.STATISTICS_VIEW)
    period, filters, error = _filters(request.args)
    if error or period is None:  # a period is missing only with an error
        period, filters = period_of(clock.local_today()), {}
    return send_file(
        export.workbook(current_user, period, _open_now(filters), **filters),
        as_attachment=True,
        download_name=f"statistics-{period.code}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
