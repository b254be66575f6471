"""Pure rules of the organisation tree: which kind of unit may sit under which.

The regulation speaks of the association, member units (会员单位, with associate
members 准会员单位) and, inside a member bank, "上级单位" forwarding down to the
complained-against outlet (网点) — Art. 2, 9, 10. A member bank's own tree has any
depth, but always narrows towards outlets.
"""

from enum import StrEnum


def N_(text: str) -> str:  # marks a label for extraction; translated where shown
    return text


class UnitKind(StrEnum):
    ASSOCIATION = "association"
    MEMBER = "member"
    PROVINCE_BRANCH = "province_branch"
    CITY_BRANCH = "city_branch"
    SUB_BRANCH = "sub_branch"
    OUTLET = "outlet"


# Rank: a child must rank strictly below its parent. Province/city/sub-branch levels
# may be skipped (a city commercial bank has no provincial branch).
RANK = {
    UnitKind.ASSOCIATION: 0,
    UnitKind.MEMBER: 1,
    UnitKind.PROVINCE_BRANCH: 2,
    UnitKind.CITY_BRANCH: 3,
    UnitKind.SUB_BRANCH: 4,
    UnitKind.OUTLET: 5,
}

KIND_LABELS = {
    UnitKind.ASSOCIATION: N_("协会"),
    UnitKind.MEMBER: N_("会员单位"),
    UnitKind.PROVINCE_BRANCH: N_("省级分行"),
    UnitKind.CITY_BRANCH: N_("市级分行"),
    UnitKind.SUB_BRANCH: N_("支行"),
    UnitKind.OUTLET: N_("网点"),
}


def allowed_child_kinds(parent_kind: UnitKind) -> list[UnitKind]:
    """Kinds a unit of ``parent_kind`` may have as direct children."""
    if parent_kind == UnitKind.ASSOCIATION:
        return [UnitKind.MEMBER]  # Art. 2: the association's children are its members.
    if parent_kind == UnitKind.OUTLET:
        return []  # Art. 10: the outlet is the end of the line.
    return [k for k, r in RANK.items() if r > RANK[parent_kind] and k != UnitKind.MEMBER]


def child_path(parent_path: str, unit_id: int) -> str:
    """Materialized path: the ids from the root, each followed by '/'."""
    return f"{parent_path}{unit_id}/"


def subtree_bounds(path: str) -> tuple[str, str]:
    """[low, high) bounds of every path in the subtree rooted at ``path``.

    Paths are '/'-separated decimal ids and '/' sorts just before '0', so the subtree
    of '/1/5/' is every string from '/1/5/' up to (not including) '/1/50'. One range
    predicate on the indexed path column: no recursion in Python.
    """
    if not path.endswith("/"):
        raise ValueError("a path ends with '/'")
    return path, path[:-1] + "0"


def is_in_subtree(path: str, root_path: str) -> bool:
    return path.startswith(root_path)


# The regulator's quarterly bulletin groups banks this way (regulator-reporting.md), in
# this order; a member's group is the association's setting on the member unit.
INSTITUTION_GROUPS = {
    "state_owned": N_("国有大型商业银行"),
    "joint_stock": N_("股份制商业银行"),
    "foreign": N_("外资法人银行"),
    "city": N_("城市商业银行（含民营银行）"),
    "rural": N_("农村中小金融机构"),
    "other": N_("其他银行业金融机构"),
}
