import xml.etree.ElementTree as ET

from portal.bulletins import charts
from portal.bulletins.rules import anonymise

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
