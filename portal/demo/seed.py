"""Creates the demo province. Idempotent: units are found by code, users by username,
and only what is missing is added."""

from sqlalchemy import select

from portal.auth.models import User
from portal.auth.operations import new_session_token
from portal.auth.passwords import hash_password
from portal.auth.roles import Role
from portal.db import db
from portal.demo.calendar_demo import seed_calendar
from portal.demo.duty_demo import seed_duty
from portal.demo.province import ASSOCIATION, BANKS, CITIES, person_names, street_names
from portal.orgs.models import Unit
from portal.orgs.operations import create_unit
from portal.orgs.rules import UnitKind

DEMO_PASSWORD = "demo12345"
CITY_CODES = {
    "沈阳市": "SY",
    "大连市": "DL",
    "鞍山市": "AS",
    "锦州市": "JZ",
    "营口市": "YK",
    "丹东市": "DD",
}


class _Seeder:
    def __init__(self, now):
        self.now = now
        self.names = person_names()
        self.password_hash = hash_password(DEMO_PASSWORD)  # one hash: seeding stays fast
        self.created_units = 0
        self.created_users = 0

    def unit(self, parent, **fields) -> Unit:
        found = db.session.scalar(select(Unit).where(Unit.code == fields["code"]))
        if found is not None:
            return found
        self.created_units += 1
        return create_unit(parent=parent, actor=None, now=self.now, **fields)

    def user(self, username: str, unit: Unit, role: Role, **extra) -> User:
        found = db.session.scalar(select(User).where(User.username == username))
        if found is not None:
            return found
        self.created_users += 1
        user = User(
            username=username,
            full_name=extra.pop("full_name", next(self.names)),
            unit=unit,
            unit_id=unit.id,
            role=role.value,
            password_hash=self.password_hash,
            session_token=new_session_token(),
            **extra,
        )
        db.session.add(user)
        return user


def _contact(seq: int, area: str) -> dict:
    return {"mobile": f"139{seq:08d}"[:11], "work_phone": f"{area}-2{seq:07d}"[: len(area) + 9]}


def seed_province(now) -> dict:
    """Add whatever of the demo province is missing; return what was created."""
    s = _Seeder(now)
    assoc = s.unit(None, kind=UnitKind.ASSOCIATION, **ASSOCIATION)
    for seq, (username, role) in enumerate(
        [
            ("assoc-admin", Role.ASSOC_ADMIN),
            ("assoc-staff", Role.ASSOC_HANDLER),
            ("assoc-staff2", Role.ASSOC_HANDLER),
            ("assoc-leader", Role.ASSOC_LEADER),
        ],
        start=1,
    ):
        s.user(username, assoc, role, email=f"{username}@lnba.example.cn", **_contact(seq, "024"))

    outlet_seq = 0
    streets = street_names()
    for bank in BANKS:
        base = bank.name.removesuffix("辽宁省分行").removesuffix("股份有限公司")
        member = s.unit(
            assoc,
            kind=UnitKind.MEMBER,
            code=bank.code,
            name=bank.name,
            short_name=bank.short,
            city="沈阳市",
            district="和平区",
            system_phone=bank.system_phone,
            complaint_phone=f"024-2{len(bank.code):03d}{BANKS.index(bank) + 1:04d}",
            is_associate=bank.is_associate,
            in_campaign=not bank.is_associate,
            institution_group=bank.group,
        )
        if member.institution_group is None:  # a demo seeded before the groups existed
            member.institution_group = bank.group
        n = BANKS.index(bank) + 1
        for username, role in [
            ("admin", Role.MEMBER_ADMIN),
            ("a", Role.MEMBER_HANDLER),
            ("b", Role.MEMBER_HANDLER),
            ("leader", Role.MEMBER_LEADER),
        ]:
            s.user(
                f"{bank.key}-{username}",
                member,
                role,
                email=f"{bank.key}-{username}@{bank.code.lower()}.example.cn",
                **_contact(n * 100 + len(username), "024"),
            )
        outlet_no = 0
        for city in bank.cities:
            area, districts = CITIES[city]
            cc = CITY_CODES[city]
            city_branch = s.unit(
                member,
                kind=UnitKind.CITY_BRANCH,
                code=f"{bank.code}-{cc}",
                name=f"{base}{city.removesuffix('市')}分行",
                city=city,
                district=districts[0],
                system_phone=bank.system_phone,
                complaint_phone=f"{area}-8{n:02d}{len(cc)}0000",
            )
            for i in range(bank.sub_branches_per_city):
                district = districts[(i + n) % len(districts)]
                sub = s.unit(
                    city_branch,
                    kind=UnitKind.SUB_BRANCH,
                    code=f"{bank.code}-{cc}-{i + 1:02d}",
                    name=f"{base}{city.removesuffix('市')}{district.removesuffix('区')}支行",
                    city=city,
                    district=district,
                    system_phone=bank.system_phone,
                    complaint_phone=f"{area}-8{n:02d}{i + 1}1000",
                )
                for j in range(bank.outlets_per_sub_branch):
                    outlet_seq += 1
                    outlet_no += 1
                    street = streets[outlet_seq % len(streets)]
                    outlet = s.unit(
                        sub,
                        kind=UnitKind.OUTLET,
                        code=f"{bank.code}-{cc}-{i + 1:02d}-{j + 1:02d}",
                        name=f"{sub.name}{street}分理处",
                        city=city,
                        district=district,
                        address=f"{city}{district}{street}{10 + outlet_seq * 7}号",
                        system_phone=bank.system_phone,
                        # A few newly opened outlets have not reported their own number
                        # yet: the Art. 4 notice list shows them as missing.
                        complaint_phone=None
                        if outlet_seq % 23 == 0
                        else f"{area}-8{n:02d}{i + 1}{j + 1:03d}"[: len(area) + 9],
                        in_campaign=not bank.is_associate,
                    )
                    s.user(
                        f"{bank.key}-outlet{outlet_no}",
                        outlet,
                        Role.BRANCH_OFFICER,
                        email=f"{bank.key}-outlet{outlet_no}@{bank.code.lower()}.example.cn",
                        **_contact(n * 1000 + outlet_no, area),
                    )
    seed_calendar(now)  # the working-day calendar every Art. 11 deadline counts on
    db.session.flush()
    seed_duty(now)  # Art. 6, 7: contacts, A/B pairs, an absence now and a gap next week
    return {"units": s.created_units, "users": s.created_users}
