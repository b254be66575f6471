"""Charts for the bulletin and the dashboards, drawn as SVG strings on the server (no JS).

Each function takes plain labels and numbers and returns a self-contained ``<svg>``;
text is XML-escaped so a category name can never break the markup. Titles and labels are
in the reader's language (the bulletin's PDF is always rendered in Chinese).
"""

from xml.sax.saxutils import escape

from flask_babel import gettext as _

from portal.web.i18n import localized, month_label

FONT = "WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"
BAR = "#2f5d8a"


def bar_chart(
    title: str,
    labels: list[str],
    values: list[float | None],
    *,
    width: int = 640,
    as_percent: bool = False,
) -> str:
    """Horizontal bars, one per label; ``None`` values are drawn as "—" with no bar."""
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


def on_time_chart(
    members: list[dict], kind: str, kind_label: str, whose: str = "各会员单位"
) -> str:
    return bar_chart(
        f"{whose}{kind_label}及时率",
        [m["member_name"] for m in members],
        [m["on_time"].get(kind) for m in members],
        as_percent=True,
    )
