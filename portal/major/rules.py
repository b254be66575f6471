"""Major complaints (重大投诉) as pure rules: which complaints the portal proposes.

The practice definition (../shared/domain/regulation.md, "Practice from the other source
documents"): a major complaint "shows serious service/management gaps, or remains
unresolved after several rounds and tends to escalate". The rules below find the signs
of either; a person decides (``operations.confirm`` / ``reject``). Each reason says
which half of the definition it is a sign of.

No Flask, no database, no clock: the detector hands in plain rows.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


def N_(text: str) -> str:  # marks a message for extraction; translated where shown
    return text


# The definition the reasons cite, shown with them.
DEFINITION = N_("重大投诉：反映出服务或管理存在严重问题，或经多轮处理仍未解决并有升级趋势的投诉。")


class Criterion(StrEnum):
    REPEATS = "repeats"  # several rounds: repeats in the chain
    DISSATISFIED = "dissatisfied"  # several rounds: dissatisfied after a return visit
    MEDIA = "media"  # escalated to the internet or the media (Art. 12(1)4)
    CROWD = "crowd"  # serious gaps: several complainants, one outlet and category


CRITERION_LABELS = {
    Criterion.REPEATS: N_("多次重复投诉"),
    Criterion.DISSATISFIED: N_("回访不满意"),
    Criterion.MEDIA: N_("舆情"),
    Criterion.CROWD: N_("同一网点同类集中投诉"),
}

# The reason in words, with the figures that made it hold.
REASON_MESSAGES = {
    Criterion.REPEATS: N_(
        "同一投诉已被重复投诉%(count)s次（设定：%(limit)s次及以上），"
        "属“经多轮处理仍未解决并有升级趋势”。"
    ),
    Criterion.DISSATISFIED: N_(
        "客户对原投诉%(no)s的处理结果回访不满意，属“经多轮处理仍未解决并有升级趋势”。"
    ),
    Criterion.MEDIA: N_(
        "已升级至网络或媒体（舆情），属“有升级趋势”，并可能反映服务或管理存在严重问题。"
    ),
    Criterion.CROWD: N_(
        "%(days)s日内有%(count)s位投诉人就同一网点同类问题投诉（设定：%(limit)s位及以上），"
        "可能反映服务或管理存在严重问题。"
    ),
}


@dataclass(frozen=True)
class Thresholds:
    """What the association administrator may change."""

    repeats: int = 2  # repeats in one chain
    complainants: int = 3  # distinct complainants about one outlet and category …
    window_days: int = 7  # … within this many days


# Bounds a person may set: below them every complaint is major, above them none is.
LIMITS = {"repeats": (1, 20), "complainants": (2, 50), "window_days": (1, 90)}


@dataclass(frozen=True)
class CaseRow:
    """What the rules read of a complaint."""

    id: int
    outlet_id: int
    category_id: int
    received_on: date
    tracking_no: str = ""
    repeat_of_id: int | None = None
    is_media: bool = False
    satisfaction: str | None = None  # the return visit's answer, once recorded
    # Who complained: a keyed hash of the mobile or the ID number, else the name, so two
    # complaints of one person count once.
    complainant: str = ""
    is_open: bool = True
    is_major: bool = False


@dataclass(frozen=True)
class Reason:
    """One criterion that holds, with the figures its words cite."""

    criterion: Criterion
    params: dict = field(default_factory=dict, hash=False, compare=True)

    @property
    def message(self) -> str:
        return REASON_MESSAGES[self.criterion]

    def data(self) -> dict:
        return {"criterion": self.criterion.value, "params": dict(self.params)}

    @classmethod
    def from_data(cls, data: dict) -> "Reason":
        return cls(Criterion(data["criterion"]), dict(data.get("params") or {}))

    def text(self) -> str:
        """In Chinese, as records keep it."""
        return self.message % self.params


def chain_of(case: CaseRow, rows: Iterable[CaseRow]) -> list[CaseRow]:
    """The repeat chain ``case`` belongs to (its root and every repeat below the root,
    through ``repeat_of``), among ``rows``, in id order."""
    by_id = {row.id: row for row in rows}
    by_id.setdefault(case.id, case)
    root = case
    seen = {root.id}
    while root.repeat_of_id is not None and root.repeat_of_id in by_id:
        root = by_id[root.repeat_of_id]
        if root.id in seen:  # a cycle cannot be entered at intake; stay safe
            break
        seen.add(root.id)
    children: dict[int, list[CaseRow]] = {}
    for row in by_id.values():
        if row.repeat_of_id is not None:
            children.setdefault(row.repeat_of_id, []).append(row)
    found, todo = {root.id: root}, [root.id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child.id not in found:
                found[child.id] = child
                todo.append(child.id)
    return sorted(found.values(), key=lambda row: row.id)


def repeats_reason(chain: Sequence[CaseRow], limits: Thresholds) -> Reason | None:
    """Several rounds: the chain holds ``limits.repeats`` repeat complaints or more."""
    count = len(chain) - 1
    if count >= limits.repeats:
        return Reason(Criterion.REPEATS, {"count": count, "limit": limits.repeats})
    return None


def dissatisfied_reason(case: CaseRow, chain: Sequence[CaseRow]) -> Reason | None:
    """Several rounds: an earlier complaint of the chain, above ``case``, was closed and
    the customer said at the return visit (回访) that they were not satisfied."""
    by_id = {row.id: row for row in chain}
    parent = by_id.get(case.repeat_of_id) if case.repeat_of_id is not None else None
    while parent is not None:
        if parent.satisfaction == "dissatisfied":
            return Reason(Criterion.DISSATISFIED, {"no": parent.tracking_no})
        parent = by_id.get(parent.repeat_of_id) if parent.repeat_of_id is not None else None
    return None


def media_reason(case: CaseRow) -> Reason | None:
    """Escalated to the internet or the media (舆情, Art. 12(1)4)."""
    return Reason(Criterion.MEDIA, {}) if case.is_media else None


def crowd_reason(case: CaseRow, group: Iterable[CaseRow], limits: Thresholds) -> Reason | None:
    """Serious gaps: ``limits.complainants`` different people or more complained of the
    same outlet and category within ``limits.window_days`` days, ``case`` among them."""
    same = [
        row
        for row in group
        if row.outlet_id == case.outlet_id and row.category_id == case.category_id
    ]
    if all(row.id != case.id for row in same):
        same.append(case)
    span = timedelta(days=limits.window_days - 1)
    best = 0
    # Every window of the length that holds the case starts on one of the rows' days.
    for start in sorted({row.received_on for row in same}):
        if not start <= case.received_on <= start + span:
            continue
        people = {
            row.complainant or f"#{row.id}"
            for row in same
            if start <= row.received_on <= start + span
        }
        best = max(best, len(people))
    if best >= limits.complainants:
        return Reason(
            Criterion.CROWD,
            {"count": best, "limit": limits.complainants, "days": limits.window_days},
        )
    return None


def reasons_for(case: CaseRow, rows: Sequence[CaseRow], limits: Thresholds) -> list[Reason]:
    """Every criterion that holds for ``case``, judged on ``rows`` (its chain and the
    complaints of its outlet and category around it)."""
    chain = chain_of(case, rows)
    found = [
        repeats_reason(chain, limits),
        dissatisfied_reason(case, chain),
        media_reason(case),
        crowd_reason(case, rows, limits),
    ]
    return [reason for reason in found if reason is not None]


def proposals(
    rows: Sequence[CaseRow], seed_ids: Iterable[int], limits: Thresholds
) -> dict[int, list[Reason]]:
    """The complaints to propose, with their reasons: the open ones not yet major among
    the seeds, their chains and their outlet-and-category groups (``rows`` holds them)."""
    seeds = set(seed_ids)
    by_id = {row.id: row for row in rows}
    related: set[int] = set()
    for seed in seeds:
        case = by_id.get(seed)
        if case is None:
            continue
        related |= {row.id for row in chain_of(case, rows)}
        if crowd_reason(case, rows, limits) is not None:
            related |= {
                row.id
                for row in rows
                if row.outlet_id == case.outlet_id and row.category_id == case.category_id
            }
    found: dict[int, list[Reason]] = {}
    for row_id in sorted(related):
        row = by_id[row_id]
        if not row.is_open or row.is_major:
            continue
        reasons = reasons_for(row, rows, limits)
        if reasons:
            found[row_id] = reasons
    return found


def merged(old: Sequence[Reason], new: Sequence[Reason]) -> list[Reason]:
    """The reasons of a proposal after a later look: each criterion once, with its latest
    figures, in the order of ``Criterion``."""
    by_criterion = {reason.criterion: reason for reason in old}
    by_criterion.update({reason.criterion: reason for reason in new})
    return [by_criterion[c] for c in Criterion if c in by_criterion]


def window_around(days: Iterable[date], limits: Thresholds) -> tuple[date, date]:
    """The received-on days whose complaints the crowd rule may count with complaints of
    ``days``: a window of ``window_days`` holding one of them."""
    days = sorted(days)
    span = timedelta(days=limits.window_days - 1)
    return days[0] - span, days[-1] + span
