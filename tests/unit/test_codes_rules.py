"""JR/T 0169-2018 code lists as plain data: the shipped levels keep the standard's
numbering, an imported CSV is refused with every problem by line, levels and tops."""

import pytest

from portal.codes.rules import (
    AXES,
    CHANNEL_DEFAULT_A,
    DEFAULT_CODES,
    DEFAULT_CROSSWALK,
    CodeListError,
    Entry,
    check_code,
    label,
    level_of,
    parse_csv,
    top_of,
    validate,
)
from portal.complaints.rules import CHANNELS
from portal.complaints.taxonomy import DEFAULT_CATEGORIES

GOOD = "code,parent,name,name_en\nA01,,前台业务渠道,Front\nA0101,A01,营业现场,\nB01,,人民币储蓄,\nC01,,服务态度及服务质量,\n"


def _parents():
    return {e.code: e.parent for e in DEFAULT_CODES}


def test_the_shipped_list_is_valid_and_covers_every_axis():
    assert validate(list(DEFAULT_CODES)) == []
    assert {e.axis for e in DEFAULT_CODES if e.parent is None} == set(AXES)


def test_other_is_99_at_a_middle_level_and_9_at_the_lowest():
    """The standard's rule: "其他" takes 99 at the upper levels (one and two digits a
    level: B99, A0199) and 9 at the lowest, third level (A01039)."""
    parents = _parents()
    others = [e for e in DEFAULT_CODES if e.name == "其他"]
    assert {e.code for e in others} >= {"A0199", "A01039", "B99", "C99"}
    for e in others:
        own = e.code[len(e.parent) :] if e.parent else e.code[1:]
        assert own == ("9" if level_of(e.code, parents) == 3 else "99"), e.code


def test_levels_and_tops():
    parents = _parents()
    assert level_of("A01", parents) == 1
    assert level_of("A0103", parents) == 2
    assert level_of("A01033", parents) == 3
    assert top_of("A01033", parents) == "A01"
    with pytest.raises(ValueError):
        level_of("X1", {"X1": "X2", "X2": "X1"})


def test_every_default_category_has_a_crosswalk_to_shipped_codes():
    known = {e.code for e in DEFAULT_CODES}
    categories = [
        code for code, _n, subs in DEFAULT_CATEGORIES for code in [code, *[s for s, _ in subs]]
    ]
    for code in categories:
        b, c = DEFAULT_CROSSWALK[code]
        assert b in known and b.startswith("B"), code
        assert c in known and c.startswith("C"), code
    assert set(CHANNEL_DEFAULT_A) <= set(CHANNELS)
    assert all(a in known for a in CHANNEL_DEFAULT_A.values())


def test_a_good_csv_parses_with_or_without_english_names_and_in_gb18030():
    entries = parse_csv(GOOD.encode("utf-8-sig"))
    assert entries[0] == Entry("A01", None, "前台业务渠道", "Front")
    assert entries[1] == Entry("A0101", "A01", "营业现场", None)
    without = "code,parent,name\nA01,,渠道\nB01,,储蓄\nc01,,原因\n"
    assert [e.code for e in parse_csv(without.encode("gb18030"))] == ["A01", "B01", "C01"]


@pytest.mark.parametrize(
    "text, problem",
    [
        ("", "文件为空"),
        ("编码,上级,名称\nA01,,x\n", "第一行应为表头"),
        ("code,parent,name\nX01,,x\nA01,,a\nB01,,b\nC01,,c\n", "第1行：编码“X01”应以A、B或C开头"),
        ("code,parent,name\nA01,,a\nA01,,again\nB01,,b\nC01,,c\n", "第2行：编码“A01”重复"),
        (
            "code,parent,name\nA01,,a\nB0101,A01,b\nB01,,b\nC01,,c\n",
            "第2行：编码“B0101”应以上级编码“A01”开头",
        ),
        (
            "code,parent,name\nA01,,a\nA0101,A02,x\nB01,,b\nC01,,c\n",
            "第2行：上级编码“A02”不在列表中",
        ),
        ("code,parent,name\nA01,,\nB01,,b\nC01,,c\n", "第1行：名称不能为空"),
        ("code,parent,name\nA01,,a\nB01,,b\n", "缺少C类"),
    ],
)
def test_a_bad_csv_is_refused_with_its_problem(text, problem):
    with pytest.raises(CodeListError) as refused:
        parse_csv(text.encode("utf-8"))
    assert any(problem in p for p in refused.value.problems), refused.value.problems


def test_every_problem_is_listed_at_once():
    text = "code,parent,name\nX01,,x\nA01,,a\nA01,,b\nA0101,A09,c\n"
    with pytest.raises(CodeListError) as refused:
        parse_csv(text.encode())
    problems = refused.value.problems
    assert len(problems) >= 5  # X01, the duplicate, the missing parent, no B, no C
    assert any("第1行" in p for p in problems) and any("第3行" in p for p in problems)


def test_undecodable_bytes_are_refused():
    with pytest.raises(CodeListError, match="文件编码"):
        parse_csv(b"\xff\xfe\xfa\x80\x81")


def test_a_case_code_is_checked_against_its_axis_and_the_current_list():
    known = {"B03": "银行卡", "C01": "服务态度及服务质量", "A01033": "移动客户端"}
    assert check_code("B03", "B", known) is None
    assert check_code("A01033", "A", known) is None  # any level
    assert check_code("", "B", known) is None  # emptiness is the caller's to judge
    assert "不是现行编码表" in check_code("C01", "B", known)
    assert "不是现行编码表" in check_code("B04", "B", known)
    assert label("B03", known) == "B03 银行卡"
    assert label("B77", known) == "B77" and label(None, known) == "—"
