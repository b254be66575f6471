"""The bulletin as a PDF: a plain-data context, one Jinja template, WeasyPrint.

The template never touches the database: ``build_context`` gathers every figure first
(through ``portal.statistics.queries``, the same functions the dashboard and the Excel
export use), so the PDF says exactly what the screens say (Art. 8(4)). Outside URLs are
refused: a bulletin must render the same offline and cannot be made to fetch anything.
"""

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select

from portal.analysis.section import bulletin_section
from portal.bulletins.models import Bulletin
from portal.bulletins.rules import anonymise, decision_counts, members_to_show
from portal.complaints.models import Complaint
from portal.complaints.rules import CHANNELS, FINDINGS
from portal.db import db
from portal.deadlines.rules import RULES, ClockKind
from portal.documents import layout
from portal.documents.operations import number_of
from portal.statistics import charts, queries, rate_line, regulator
from portal.statistics.rules import (
    DEFAULT_LINE_PERCENT,
    LINE_STAGES,
    below_line,
    change,
    parse_period,
    percent,
    signed,
    stage_marks,
)

ISSUER = "辽宁省银行业协会"
KIND_LABELS = {kind.value: RULES[kind].label for kind in ClockKind}


def typical_cases(bulletin: Bulletin, ids: list[int] | None = None) -> list[dict]:
    """The chosen cases of the period with personal data removed (Art. 8(5)): those
    picked on the bulletin, or ``ids`` (the typical cases of confirmed findings)."""
    period = parse_period(bulletin.period)
    if ids is None:
        ids = [int(i) for i in bulletin.typical_case_ids or []]
    if not ids:
        return []
    cases = db.session.scalars(
        select(Complaint).where(
            Complaint.id.in_(ids),
            Complaint.received_on >= period.first_day,
            Complaint.received_on <= period.last_day,
        )
    )
    out = []
    for case in sorted(cases, key=lambda c: ids.index(c.id)):
        names = (case.complainant_name, case.staff or "")
        out.append(
            {
                "id": case.id,
                "category": case.category.full_name,
                "member": case.member.name,
                "outlet": case.outlet.name,
                "facts": anonymise(case.facts, names),
                "demand": anonymise(case.demand, names),
                "finding": FINDINGS.get(case.finding or "", "处理中"),
            }
        )
    return out


def build_context(bulletin: Bulletin, user) -> dict:
    """Everything the PDF shows, as plain data; ``user`` scopes the figures (the
    association sees the whole province). Always in Chinese (the charts' titles and
    months too), whoever asks."""
    with force_locale("zh"):
        return _context(bulletin, user)


def _context(bulletin: Bulletin, user) -> dict:
    period = parse_period(bulletin.period)
    now_figures, members = queries.overview(user, period)
    before = queries.headline(user, period.previous())
    categories = queries.by_category(user, period)
    headline = [
        ("受理投诉", now_figures["received"], before["received"], False),
        ("有效投诉", now_figures["valid"], before["valid"], False),
        ("转办会员单位", now_figures["forwarded"], before["forwarded"], False),
        ("办结", now_figures["closed"], before["closed"], False),
        ("重大投诉", now_figures["major"], before["major"], False),
        ("舆情（已升级至网络或媒体）", now_figures["media"], before["media"], False),
        ("不属受理范围（已告知转往他处）", now_figures["referred"], before["referred"], False),
        ("重复登记", now_figures["duplicates"], before["duplicates"], False),
        ("回访满意率", now_figures["satisfaction_rate"], before["satisfaction_rate"], True),
        ("重复投诉率", now_figures["repeat_rate"], before["repeat_rate"], True),
    ] + [
        (f"{KIND_LABELS[k]}及时率", now_figures["on_time"][k], before["on_time"][k], True)
        for k in queries.CLOCK_KINDS
    ]
    days = [
        (
            f"{KIND_LABELS[k]}平均用时（工作日）",
            now_figures["working_days"][k],
            before["working_days"][k],
        )
        for k in queries.CLOCK_KINDS
    ]
    decisions = queries.accountability_decisions(user, period)
    line_percent = rate_line.line_percent()  # the 75 % line, marked as on the dashboard
    sections = member_sections(members, line_percent / 100)
    below = {
        f"{KIND_LABELS[k]}及时率": below_line(now_figures["on_time"][k], line_percent / 100)
        for k in LINE_STAGES
    }
    chart_kind = charts.widest_spread(sections["members"], queries.CLOCK_KINDS) or "accept"
    return {
        **sections,
        # GB/T 9704-2012: the document's frame; its number and date exist once published
        # (operations.issue_number, called before the published PDF is rendered).
        "doc": document_frame(bulletin),
        **regulator_sections(user, period),
        "line_percent": line_percent,
        **decision_sections(decisions),
        "figures": (now_figures, members),  # frozen with the PDF when published
        "title": bulletin.title,
        "issuer": ISSUER,
        "period": period.code,
        "period_label": period.label,
        "previous_label": period.previous().label,
        "version": bulletin.version,
        "change_note": bulletin.change_note,
        "headline": [
            {
                "label": label,
                "value": percent(cur) if is_rate else cur,
                "previous": percent(prev) if is_rate else prev,
                "change": _signed(change(cur, prev), is_rate),
                "below": below.get(label),
            }
            for label, cur, prev, is_rate in headline
        ]
        + [
            {
                "label": label,
                "value": _days(cur),
                "previous": _days(prev),
                "change": _days(change(cur, prev), with_sign=True),
            }
            for label, cur, prev in days
        ],
        "kinds": [(k, KIND_LABELS[k]) for k in queries.CLOCK_KINDS],
        "categories": categories,
        "channels": [
            {"label": CHANNELS.get(c["channel"], c["channel"]), "count": c["count"]}
            for c in queries.by_channel(user, period)
        ],
        "outlets": queries.top_outlets(user, period),
        "charts": {
            "month": charts.month_chart(queries.by_month(user, period)),
            "category": charts.category_chart(categories),
            # The step whose rates differ most, members short of 100 % only, worst first
            # (a chart of identical 100 % bars hid the rates that mattered).
            "on_time": charts.on_time_chart(
                sections["members"],
                chart_kind,
                KIND_LABELS[chart_kind],
                f"投诉量最多的{len(sections['members'])}家会员单位"
                if sections.get("members_summarised")
                else "各会员单位",
                line=line_percent / 100,
            ),
        },
        "overview": bulletin.overview,
        "typical_cases": typical_cases(bulletin),
        **analysis_sections(bulletin),
        "typical_cases_note": bulletin.typical_cases_note,
        "advice": bulletin.advice,
        "next_steps": bulletin.next_steps,
    }


def document_frame(bulletin: Bulletin) -> dict:
    """The bulletin as an official document (GB/T 9704-2012): the association's mark, the
    number and date given at publication (placeholders on a draft), the title broken
    before the period (never inside a word), to every member, copied to the regulator."""
    base, _sep, rest = bulletin.title.partition("（")
    return layout.frame(
        title_parts=[base, f"（{rest}" if rest else ""],
        addressees="各会员单位",
        number=number_of("bulletin", bulletin.id),
        cc=[current_app.config["REGULATOR_NAME"]],
    )


def _share(value) -> str:
    return percent(value) if value is not None else "—"


def _figure(value, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def regulator_sections(user, period) -> dict:
    """The regulator's shape (issue 25, regulator-reporting.md), through
    ``statistics.regulator`` so the PDF repeats the dashboard: valid complaints by
    institution group with medians, per bank with the change and normalised figures, by
    JR/T 0169-2018 axis at level 1, and by business line."""
    banks = regulator.bank_rows(user, period)
    groups = regulator.group_rows(user, period, banks)

    def coded(rows):
        return [
            {
                **r,
                "label": f"{r['code']} {r['name']}" if r["code"] else r["name"],
                "share_text": _share(r["share"]),
                "change_text": signed(r["change"], 0),
            }
            for r in rows
        ]

    return {
        "reg_groups": [
            {
                **g,
                "share_text": _share(g["share"]),
                "change_text": signed(g["change"], 0),
                "change_rate_text": _rate_change(g["change_rate"]),
                "median_text": _figure(g["median"]),
                "median_1000_text": _figure(g["median_per_1000_outlets"], 2),
                "median_10m_text": _figure(g["median_per_10m_customers"], 2),
            }
            for g in groups
        ],
        "reg_banks": [
            {
                **b,
                "change_text": signed(b["change"], 0),
                "change_rate_text": _rate_change(b["change_rate"]),
                "per_1000_text": _figure(b["per_1000_outlets"], 2),
                "per_10m_text": _figure(b["per_10m_customers"], 2),
            }
            for b in banks
        ],
        "reg_axes": [
            (axis, label, coded(regulator.code_rows(user, period, axis, 1)))
            for axis, label in (
                ("B", "业务类别（B）"),
                ("C", "投诉原因（C）"),
                ("A", "业务办理渠道（A）"),
            )
        ],
        "reg_lines": coded(regulator.business_lines(user, period)),
    }


def _rate_change(value) -> str:
    """A relative change (环比) as a signed percentage; zero prints 持平."""
    if value is None:
        return "—"
    text = signed(value * 100, 1, "%")
    return "持平" if text.startswith("0.0") else text


def analysis_sections(bulletin: Bulletin) -> dict:
    """Art. 8(5) from the analysis (``portal.analysis.section``): the period's confirmed
    findings (figures from the data, words from the staff), each typical one with its
    case made anonymous, and the industry advice with each member's answer. Cases picked
    by hand on the bulletin stay listed after them."""
    section = bulletin_section(bulletin.period)
    chosen = [f["typical_case_id"] for f in section["findings"] if f["typical_case_id"]]
    cases = {c["id"]: c for c in typical_cases(bulletin, chosen)} if chosen else {}
    findings = [
        {**f, "case": cases.get(f["typical_case_id"]) if f["is_typical"] else None}
        for f in section["findings"]
    ]
    return {
        "analysis_findings": findings,
        "analysis_advice": section["advice"],
        "typical_cases": [c for c in typical_cases(bulletin) if c["id"] not in chosen],
    }


def _member_row(m: dict, line: float) -> dict:
    return {
        **m,
        "below": stage_marks(m["on_time"], line),
        "on_time_text": {k: percent(v) for k, v in m["on_time"].items()},
        "satisfaction_text": percent(m["satisfaction_rate"]),
        # The wide table's figures without "%" (its headings say %), so they fit A4.
        "on_time_number": {k: _per_cent(v) for k, v in m["on_time"].items()},
        "satisfaction_number": _per_cent(m["satisfaction_rate"]),
        "days_text": {k: _days(v) for k, v in m["working_days"].items()},
    }


def member_sections(members: list[dict], line: float = DEFAULT_LINE_PERCENT / 100) -> dict:
    """Every member, or (many members) the most complained-about and the slowest to accept
    (``rules.members_to_show``); the full table is in the association's annex. Each row
    says which of its on-time rates lie below ``line`` (``statistics.rules.stage_marks``)."""
    listed, slowest = members_to_show(members)
    sections = {
        "members": [_member_row(m, line) for m in listed],
        "members_total": len(members),
    }
    if slowest is not None:
        sections |= {
            "members_slowest": [_member_row(m, line) for m in slowest],
            "members_summarised": True,
        }
    return sections


def decision_sections(decisions: list[dict]) -> dict:
    """Every decision, or (many) their counts (``rules.decision_counts``)."""
    counts = decision_counts(decisions)
    if counts is None:
        return {"accountability": decisions, "accountability_total": len(decisions)}
    return {
        "accountability": [],
        "accountability_total": len(decisions),
        "accountability_by_decision": counts["by_decision"],
        "accountability_by_reason": counts["by_reason"],
        "accountability_by_member": counts["by_member"],
    }


def _per_cent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}"


def _days(value, with_sign: bool = False) -> str:
    """Working days to one decimal; a change signed, and never "-0.0"/"+0.0"."""
    if value is None:
        return "—"
    if with_sign:
        return signed(value, 1)
    return f"{abs(value):.1f}" if round(value, 1) == 0 else f"{value:.1f}"


def _signed(value, is_rate: bool) -> str:
    """A change against the previous period: "+3", "-2.5个百分点"; no change prints "0"
    for a count and "持平" for a rate, never "-0.0"/"+0.0个百分点"."""
    if value is None:
        return "—"
    if is_rate:
        text = signed(value * 100, 1)
        return "持平" if text == "0.0" else f"{text}个百分点"
    return signed(value, 0)


def refuse_fetch(url: str, *args, **kwargs):
    """WeasyPrint's url_fetcher: only inline ``data:`` URLs, nothing from outside."""
    if url.startswith("data:"):
        from weasyprint.urls import default_url_fetcher

        return default_url_fetcher(url)
    raise ValueError(f"the bulletin fetches no outside resources: {url[:80]}")


def render_html(context: dict) -> str:
    return render_template("bulletins/pdf.html", **context)


def render_pdf(context: dict) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(context), base_url=None, url_fetcher=refuse_fetch).write_pdf()
