"""The demo province as plain data. Deterministic: the same seed gives the same names."""

import random
from dataclasses import dataclass, field

ASSOCIATION = {
    "code": "LNBA",
    "name": "辽宁省银行业协会",
    "short_name": "省银协",
    "city": "沈阳市",
    "district": "和平区",
    "address": "沈阳市和平区南京北街",
    # Art. 4, 5: the association's public complaint line.
    "complaint_phone": "024-22532961",
}

# city -> (area code, districts)
CITIES = {
    "沈阳市": ("024", ["和平区", "沈河区", "皇姑区", "铁西区", "大东区", "浑南区", "于洪区"]),
    "大连市": ("0411", ["中山区", "西岗区", "沙河口区", "甘井子区", "金州区"]),
    "鞍山市": ("0412", ["铁东区", "铁西区", "立山区"]),
    "锦州市": ("0416", ["古塔区", "凌河区", "太和区"]),
    "营口市": ("0417", ["站前区", "西市区", "鲅鱼圈区"]),
    "丹东市": ("0415", ["元宝区", "振兴区", "振安区"]),
}


@dataclass(frozen=True)
class BankSpec:
    key: str  # bank1, bank2 … (demo logins)
    code: str
    name: str
    short: str
    system_phone: str
    cities: tuple[str, ...]
    has_province_level: bool = False
    is_associate: bool = False
    sub_branches_per_city: int = 2
    outlets_per_sub_branch: int = 2
    extra: dict = field(default_factory=dict)
    # The regulator's institution group (orgs.rules.INSTITUTION_GROUPS) and the personal
    # customers the bank reports in the province (the demo's figures, not real ones).
    group: str = "state_owned"
    personal_customers: int | None = None


BANKS = [
    BankSpec(
        "bank1",
        "ICBC-LN",
        "中国工商银行辽宁省分行",
        "工行",
        "95588",
        ("沈阳市", "大连市", "鞍山市"),
        outlets_per_sub_branch=2,
        personal_customers=28_600_000,
    ),
    BankSpec(
        "bank2",
        "CCB-LN",
        "中国建设银行辽宁省分行",
        "建行",
        "95533",
        ("沈阳市", "大连市", "锦州市"),
        personal_customers=25_900_000,
    ),
    BankSpec(
        "bank3",
        "ABC-LN",
        "中国农业银行辽宁省分行",
        "农行",
        "95599",
        ("沈阳市", "营口市"),
        personal_customers=23_400_000,
    ),
    BankSpec(
        "bank4",
        "BOC-LN",
        "中国银行辽宁省分行",
        "中行",
        "95566",
        ("沈阳市", "丹东市"),
        personal_customers=17_800_000,
    ),
    BankSpec(
        "bank5",
        "BOCOM-LN",
        "交通银行辽宁省分行",
        "交行",
        "95559",
        ("沈阳市", "大连市"),
        personal_customers=8_700_000,
    ),
    BankSpec(
        "bank6",
        "SJB",
        "盛京银行股份有限公司",
        "盛京银行",
        "95337",
        ("沈阳市", "鞍山市"),
        has_province_level=False,
        group="city",
        personal_customers=6_100_000,
    ),
    BankSpec(
        "bank7",
        "LNZX",
        "辽宁振兴银行股份有限公司",
        "振兴银行",
        "400-616-9999",
        ("沈阳市",),
        is_associate=True,
        sub_branches_per_city=2,
        outlets_per_sub_branch=2,
        # A private bank counts with the city commercial banks (城市商业银行（含民营银行）);
        # it has not reported its customers yet: the statistics show it so.
        group="city",
    ),
]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏建华飞鑫宇浩然子涵欣怡思远晨曦嘉怡博文梓轩雨桐佳琪俊杰海燕立新志强春梅"


def person_names(seed: int = 20261123):
    """An endless, repeatable stream of plausible Chinese names."""
    rng = random.Random(seed)
    seen = set()
    while True:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        if name not in seen:
            seen.add(name)
            yield name


def street_names():
    return [
        "中山路",
        "人民路",
        "北京街",
        "青年大街",
        "黄河大街",
        "长江街",
        "建设路",
        "解放路",
        "友谊街",
        "和平大街",
        "新华路",
        "胜利大街",
        "文化路",
        "太原街",
        "兴华街",
        "滨海路",
    ]
