"""What a return says: its figures, taken only from ``portal.statistics.regulator`` (the
regulator's basis: valid complaints, by code, institution group and bank) and
``portal.statistics.queries`` (the Art. 11 clocks and the Art. 12 decisions), so the
return, the dashboard, the Excel annex and the bulletin count the same way.

The figures are plain JSON (stored with the version, frozen): the CSV and the workbook
are both written from them (``writers``), so the two files cannot disagree. They are in
the regulator's language, Chinese, whatever the screen's: what was sent stays as sent.
"""

from datetime import datetime

from sqlalchemy import select

from portal.accountability.rules import STATE_LABELS, TRIGGER_LABELS
from portal.auth.models import User
from portal.codes.queries import current_version
from portal.codes.queries import names as code_names
from portal.db import db
from portal.deadlines.rules import DEADLINE_TZ, RULES, ClockKind
from portal.orgs.models import Unit
from portal.orgs.rules import INSTITUTION_GROUPS
from portal.statistics import queries, regulator
from portal.statistics.rules import LINE_STAGES, AnyPeriod
from portal.workdays.store import current_calendar

AXIS_NAMES = {"A": "业务办理渠道", "B": "业务类别", "C": "投诉原因"}
ALL = "ALL"  # the key of a total row or column (a code or a group)
TOTAL_NAME = "合计"
BASIS = (
    "有效投诉：协会受理审查认定有效的投诉（不含待审查、无效、不属受理范围、重复登记），"
    "按收到日期（北京时间）计入期间，按被投诉会员单位统计；"
    "未编码的投诉按其投诉类别的对照编码计入业务类别、投诉原因。"
)
TIMELINESS_BASIS = (
    "第十一条办理时限：本期间收到的投诉各环节期限中已完成者，按时完成数/已完成数；"
    "工作日按国务院公布的节假日安排计算。"
)
STEPS = tuple(LINE_STAGES)  # forward, accept, verify, report, branch_reply (Art. 7, 11)


def _group_name(group: str | None) -> str:
    return INSTITUTION_GROUPS[group] if group in INSTITUTION_GROUPS else regulator.UNGROUPED


def _depth_used(axis: str, known: dict) -> int:
    """The deepest level of the code list on ``axis`` (1 at least)."""
    return max((known[code][3] for code in known if code[:1] == axis), default=1)


def code_sections(user: User, period: AnyPeriod, groups: list[str | None]) -> list[dict]:
    """Section 1: for each axis and each level down to the deepest used, each code's
    valid complaints per institution group, with totals (code ``ALL`` and group ``ALL``)."""
    known = code_names()
    rows = []
    for axis in regulator.AXES:
        # One pass per axis, rolled up to every level of the list; listed down to the
        # deepest level a case is coded at.
        depth = _depth_used(axis, known)
        by_level = regulator.code_group_counts_at_levels(
            user, period, axis, range(1, depth + 1), known
        )
        used = [known[code][3] for code, _group in by_level[depth] if code in known]
        for level in range(1, max(used, default=1) + 1):
            counts = by_level[level]
            groups = [*groups, *{g for _c, g in counts if g not in groups}]
            codes = sorted({code for code, _g in counts}, key=lambda c: (c is None, c or ""))
            for code in [*codes, ALL]:
                if code == ALL:
                    cells = {g: sum(n for (_c, gg), n in counts.items() if gg == g) for g in groups}
                    name = TOTAL_NAME
                else:
                    cells = {g: counts.get((code, g), 0) for g in groups}
                    name = known[code][0] if code in known else (code or regulator.UNCODED)
                rows.append(
                    {
                        "axis": axis,
                        "level": level,
                        "code": code,
                        "name": name,
                        "counts": {g or "": n for g, n in cells.items()},
                        "total": sum(cells.values()),
                    }
                )
    return rows


def _member_codes(ids) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(list(ids))))
    return {member_id: code for member_id, code in rows}


def timeliness(user: User, period: AnyPeriod, banks: list[dict]) -> list[dict]:
    """Section 3 (Art. 11): per member with clocks in the period, each step's clocks met,
    met on time and the on-time rate (the figures of ``queries.member_table``)."""
    figures = queries.clock_figures(user, period, current_calendar(), by_member=True)
    members = {m for m, kind in figures if m is not None and kind in STEPS}
    order = [b["member_id"] for b in banks if b["member_id"] in members]
    order += sorted(members - set(order))
    names: dict[int, str] = {}
    if order:
        found = db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(order)))
        names = {member_id: name for member_id, name in found}
    rows = []
    for member_id in order:
        for step in STEPS:
            f = figures.get((member_id, step)) or {"met": 0, "on_time": 0, "rate": None}
            rows.append(
                {
                    "member_id": member_id,
                    "member_name": names.get(member_id, ""),
                    "step": step,
                    "step_name": RULES[ClockKind(step)].label,
                    "met": f["met"],
                    "on_time": f["on_time"],
                    "rate": f["rate"],
                }
            )
    return rows


def decisions(user: User, period: AnyPeriod) -> list[dict]:
    """Section 4 (Art. 12): the period's accountability decisions: member, trigger, rung
    and the Beijing date, oldest first; keys beside the names."""
    trigger_of = {label: key for key, label in TRIGGER_LABELS.items()}
    rung_of = {label: key for key, label in STATE_LABELS.items()}
    return [
        {
            "member_id": d["member_id"],
            "member_name": d["member"],
            "trigger": str(trigger_of.get(d["reason"], "")),
            "trigger_name": d["reason"],
            "decision": str(rung_of.get(d["decision"], "")),
            "decision_name": d["decision"],
            "date": d["at"].astimezone(DEADLINE_TZ).date().isoformat(),
        }
        for d in queries.accountability_decisions(user, period)
    ]


def build(
    user: User,
    period: AnyPeriod,
    *,
    version: int,
    now: datetime,
    unfinished: bool,
    change_note: str | None = None,
) -> dict:
    """The figures of a return of ``period`` as ``user`` (the association) counts them."""
    banks = regulator.bank_rows(user, period)
    group_rows = regulator.group_rows(user, period, banks)
    groups = [row["group"] for row in group_rows]
    codes = _member_codes({b["member_id"] for b in banks})
    code_list = current_version()
    bank_section = [
        {
            "member_id": b["member_id"],
            "member_code": codes.get(b["member_id"], ""),
            "member_name": b["member_name"],
            "group": b["group"] if b["group"] in INSTITUTION_GROUPS else None,
            "group_name": _group_name(b["group"]),
            **{
                k: b[k]
                for k in (
                    "count",
                    "previous",
                    "change",
                    "change_rate",
                    "outlets",
                    "customers",
                    "per_1000_outlets",
                    "per_10m_customers",
                )
            },
            "customers_as_of": b["customers_as_of"].isoformat() if b["customers_as_of"] else None,
        }
        for b in banks
    ]
    steps = timeliness(user, period, banks)
    decided = decisions(user, period)
    more = {row["member_id"] for row in steps + decided} - set(codes)
    codes |= _member_codes(more)
    for row in steps + decided:
        row["member_code"] = codes.get(row["member_id"], "")
    return {
        "meta": {
            "period": period.code,
            "period_label": period.label,
            "first_day": period.first_day.isoformat(),
            "last_day": period.last_day.isoformat(),
            "previous": period.previous().code,
            "version": version,
            "unfinished": unfinished,
            "change_note": change_note,
            "basis": BASIS,
            "timeliness_basis": TIMELINESS_BASIS,
            "code_version": code_list.number if code_list else None,
            "generated_at": now.astimezone(DEADLINE_TZ).isoformat(timespec="seconds"),
            "generated_by": user.full_name,
        },
        "groups": [
            {**row, "label": _group_name(row["group"]), "group": row["group"]} for row in group_rows
        ],
        "codes": code_sections(user, period, groups),
        "banks": bank_section,
        "timeliness": steps,
        "decisions": decided,
    }
