import xml.etree.ElementTree as ET

from portal.bulletins.rules import anonymise, decision_counts, members_to_show
from portal.statistics import charts

SVG = "{http://www.w3.org/2000/svg}"


def test_anonymise_removes_names_phones_and_id_numbers():
    text = "张敏（13700001111，身份证210102199001011234）称，张敏在网点被拒，座机024-88886666。"
    out = anonymise(text, ("张敏",))
    assert "张敏" not in out and "13700001111" not in out
    assert "210102199001011234" not in out and "88886666" not in out
    assert out.startswith("客户（[电话已隐去]，身份证[身份证号已隐去]）称")


def test_bar_chart_is_valid_svg_with_escaped_labels():
    svg = charts.bar_chart("标题", ["A&B", "<C>"], [3, None])
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "A&B" in texts and "<C>" in texts and "—" in texts
    assert len(list(root.iter(f"{SVG}rect"))) == 1


def test_percent_chart_and_empty_chart():
    root = ET.fromstring(charts.bar_chart("及时率", ["甲"], [0.5], as_percent=True))
    assert "50.0%" in [t.text for t in root.iter(f"{SVG}text")]
    empty = ET.fromstring(charts.month_chart([]))
    assert "无数据" in [t.text for t in empty.iter(f"{SVG}text")]


def _member(n: int, received: int, accept: float | None) -> dict:
    return {
        "member_id": n,
        "member_name": f"银行{n}",
        "received": received,
        "on_time": {"accept": accept},
    }


def test_a_small_province_lists_every_member():
    members = [_member(n, 10 * n, 0.9) for n in range(1, 31)]
    listed, slowest = members_to_show(members)
    assert listed == members and slowest is None


def test_a_large_province_shows_the_busiest_and_the_slowest_to_accept():
    members = [_member(n, 1000 - n, 1 - n / 100) for n in range(1, 41)]
    members.append(_member(99, 5, None))  # nothing accepted yet: not ranked as slow
    listed, slowest = members_to_show(members)
    assert [m["member_id"] for m in listed] == list(range(1, 11))
    assert [m["member_id"] for m in slowest] == list(range(40, 30, -1))


def test_decisions_are_listed_or_counted():
    few = [{"member": "甲", "reason": "媒体", "decision": "驳回"}] * 30
    assert decision_counts(few) is None
    many = few + [{"member": "乙", "reason": "受理", "decision": "约见谈话"}] * 2
    counts = decision_counts(many)
    assert counts["by_decision"] == [("驳回", 30), ("约见谈话", 2)]
    assert counts["by_reason"] == [("媒体", 30), ("受理", 2)]
    assert counts["by_member"] == [("甲", 30), ("乙", 2)]
