"""About 300 complaints over the last 13 months of the demo province, driven through
the real lifecycle operations at historical moments, so that histories, clocks and
their states (on time, due today, breached, promised, met late) are all genuine."""

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from portal.auth.models import User
from portal.complaints import operations as ops
from portal.complaints.models import Category, Complaint, Rectification
from portal.complaints.taxonomy import seed_categories
from portal.db import db
from portal.demo.province import person_names
from portal.notify.models import Notification, OutboxMessage
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.workdays.store import current_calendar

TZ = ZoneInfo("Asia/Shanghai")

FACTS = [
    (
        "ATT-01",
        "客户反映在柜台办理业务时，柜员态度冷淡，多次询问不予解答。",
        "要求网点道歉并改进服务态度。",
    ),
    (
        "QUE-01",
        "客户周六上午到网点办理业务，排队等候超过一个半小时，仅开放一个窗口。",
        "要求增加窗口，缩短等候时间。",
    ),
    (
        "FEE-01",
        "客户发现账户被扣收年费和小额账户管理费，事先未被告知。",
        "要求退还费用并说明收费依据。",
    ),
    (
        "DEP-02",
        "客户账户被限制非柜面交易，网点未说明原因，影响工资到账后的使用。",
        "要求尽快解除限制。",
    ),
    ("LOA-03", "客户个人征信报告出现逾期记录，客户称已按时还款。", "要求核实并更正征信记录。"),
    (
        "CRD-01",
        "客户银行卡在本人持卡情况下发生异地消费，共计 3,200 元。",
        "要求银行调查并赔付损失。",
    ),
    ("CRD-02", "ATM 吞卡后，网点要求客户三个工作日后才能领取。", "要求当天退还银行卡。"),
    ("WMP-01", "客户购买理财产品时，客户经理称保本保收益，到期出现亏损。", "要求赔偿本金损失。"),
    ("PII-01", "客户接到自称银行人员的推销电话，对方掌握其账户信息。", "要求查明信息泄露原因。"),
    ("LOA-04", "客户反映贷款催收人员多次在夜间拨打其家属电话。", "要求停止不当催收。"),
    ("OTH-01", "老年客户不会使用智能设备，网点工作人员未提供协助。", "要求提供适老化服务。"),
    (
        "QUE-03",
        "客户办理挂失补卡业务，网点称系统故障，往返三次未办成。",
        "要求一次办结并说明原因。",
    ),
]
CONTACT_NOTES = [
    "已电话联系客户，了解具体情况并致歉。",
    "约客户到网点面谈，客户情绪平稳。",
    "已向客户说明处理流程和预计时间。",
]
RESULTS = [
    "经核实，网点已向客户致歉，并对相关员工进行批评教育，客户表示接受。",
    "已为客户办理退费，并在网点醒目位置公示收费标准。",
    "已协调相关部门更正记录，客户对处理结果表示认可。",
]


def _working_hour(rng: random.Random, day: date) -> datetime:
    local = datetime(
        day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59), tzinfo=TZ
    )
    return local.astimezone(UTC)


def _id_number(rng: random.Random) -> str:
    body = f"2101{rng.randint(2, 6):02d}19{rng.randint(50, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


class _Story:
    """One case moving forward through time; stops at ``now``."""

    def __init__(self, rng, case, people, now):
        self.rng, self.case, self.people, self.now = rng, case, people, now
        self.t = case.received_at

    def later(self, hours_low: float, hours_high: float) -> bool:
        self.t = self.t + timedelta(hours=self.rng.uniform(hours_low, hours_high))
        if self.t.astimezone(TZ).hour < 8:
            self.t += timedelta(hours=9)
        return self.t < self.now


def _run(story: _Story, outlet: Unit, sub_branch_officers: dict) -> Complaint | None:
    """Drive one case as far as ``now`` allows; returns the repeat complaint a
    dissatisfied return visit opened, which then runs its own course."""
    rng, case, p = story.rng, story.case, story.people
    local_today = lambda: story.t.astimezone(TZ).date()  # noqa: E731
    if rng.random() < 0.06:
        if story.later(2, 30):
            ops.invalidate(
                case,
                actor=p["assoc"],
                now=story.t,
                reason="不属于银行服务质量问题，已告知客户向相关部门反映。",
                told_how="电话",
            )
        return None
    if not story.later(1, 30 if rng.random() < 0.85 else 80):
        return None
    ops.forward_to_member(case, actor=p["assoc"], now=story.t)
    if not story.later(0.5, 16 if rng.random() < 0.9 else 40):
        return None
    handler = p[f"{case.member_id}:a"] if rng.random() < 0.7 else p[f"{case.member_id}:b"]
    ops.accept(case, actor=handler, now=story.t)
    if not story.later(0.5, 10):
        return None
    ops.forward_down(case, actor=handler, now=story.t, unit=outlet, note="请网点尽快联系客户处理。")
    officer = sub_branch_officers.get(outlet.id, handler)
    if not story.later(1, 20):
        return None
    ops.record_contact(
        case,
        actor=officer,
        now=story.t,
        contacted_at=story.t,
        how="phone",
        summary=rng.choice(CONTACT_NOTES),
    )
    if rng.random() < 0.3:
        if not story.later(20, 60):
            return None
        promised = local_today() + timedelta(days=rng.randint(3, 8))
        ops.report_progress(
            case,
            actor=officer,
            now=story.t,
            promised_on=promised,
            summary="问题涉及总行系统，正在协调处理，已向客户说明。",
        )
        if not story.later(40, 220):
            return None
    elif not story.later(8, 60 if rng.random() < 0.8 else 110):
        return None
    ops.final_reply(
        case,
        actor=officer,
        now=story.t,
        result=rng.choice(RESULTS),
        told_at=story.t,
        told_how="phone",
        reaction=rng.choice(["客户表示满意", "客户表示理解", "客户基本接受"]),
    )
    if not story.later(2, 30):
        return None
    finding = rng.choices(["substantiated", "partly", "unsubstantiated"], [5, 3, 2])[0]
    ops.verify(
        case,
        actor=handler,
        now=story.t,
        finding=finding,
        facts="调阅监控及业务凭证，核实了客户反映的情况。",
    )
    if finding != "unsubstantiated" and rng.random() < 0.6:
        ops.add_rectification(
            case,
            actor=handler,
            now=story.t,
            kind="rectification",
            opinion="网点开展服务规范专项培训，一个月内完成整改。",
            owner=outlet.name,
            due_on=local_today() + timedelta(days=30),
        )
    if not story.later(4, 70 if rng.random() < 0.8 else 120):
        return None
    ops.report_result(case, actor=handler, now=story.t, summary="已按规定处理完毕，客户已答复。")
    if not story.later(4, 60):
        return None
    if rng.random() < 0.08:
        ops.send_back(
            case, actor=p["assoc"], now=story.t, reason="核实材料不完整，请补充监控调阅情况。"
        )
        # Sent back: the member verifies again and reports within the restarted limits.
        if not story.later(4, 30):
            return None
        ops.verify(
            case, actor=handler, now=story.t, finding=finding, facts="补充调阅监控，核实无误。"
        )
        if not story.later(2, 40):
            return None
        ops.report_result(case, actor=handler, now=story.t, summary="已补充核实材料。")
        if not story.later(4, 40):
            return None
    ops.close(case, actor=p["assoc"], now=story.t, note="处理结果符合要求。")
    if rng.random() < 0.7 and story.later(10, 100):
        satisfaction = rng.choices(["satisfied", "basically", "dissatisfied"], [6, 3, 1])[0]
        return ops.return_visit(
            case,
            actor=p["assoc"],
            now=story.t,
            local_today=local_today(),
            satisfaction=satisfaction,
            comment="回访客户，客户意见已记录。",
        )
    return None


# Where the business complained of was done (JR/T 0169-2018 axis A), as the demo spreads
# it: mostly at the counter, then the mobile app and the machines; a few left uncoded.
A_SPREAD = {
    "A0101": 38,
    "A0102": 10,
    "A01031": 5,
    "A01032": 8,
    "A01033": 15,
    "A01034": 2,
    "A01035": 2,
    "A0104": 5,
    "A0199": 2,
    "A02": 9,
    None: 4,
}
# Causes a handler often codes instead of the crosswalk's: a service case may turn out
# to be about rules, a fee case about disclosure or the contract.
C_VARIETY = ("C01", "C02", "C03", "C05", "C08", "C99")


def demo_codes(
    rng: random.Random, channel: str, walk: tuple[str, str] | None, category_code: str = ""
) -> dict[str, str | None]:
    """Plausible JR/T 0169-2018 codes of a demo case: A from the channel (a walk-in at
    the counter; card and ATM matters at the machines) or the demo's spread; B and C from
    the category's crosswalk, with some variety. ``rng`` is the caller's own (the demo's
    main sequence stays as it was)."""
    a: str | None
    if channel == "walk_in":
        a = "A0101"
    elif category_code in ("CRD-02", "CRD-03") and rng.random() < 0.8:
        a = "A0102"
    else:
        a = rng.choices(list(A_SPREAD), list(A_SPREAD.values()))[0]
    b, c = walk or ("B99", "C99")
    if rng.random() < 0.08:
        b = rng.choice(("B01", "B02", "B03", "B04", "B99"))
    if rng.random() < 0.2:
        c = rng.choice(C_VARIETY)
    return {"code_a": a, "code_b": b, "code_c": c}


def _crosswalk(categories: dict) -> dict[str, tuple[str, str]]:
    """{category code: (B, C)} of the crosswalk (seeded with the categories)."""
    from portal.codes.queries import crosswalk

    by_id = {c.id: code for code, c in categories.items()}
    return {by_id[k]: (v.code_b, v.code_c) for k, v in crosswalk().items() if k in by_id}


def seed_complaints(now: datetime, count: int = 300, seed: int = 2026) -> int:
    """Create the demo complaints unless some exist already (idempotent)."""
    seed_categories()
    if db.session.scalar(select(func.count()).select_from(Complaint)):
        return 0
    rng = random.Random(seed)
    names = person_names(seed)
    categories = {c.code: c for c in db.session.scalars(select(Category))}
    outlets = list(
        db.session.scalars(select(Unit).where(Unit.kind == UnitKind.OUTLET).order_by(Unit.id))
    )
    users = {u.username: u for u in db.session.scalars(select(User))}
    people = {"assoc": users["assoc-staff"]}
    officers: dict[int, User] = {}
    for u in users.values():
        if u.role == "branch_officer":
            officers.setdefault(u.unit_id, u)
    for member in db.session.scalars(select(Unit).where(Unit.kind == UnitKind.MEMBER)):
        key = next(k for k, u in users.items() if u.unit_id == member.id and k.endswith("-a"))
        people[f"{member.id}:a"] = users[key]
        people[f"{member.id}:b"] = users[key[:-2] + "-b"]
    created = 0
    today = now.astimezone(TZ).date()
    walks = _crosswalk(categories)
    code_rng = random.Random(seed + 169)  # its own: the main sequence is the demo's story
    for i in range(count):
        # Older cases are finished; the last weeks hold every open state.
        age = int(rng.triangular(0, 395, 40)) if i >= 12 else rng.randint(0, 3)
        received = _working_hour(rng, today - timedelta(days=age))
        if received >= now:
            received = now - timedelta(hours=rng.randint(1, 6))
        outlet = rng.choice(outlets[:12] if rng.random() < 0.3 else outlets)
        code, facts, demand = rng.choice(FACTS)
        mobile = f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
        # Drawn in the order they always were (the id number, then the channel).
        id_number = _id_number(rng) if rng.random() < 0.4 else None
        channel = rng.choices(
            ["phone", "letter", "written", "email", "walk_in", "regulator"],
            [60, 8, 8, 10, 10, 4],
        )[0]
        codes = demo_codes(code_rng, channel, walks.get(code), code)
        case = ops.create_complaint(
            actor=people["assoc"],
            now=received,
            local_today=received.astimezone(TZ).date(),
            received_at=received,
            received_on=received.astimezone(TZ).date(),
            mobile=mobile,
            id_number=id_number,
            outlet=outlet,
            channel=channel,
            complainant_name=next(names),
            reply_channel="phone",
            address=None,
            staff=None,
            category_id=categories[code].id,
            facts=facts,
            demand=demand,
            is_major=rng.random() < 0.04,
            is_media=rng.random() < 0.02,
            code_a=codes["code_a"],
            code_b=codes["code_b"],
            code_c=codes["code_c"],
        )
        # A dissatisfied return visit reopens the matter as a repeat complaint, which
        # runs its own course from the day of the visit, like any other case.
        running: Complaint | None = case
        while running is not None:
            running = _run(_Story(rng, running, people, now), outlet, officers)
            created += 1
    db.session.flush()
    complete_most_rectifications(rng, now)
    created += _work_in_hand(rng, now, users, categories, names)
    settle_the_past(now)
    return created


def _working_days_before(day: date, n: int) -> date:
    """The day ``n`` working days before ``day`` (the one from which they count)."""
    calendar = current_calendar()
    while n > 0:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            n -= 1
    return day


def _working_morning(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 5, tzinfo=TZ).astimezone(UTC)


def _work_in_hand(rng, now: datetime, users: dict, categories: dict, names) -> int:
    """Whatever the day it is seeded on, every demo login has work of its own, due today
    or soon, and one deadline already passed: the outlet officer of bank 1's first
    outlet has cases to reply to (one due today, one with a promised date, one late);
    bank 1's handlers have cases to accept, to pass down and to report; the association
    has cases to forward and a report to review."""
    today = now.astimezone(TZ).date()
    assoc, a, b = users["assoc-staff"], users["bank1-a"], users["bank1-b"]
    officer = users["bank1-outlet1"]
    outlet = officer.unit

    def new(days_ago: int, code: str, hour: int = 9):
        day = _working_days_before(today, days_ago) if days_ago else today
        received = datetime(day.year, day.month, day.day, hour, 20, tzinfo=TZ).astimezone(UTC)
        received = min(received, now - timedelta(minutes=30))
        facts, demand = next((f, d) for c, f, d in FACTS if c == code)
        walk = _crosswalk(categories).get(code)
        case = ops.create_complaint(
            actor=assoc,
            now=received,
            local_today=received.astimezone(TZ).date(),
            received_at=received,
            received_on=received.astimezone(TZ).date(),
            mobile=f"139{rng.randint(10000000, 99999999)}",
            id_number=None,
            outlet=outlet,
            channel="phone",
            complainant_name=next(names),
            reply_channel="phone",
            address=None,
            staff=None,
            category_id=categories[code].id,
            facts=facts,
            demand=demand,
            code_a="A0101",
            code_b=walk[0] if walk else "B99",
            code_c=walk[1] if walk else "C99",
        )
        return case, received

    def to_outlet(case, at, handler):
        ops.forward_to_member(case, actor=assoc, now=at + timedelta(minutes=40))
        ops.accept(case, actor=handler, now=at + timedelta(hours=1))
        ops.forward_down(
            case, actor=handler, now=at + timedelta(hours=2), unit=outlet, note="请尽快联系客户。"
        )

    calendar = current_calendar()
    working_today = calendar.is_working_day(today)

    def after(day: date, n: int) -> datetime:
        """A morning ``n`` working days after ``day``, when a step was taken."""
        return _working_morning(calendar.add_working_days(day, n))

    made = 0
    # The outlet: passed down three working days ago, its reply is due today (Art. 11(3));
    # seeded on a Saturday or a holiday, it is due on the next working day instead (no
    # limit ends on a day off). Bank 1 verified the facts the next morning (Art. 11(2):
    # within 2), so its own clocks on the case are healthy while the outlet replies.
    due_today, at = new(3, "ATT-01")
    to_outlet(due_today, at, a)
    ops.verify(
        due_today,
        actor=a,
        now=after(at.astimezone(TZ).date(), 1),
        finding="partly",
        facts="调阅监控录像，柜员答复简单生硬属实。",
    )
    # A reply promised to the customer in two working days, the progress reported within
    # the outlet's three (Art. 11(3)); the bank verified in time and reports tomorrow.
    promised, at = new(4, "QUE-01")
    to_outlet(promised, at, b)
    passed_on = at.astimezone(TZ).date()
    ops.verify(
        promised,
        actor=b,
        now=after(passed_on, 1),
        finding="substantiated",
        facts="排队叫号记录显示当日仅开一个窗口。",
    )
    ops.report_progress(
        promised,
        actor=officer,
        now=after(passed_on, 2),
        promised_on=calendar.add_working_days(today, 2),
        summary="需总行系统排查，已向客户说明并约定答复日期。",
    )
    # And one whose reply is a working day late: due on the last working day before
    # today (on a day off, the one before that, so that one working day has gone by).
    late, at = new(4 if working_today else 5, "FEE-01")
    to_outlet(late, at, a)
    made += 3
    # Bank 1: to accept (forwarded this morning), to pass down, to report.
    waiting, at = new(0, "DEP-02", hour=8)
    ops.forward_to_member(waiting, actor=assoc, now=at + timedelta(minutes=20))
    held, at = new(1, "ATT-01")
    ops.forward_to_member(held, actor=assoc, now=at + timedelta(minutes=30))
    ops.accept(held, actor=b, now=at + timedelta(hours=3))
    verified, at = new(1, "QUE-01")
    to_outlet(verified, at, a)
    ops.final_reply(
        verified,
        actor=officer,
        now=at + timedelta(hours=5),
        result=RESULTS[0],
        told_at=at + timedelta(hours=5),
        told_how="phone",
        reaction="客户表示接受",
    )
    ops.verify(
        verified,
        actor=a,
        now=at + timedelta(hours=6),
        finding="partly",
        facts="调阅监控，部分属实。",
    )
    made += 3
    # The association: two to forward, one report to review.
    new(0, "FEE-01", hour=8)
    new(0, "QUE-01", hour=8)
    reported, at = new(2, "ATT-01")
    to_outlet(reported, at, b)
    ops.final_reply(
        reported,
        actor=officer,
        now=at + timedelta(hours=20),
        result=RESULTS[1],
        told_at=at + timedelta(hours=20),
        told_how="phone",
        reaction="客户表示满意",
    )
    ops.verify(
        reported, actor=b, now=at + timedelta(hours=22), finding="substantiated", facts="属实。"
    )
    ops.report_result(reported, actor=b, now=at + timedelta(hours=23), summary="已处理完毕。")
    made += 3
    return made


def complete_most_rectifications(rng: random.Random, now: datetime) -> None:
    """Most outlets finish their rectification in time (Art. 9(2)): those due before now
    are completed a few days before their date, except one in seven, left overdue for
    the list to show."""
    due = db.session.scalars(
        select(Rectification)
        .where(Rectification.completed_at.is_(None), Rectification.due_on.is_not(None))
        .order_by(Rectification.id)
    ).all()
    for item in due:
        assert item.due_on is not None
        done_on = item.due_on - timedelta(days=rng.randint(1, 10))
        finished = datetime.combine(done_on, datetime.min.time(), TZ).replace(hour=15)
        if finished >= now or finished <= item.created_at or rng.random() < 1 / 7:
            continue
        case = db.session.get_one(Complaint, item.complaint_id)
        ops.complete_rectification(
            case,
            item,
            actor=case.accepted_by,
            now=finished.astimezone(UTC),
            note="已完成专项培训并抽查服务质量。",
        )


def settle_the_past(now: datetime, days: int = 3) -> None:
    """The steps of past months told people as they happened: their notices were read
    and their e-mails sent long ago. Only the last ``days`` stay unread and queued, as a
    working week's bell would show them."""
    before = now - timedelta(days=days)
    db.session.execute(
        update(Notification)
        .where(Notification.created_at < before, Notification.read_at.is_(None))
        .values(read_at=Notification.created_at)
    )
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.created_at < before, OutboxMessage.status == "queued")
        .values(status="sent", sent_at=OutboxMessage.created_at, attempts=1)
    )
