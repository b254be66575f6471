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
from portal.db import db, dialect_insert
from portal.orgs.scoping import scope_root
from portal.statistics import queries
from portal.statistics.models import StatisticsSnapshot
from portal.statistics.rules import Period, parse_period

READ_MARK = timedelta(hours=1)  # how stale ``read_at`` may get before a read rewrites it
KEEP_WARM = timedelta(days=1)  # views read within this are refreshed by the command


def figures(user: User, period: Period, **filters) -> dict:
    """Every period table of the dashboard, computed now (plain JSON-ready data)."""
    head, rows = queries.overview(user, period, **filters)
    return {
        "head": head,
        "rows": rows,
        "cats": queries.by_category(user, period, **filters),
        "channels": queries.by_channel(user, period, **filters),
        "outlets": queries.top_outlets(user, period, **filters),
        "months": queries.by_month(user, period, **filters),
    }


def key_of(scope_unit_id: int, period: Period, member_id=None, category_id=None) -> str:
    return f"{scope_unit_id}:{period.code}:{member_id or '-'}:{category_id or '-'}"


def dashboard_snapshot(user: User, period: Period, *, now: datetime, **filters):
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


def _store(key: str, scope_unit_id: int, period: Period, filters: dict, data: dict, now):
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
        period = parse_period(period_code)
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
