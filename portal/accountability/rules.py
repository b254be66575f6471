"""Accountability (Art. 12): the four triggers and the ladder, as pure rules.

No Flask, no database, no clock: the detector hands in plain rows and ``today``; the
views hand in a case's state and the decision asked for.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


def N_(text: str) -> str:  # marks a label for extraction; translated where shown
    return text


class Trigger(StrEnum):
    UNACCEPTED = "unaccepted"  # Art. 12(1)1
    REPEAT = "repeat"  # Art. 12(1)2
    RECURRING = "recurring"  # Art. 12(1)3
    MEDIA = "media"  # Art. 12(1)4
    # Practice source (regulation.md): an on-time rate below the line (75 %) is a ground
    # for ordering rectification. Ordered by a person from the statistics, never detected.
    RATE_BELOW_LINE = "rate_below_line"


TRIGGER_LABELS = {
    Trigger.UNACCEPTED: N_("转办投诉无人受理（第十二条第一款第1项）"),
    Trigger.REPEAT: N_("因态度或拖延导致客户重复投诉（第十二条第一款第2项）"),
    Trigger.RECURRING: N_("同一网点同类投诉反复发生且未整改（第十二条第一款第3项）"),
    Trigger.MEDIA: N_("处置不当导致事态升级至网络或媒体（第十二条第一款第4项）"),
    Trigger.RATE_BELOW_LINE: N_("环节办理及时率低于警戒线，责令整改"),
}


class CaseState(StrEnum):
    DETECTED = "detected"  # awaiting the association's review
    DISMISSED = "dismissed"
    INTERVIEW = "interview"  # 约见谈话 scheduled / held; rectification expected (Art. 12(1))
    ORDERED = "ordered"  # 责令整改 from a rate below the line: the member answers with a plan
    CRITICISED = "criticised"  # 通报批评 (Art. 12(2))
    CLOSED = "closed"  # rectification verified


STATE_LABELS = {
    CaseState.DETECTED: N_("待审查"),
    CaseState.DISMISSED: N_("已驳回"),
    CaseState.INTERVIEW: N_("约见谈话"),
    CaseState.ORDERED: N_("已责令整改"),
    CaseState.CRITICISED: N_("通报批评"),
    CaseState.CLOSED: N_("整改已核验，结案"),
}

OPEN_STATES = frozenset({CaseState.DETECTED, CaseState.INTERVIEW, CaseState.ORDERED})
# States in which the member answers with its 8D plan (and the association verifies it).
PLAN_STATES = frozenset({CaseState.INTERVIEW, CaseState.ORDERED})

# The ladder as a truth table: (state, decision) -> next state. Anything else is refused.
# Art. 12(2): public criticism only follows an interview that did not lead to rectification.
LADDER = {
    (CaseState.DETECTED, "dismiss"): CaseState.DISMISSED,
    (CaseState.DETECTED, "interview"): CaseState.INTERVIEW,
    (CaseState.INTERVIEW, "verify"): CaseState.CLOSED,
    (CaseState.INTERVIEW, "criticise"): CaseState.CRITICISED,
    # A rate below the line: the order itself (opened and ordered in one action), its
    # verification, or an interview when the order is not answered (then Art. 12(2)).
    (CaseState.DETECTED, "order"): CaseState.ORDERED,
    (CaseState.ORDERED, "verify"): CaseState.CLOSED,
    (CaseState.ORDERED, "interview"): CaseState.INTERVIEW,
}

# History labels of the steps only a rate order takes (the others: complaints.rules).
ACTION_LABELS = {
    "accountability_order": N_("问责：及时率低于警戒线，责令整改"),
}


def next_state(state: str, decision: str) -> CaseState | None:
    """The state ``decision`` leads to from ``state``, or None when it is not allowed."""
    return LADDER.get((CaseState(state), decision))


def can_criticise(
    *, state: str, plan_due_on: date | None, plan_verified: bool, recurred: bool, today: date
) -> bool:
    """Art. 12(2): after the interview, no rectification by the due date, or recurrence."""
    if CaseState(state) != CaseState.INTERVIEW or plan_verified:
        return False
    overdue = plan_due_on is not None and today > plan_due_on
    return overdue or recurred


@dataclass(frozen=True)
class Thresholds:
    """What the association administrator may change (defaults from issue 6)."""

    repeat_chain: int = 2  # repeats of one case that make trigger 2 fire
    recurring_count: int = 3  # substantiated complaints of one kind at one outlet …
    recurring_months: int = 6  # … within this many months (trigger 3)


# Art. 12(1)2: these reasons for a repeat complaint fire the trigger on the first repeat.
CULPABLE_REPEAT_REASONS = frozenset({"attitude", "dragging"})


@dataclass(frozen=True)
class CaseRow:
    """One complaint as the detector sees it."""

    id: int
    member_id: int
    outlet_id: int
    category_id: int = 0
    received_on: date = date(2000, 1, 1)
    repeat_of_id: int | None = None
    repeat_reason: str | None = None
    finding: str | None = None
    is_media: bool = False
    is_unaccepted: bool = False  # the sweep recorded an 'unaccepted' event
    has_completed_rectification: bool = False


@dataclass(frozen=True)
class Finding:
    """One detection: a trigger against a member, and the complaints that prove it."""

    trigger: Trigger
    member_id: int
    complaint_ids: tuple[int, ...]


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (clamped to the month's end)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _root(row: CaseRow, by_id: dict[int, CaseRow]) -> int:
    seen = set()
    while row.repeat_of_id is not None and row.repeat_of_id in by_id and row.id not in seen:
        seen.add(row.id)
        row = by_id[row.repeat_of_id]
    return row.id


def detect(rows: list[CaseRow], today: date, thresholds: Thresholds) -> list[Finding]:
    """Every trigger of Art. 12(1) that holds over ``rows`` on ``today``."""
    found: list[Finding] = []
    by_id = {row.id: row for row in rows}
    for row in rows:
        if row.is_unaccepted:  # 1
            found.append(Finding(Trigger.UNACCEPTED, row.member_id, (row.id,)))
        if row.is_media:  # 4
            found.append(Finding(Trigger.MEDIA, row.member_id, (row.id,)))

    # 2: a chain of repeats on one case, or one repeat for a culpable reason.
    chains: dict[int, list[CaseRow]] = defaultdict(list)
    for row in rows:
        if row.repeat_of_id is not None:
            chains[_root(row, by_id)].append(row)
    for root_id, repeats in sorted(chains.items()):
        culpable = any(r.repeat_reason in CULPABLE_REPEAT_REASONS for r in repeats)
        if culpable or len(repeats) >= thresholds.repeat_chain:
            ids = tuple(sorted({root_id, *(r.id for r in repeats)}))
            member_id = by_id[root_id].member_id if root_id in by_id else repeats[0].member_id
            found.append(Finding(Trigger.REPEAT, member_id, ids))

    # 3: the same outlet, the same category, substantiated, inside the window, unrectified.
    since = months_before(today, thresholds.recurring_months)
    groups: dict[tuple[int, int], list[CaseRow]] = defaultdict(list)
    for row in rows:
        if row.finding == "substantiated" and since < row.received_on <= today:
            groups[(row.outlet_id, row.category_id)].append(row)
    for (_outlet, _category), members in sorted(groups.items()):
        if len(members) >= thresholds.recurring_count and not any(
            r.has_completed_rectification for r in members
        ):
            ids = tuple(sorted(r.id for r in members))
            found.append(Finding(Trigger.RECURRING, members[0].member_id, ids))
    return found
