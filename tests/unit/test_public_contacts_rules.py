"""Art. 4: the order of the numbers an outlet displays; Art. 5: the association's contacts."""

import pytest

from portal.orgs.contacts import DEFAULT, missing, notice_lines, split_emails


def test_art_5_defaults_are_the_regulations_own_text():
    assert DEFAULT.department == "辽宁省银行业协会服务拓展部"
    assert DEFAULT.phone == "024-22532961" and DEFAULT.fax_is_phone
    assert DEFAULT.emails == ("xiehuifuwu@sohu.com", "xiehuizilv@sina.com")
    assert DEFAULT.national_phone is None  # not in the rules: a setting


def test_art_4_order_outlet_then_system_then_provincial_then_national():
    lines = notice_lines(
        outlet_name="一号网点",
        outlet_phone="024-81234567",
        bank_name="第1银行",
        system_phone="95588",
        contacts=DEFAULT,
    )
    assert [line.number for line in lines] == ["024-81234567", "95588", "024-22532961", None]
    assert [line.holder for line in lines][:2] == ["一号网点", "第1银行"]
    assert missing(lines) == ["中国银行业协会投诉电话"]


@pytest.mark.parametrize(
    ("outlet", "system", "lacking"),
    [
        (None, "95588", ["本网点投诉电话", "中国银行业协会投诉电话"]),
        ("", None, ["本网点投诉电话", "系统内投诉电话", "中国银行业协会投诉电话"]),
        ("024-81234567", "95588", ["中国银行业协会投诉电话"]),
    ],
)
def test_missing_numbers_are_named_in_their_place(outlet, system, lacking):
    lines = notice_lines(
        outlet_name="网点",
        outlet_phone=outlet,
        bank_name="银行",
        system_phone=system,
        contacts=DEFAULT,
    )
    assert missing(lines) == lacking


@pytest.mark.parametrize(
    ("typed", "addresses"),
    [
        ("a@x.cn, b@y.cn", ["a@x.cn", "b@y.cn"]),
        ("a@x.cn、b@y.cn；c@z.cn", ["a@x.cn", "b@y.cn", "c@z.cn"]),
        ("  ", []),
        (None, []),
    ],
)
def test_emails_typed_on_one_line(typed, addresses):
    assert split_emails(typed) == addresses
