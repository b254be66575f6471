"""Charts for the bulletin and the dashboards, drawn as SVG strings on the server (no JS).

Each function takes plain labels and numbers and returns a self-contained ``<svg>``;
text is XML-escaped so a category name can never break the markup. Titles and labels are
in the reader's language (the bulletin's PDF is always rendered in Chinese).
"""

from xml.sax.saxutils import escape

from flask_babel import gettext as _

from portal.web.i18n import localized, month_label

FONT = "Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"
LINE = "#c0392b"
BAR = "#2f5d8a"


def bar_chart(
    title: str,
    labels: list[str],
    values: list[float | None],
    *,
    width: int = 640,
    as_percent: bool = False,
    line: float | None = None,
    line_label: str = "",
) -> str:
    """Horizontal bars, one per label; ``None`` values are drawn as "—" with no bar.
    ``line`` (percent charts): a dashed mark at that rate, e.g. the 75 % line."""
    row, left, top, right = 26, 170, 34, 70
    height = top + row * max(len(labels), 1) + 10
    numbers = [v for v in values if v is not None]
    scale = 1.0 if as_percent else (max(numbers) if numbers and max(numbers) > 0 else 1)
    span = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{escape(FONT)}" font-size="12">',
        f'<text x="0" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    if not labels:
        parts.append(f'<text x="0" y="{top + 14}">{escape(_("无数据"))}</text>')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row
        parts.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{escape(str(label))}</text>'
        )
        if value is None:
            parts.append(f'<text x="{left + 4}" y="{y + 15}">—</text>')
            continue
        bar = round(span * (value / scale), 1) if scale else 0
        text = f"{value * 100:.1f}%" if as_percent else f"{value:g}"
        parts.append(
            f'<rect x="{left}" y="{y + 3}" width="{bar}" height="{row - 8}" fill="{BAR}"/>'
        )
        parts.append(f'<text x="{left + bar + 4}" y="{y + 15}">{escape(text)}</text>')
    if line is not None and as_percent and labels:
        x = round(left + span * line, 1)
        bottom = top + row * len(labels)
        parts.append(
            f'<line x1="{x}" y1="{top - 4}" x2="{x}" y2="{bottom}" stroke="{LINE}" '
            f'stroke-width="1.2" stroke-dasharray="4 3"/>'
        )
        if line_label:
            parts.append(
                f'<text x="{x}" y="{top - 8}" text-anchor="middle" fill="{LINE}" '
                f'font-size="11">{escape(line_label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def month_chart(months: list[dict]) -> str:
    return bar_chart(
        _("按月受理投诉量"),
        [month_label(m["month"]) for m in months],
        [m["count"] for m in months],
    )


def category_chart(categories: list[dict]) -> str:
    return bar_chart(
        _("按投诉类别"),
        [localized(c["name"], c.get("name_en")) for c in categories],
        [c["count"] for c in categories],
    )


def note_chart(title: str, note: str, *, width: int = 640) -> str:
    """A chart's title with a sentence in place of bars (nothing differs to draw)."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="52" '
        f'viewBox="0 0 {width} 52" font-family="{escape(FONT)}" font-size="12">'
        f'<text x="0" y="18" font-size="14" font-weight="bold">{escape(title)}</text>'
        f'<text x="0" y="42">{escape(note)}</text></svg>'
    )


def widest_spread(members: list[dict], kinds) -> str | None:
    """The step whose on-time rates differ most between members (highest minus lowest;
    on a tie, the one with the lowest rate), the step worth a chart; None when no step
    has a rate below 100 % anywhere."""
    best, best_key = None, (0.0, 0.0)
    for kind in kinds:
        values = [m["on_time"].get(kind) for m in members]
        values = [v for v in values if v is not None]
        if not values:
            continue
        key = (max(values) - min(values), 1 - min(values))
        if key > best_key:
            best, best_key = kind, key
    return best


def on_time_chart(
    members: list[dict],
    kind: str,
    kind_label: str,
    whose: str = "各会员单位",
    line: float | None = None,
) -> str:
    """The members whose ``kind`` on-time rate fell short of 100 %, worst first, with
    ``line`` (the 75 % line) marked. Members on time throughout get no bar: a chart of
    identical 100 % bars says nothing, and hid the rates that matter (issue 25). When no
    member fell short the chart says so in words (全部按时); when all fell short by the
    same rate, it states the rate."""
    rated = [(m["member_name"], m["on_time"].get(kind)) for m in members]
    rated = [(name, v) for name, v in rated if v is not None]
    title = f"{whose}{kind_label}及时率"
    if not rated:
        return note_chart(title, _("本期无已到期的%(kind)s环节。", kind=kind_label))
    short = sorted(((name, v) for name, v in rated if v < 1), key=lambda nv: (nv[1], nv[0]))
    if not short:
        return note_chart(title, _("全部按时（%(count)s家均为100%%）。", count=len(rated)))
    on_time = len(rated) - len(short)
    if len(short) > 1 and len({round(v, 4) for _name, v in short}) == 1:
        rate_text = f"{short[0][1] * 100:.1f}%"
        if not on_time:
            return note_chart(title, _("各会员单位均为%(rate)s。", rate=rate_text))
        return note_chart(
            title,
            _(
                "%(names)s均为%(rate)s，其余%(rest)s家全部按时。",
                names="、".join(name for name, _v in short),
                rate=rate_text,
                rest=on_time,
            ),
        )
    subtitle = (
        _(
            "（未达100%%的%(short)s家，由低到高；其余%(rest)s家全部按时）",
            short=len(short),
            rest=on_time,
        )
        if on_time
        else _("（由低到高）")
    )
    return bar_chart(
        title + subtitle,
        [name for name, _v in short],
        [v for _name, v in short],
        as_percent=True,
        line=line,
        line_label=_("%(line)s%%警戒线", line=f"{line * 100:g}") if line is not None else "",
    )
