"""A finding's figures in words, in the reader's language: the screens show them, and the
bulletin (rendered in Chinese) prints them beside the staff's own words (Art. 8(5))."""

from datetime import date

from flask_babel import gettext as _

from portal.analysis import queries
from portal.analysis.models import Finding
from portal.analysis.rules import Kind
from portal.web.i18n import cn_date


def _day(text: str | None) -> str:
    return cn_date(date.fromisoformat(text)) if text else "—"


def subject(finding: Finding) -> str:
    """What the finding is about: the outlet or the member, and the category."""
    category = finding.category.full_label if finding.category else "—"
    if finding.outlet is not None:
        return f"{finding.outlet.name} · {category}"
    if finding.member is not None:
        return f"{finding.member.name} · {category}"
    return category


def figures(finding: Finding, names: dict[int, str] | None = None) -> str:
    """The finding's figures as one sentence (``names``: member names for a wide rise)."""
    f = finding.figures or {}
    kind = Kind(finding.kind)
    if kind == Kind.OUTLET_CLUSTER:
        return _(
            "%(weeks)s周内%(count)s件（%(first)s至%(last)s），本期共%(total)s件。",
            weeks=f.get("weeks"),
            count=f.get("count"),
            first=_day(f.get("first")),
            last=_day(f.get("last")),
            total=f.get("total"),
        )
    if kind == Kind.MEMBER_SURGE:
        if f.get("percent") is None:
            return _("本期%(current)s件，上半年无。", current=f.get("current"))
        return _(
            "本期%(current)s件，上半年%(previous)s件，增长%(percent)s%%。",
            current=f.get("current"),
            previous=f.get("previous"),
            percent=f.get("percent"),
        )
    if kind == Kind.WIDE_RISE:
        members = f.get("members") or []
        names = names if names is not None else queries.unit_names(members)
        return _(
            "%(n)s家会员单位同时上升（%(members)s）：本期%(current)s件，上半年%(previous)s件。",
            n=len(members),
            members="、".join(names.get(m, str(m)) for m in members),
            current=f.get("current"),
            previous=f.get("previous"),
        )
    if kind == Kind.REPEAT_CHAIN:
        return _(
            "同一事项被重复投诉%(repeats)s次，投诉链共%(size)s件。",
            repeats=f.get("repeats"),
            size=f.get("size"),
        )
    return _(
        "投诉链中%(media)s件已升级至网络或媒体，投诉链共%(size)s件。",
        media=f.get("media"),
        size=f.get("size"),
    )
