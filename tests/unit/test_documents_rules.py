"""Official documents after GB/T 9704-2012: the number's form, the title's lines, the
fonts from configuration; the on-time chart that never draws identical bars; the signed
changes of the bulletin that never print "-0.0" or "+0.0"."""

import xml.etree.ElementTree as ET

import pytest

from portal.bulletins.pdf import _days, _signed
from portal.documents.rules import (
    DEFAULT_FONTS,
    css_family,
    font_stacks,
    format_number,
    page_number,
    title_lines,
)
from portal.statistics import charts

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("prefix", "year", "seq", "expected"),
    [("辽银协", 2026, 12, "辽银协〔2026〕12号"), ("辽银协", 2027, 1, "辽银协〔2027〕1号")],
)
def test_the_number_has_the_year_in_hexagonal_brackets_and_no_leading_zero(
    prefix, year, seq, expected
):
    assert format_number(prefix, year, seq) == expected


def test_a_sequence_starts_at_one():
    with pytest.raises(ValueError):
        format_number("辽银协", 2026, 0)


def test_page_numbers_have_a_dash_either_side():
    assert page_number(1) == "— 1 —"


def test_a_title_breaks_between_phrases_only():
    assert title_lines(["辽宁省银行业客户投诉情况通报", "（2026年上半年）"]) == [
        "辽宁省银行业客户投诉情况通报",
        "（2026年上半年）",
    ]
    assert title_lines(["关于对", "中国银行辽宁省分行", "的通报批评"]) == [
        "关于对中国银行辽宁省分行的通报批评"
    ]
    long_name = "中国工商银行股份有限公司辽宁省分行营业部"
    lines = title_lines(["关于对", long_name, "的通报批评"])
    assert lines == ["关于对", long_name, "的通报批评"]  # the name is never cut


def test_configured_fonts_come_first_then_the_free_faces():
    fonts = font_stacks({"PDF_FONT_FANG": "FZFangSong-Z02, 仿宋_GB2312", "PDF_FONT_SERIF": ""})
    assert fonts.fang.startswith('"FZFangSong-Z02", "仿宋_GB2312"')
    assert '"WenQuanYi Micro Hei", sans-serif' in fonts.fang
    assert fonts.serif.startswith(f'"{DEFAULT_FONTS["serif"]}"')
    assert fonts.kai.startswith('"AR PL UKai CN"')


def test_a_configured_font_name_cannot_break_out_of_the_css():
    assert css_family(['x"; } </style><b>', "serif"]) == '"x  /styleb", serif'


def _bars(svg: str) -> list[tuple[str, float]]:
    root = ET.fromstring(svg)
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    return list(zip(labels, widths, strict=True))


def _members(rates: dict[str, float | None]) -> list[dict]:
    return [{"member_name": name, "on_time": {"report": v}} for name, v in rates.items()]


def test_the_on_time_chart_shows_the_members_short_of_100_percent_worst_first():
    members = _members({f"银行{n}": 1.0 for n in range(1, 6)} | {"乙行": 0.531, "甲行": 0.296})
    svg = charts.on_time_chart(members, "report", "上报处理结果", line=0.75)
    bars = _bars(svg)
    assert [label for label, _w in bars] == ["甲行", "乙行"]  # 29.6 % first
    assert bars[0][1] < bars[1][1]
    assert "29.6%" in svg and "53.1%" in svg and "75%警戒线" in svg
    assert "其余5家全部按时" in svg


def test_the_on_time_chart_never_draws_identical_bars():
    all_on_time = charts.on_time_chart(_members({f"银行{n}": 1.0 for n in range(7)}), "report", "x")
    assert "全部按时" in all_on_time and "<rect" not in all_on_time
    same = charts.on_time_chart(_members({"甲": 0.5, "乙": 0.5, "丙": 1.0}), "report", "x")
    assert "<rect" not in same and "均为50.0%，其余1家全部按时" in same
    none = charts.on_time_chart(_members({"甲": None}), "report", "x")
    assert "<rect" not in none


def test_the_chart_takes_the_step_whose_rates_differ_most():
    members = [
        {"member_name": "甲", "on_time": {"accept": 1.0, "verify": 0.3, "report": 0.9}},
        {"member_name": "乙", "on_time": {"accept": 1.0, "verify": 0.9, "report": 1.0}},
    ]
    assert charts.widest_spread(members, ["accept", "verify", "report"]) == "verify"
    flat = [{"member_name": "甲", "on_time": {"accept": 1.0}}]
    assert charts.widest_spread(flat, ["accept"]) is None


@pytest.mark.parametrize(
    ("value", "is_rate", "expected"),
    [
        (0.0, True, "持平"),
        (-0.0, True, "持平"),
        (-0.00004, True, "持平"),
        (0.00004, True, "持平"),
        (-0.028, True, "-2.8个百分点"),
        (0.125, True, "+12.5个百分点"),
        (0, False, "0"),
        (3, False, "+3"),
        (-2, False, "-2"),
        (None, True, "—"),
    ],
)
def test_changes_never_print_minus_or_plus_zero(value, is_rate, expected):
    assert _signed(value, is_rate) == expected


@pytest.mark.parametrize(
    ("value", "with_sign", "expected"),
    [(-0.04, True, "0.0"), (0.04, True, "0.0"), (0.25, True, "+0.2"), (-0.0, False, "0.0")],
)
def test_working_days_never_print_minus_zero(value, with_sign, expected):
    assert _days(value, with_sign) == expected
