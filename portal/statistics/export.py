"""Every statistics table as rows for Excel: the same query functions as the dashboard
and the bulletin, so the three can never disagree (Art. 8(4)). The figures are data:
counts as numbers, rates as fractions shown in percent, averages of working days as
numbers, months and dates as Excel dates."""

from collections.abc import Sequence
from dataclasses import replace
from io import BytesIO

from flask_babel import gettext as _

from portal.codes.rules import AXES, AXES_EN
from portal.complaints.rules import CHANNELS
from portal.deadlines.rules import DEADLINE_TZ as TZ
from portal.deadlines.rules import LIFECYCLE_KINDS, RULES
from portal.orgs.rules import INSTITUTION_GROUPS, UnitKind
from portal.orgs.scoping import scope_root
from portal.statistics import published as published_figures
from portal.statistics import queries, rate_line, regulator
from portal.statistics.models import PublishedFigures
from portal.statistics.rules import LINE_STAGES, AnyPeriod, below_line, change_rate
from portal.web import xlsx
from portal.web.i18n import cn_datetime, localized
from portal.web.xlsx import Sheet, Value, days, rate


def tables(user, period: AnyPeriod, open_now: dict | None = None, **filters) -> list[Sheet]:
    """A sheet for each statistics table of ``period``; ``open_now`` (the counts of
    ``queries.open_now``, the dashboard's first panel) adds a sheet of the cases open at
    the time of export. The regulator's tables come last (``regulator_sheets``)."""
    kinds = [(k.value, _(RULES[k].label)) for k in LIFECYCLE_KINDS]
    head, members = queries.overview(user, period, **filters)
    line = rate_line.threshold()
    panel = []
    if open_now is not None:
        panel = [
            Sheet(
                _("当前未办结"),
                [_("环节"), _("件数")],
                [
                    [_("当前未办结"), open_now["open"]],
                    [_("待转办"), open_now["registered"]],
                    [_("待会员单位受理"), open_now["forwarded"]],
                    [_("处理中"), open_now["handling"]],
                    [_("待协会审核"), open_now["reported"]],
                    [_("今日到期"), open_now["due_today"]],
                    [_("已超时"), open_now["breached"]],
                ],
            )
        ]
    return panel + [
        Sheet(
            _("总体情况"),
            [_("指标"), _("数值")],
            [
                [_("受理投诉"), head["received"]],
                [_("有效投诉"), head["valid"]],
                [_("转办会员单位"), head["forwarded"]],
                [_("办结"), head["closed"]],
                [_("属实（含部分属实）"), head["substantiated"]],
                [_("重大投诉"), head["major"]],
                [_("舆情（已升级至网络或媒体）"), head["media"]],
                [_("不属受理范围，已告知转往他处"), head["referred"]],
                [_("重复登记"), head["duplicates"]],
                [_("回访满意率"), rate(head["satisfaction_rate"])],
                [_("重复投诉率"), rate(head["repeat_rate"])],
                *[
                    [_("%(step)s及时率", step=label), line_rate(head["on_time"][k], k, line)]
                    for k, label in kinds
                ],
                # The legend of the marks (light red fill) on the rates of every sheet.
                [_("及时率警戒线（浅红底色标出低于此线的环节及时率）"), rate(line)],
                *[
                    [_("%(step)s平均工作日", step=label), days(head["working_days"][k])]
                    for k, label in kinds
                ],
            ],
        ),
        Sheet(
            _("会员单位"),
            [
                _("会员单位"),
                _("受理"),
                _("有效"),
                *[label for _k, label in kinds],
                _("满意率"),
                _("重复投诉"),
                _("重大投诉"),
                _("问责决定"),
            ],
            [
                [
                    m["member_name"],
                    m["received"],
                    m["valid"],
                    *[line_rate(m["on_time"][k], k, line) for k, _l in kinds],
                    rate(m["satisfaction_rate"]),
                    m["repeats"],
                    m["major"],
                    m["decisions"],
                ]
                for m in members
            ],
        ),
        Sheet(
            _("会员单位平均工作日"),
            [_("会员单位"), *[_("%(step)s平均工作日", step=label) for _k, label in kinds]],
            [[m["member_name"], *[days(m["working_days"][k]) for k, _l in kinds]] for m in members],
        ),
        Sheet(
            _("投诉类别"),
            [_("类别"), _("投诉量"), _("属实")],
            [
                [localized(c["name"], c.get("name_en")), c["count"], c["substantiated"]]
                for c in queries.by_category(user, period, **filters)
            ],
        ),
        Sheet(
            _("受理渠道"),
            [_("渠道"), _("投诉量")],
            [
                [_(CHANNELS.get(c["channel"], c["channel"])), c["count"]]
                for c in queries.by_channel(user, period, **filters)
            ],
        ),
        Sheet(
            _("按月"),
            [_("月份"), _("投诉量")],
            [
                [xlsx.month(period.year, m["month"]), m["count"]]
                for m in queries.by_month(user, period, **filters)
            ],
        ),
        Sheet(
            _("属实投诉较多的网点"),
            [_("网点"), _("属实投诉")],
            [[o["name"], o["count"]] for o in queries.top_outlets(user, period, **filters)],
        ),
        Sheet(
            _("责任追究"),
            [_("会员单位"), _("事由"), _("处理"), _("日期")],
            [
                # The trigger and the rung are marked labels (N_): translated here.
                [a["member"], *map(_, (a["reason"], a["decision"])), a["at"].astimezone(TZ).date()]
                for a in queries.accountability_decisions(user, period)
                if filters.get("member_id") in (None, a["member_id"])
            ],
        ),
        *regulator_sheets(user, period, **filters),
    ]


FIGURE = "#,##0.0"  # a normalised figure or a median
COUNT = "#,##0"  # personal customers


def _figure(value) -> Value | None:
    return None if value is None else Value(round(float(value), 2), FIGURE)


def _group_label(group: str | None) -> str:
    return _(INSTITUTION_GROUPS[group]) if group in INSTITUTION_GROUPS else _("未分组")


def _code_name(row: dict) -> str:
    return localized(row["name"], row["name_en"]) if row["code"] else _(row["name"])


def regulator_sheets(user, period: AnyPeriod, member_id=None, category_id=None) -> list[Sheet]:
    """The regulator's tables (``statistics.regulator``, as the dashboard's section):
    institution groups with medians, member banks with the change and the normalised
    figures, the JR/T 0169-2018 codes of each axis and the business lines. Counts are
    numbers, shares and changes in percent. Not broken down by category (left out with a
    category filter); the groups compare banks, so only the association's view of every
    member has them."""
    if category_id:
        return []
    banks = regulator.bank_rows(user, period)
    sheets = []
    if scope_root(user).kind == UnitKind.ASSOCIATION and not member_id:
        sheets.append(
            Sheet(
                _("机构类型"),
                [
                    _("机构类型"),
                    _("投诉量"),
                    _("占比"),
                    _("上期"),
                    _("变化"),
                    _("环比"),
                    _("会员单位数"),
                    _("中位数"),
                    _("每千营业网点中位数"),
                    _("每千万个人客户中位数"),
                ],
                [
                    [
                        _(g["label"]),
                        g["count"],
                        rate(g["share"]),
                        g["previous"],
                        g["change"],
                        rate(g["change_rate"]),
                        g["members"],
                        _figure(g["median"]),
                        _figure(g["median_per_1000_outlets"]),
                        _figure(g["median_per_10m_customers"]),
                    ]
                    for g in regulator.group_rows(user, period, banks)
                ],
            )
        )
    if member_id:
        banks = [b for b in banks if b["member_id"] == member_id]
    sheets.append(
        Sheet(
            _("会员单位（监管口径）"),
            [
                _("会员单位"),
                _("机构类型"),
                _("投诉量"),
                _("上期"),
                _("变化"),
                _("环比"),
                _("营业网点"),
                _("个人客户数"),
                _("个人客户数截至"),
                _("每千营业网点"),
                _("每千万个人客户"),
            ],
            [
                [
                    b["member_name"],
                    _group_label(b["group"]),
                    b["count"],
                    b["previous"],
                    b["change"],
                    rate(b["change_rate"]),
                    b["outlets"],
                    None if b["customers"] is None else Value(b["customers"], COUNT),
                    b["customers_as_of"],
                    _figure(b["per_1000_outlets"]),
                    _figure(b["per_10m_customers"]),
                ]
                for b in banks
            ],
        )
    )
    code_headers = [_("编码"), _("名称"), _("投诉量"), _("占比"), _("上期"), _("变化"), _("环比")]
    axes = regulator.axes_rows(user, period, 1, member_id=member_id)  # one pass for A, B, C
    for axis in regulator.AXES:
        rows = axes[axis]
        sheets.append(
            Sheet(
                _(
                    "%(axis)s类编码（%(name)s）",
                    axis=axis,
                    name=localized(AXES[axis], AXES_EN[axis]),
                ),
                code_headers,
                [
                    [
                        r["code"],
                        _code_name(r),
                        r["count"],
                        rate(r["share"]),
                        r["previous"],
                        r["change"],
                        rate(change_rate(r["count"], r["previous"])),
                    ]
                    for r in rows
                ],
            )
        )
        if axis == "B":
            lines = rows  # the business lines are the B axis at level 1
    sheets.append(
        Sheet(
            _("业务类别"),
            [_("业务类别"), _("编码"), _("投诉量"), _("占比"), _("上期"), _("变化"), _("环比")],
            [
                [
                    _code_name(r),
                    r["code"],
                    r["count"],
                    rate(r["share"]),
                    r["previous"],
                    r["change"],
                    rate(change_rate(r["count"], r["previous"])),
                ]
                for r in lines
            ],
        )
    )
    return sheets


def line_rate(value, kind: str, line: float) -> Value | None:
    """An on-time rate as ``xlsx.rate``, filled when below the line (``rules.below_line``,
    as the dashboard and the bulletin mark it); still the number in the cell."""
    cell = rate(value)
    if cell is not None and kind in LINE_STAGES and below_line(value, line):
        return replace(cell, marked=True)
    return cell


def published_sheets(
    frozen: PublishedFigures, member_id: int | None, basis: dict, page: dict
) -> list[Sheet]:
    """An annex's first sheets: the figures as the bulletin published them (frozen with
    it), and a note of what the other sheets count and which counts moved since.
    ``basis``: today's counts as the bulletin counts them; ``page``: the other sheets'."""
    kinds = [(k.value, _(RULES[k].label)) for k in LIFECYCLE_KINDS]
    line = rate_line.threshold()
    rows = frozen.members
    if member_id is not None:
        rows = [r for r in rows if r.get("member_id") == member_id]
    figures = published_figures.figures_for(frozen, member_id) or {}
    note = _(
        "“通报数字”为通报第%(v)s版发布时（%(at)s）冻结的数字，与通报一致；其余各页为下载时按当前数据统计。",
        v=frozen.version,
        at=cn_datetime(frozen.published_at),
    )
    return [
        Sheet(
            _("通报数字"),
            [
                _("会员单位"),
                _("受理"),
                _("有效"),
                _("办结"),
                *[label for _k, label in kinds],
                _("满意率"),
                _("重复投诉"),
                _("重大投诉"),
            ],
            [
                [
                    m.get("member_name"),
                    m.get("received"),
                    m.get("valid"),
                    m.get("closed"),
                    *[line_rate(m.get("on_time", {}).get(k), k, line) for k, _l in kinds],
                    rate(m.get("satisfaction_rate")),
                    m.get("repeats"),
                    m.get("major"),
                ]
                for m in rows
            ],
        ),
        Sheet(
            _("口径说明"),
            [_("指标"), _("通报（发布时）"), _("现在（按通报口径）"), _("本附表其余各页")],
            [
                [str(label), figures.get(key) or 0, basis.get(key) or 0, page.get(key) or 0]
                for key, label in published_figures.COMPARED
            ]
            + [[note, None, None, None]],
        ),
    ]


def workbook(
    user, period: AnyPeriod, open_now: dict | None = None, preface: Sequence[Sheet] = (), **filters
) -> BytesIO:
    """The statistics tables as an .xlsx file, after the ``preface`` sheets if any."""
    return xlsx.workbook([*preface, *tables(user, period, open_now, **filters)], tz=TZ)
