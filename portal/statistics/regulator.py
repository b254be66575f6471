"""The statistics in the regulator's shape (regulator-reporting.md): by institution group
with medians, per bank with the change against the previous period and normalised per
1,000 outlets and per 10 million personal customers, by JR/T 0169-2018 axis and by
business line (the B axis).

Basis: the regulator counts complaints, so every figure here counts the **valid**
complaints (decided valid: not ``registered``, not set aside at intake — the "valid" of
``queries._case_columns``) about a member bank (``Complaint.member_id``), received
(``received_on``, the Beijing date) in the period, in ``user``'s scope (``scope_filter`` on
the handling path, as ``queries._in_period``). A valid complaint has been forwarded, so
it lies in its member's tree: a member's own figures are exactly the association's row for
that member (the reconciliation the dashboard states and the tests hold).

Periods: every function takes a half year (``2026H1``) or a quarter (``2026Q3``); the
previous period is the one before it of the same kind (环比).

Codes: a case coded before the codes existed counts under its category's crosswalk for B
and C (``coalesce(Complaint.code_b, CategoryCode.code_b)``, an outer join); A has no
crosswalk, so an uncoded case counts as "未编码" (code None). A code deeper than the level
asked for is rolled up to its ancestor at that level (the code list's parents; a code at
level N is a prefix of its descendants); a shallower one stays itself.

Each breakdown is one pass over the period's and the previous period's valid complaints
(a CASE on the date tells them apart), grouped by member or by code; the names, groups,
outlets and customer counts are small look-ups. Plain rows (dicts) for the dashboard, the
Excel annex, the bulletin and the return alike.
"""

from collections import defaultdict
from typing import Any

from sqlalchemy import and_, case, func, select

from portal.auth.models import User
from portal.codes.models import CategoryCode
from portal.codes.queries import names as code_names
from portal.complaints.models import Complaint
from portal.complaints.rules import SET_ASIDE_STATES, State
from portal.db import db
from portal.duty.models import CustomerReport
from portal.orgs.models import Unit
from portal.orgs.rules import INSTITUTION_GROUPS, N_, UnitKind
from portal.orgs.scoping import scope_filter
from portal.statistics.rules import (
    AnyPeriod,
    change_rate,
    median,
    per_10m,
    per_1000,
    rate,
)

AXES = ("A", "B", "C")
# Marked labels (N_): translated where shown.
UNGROUPED = N_("未分组")  # a member whose institution group is not set yet
UNCODED = N_("未编码")  # a case with no code on the axis (A has no crosswalk)
INVALID_STATES = (State.REGISTERED, *SET_ASIDE_STATES)


def _valid(user: User, period: AnyPeriod, member_id: int | None = None):
    """The valid complaints about a member received in ``period`` or the one before it,
    in ``user``'s scope (optionally of one member bank)."""
    conditions = [
        scope_filter(user, Complaint.handling_path),
        Complaint.received_on >= period.previous().first_day,
        Complaint.received_on <= period.last_day,
        Complaint.state.notin_(INVALID_STATES),
        Complaint.member_id.isnot(None),
    ]
    if member_id is not None:
        conditions.append(Complaint.member_id == member_id)
    return and_(*conditions)


def _split(period: AnyPeriod):
    """(current, previous) counts of one pass over both periods."""
    current = Complaint.received_on >= period.first_day
    return (
        func.coalesce(func.sum(case((current, 1), else_=0)), 0).label("count"),
        func.coalesce(func.sum(case((current, 0), else_=1)), 0).label("previous"),
    )


def _effective(axis: str):
    """The code a case counts under on ``axis``: its own, else (B, C) its category's."""
    if axis not in AXES:
        raise ValueError(f"not an axis: {axis!r}")
    own = getattr(Complaint, f"code_{axis.lower()}")
    if axis == "A":
        return own
    return func.coalesce(own, getattr(CategoryCode, f"code_{axis.lower()}"))


# -- Per bank ------------------------------------------------------------------------


def bank_rows(user: User, period: AnyPeriod) -> list[dict]:
    """One row per member bank in scope that had valid complaints in the period or the one
    before, or that has an institution group, in the order of the unit tree."""
    stmt = (
        select(Complaint.member_id, *_split(period))
        .where(_valid(user, period))
        .group_by(Complaint.member_id)
    )
    counts = {m: (int(c), int(p)) for m, c, p in db.session.execute(stmt)}
    members = db.session.execute(
        select(Unit.id, Unit.name, Unit.path, Unit.institution_group, Unit.is_active).where(
            Unit.kind == UnitKind.MEMBER,
            scope_filter(user, Unit.path),
            (Unit.id.in_(list(counts)) | (Unit.institution_group.isnot(None) & Unit.is_active)),
        )
    ).all()
    ids = [m.id for m in members]
    outlets = _outlets(user, ids)
    customers = _customers(ids, period)
    rows = []
    for member in sorted(members, key=lambda m: _tree_order(m.path)):
        count, previous = counts.get(member.id, (0, 0))
        reported = customers.get(member.id)
        n_outlets = outlets.get(member.id, 0)
        rows.append(
            {
                "member_id": member.id,
                "member_name": member.name,
                "group": member.institution_group,
                "count": count,
                "previous": previous,
                "change": count - previous,
                "change_rate": change_rate(count, previous),
                "outlets": n_outlets,
                "customers": reported[0] if reported else None,
                "customers_as_of": reported[1] if reported else None,
                "per_1000_outlets": per_1000(count, n_outlets),
                "per_10m_customers": per_10m(count, reported[0] if reported else None),
            }
        )
    return rows


def _tree_order(path: str) -> list[int]:
    """A unit's place in the tree: its path's ids as numbers ('/1/100/' after '/1/2/',
    which a comparison of the text would put first)."""
    return [int(part) for part in path.strip("/").split("/")]


def _outlets(user: User, member_ids: list[int]) -> dict[int, int]:
    """{member_id: active outlets in its tree (within ``user``'s scope)}."""
    if not member_ids:
        return {}
    stmt = (
        select(Unit.member_id, func.count())
        .where(
            Unit.kind == UnitKind.OUTLET,
            Unit.is_active.is_(True),
            Unit.member_id.in_(member_ids),
            scope_filter(user, Unit.path),
        )
        .group_by(Unit.member_id)
    )
    return {m: int(n) for m, n in db.session.execute(stmt)}


def _customers(member_ids: list[int], period: AnyPeriod) -> dict[int, tuple[int, object]]:
    """{member_id: (personal customers, as of)} from each member's latest report dated on
    or before the period's last day (of two reports for one date, the later one)."""
    if not member_ids:
        return {}
    stmt = (
        select(CustomerReport.member_id, CustomerReport.personal_customers, CustomerReport.as_of)
        .where(
            CustomerReport.member_id.in_(member_ids),
            CustomerReport.as_of <= period.last_day,
        )
        .order_by(CustomerReport.as_of, CustomerReport.id)
    )
    latest = {}
    for member_id, customers, as_of in db.session.execute(stmt):
        latest[member_id] = (int(customers), as_of)  # the later row wins
    return latest


# -- Per institution group -------------------------------------------------------------


def group_rows(user: User, period: AnyPeriod, banks: list[dict] | None = None) -> list[dict]:
    """One row per institution group with banks in scope (in ``INSTITUTION_GROUPS``'
    order, then the members not yet placed, ``group`` None, if any): its count, share of
    the total, change, how many members, and the median per member of the count and of the
    normalised figures. ``banks``: ``bank_rows``' answer when the caller has it already."""
    banks = bank_rows(user, period) if banks is None else banks
    total = sum(b["count"] for b in banks)
    by_group: dict[str | None, list[dict]] = defaultdict(list)
    for bank in banks:
        group = bank["group"] if bank["group"] in INSTITUTION_GROUPS else None
        by_group[group].append(bank)
    rows = []
    for group in [*INSTITUTION_GROUPS, None]:
        members = by_group.get(group)
        if not members:
            continue
        count = sum(b["count"] for b in members)
        previous = sum(b["previous"] for b in members)
        rows.append(
            {
                "group": group,
                "label": INSTITUTION_GROUPS[group] if group else UNGROUPED,
                "count": count,
                "share": rate(count, total),
                "previous": previous,
                "change": count - previous,
                "change_rate": change_rate(count, previous),
                "members": len(members),
                "median": median(b["count"] for b in members),
                "median_per_1000_outlets": median(b["per_1000_outlets"] for b in members),
                "median_per_10m_customers": median(b["per_10m_customers"] for b in members),
            }
        )
    return rows


# -- By code ---------------------------------------------------------------------------


def _roll_up(level: int, known: dict | None = None):
    """A function giving the code a code counts under at ``level``: its ancestor at that
    level (by the code list's parents, or else by the longest known prefix), or itself
    when it is no deeper. ``known``: ``codes.queries.names()``, when the caller has it."""
    known = code_names() if known is None else known

    def ancestor(code: str | None) -> str | None:
        if code is None:
            return None
        if code not in known:
            prefixes = [c for c in known if code.startswith(c)]
            if not prefixes:
                return code
            code = max(prefixes, key=len)
        while known[code][3] > level and (parent := known[code][2]) is not None:
            if parent not in known:
                break
            code = parent
        return code

    return ancestor, known


def _code_counts(user, period, axis, member_id=None, by_group=False):
    """[(effective code, group or None, current, previous)] of one pass."""
    code = _effective(axis).label("code")
    group = (Unit.institution_group,) if by_group else ()
    stmt = select(code, *group, *_split(period)).where(_valid(user, period, member_id))
    if axis != "A":
        stmt = stmt.outerjoin(CategoryCode, CategoryCode.category_id == Complaint.category_id)
    if by_group:
        stmt = stmt.join(Unit, Unit.id == Complaint.member_id)
    stmt = stmt.group_by(code, *group)
    for row in db.session.execute(stmt):
        if by_group:
            yield row[0], row[1], int(row[2]), int(row[3])
        else:
            yield row[0], None, int(row[1]), int(row[2])


def code_rows(
    user: User, period: AnyPeriod, axis: str, level: int = 1, member_id: int | None = None
) -> list[dict]:
    """Valid complaints per code of ``axis`` at ``level`` (deeper codes rolled up), most
    first; the uncoded (axis A only, in practice) as code None. Codes with a count in
    either period are listed. ``member_id``: one member bank's (in scope)."""
    ancestor, known = _roll_up(level)
    counts = (
        (code, count, before)
        for code, _g, count, before in _code_counts(user, period, axis, member_id)
    )
    return _code_table(counts, ancestor, known)


def axes_rows(
    user: User, period: AnyPeriod, level: int = 1, member_id: int | None = None
) -> dict[str, list[dict]]:
    """``{axis: code_rows(user, period, axis, level, member_id)}`` for A, B and C from one
    pass over the complaints (grouped by the three codes together) instead of three: what
    the dashboard and the annex show."""
    return axes_at_levels(user, period, [level], member_id)[level]


def axes_at_levels(
    user: User, period: AnyPeriod, wanted: list[int], member_id: int | None = None
) -> dict[int, dict[str, list[dict]]]:
    """``{level: axes_rows(user, period, level, member_id)}`` for each level ``wanted``,
    from the same single pass: the dashboard stores every level, so its level control
    reads stored figures instead of counting again."""
    a, b, c = (_effective(axis).label(axis.lower()) for axis in AXES)
    stmt = (
        select(a, b, c, *_split(period))
        .where(_valid(user, period, member_id))
        .outerjoin(CategoryCode, CategoryCode.category_id == Complaint.category_id)
        .group_by(a, b, c)
    )
    combos = [(row[:3], int(row[3]), int(row[4])) for row in db.session.execute(stmt)]
    known = code_names()
    out = {}
    for level in wanted:
        ancestor, _known = _roll_up(level, known)
        out[level] = {
            axis: _code_table(
                ((codes[i], count, before) for codes, count, before in combos), ancestor, known
            )
            for i, axis in enumerate(AXES)
        }
    return out


def _code_table(counts, ancestor, known) -> list[dict]:
    """The rows of ``code_rows`` from (code, count, previous) triples."""
    current: dict[str | None, int] = defaultdict(int)
    previous: dict[str | None, int] = defaultdict(int)
    for code, count, before in counts:
        top = ancestor(code)
        current[top] += count
        previous[top] += before
    total = sum(current.values())
    rows: list[dict[str, Any]] = []
    for code in set(current) | set(previous):
        name = known.get(code) if code else None
        rows.append(
            {
                "code": code,
                "name": name[0] if name else (UNCODED if code is None else code),
                "name_en": name[1] if name else ("Uncoded" if code is None else code),
                "count": current[code],
                "share": rate(current[code], total),
                "previous": previous[code],
                "change": current[code] - previous[code],
            }
        )
    # Most first; the uncoded last among equals.
    rows.sort(key=lambda r: (-r["count"], r["code"] is None, -r["previous"], r["code"] or ""))
    return rows


def code_group_counts(
    user: User, period: AnyPeriod, axis: str, level: int = 1
) -> dict[tuple[str | None, str | None], int]:
    """{(code at ``level`` or None, institution group or None): valid complaints in the
    period}: the return's table of codes by group (pairs with no complaint left out)."""
    return code_group_counts_at_levels(user, period, axis, [level])[level]


def code_group_counts_at_levels(
    user: User, period: AnyPeriod, axis: str, wanted, known: dict | None = None
) -> dict[int, dict[tuple[str | None, str | None], int]]:
    """``{level: code_group_counts(user, period, axis, level)}`` for each level ``wanted``,
    from one pass (the return lists every level used)."""
    known = code_names() if known is None else known
    pairs = [
        (code, group if group in INSTITUTION_GROUPS else None, count)
        for code, group, count, _before in _code_counts(user, period, axis, by_group=True)
        if count
    ]
    out: dict[int, dict[tuple[str | None, str | None], int]] = {}
    for level in wanted:
        ancestor, _known = _roll_up(level, known)
        counts: dict[tuple[str | None, str | None], int] = defaultdict(int)
        for code, group, count in pairs:
            counts[(ancestor(code), group)] += count
        out[level] = dict(counts)
    return out


def business_lines(user: User, period: AnyPeriod, member_id: int | None = None) -> list[dict]:
    """The regulator's business lines (业务类别): the B axis at level 1, as ``code_rows``."""
    return code_rows(user, period, "B", 1, member_id=member_id)


def levels(axis: str, known: dict | None = None) -> list[int]:
    """The levels the code list has on ``axis`` (1 first), for the level control.
    ``known``: ``codes.queries.names()``, when the caller has it."""
    known = code_names() if known is None else known
    found = {level for code, (_n, _e, _p, level) in known.items() if code[:1] == axis}
    return sorted(found) or [1]
