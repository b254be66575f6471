"""The statistics dashboard and its Excel export (Art. 8(4), 8(5)).

Association and members share one page: the figures are scoped by the user, so a member
sees its own subtree. Every number links to the filtered case list that produces it.
"""

from flask import render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from markupsafe import Markup

from portal.auth.access import require
from portal.auth.roles import Permission
from portal.complaints.models import Category
from portal.complaints.rules import CHANNELS
from portal.db import db
from portal.deadlines.rules import LIFECYCLE_KINDS, RULES
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import load_unit_or_404, scope_root
from portal.statistics import charts, export, published, queries, rate_line_views, snapshots
from portal.statistics.rules import (
    LINE_STAGES,
    Period,
    below_line,
    parse_period,
    percent,
    period_of,
)
from portal.web import clock
from portal.web.htmx import render_page_or_piece, wants_piece


def _filters(args) -> tuple[Period | None, dict, str | None]:
    """(period, {member_id, category_id}, error) from the query string."""
    text = args.get("period") or period_of(clock.local_today()).code
    try:
        period = parse_period(text)
    except ValueError:
        return None, {}, "期间格式应为 2026H1 或 2026H2。"
    if period.year > clock.local_today().year + 1:  # as any date: at most a year ahead
        return None, {}, "期间格式应为 2026H1 或 2026H2。"
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


def _published_note(period: Period, filters: dict, live: dict) -> dict | None:
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
    data: dict, period: Period, filters: dict, computed_at, line_percent: int
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


def _inbox_link(period: Period, filters: dict):
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
