"""The world of the generated data set: the association and its staff, member banks of
very different sizes, their city branches and outlets, users with predictable names,
the category taxonomy, the calendar, the A/B duty pairs, and a pool of complainants.

Units and users are inserted with ids chosen here (``flask demo generate`` only runs on
an empty database), so the case generator can refer to them without reading them back.

Sizes are skewed like a real province: bank ``m`` has a Zipf weight ``1 / m``, so
``n-m0001`` is the biggest bank (with a city-branch level) and the last ones are small
village banks whose few outlets sit directly under the bank.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.auth.operations import new_session_token
from portal.auth.passwords import hash_password
from portal.auth.roles import Role
from portal.complaints import pii
from portal.complaints.models import Category
from portal.complaints.rules import mask_id_number, mask_mobile
from portal.complaints.taxonomy import seed_categories
from portal.db import db
from portal.demo.calendar_demo import seed_calendar
from portal.demo.province import ASSOCIATION, person_names, street_names
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind

PASSWORD = "demo12345"

# Liaoning's fourteen cities: area code, districts, and a weight for where outlets are.
CITIES = {
    "沈阳市": ("024", "SY", 9, ["和平区", "沈河区", "皇姑区", "铁西区", "大东区", "浑南区"]),
    "大连市": ("0411", "DL", 7, ["中山区", "西岗区", "沙河口区", "甘井子区", "金州区"]),
    "鞍山市": ("0412", "AS", 3, ["铁东区", "铁西区", "立山区", "千山区"]),
    "抚顺市": ("024", "FS", 2, ["新抚区", "东洲区", "望花区", "顺城区"]),
    "本溪市": ("024", "BX", 1, ["平山区", "溪湖区", "明山区"]),
    "丹东市": ("0415", "DD", 2, ["元宝区", "振兴区", "振安区"]),
    "锦州市": ("0416", "JZ", 2, ["古塔区", "凌河区", "太和区"]),
    "营口市": ("0417", "YK", 2, ["站前区", "西市区", "鲅鱼圈区"]),
    "阜新市": ("0418", "FX", 1, ["海州区", "细河区", "太平区"]),
    "辽阳市": ("0419", "LY", 1, ["白塔区", "文圣区", "宏伟区"]),
    "盘锦市": ("0427", "PJ", 1, ["双台子区", "兴隆台区", "大洼区"]),
    "铁岭市": ("024", "TL", 1, ["银州区", "清河区"]),
    "朝阳市": ("0421", "CY", 1, ["双塔区", "龙城区"]),
    "葫芦岛市": ("0429", "HLD", 1, ["连山区", "龙港区", "南票区"]),
}

# The big banks first (real names, as in the demo), then rural and village banks.
BIG_BANKS = [
    ("中国工商银行辽宁省分行", "工行", "95588"),
    ("中国建设银行辽宁省分行", "建行", "95533"),
    ("中国农业银行辽宁省分行", "农行", "95599"),
    ("中国银行辽宁省分行", "中行", "95566"),
    ("中国邮政储蓄银行辽宁省分行", "邮储银行", "95580"),
    ("交通银行辽宁省分行", "交行", "95559"),
    ("盛京银行股份有限公司", "盛京银行", "95337"),
    ("招商银行沈阳分行", "招行", "95555"),
    ("上海浦东发展银行沈阳分行", "浦发银行", "95528"),
    ("中信银行沈阳分行", "中信银行", "95558"),
    ("中国光大银行沈阳分行", "光大银行", "95595"),
    ("中国民生银行沈阳分行", "民生银行", "95568"),
    ("兴业银行沈阳分行", "兴业银行", "95561"),
    ("华夏银行沈阳分行", "华夏银行", "95577"),
    ("平安银行沈阳分行", "平安银行", "95511"),
    ("广发银行沈阳分行", "广发银行", "95508"),
    ("大连银行股份有限公司", "大连银行", "95367"),
    ("锦州银行股份有限公司", "锦州银行", "95398"),
    ("浙商银行沈阳分行", "浙商银行", "95527"),
    ("渤海银行沈阳分行", "渤海银行", "95541"),
    ("恒丰银行沈阳分行", "恒丰银行", "95395"),
    ("辽宁振兴银行股份有限公司", "振兴银行", "4006169999"),
]
COUNTIES = (
    "新民 辽中 康平 法库 瓦房店 庄河 普兰店 长海 海城 台安 岫岩 新宾 清原 桓仁 东港 凤城 "
    "宽甸 凌海 北镇 黑山 义县 盖州 大石桥 彰武 灯塔 盘山 开原 调兵山 昌图 西丰 北票 凌源 "
    "建平 喀左 兴城 绥中 建昌 本溪满族 抚顺 铁岭 朝阳 阜新蒙古族 辽阳 大洼"
).split()
RURAL_KINDS = ("农村商业银行", "村镇银行", "农村信用合作联社", "中银富登村镇银行", "建信村镇银行")
# Members with at least this many outlets keep a city-branch level between bank and outlet.
CITY_BRANCH_THRESHOLD = 50
# The regulator's institution groups of BIG_BANKS by position (orgs.rules.INSTITUTION_GROUPS):
# the six large state-owned banks, then 盛京, the joint-stock banks, the city banks and
# the private 振兴 (counted with the city banks); rural banks and credit unions are
# 农村中小金融机构.
BIG_BANK_GROUPS = (
    ["state_owned"] * 6
    + ["city"]
    + ["joint_stock"] * 9
    + ["city", "city"]
    + ["joint_stock"] * 3
    + ["city"]
)
# Personal customers per outlet, roughly (the generated banks report their count).
CUSTOMERS_PER_OUTLET = (6_000, 14_000)
DEPARTMENTS = ("消费者权益保护部", "个人金融业务部", "运营管理部", "办公室（消保办）", "综合管理部")


@dataclass
class Member:
    id: int
    path: str
    name: str
    short: str
    code: str
    admin_id: int = 0
    a_id: int = 0
    b_id: int = 0
    leader_id: int = 0
    # city name -> (city branch id, path, name, officer id)
    branches: dict = field(default_factory=dict)
    outlets: list = field(default_factory=list)  # indexes into World.outlets
    customers: int = 0  # personal customers it reports (per 10 million, the regulator)


@dataclass
class World:
    association: tuple  # (id, path, name, short)
    staff: dict  # username -> (id, role, unit_id)
    members: list[Member]
    # (id, path, name, member index, city branch id or None, officer id)
    outlets: list[tuple]
    # (id, code, top-level id, name)
    categories: list[tuple]
    people: list[tuple] = field(default_factory=list)


def zipf_split(total: int, parts: int, exponent: float, minimum: int) -> list[int]:
    """``total`` split into ``parts`` shares proportional to ``1 / rank ** exponent``,
    each at least ``minimum``, summing exactly to ``total`` (largest remainders)."""
    if total < parts * minimum:
        raise ValueError(f"cannot give {parts} parts at least {minimum} out of {total}")
    weights = [1 / (rank**exponent) for rank in range(1, parts + 1)]
    spare = total - parts * minimum
    scale = spare / sum(weights)
    exact = [w * scale for w in weights]
    shares = [int(x) for x in exact]
    rest = spare - sum(shares)
    for i in sorted(range(parts), key=lambda i: exact[i] - shares[i], reverse=True)[:rest]:
        shares[i] += 1
    return [minimum + s for s in shares]


def member_names(count: int, rng: random.Random) -> list[tuple[str, str, str]]:
    names = list(BIG_BANKS)
    rural = [(place, kind) for kind in RURAL_KINDS for place in COUNTIES]
    rng.shuffle(rural)
    for place, kind in rural:
        short = f"{place}{'农商行' if kind == '农村商业银行' else kind[-4:]}"
        names.append(
            (f"辽宁{place}{kind}", short, f"0{rng.randint(410, 429)}-96{rng.randint(100, 999)}")
        )
    n = 0
    while len(names) < count:
        n += 1
        place = COUNTIES[n % len(COUNTIES)]
        names.append((f"辽宁{place}第{n}村镇银行", f"{place}{n}村镇", "400-600-0000"))
    return names[:count]


class _Ids:
    def __init__(self):
        self.unit = 0
        self.user = 0

    def next_unit(self) -> int:
        self.unit += 1
        return self.unit

    def next_user(self) -> int:
        self.user += 1
        return self.user


def build_world(*, members: int, outlets: int, people: int, seed: int, start: datetime) -> World:
    """Insert the units, users, taxonomy, calendar and duty pairs; return their ids."""
    rng = random.Random(seed)
    ids = _Ids()
    password_hash = hash_password(PASSWORD)  # ONE argon2 hash for every generated user
    names = person_names(seed)
    streets = street_names()
    unit_rows, user_rows = [], []

    def user(username, unit_id, role, **extra):
        user_id = ids.next_user()
        user_rows.append(
            {
                "id": user_id,
                "username": username,
                "full_name": next(names),
                "unit_id": unit_id,
                "role": role.value,
                "password_hash": password_hash,
                "session_token": new_session_token(),
                "email": f"{username}@example.cn",
                "work_phone": extra.pop("work_phone", None),
                "mobile": extra.pop("mobile", None),
                "is_active": True,
                "failed_logins": 0,
                "version": 1,
                "created_at": start,
            }
        )
        return user_id

    def unit(parent_path: str | None, **fields) -> tuple[int, str]:
        unit_id = ids.next_unit()
        path = f"{parent_path or '/'}{unit_id}/"
        depth = path.count("/") - 2
        member_id = fields.pop("member_id", None)
        unit_rows.append(
            {
                "id": unit_id,
                "parent_id": fields.pop("parent_id", None),
                "path": path,
                "depth": depth,
                "member_id": unit_id if fields["kind"] == UnitKind.MEMBER else member_id,
                "short_name": None,
                "is_associate": False,
                "city": None,
                "district": None,
                "address": None,
                "complaint_phone": None,
                "system_phone": None,
                "in_campaign": False,
                "institution_group": None,
                "is_active": True,
                "version": 1,
                "created_at": start,
            }
            | fields
        )
        return unit_id, path

    assoc_id, assoc_path = unit(None, kind=UnitKind.ASSOCIATION.value, **ASSOCIATION)
    staff = {}
    for n, (username, role) in enumerate(
        [
            ("n-assoc-admin", Role.ASSOC_ADMIN),
            ("n-assoc", Role.ASSOC_HANDLER),
            ("n-assoc2", Role.ASSOC_HANDLER),
            ("n-assoc-leader", Role.ASSOC_LEADER),
        ]
    ):
        staff[username] = (
            user(username, assoc_id, role, work_phone=f"024-2253{2960 + n}"),
            role.value,
            assoc_id,
        )

    city_names = list(CITIES)
    city_weights = [CITIES[c][2] for c in city_names]
    sizes = zipf_split(outlets, members, 1.0, 1)
    world_members: list[Member] = []
    world_outlets: list[tuple] = []
    for m, ((name, short, phone), size) in enumerate(
        zip(member_names(members, rng), sizes, strict=True), start=1
    ):
        code = f"M{m:04d}"
        associate = m > members - max(1, members // 20)  # the last 5%: 准会员单位
        member_id, member_path = unit(
            assoc_path,
            parent_id=assoc_id,
            kind=UnitKind.MEMBER.value,
            code=code,
            name=name,
            short_name=short,
            city="沈阳市",
            district="和平区",
            system_phone=phone,
            complaint_phone=f"024-2{m:03d}{rng.randint(1000, 9999)}",
            is_associate=associate,
            in_campaign=not associate,
            institution_group=BIG_BANK_GROUPS[m - 1] if m <= len(BIG_BANKS) else "rural",
        )
        member = Member(member_id, member_path, name, short, code)
        # Not drawn from ``rng``: the rest of the data set stays as it was for a seed.
        low, high = CUSTOMERS_PER_OUTLET
        member.customers = size * (low + (m * 7919) % (high - low))
        key = f"n-m{m:04d}"
        member.admin_id = user(f"{key}-admin", member_id, Role.MEMBER_ADMIN)
        member.a_id = user(f"{key}-a", member_id, Role.MEMBER_HANDLER, mobile=f"139{m:04d}0001")
        member.b_id = user(f"{key}-b", member_id, Role.MEMBER_HANDLER, mobile=f"139{m:04d}0002")
        member.leader_id = user(
            f"{key}-leader",
            member_id,
            Role.MEMBER_LEADER,
            mobile=f"138{m:04d}0003",
            work_phone=f"024-2{m:03d}0003",
        )
        if size >= CITY_BRANCH_THRESHOLD:
            home = None
        else:
            home = rng.choices(city_names, city_weights)[0]
        for _ in range(size):
            city = home or rng.choices(city_names, city_weights)[0]
            area, city_code, _weight, districts = CITIES[city]
            parent_id, parent_path = member_id, member_path
            if home is None:
                if city not in member.branches:
                    b = len(member.branches) + 1
                    branch_id, branch_path = unit(
                        member_path,
                        parent_id=member_id,
                        member_id=member_id,
                        kind=UnitKind.CITY_BRANCH.value,
                        code=f"{code}-{city_code}",
                        name=f"{short}{city.removesuffix('市')}分行",
                        city=city,
                        district=districts[0],
                        system_phone=phone,
                    )
                    officer = user(f"{key}-c{b:02d}", branch_id, Role.BRANCH_OFFICER)
                    member.branches[city] = (branch_id, branch_path, f"{short}{city}分行", officer)
                parent_id, parent_path = member.branches[city][:2]
            k = len(world_outlets) + 1
            district = districts[k % len(districts)]
            street = streets[k % len(streets)]
            outlet_name = f"{short}{city.removesuffix('市')}{district}{street}网点{k}"
            outlet_id, outlet_path = unit(
                parent_path,
                parent_id=parent_id,
                member_id=member_id,
                kind=UnitKind.OUTLET.value,
                code=f"O{k:06d}",
                name=outlet_name,
                city=city,
                district=district,
                address=f"{city}{district}{street}{10 + k % 400}号",
                complaint_phone=f"{area}-8{k % 10000000:07d}",
                system_phone=phone,
                in_campaign=not associate,
            )
            officer = user(f"n-o{k:06d}", outlet_id, Role.BRANCH_OFFICER)
            member.outlets.append(len(world_outlets))
            branch = parent_id if parent_id != member_id else None
            world_outlets.append(
                (outlet_id, outlet_path, outlet_name, m - 1, branch, officer, district)
            )
        world_members.append(member)

    db.session.execute(Unit.__table__.insert(), unit_rows)
    db.session.execute(User.__table__.insert(), user_rows)
    db.session.flush()
    seed_calendar(start)
    seed_categories()
    categories = [
        (c.id, c.code, c.parent_id, c.name)
        for c in db.session.scalars(
            select(Category).where(Category.parent_id.is_not(None)).order_by(Category.sort)
        )
    ]
    _duty(world_members, start)
    world = World(
        (assoc_id, assoc_path, ASSOCIATION["name"], ASSOCIATION["short_name"]),
        staff,
        world_members,
        world_outlets,
        categories,
    )
    world.people = complainants(people, rng, names)
    return world


def _duty(members: list[Member], now: datetime) -> None:
    """Art. 6, 7: every member reports its leader and department and names A and B,
    through the real operations (they check the contacts and write the reports)."""
    from portal.duty import operations

    for n, member in enumerate(members):
        # All written by ``build_world`` a moment ago.
        unit = db.session.get_one(Unit, member.id)
        admin = db.session.get_one(User, member.admin_id)
        leader = db.session.get_one(User, member.leader_id)
        operations.save_profile(
            unit,
            actor=admin,
            now=now,
            leader_user_id=leader.id,
            leader_name=leader.full_name,
            leader_title="副行长",
            leader_work_phone=leader.work_phone,
            leader_mobile=leader.mobile,
            leader_email=leader.email,
            department_name=DEPARTMENTS[n % len(DEPARTMENTS)],
            department_phone=unit.complaint_phone,
        )
        operations.set_pair(
            unit, handler_a_id=member.a_id, handler_b_id=member.b_id, actor=admin, now=now
        )
        # Its personal customers as of the day before the data set begins, so every
        # period of it is normalised (the regulator's per 10 million personal customers).
        operations.report_customers(
            unit,
            personal_customers=member.customers,
            as_of=(now - timedelta(days=1)).date(),
            actor=admin,
            now=now,
        )


def _id_number(rng: random.Random) -> str:
    body = (
        f"2101{rng.randint(2, 6):02d}19{rng.randint(50, 99)}{rng.randint(1, 12):02d}"
        f"{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
    )
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def complainants(count: int, rng: random.Random, names) -> list[tuple]:
    """A pool of complainants, each with a mobile and (40%) an ID number, encrypted and
    hashed exactly as intake does (``portal.complaints.pii``). Encrypting a million
    values would take minutes, so cases draw their complainant from this pool: a
    person may complain several times, as real customers do."""
    seen: set[str] = set()
    pool: list[tuple] = []
    while len(pool) < count:
        mobile = f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
        if mobile in seen:
            continue
        seen.add(mobile)
        id_number = _id_number(rng) if rng.random() < 0.4 else None
        pool.append(
            (
                next(names),
                pii.encrypt(mobile),
                pii.search_hash(mobile),
                mask_mobile(mobile),
                pii.encrypt(id_number),
                pii.search_hash(id_number),
                mask_id_number(id_number) or None,
            )
        )
    return pool
