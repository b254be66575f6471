"""The dashboard's period figures, stored per view and refreshed in the background.

Over a national data set a period holds a hundred thousand complaints and half a
million clocks: aggregating them takes seconds, far beyond a page's budget. So each
dashboard view (scope, period, member and category filters) keeps its figures in
``statistics_snapshot``; a request serves them while they are younger than
``STATISTICS_MAX_AGE`` seconds and computes them afresh (and stores them) otherwise.
``flask statistics refresh``, run from cron every few minutes, recomputes the views read
in the last day, so that readers almost never wait. The page says when its figures were
computed. The numbers are exactly those of ``portal.statistics.queries`` at that moment,
the same functions the Excel export and the bulletin call live; the "open now" counts
on the dashboard are never stored (``queries.open_now``).
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from portal.auth.models import User
from portal.codes.queries import names as code_names
from portal.db import db, dialect_insert
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import scope_root
from portal.statistics import queries, regulator
from portal.statistics.models import StatisticsSnapshot
from portal.statistics.rules import AnyPeriod, parse_any_period

READ_MARK = timedelta(hours=1)  # how stale ``read_at`` may get before a read rewrites it
KEEP_WARM = timedelta(days=1)  # views read within this are refreshed by the command


def figures(user: User, period: AnyPeriod, **filters) -> dict:
    """Every period table of the dashboard, computed now (plain JSON-ready data)."""
    head, rows = queries.overview(user, period, **filters)
    return {
        "head": head,
        "rows": rows,
        "cats": queries.by_category(user, period, **filters),
        "channels": queries.by_channel(user, period, **filters),
        "outlets": queries.top_outlets(user, period, **filters),
        "months": queries.by_month(user, period, **filters),
        "regulator": regulator_figures(user, period, **filters),
    }


def regulator_figures(user: User, period: AnyPeriod, member_id=None, category_id=None) -> dict:
    """The dashboard's section in the regulator's shape (``statistics.regulator``), as
    JSON-ready data. The regulator's figures do not break down by the association's
    categories: with a category filter the section is left out (``available`` False).
    The groups and their medians compare banks, so they are shown to the association's
    view of every member only: a member's page never holds another bank's figures."""
    if category_id:
        return {"available": False}
    banks = regulator.bank_rows(user, period)
    groups = None
    if scope_root(user).kind == UnitKind.ASSOCIATION and not member_id:
        groups = regulator.group_rows(user, period, banks)
    if member_id:
        banks = [b for b in banks if b["member_id"] == member_id]
    for bank in banks:  # JSON has no dates
        bank["customers_as_of"] = (
            bank["customers_as_of"].isoformat() if bank["customers_as_of"] else None
        )
    # One pass for the three axes at every level of the list (the level control reads
    # them from here); the business lines are the B axis at level 1.
    known = code_names()
    levels = {axis: regulator.levels(axis, known) for axis in regulator.AXES}
    by_level = regulator.axes_at_levels(
        user, period, sorted({n for found in levels.values() for n in found}), member_id
    )
    return {
        "available": True,
        "banks": banks,
        "groups": groups,
        "codes": by_level[1],
        # JSON keys are text: "2" -> {axis: rows}
        "codes_by_level": {str(n): rows for n, rows in by_level.items()},
        "levels": levels,
    }


def key_of(scope_unit_id: int, period: AnyPeriod, member_id=None, category_id=None) -> str:
    return f"{scope_unit_id}:{period.code}:{member_id or '-'}:{category_id or '-'}"


def dashboard_snapshot(user: User, period: AnyPeriod, *, now: datetime, **filters):
    """The view's stored figures (a ``StatisticsSnapshot``): the stored row while fresh,
    else computed now and stored."""
    root = scope_root(user)
    key = key_of(root.id, period, filters.get("member_id"), filters.get("category_id"))
    max_age = timedelta(seconds=current_app.config["STATISTICS_MAX_AGE"])
    stored = db.session.scalar(select(StatisticsSnapshot).where(StatisticsSnapshot.key == key))
    if stored is not None and stored.computed_at > now - max_age:
        if stored.read_at < now - READ_MARK:
            stored.read_at = now
        return stored
    _store(key, root.id, period, filters, figures(user, period, **filters), now)
    db.session.flush()
    stored = db.session.scalar(
        select(StatisticsSnapshot)
        .where(StatisticsSnapshot.key == key)
        .execution_options(populate_existing=True)
    )
    return stored


def rendered(snapshot: StatisticsSnapshot, language: str, render) -> str:
    """The HTML of the snapshot's figures in ``language``: rendered by ``render(data)``
    once and kept with the snapshot (the figures, and so the HTML, only change when the
    snapshot is recomputed, which empties it)."""
    html = (snapshot.rendered or {}).get(language)
    if html is None:
        html = render(snapshot.data)
        snapshot.rendered = {**(snapshot.rendered or {}), language: html}
    return html


def _store(key: str, scope_unit_id: int, period: AnyPeriod, filters: dict, data: dict, now):
    """Insert or replace the view's row in one statement (two first readers may race)."""
    values = {
        "key": key,
        "scope_unit_id": scope_unit_id,
        "period": period.code,
        "member_id": filters.get("member_id"),
        "category_id": filters.get("category_id"),
        "data": data,
        "rendered": {},
        "computed_at": now,
        "read_at": now,
    }
    statement = dialect_insert(StatisticsSnapshot).values(**values)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["key"],
            set_={
                "data": statement.excluded.data,
                "rendered": statement.excluded.rendered,
                "computed_at": statement.excluded.computed_at,
            },
        )
    )


def refresh(now: datetime) -> int:
    """Recompute every view read within ``KEEP_WARM``; returns how many."""
    views = db.session.execute(
        select(
            StatisticsSnapshot.key,
            StatisticsSnapshot.scope_unit_id,
            StatisticsSnapshot.period,
            StatisticsSnapshot.member_id,
            StatisticsSnapshot.category_id,
        ).where(StatisticsSnapshot.read_at >= now - KEEP_WARM)
    ).all()
    done = 0
    for key, scope_unit_id, period_code, member_id, category_id in views:
        reader = _reader(scope_unit_id)
        if reader is None:
            continue
        filters = {k: v for k, v in (("member_id", member_id), ("category_id", category_id)) if v}
        period = parse_any_period(period_code)  # a half year or a quarter
        _store(key, scope_unit_id, period, filters, figures(reader, period, **filters), now)
        db.session.commit()
        done += 1
    return done


def _reader(scope_unit_id: int) -> User | None:
    """A user whose scope is that unit (the figures depend on the scope only)."""
    from portal.orgs.models import Unit

    candidates = db.session.scalars(
        select(User)
        .join(User.unit)
        .where((Unit.id == scope_unit_id) | (Unit.member_id == scope_unit_id))
        .order_by(Unit.path, User.id)
        .limit(50)
    )
    return next((u for u in candidates if scope_root(u).id == scope_unit_id), None)
