"""Pure rules of the bulletin: removing personal data from typical cases (Art. 8(5)), and
what a large province's bulletin summarises instead of listing."""

import re
from collections import Counter

# Mainland mobile numbers, landlines, and 18-digit resident ID numbers (last may be X).
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
_BANK_CARD = re.compile(r"(?<!\d)\d{16,19}(?!\d)")


def anonymise(text: str, names: tuple[str, ...] = ()) -> str:
    """The text with the complainant's names, ID numbers, phones and card numbers removed.

    Typical cases are published to every member (Art. 8(5)): no one may be identifiable.
    """
    out = text or ""
    for name in sorted({n for n in names if n and n.strip()}, key=len, reverse=True):
        out = out.replace(name, "客户")
    out = _ID_NUMBER.sub("[身份证号已隐去]", out)
    out = _BANK_CARD.sub("[卡号已隐去]", out)
    out = _MOBILE.sub("[电话已隐去]", out)
    return _LANDLINE.sub("[电话已隐去]", out)


def bulletin_title(period_label: str) -> str:
    return f"辽宁省银行业客户投诉情况通报（{period_label}）"


# A province of a few banks lists every one of them and every accountability decision;
# beyond these the bulletin shows the members with the most complaints and those slowest
# to accept, counts the decisions, and the full tables go to the association's annex
# (a 200-member table alone is some fifteen pages).
MEMBERS_LISTED = 30
DECISIONS_LISTED = 30
SHOWN = 10


def members_to_show(members: list[dict], listed: int = MEMBERS_LISTED, shown: int = SHOWN):
    """(rows to list, rows slowest to accept or None): every member when there are at most
    ``listed``; else the ``shown`` with the most complaints, and the ``shown`` with the
    lowest accept on-time rate (members with no accepted case left out)."""
    if len(members) <= listed:
        return list(members), None
    busiest = sorted(members, key=lambda m: (-m["received"], m["member_id"]))
    rated = [m for m in members if m["on_time"].get("accept") is not None]
    slowest = sorted(rated, key=lambda m: (m["on_time"]["accept"], -m["received"], m["member_id"]))
    return busiest[:shown], slowest[:shown]


def decision_counts(decisions: list[dict], listed: int = DECISIONS_LISTED, shown: int = SHOWN):
    """None when the decisions are few enough to list; else their counts by decision, by
    reason, and the ``shown`` members with the most (most first, then by name)."""
    if len(decisions) <= listed:
        return None

    def ranked(counter: Counter) -> list[tuple[str, int]]:
        return sorted(counter.items(), key=lambda item: (-item[1], item[0]))

    return {
        "by_decision": ranked(Counter(d["decision"] for d in decisions)),
        "by_reason": ranked(Counter(d["reason"] for d in decisions)),
        "by_member": ranked(Counter(d["member"] for d in decisions))[:shown],
    }
