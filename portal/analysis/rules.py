"""Art. 8(5): clusters and surges of complaints, as pure rules.

The association "analyses typical cases and the features of complaints occurring in
clusters in a period, and proposes industry rectification advice" (Art. 8(5)). The rules
here find the candidates; people confirm or dismiss them. No Flask, no database, no
clock: the queries hand in plain rows of one half year and the thresholds.

A finding's ``key`` is its kind, its subject and its period: running the analysis again
finds the same keys, so it adds no duplicate, and a finding once dismissed stays so.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


def N_(text: str) -> str:  # marks a label for extraction; translated where shown
    return text


class Kind(StrEnum):
    OUTLET_CLUSTER = "outlet_cluster"  # one outlet × category, N or more within M weeks
    MEMBER_SURGE = "member_surge"  # a member × category above its previous half year by X %
    WIDE_RISE = "wide_rise"  # one category rising at several members at once
    REPEAT_CHAIN = "repeat_chain"  # one matter complained of again and again
    MEDIA_CHAIN = "media_chain"  # a matter that reached the internet or the media


KIND_LABELS = {
    Kind.OUTLET_CLUSTER: N_("网点同类投诉集中"),
    Kind.MEMBER_SURGE: N_("会员单位某类投诉异常增长"),
    Kind.WIDE_RISE: N_("多家会员单位同类投诉同时上升"),
    Kind.REPEAT_CHAIN: N_("重复投诉链"),
    Kind.MEDIA_CHAIN: N_("舆情投诉链"),
}


class Status(StrEnum):
    OPEN = "open"  # found, awaiting the association's review
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


STATUS_LABELS = {
    Status.OPEN: N_("待审查"),
    Status.CONFIRMED: N_("已确认"),
    Status.DISMISSED: N_("已排除"),
}


class AdviceStatus(StrEnum):
    """Where an industry advice stands at one addressed member."""

    OPEN = "open"  # issued (or sent back for more): the member is to answer
    ANSWERED = "answered"  # the member said what it did; the association follows up
    CLOSED = "closed"  # the association is satisfied


ADVICE_STATUS_LABELS = {
    AdviceStatus.OPEN: N_("待答复"),
    AdviceStatus.ANSWERED: N_("已答复，待跟进"),
    AdviceStatus.CLOSED: N_("已办结"),
}

# Entries of an advice's history (append-only), and what each makes of the status.
ENTRY_LABELS = {
    "issued": N_("提出整改建议"),
    "answered": N_("会员单位答复"),
    "follow_up": N_("协会跟进（要求补充）"),
    "closed": N_("协会办结"),
}
# (status now, entry) -> status after. Anything else is refused.
ADVICE_STEPS = {
    (AdviceStatus.OPEN, "answered"): AdviceStatus.ANSWERED,
    (AdviceStatus.ANSWERED, "answered"): AdviceStatus.ANSWERED,  # adds to its answer
    (AdviceStatus.ANSWERED, "follow_up"): AdviceStatus.OPEN,
    (AdviceStatus.ANSWERED, "closed"): AdviceStatus.CLOSED,
    (AdviceStatus.OPEN, "closed"): AdviceStatus.CLOSED,
}


def next_advice_status(status: str, entry: str) -> AdviceStatus | None:
    """The status ``entry`` leads to from ``status``, or None when it is not allowed."""
    return ADVICE_STEPS.get((AdviceStatus(status), entry))


@dataclass(frozen=True)
class Thresholds:
    """What the association may change (defaults proposed with issue 23)."""

    cluster_count: int = 3  # complaints of one category at one outlet …
    cluster_weeks: int = 4  # … within this many weeks
    surge_percent: int = 50  # above the member's previous half year by this much …
    surge_minimum: int = 5  # … and at least this many now (1 → 2 is no surge)
    rise_members: int = 3  # a category rising at this many members at once …
    rise_minimum: int = 2  # … each with at least this many now
    repeat_chain: int = 2  # repeats of one matter


@dataclass(frozen=True)
class CaseRow:
    """One complaint of the period (or of a chain reaching into it) as the rules see it."""

    id: int
    member_id: int
    outlet_id: int
    category_id: int
    received_on: date
    repeat_of_id: int | None = None
    is_media: bool = False


@dataclass(frozen=True)
class Detected:
    """One finding: its kind, subject, the complaints it rests on and its figures."""

    kind: Kind
    subject: str
    period: str
    complaint_ids: tuple[int, ...]
    member_id: int | None = None
    outlet_id: int | None = None
    category_id: int | None = None
    figures: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        return finding_key(self.kind, self.subject, self.period)


def finding_key(kind: str, subject: str, period: str) -> str:
    return f"{kind}:{subject}:{period}"


def outlet_clusters(rows: list[CaseRow], period: str, t: Thresholds) -> list[Detected]:
    """One outlet, one category: ``cluster_count`` or more complaints received within any
    ``cluster_weeks`` weeks of the period. The finding holds every complaint lying in such
    a window; its figures give the busiest window."""
    span = timedelta(days=7 * t.cluster_weeks)
    groups: dict[tuple[int, int], list[CaseRow]] = defaultdict(list)
    for row in rows:
        groups[(row.outlet_id, row.category_id)].append(row)
    found = []
    for (outlet_id, category_id), group in sorted(groups.items()):
        group.sort(key=lambda r: (r.received_on, r.id))
        taken: set[int] = set()
        best: tuple[int, date | None, date | None] = (0, None, None)
        start = 0
        for end, row in enumerate(group):
            while row.received_on - group[start].received_on >= span:
                start += 1
            count = end - start + 1
            if count >= t.cluster_count:
                taken.update(r.id for r in group[start : end + 1])
                if count > best[0]:
                    best = (count, group[start].received_on, row.received_on)
        if taken:
            found.append(
                Detected(
                    Kind.OUTLET_CLUSTER,
                    f"o{outlet_id}-c{category_id}",
                    period,
                    tuple(sorted(taken)),
                    member_id=group[0].member_id,
                    outlet_id=outlet_id,
                    category_id=category_id,
                    figures={
                        "count": best[0],
                        "weeks": t.cluster_weeks,
                        "first": best[1].isoformat() if best[1] else None,
                        "last": best[2].isoformat() if best[2] else None,
                        "total": len(taken),
                    },
                )
            )
    return found


def rise_percent(current: int, previous: int) -> int | None:
    """How far ``current`` lies above ``previous``, in whole per cent (None: from zero)."""
    if previous <= 0:
        return None
    return round((current - previous) * 100 / previous)


def is_surge(current: int, previous: int, t: Thresholds) -> bool:
    """Art. 8(5): at least ``surge_minimum`` now, and above the previous half year by
    ``surge_percent`` or more (anything from none counts as a surge once at the minimum)."""
    if current < t.surge_minimum or current <= previous:
        return False
    return current * 100 >= previous * (100 + t.surge_percent)


def _by_member_category(rows: list[CaseRow]) -> dict[tuple[int, int], list[int]]:
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for row in rows:
        groups[(row.member_id, row.category_id)].append(row.id)
    return groups


def member_surges(
    rows: list[CaseRow], previous: dict[tuple[int, int], int], period: str, t: Thresholds
) -> list[Detected]:
    """A member × category above its own previous half year (``previous``: counts by
    (member, category) of the half year before)."""
    found = []
    for (member_id, category_id), ids in sorted(_by_member_category(rows).items()):
        before = previous.get((member_id, category_id), 0)
        if is_surge(len(ids), before, t):
            found.append(
                Detected(
                    Kind.MEMBER_SURGE,
                    f"m{member_id}-c{category_id}",
                    period,
                    tuple(sorted(ids)),
                    member_id=member_id,
                    category_id=category_id,
                    figures={
                        "current": len(ids),
                        "previous": before,
                        "percent": rise_percent(len(ids), before),
                    },
                )
            )
    return found


def wide_rises(
    rows: list[CaseRow], previous: dict[tuple[int, int], int], period: str, t: Thresholds
) -> list[Detected]:
    """One category rising at ``rise_members`` members or more at once: at each, more than
    in the half year before and at least ``rise_minimum``."""
    rising: dict[int, list[tuple[int, list[int], int]]] = defaultdict(list)
    for (member_id, category_id), ids in sorted(_by_member_category(rows).items()):
        before = previous.get((member_id, category_id), 0)
        if len(ids) >= t.rise_minimum and len(ids) > before:
            rising[category_id].append((member_id, ids, before))
    found = []
    for category_id, members in sorted(rising.items()):
        if len(members) < t.rise_members:
            continue
        ids = sorted(i for _, member_ids, _ in members for i in member_ids)
        found.append(
            Detected(
                Kind.WIDE_RISE,
                f"c{category_id}",
                period,
                tuple(ids),
                category_id=category_id,
                figures={
                    "members": [m for m, _, _ in members],
                    "current": len(ids),
                    "previous": sum(before for _, _, before in members),
                },
            )
        )
    return found


def _root(row: CaseRow, by_id: dict[int, CaseRow]) -> CaseRow:
    seen = set()
    while row.repeat_of_id is not None and row.repeat_of_id in by_id and row.id not in seen:
        seen.add(row.id)
        row = by_id[row.repeat_of_id]
    return row


def chains(rows: list[CaseRow], period: str, t: Thresholds) -> list[Detected]:
    """Repeat chains (a matter complained of ``repeat_chain`` times again or more) and
    media chains (any complaint of the chain flagged 舆情), over ``rows``: the period's
    repeats and media complaints with every complaint up their chains."""
    by_id = {row.id: row for row in rows}
    groups: dict[int, list[CaseRow]] = defaultdict(list)
    roots: dict[int, CaseRow] = {}
    for row in rows:
        root = _root(row, by_id)
        roots[root.id] = root
        groups[root.id].append(row)
    found = []
    for root_id, members in sorted(groups.items()):
        root = roots[root_id]
        ids = tuple(sorted(r.id for r in members))
        where = {"member_id": root.member_id, "outlet_id": root.outlet_id}
        where["category_id"] = root.category_id
        repeats = sum(1 for r in members if r.repeat_of_id is not None)
        if repeats >= t.repeat_chain:
            found.append(
                Detected(
                    Kind.REPEAT_CHAIN,
                    f"r{root_id}",
                    period,
                    ids,
                    figures={"repeats": repeats, "size": len(ids)},
                    **where,
                )
            )
        media = sum(1 for r in members if r.is_media)
        if media:
            found.append(
                Detected(
                    Kind.MEDIA_CHAIN,
                    f"r{root_id}",
                    period,
                    ids,
                    figures={"media": media, "size": len(ids)},
                    **where,
                )
            )
    return found


def analyse(
    rows: list[CaseRow],
    previous: dict[tuple[int, int], int],
    chain_rows: list[CaseRow],
    period: str,
    t: Thresholds,
) -> list[Detected]:
    """Every finding of Art. 8(5) over one half year, in a stable order."""
    return (
        outlet_clusters(rows, period, t)
        + member_surges(rows, previous, period, t)
        + wide_rises(rows, previous, period, t)
        + chains(chain_rows, period, t)
    )
