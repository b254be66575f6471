"""Every statistics table as rows for Excel: the same query functions as the dashboard
and the bulletin, so the three can never disagree (Art. 8(4))."""

from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook

from portal.complaints.rules import CHANNELS
from portal.deadlines.rules import DEADLINE_TZ as TZ
from portal.deadlines.rules import LIFECYCLE_KINDS, RULES
from portal.statistics import queries
from portal.statistics.rules import Period, percent


def tables(
    user, period: Period, open_now: dict | None = None, **filters
) -> list[tuple[str, list[str], list[list]]]:
    """(title, headers, rows) for each statistics table of ``period``; ``open_now`` (the
    counts of ``queries.open_now``, the dashboard's first panel) adds a sheet of the
    cases open at the time of export."""
    kinds = [(k.value, RULES[k].label) for k in LIFECYCLE_KINDS]
    head, members = queries.overview(user, period, **filters)
    panel = []
    if open_now is not None:
        panel = [
            (
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
        (
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
                [_("回访满意率"), percent(head["satisfaction_rate"])],
                [_("重复投诉率"), percent(head["repeat_rate"])],
                *[
                    [_("%(step)s及时率", step=label), percent(head["on_time"][k])]
                    for k, label in kinds
                ],
                *[
                    [_("%(step)s平均工作日", step=label), _round(head["working_days"][k])]
                    for k, label in kinds
                ],
            ],
        ),
        (
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
                    *[percent(m["on_time"][k]) for k, _l in kinds],
                    percent(m["satisfaction_rate"]),
                    m["repeats"],
                    m["major"],
                    m["decisions"],
                ]
                for m in members
            ],
        ),
        (
            _("会员单位平均工作日"),
            [_("会员单位"), *[_("%(step)s平均工作日", step=label) for _k, label in kinds]],
            [
                [m["member_name"], *[_round(m["working_days"][k]) for k, _l in kinds]]
                for m in members
            ],
        ),
        (
            _("投诉类别"),
            [_("类别"), _("投诉量"), _("属实")],
            [
                [c["name"], c["count"], c["substantiated"]]
                for c in queries.by_category(user, period, **filters)
            ],
        ),
        (
            _("受理渠道"),
            [_("渠道"), _("投诉量")],
            [
                [CHANNELS.get(c["channel"], c["channel"]), c["count"]]
                for c in queries.by_channel(user, period, **filters)
            ],
        ),
        (
            _("按月"),
            [_("月份"), _("投诉量")],
            [
                [f"{period.year}-{m['month']:02d}", m["count"]]
                for m in queries.by_month(user, period, **filters)
            ],
        ),
        (
            _("属实投诉较多的网点"),
            [_("网点"), _("属实投诉")],
            [[o["name"], o["count"]] for o in queries.top_outlets(user, period, **filters)],
        ),
        (
            _("责任追究"),
            [_("会员单位"), _("事由"), _("处理"), _("日期")],
            [
                # The trigger and the rung are marked labels (N_): translated here.
                [a["member"], *map(_, (a["reason"], a["decision"])), a["at"].astimezone(TZ).date()]
                for a in queries.accountability_decisions(user, period)
                if filters.get("member_id") in (None, a["member_id"])
            ],
        ),
    ]


def _round(value):
    return None if value is None else round(value, 2)


def workbook(user, period: Period, open_now: dict | None = None, **filters) -> BytesIO:
    book = Workbook(write_only=True)
    for title, headers, rows in tables(user, period, open_now, **filters):
        sheet = book.create_sheet(title[:31])
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
    stream = BytesIO()
    book.save(stream)
    stream.seek(0)
    return stream
