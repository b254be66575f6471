"""The complaints of the generated data set, with their full histories and clocks.

Each case is told as a story from its receipt to ``now`` (or until it stops at an open
step): the same steps, ``action`` names, ``detail`` shapes and clocks that
``portal.complaints.operations`` and ``portal.deadlines`` write, at historical moments.
Clocks are due when the real working-day calendar says (``add_working_days_many`` over
every day of the span, once, then a list look-up per clock); a clock met after its due
time was marked breached by the sweep a few minutes after midnight, and an accept clock
breached that way also left the sweep's ``unaccepted`` entry (Art. 12(1)1).

Times are integer epoch seconds (UTC) until they are written. The receipt times come
from a schedule fixed in advance (``schedule``): a number of complaints per day, so the
total is exactly the count asked and the chosen half year holds its share. A repeat
complaint (the customer calls again, or a return visit finds them dissatisfied) takes
the first free slot after its own time; it is only planned when enough slots remain
after it, so every planned repeat is written.
"""

import heapq
import random
from bisect import bisect_right
from datetime import date
from itertools import accumulate

from portal.national.bulk import DAY, dumps
from portal.national.rows import CaseRows
from portal.national.schedule import TZ8, day_start, local_ordinal
from portal.national.texts import (
    CLOSE_NOTES,
    CONTACT_NOTES,
    GENERIC_DEMAND,
    INVALID_REASONS,
    LONG_NOTES,
    PROGRESS_NOTES,
    REACTIONS,
    RECTIFY_DONE,
    RECTIFY_OPINIONS,
    REPORT_NOTES,
    RESULTS,
    SEND_BACK_REASONS,
    VERIFY_FACTS,
    VISIT_COMMENTS,
)

HOUR = 3600

# How often each step misses its clock (Art. 11): most are on time, some late.
LATE = {
    "forward": 0.03,
    "accept": 0.004,
    "verify": 0.06,
    "report": 0.05,
    "branch_reply": 0.08,
    "promise": 0.04,
}
STALL = 0.0002  # a step forgotten for good: an old case left open, its clock breached
INVALID = 0.05
SEND_BACK = 0.04
HANDLED_AT_MEMBER = 0.08  # the member replies itself instead of passing the case down
VIA_BRANCH = 0.3  # of cases at banks with city branches: passed down twice
PROGRESS = 0.25  # the outlet reports progress and promises a date (Art. 11(3))
RETURN_VISIT = 0.6
CODE_POOL = 64  # JR/T 0169-2018 codes drawn ahead per category (``_codes``)
INTAKE_REPEAT = 0.02  # the customer complains again about the same matter
MAJOR, MEDIA = 0.03, 0.002
LONG_HISTORY_EVERY = 1000  # complaints whose id is a multiple get ~30 history entries

HOURS = (1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 2, 6, 10, 10, 9, 7, 8, 9, 9, 8, 7, 5, 4, 3, 2, 2, 1)
CHANNELS: tuple[tuple[str, int], ...] = (
    ("phone", 60),
    ("letter", 6),
    ("written", 8),
    ("email", 10),
    ("walk_in", 10),
    ("regulator", 6),
)
REPLY_CHANNELS = (("phone", 80), ("sms", 10), ("letter", 5), ("email", 5))
CATEGORY_WEIGHTS = {"ATT": 18, "QUE": 15, "FEE": 12, "DEP": 8, "LOA": 10, "CRD": 15}
CATEGORY_WEIGHTS |= {"WMP": 8, "PII": 5, "OTH": 9}
FINDINGS = (("substantiated", 45), ("partly", 25), ("unsubstantiated", 30))
SATISFACTION = (("satisfied", 66), ("basically", 28), ("dissatisfied", 6))
INTAKE_REPEAT_REASONS = (
    ("attitude", 8),
    ("dragging", 12),
    ("late_reply", 20),
    ("dissatisfied", 30),
    ("other", 30),
)


def _cum(pairs) -> tuple[list, list]:
    values, weights = zip(*pairs, strict=True)
    return list(values), list(accumulate(weights))


class CaseGenerator(CaseRows):
    """Writes complaints one after another into ``writer`` (a ``BulkWriter``)."""

    def __init__(self, world, *, writer, fmt, calendar, now, first, accept_limit, seed, since):
        self.world, self.out, self.fmt = world, writer, fmt
        self.now, self.first = now, first
        self.rng = random.Random(seed)
        self.random = self.rng.random
        self.since = since  # recurring trigger window (Art. 12(1)3): received after this day
        self.ids = {"complaint": 0, "event": 0, "clock": 0, "clock_event": 0, "rect": 0}
        self.tracking: dict[int, int] = {}
        self.repeats: list = []  # heap of (time, seq, kind, original)
        self.repeat_seq = 0
        self.candidates: list = []  # accountability inputs (see ``accountability``)
        self.counts = {"long": 0, "repeats": 0, "invalid": 0}
        self.limits = {
            "forward": 2,
            "accept": accept_limit,
            "verify": 2,
            "report": 5,
            "branch_reply": 3,
        }
        self._calendar_tables(calendar)
        self._people(world)
        self._codes(seed)
        self._ts = fmt.ts
        self.met_detail = {
            kind: {
                on_time: dumps({"kind": kind, "state": "met_on_time" if on_time else "met_late"})
                for on_time in (False, True)
            }
            for kind in ("forward", "accept", "verify", "report", "branch_reply", "promise")
        }
        self._bind()

    # -- set-up -----------------------------------------------------------------------

    def _calendar_tables(self, calendar) -> None:
        """Due day and provisional flag of every limit for every start day of the span."""
        last = local_ordinal(self.now) + 60
        days = [date.fromordinal(o) for o in range(self.first - 10, last + 1)]
        self.base = self.first - 10
        self.due: dict[int, list[int]] = {}
        self.prov: dict[int, list[bool]] = {}
        for limit in set(self.limits.values()):
            dues = calendar.add_working_days_many(days, [limit] * len(days))
            self.due[limit] = [d.toordinal() for d in dues]
            self.prov[limit] = [
                calendar.is_provisional(s, d) for s, d in zip(days, dues, strict=True)
            ]

    def _people(self, world) -> None:
        aid, apath, aname, _ = world.association
        self.assoc = (aid, apath)
        staff = world.staff
        self.intake = [staff["n-assoc"], staff["n-assoc2"]]
        self.members = []
        for m in world.members:
            self.members.append(
                {
                    "id": m.id,
                    "path": m.path,
                    "a": (m.a_id, "member_handler", m.id),
                    "b": (m.b_id, "member_handler", m.id),
                    "to": dumps({"to": m.name, "to_id": m.id}),
                    "branches": {
                        b[0]: (
                            b[1],
                            (b[3], "branch_officer", b[0]),
                            dumps({"to": b[2], "to_id": b[0]}),
                        )
                        for b in m.branches.values()
                    },
                }
            )
        self.outlets = [
            {
                "id": o[0],
                "path": o[1],
                "name": o[2],
                "member": o[3],
                "branch": o[4],
                "officer": (o[5], "branch_officer", o[0]),
                "to": dumps({"to": o[2], "to_id": o[0]}),
            }
            for o in world.outlets
        ]
        # Complaints per bank follow a Zipf law; inside a bank some outlets draw many more.
        bank_weight = [
            (1 / rank) * self.rng.uniform(0.7, 1.3) for rank in range(1, len(world.members) + 1)
        ]
        outlet_weight = [self.rng.lognormvariate(0, 0.9) for _ in world.outlets]
        per_bank = [0.0] * len(world.members)
        for o, w in zip(world.outlets, outlet_weight, strict=True):
            per_bank[o[3]] += w
        self.outlet_cum = list(
            accumulate(
                bank_weight[o[3]] * w / per_bank[o[3]]
                for o, w in zip(world.outlets, outlet_weight, strict=True)
            )
        )
        from portal.demo.complaints_demo import FACTS

        facts = {code: (f, d) for code, f, d in FACTS}
        self.categories = []
        cat_pairs = []
        for cid, code, _top, name in world.categories:
            self.categories.append(
                (cid, *facts.get(code, (f"客户反映{name}问题，要求银行核实处理。", GENERIC_DEMAND)))
            )
            siblings = sum(1 for c in world.categories if c[1][:3] == code[:3])
            cat_pairs.append(
                (len(self.categories) - 1, CATEGORY_WEIGHTS.get(code[:3], 5) / siblings)
            )
        self.category_values, self.category_cum = _cum(cat_pairs)
        self.channel_values, self.channel_cum = _cum(CHANNELS)
        self.reply_values, self.reply_cum = _cum(REPLY_CHANNELS)
        self.channel_detail = {c: dumps({"channel": c}) for c in self.channel_values}
        self.finding_values, self.finding_cum = _cum(FINDINGS)
        self.finding_detail = {f: dumps({"finding": f}) for f in self.finding_values}
        self.sat_values, self.sat_cum = _cum(SATISFACTION)
        self.sat_detail = {s: dumps({"satisfaction": s}) for s in self.sat_values}
        self.reason_values, self.reason_cum = _cum(INTAKE_REPEAT_REASONS)
        self.hour_cum = list(accumulate(HOURS))

    def _codes(self, seed) -> None:
        """JR/T 0169-2018 codes for every case: per category a pool drawn as the demo
        draws them (``demo_codes``: A from a channel spread, B and C from the category's
        crosswalk with some variety), picked with a sequence of its own so the cases'
        main sequence stays as it was."""
        from portal.codes.queries import crosswalk
        from portal.demo.complaints_demo import demo_codes

        walk = {k: (v.code_b, v.code_c) for k, v in crosswalk().items()}
        rng = random.Random(seed + 169)
        self.code_random = rng.random
        self.code_pools = []
        for cid, code, _top, _name in self.world.categories:
            pool = []
            for _ in range(CODE_POOL):
                drawn = demo_codes(rng, "phone", walk.get(cid), code)
                pool.append((drawn["code_a"], drawn["code_b"], drawn["code_c"]))
            self.code_pools.append(pool)

    def _pick(self, values, cum):
        return values[bisect_right(cum, self.random() * cum[-1])]

    # -- the receipt schedule ------------------------------------------------------------

    def run(self, counts: list[int], progress, chunk: int) -> None:
        """Write one complaint per slot of the schedule ``counts`` (per day from ``first``);
        ``progress(done)`` after each chunk, when the writer has written it."""
        self.slots_after = list(accumulate(reversed(counts)))[::-1][1:] + [0]
        done = 0
        now = self.now
        for index, count in enumerate(counts):
            if not count:
                continue
            ordinal = self.first + index
            start = day_start(ordinal)
            end = min(start + DAY, now)
            times = sorted(self._receipt_time(start, end) for _ in range(count))
            self.today_index = index
            for t in times:
                if self.repeats and self.repeats[0][0] <= t:
                    self._emit_repeat(heapq.heappop(self.repeats))
                else:
                    self._original(t)
                done += 1
                if done % chunk == 0:
                    self.out.flush()
                    self._bind()
                    progress(done)
        if self.repeats:
            raise RuntimeError(f"{len(self.repeats)} planned repeat complaints found no slot")
        self.out.flush()
        self.out.finish()
        self._bind()
        progress(done)

    def _receipt_time(self, start: int, end: int) -> int:
        hour = bisect_right(self.hour_cum, self.random() * self.hour_cum[-1])
        t = start + hour * HOUR + int(self.random() * HOUR)
        if t >= end:  # today, later than now: any moment of the day so far
            t = start + int(self.random() * max(1, end - start - 1))
        return t

    def _plan_repeat(self, t: int, kind: str, original: dict) -> bool:
        """Plan a repeat at ``t`` if the schedule has room for it after ``t``."""
        if t > self.now:
            return False
        index = max(local_ordinal(t) - self.first, self.today_index)
        if index >= len(self.slots_after) or self.slots_after[index] < len(self.repeats) + 3:
            return False
        self.repeat_seq += 1
        heapq.heappush(self.repeats, (t, self.repeat_seq, kind, original))
        return True

    # -- when the next step happens ------------------------------------------------------

    def _after(self, t: int, due: int, late: float) -> int | None:
        """The moment of the next step after ``t``: before ``due`` most of the time,
        after it with probability ``late``; None when the step is forgotten for good."""
        r = self.random()
        if r < STALL:
            return None
        if r < late + STALL:
            t2 = max(due, t) + 600 + int(self.random() * 3 * DAY)
        else:
            span = due - t - 600
            t2 = t + 300 + (int(span * self.random() ** 2) if span > 0 else 0)
        return self._daytime(t, t2)

    def _soon(self, t: int, low: float, high: float) -> int:
        return self._daytime(t, t + int(HOUR * (low + (high - low) * self.random())))

    def _daytime(self, t: int, t2: int) -> int:
        """Moves a step into office hours (08:00-21:00 Beijing) on the same day."""
        hour = (t2 + TZ8) % DAY // HOUR
        if hour < 8:
            return t2 + (8 - hour) * HOUR + int(self.random() * HOUR)
        if hour >= 21:
            earlier = t2 - (hour - 20) * HOUR
            return earlier if earlier > t + 60 else t2
        return t2

    # -- the cases --------------------------------------------------------------------

    def _original(self, t: int) -> None:
        rng_pick, random_ = self._pick, self.random
        outlet = bisect_right(self.outlet_cum, random_() * self.outlet_cum[-1])
        outlet = min(outlet, len(self.outlets) - 1)
        category = self._pick(self.category_values, self.category_cum)
        channel = rng_pick(self.channel_values, self.channel_cum)
        person = int(random_() * len(self.world.people))
        base = {
            "outlet": outlet,
            "category": category,
            "person": person,
            "channel": channel,
            "reply": rng_pick(self.reply_values, self.reply_cum),
            "major": random_() < MAJOR,
            "media": random_() < MEDIA,
            "facts": self.categories[category][1],
            "demand": self.categories[category][2],
            "repeat_of": None,
            "repeat_reason": None,
            "registered": self.channel_detail[channel],
            "actor": self.intake[int(random_() * 2)],
            "codes": self._case_codes(category, channel),
        }
        self._case(t, base)

    def _case_codes(self, category: int, channel: str) -> tuple:
        codes = self.code_pools[category][int(self.code_random() * CODE_POOL)]
        return ("A0101", *codes[1:]) if channel == "walk_in" else codes

    def _emit_repeat(self, entry) -> None:
        t, _seq, kind, original = entry
        self.counts["repeats"] += 1
        base = dict(original["base"])
        base["repeat_of"] = original["id"]
        if kind == "visit":
            base["facts"] = (
                f"回访不满意：{original['comment']}\n\n原投诉 {original['tracking']}：{base['facts']}"
            )
            base["repeat_reason"] = "dissatisfied"
            base["channel"] = "phone"
            base["registered"] = dumps({"repeat_of": original["tracking"]})
            base["actor"] = original["actor"]
        else:
            base["facts"] = f"客户再次反映：{base['facts']}"
            base["repeat_reason"] = self._pick(self.reason_values, self.reason_cum)
            base["registered"] = self.channel_detail[base["channel"]]
            base["actor"] = self.intake[int(self.random() * 2)]
        case = self._case(t, base)
        if kind == "visit":
            # ``return_visit`` records the reopening on the original, naming the repeat.
            self._event(
                original["id"],
                t,
                original["actor"],
                "reopened",
                None,
                dumps({"repeat": case["tracking"], "repeat_id": case["id"]}),
            )

    def _case(self, r: int, base: dict) -> dict:
        """Tell one case from its receipt ``r`` to now; write it, its history and clocks."""
        cid = self._next("complaint")
        day = local_ordinal(r)
        year = date.fromordinal(day).year
        seq = self.tracking.get(year, 0) + 1
        self.tracking[year] = seq
        tracking = f"LN{year}-{seq:06d}"
        outlet = self.outlets[base["outlet"]]
        member = self.members[outlet["member"]]
        aid, apath = self.assoc
        intake = base["actor"]
        case = {"id": cid, "tracking": tracking, "open": {}, "clocks": [], "unaccepted": None}
        row = {
            "state": "registered",
            "handling": (aid, apath),
            "accepted_by": None,
            "accepted_at": None,
            "invalid_reason": None,
            "finding": None,
            "replied_at": None,
            "promised_on": None,
            "reported_at": None,
            "closed_at": None,
            "satisfaction": None,
            "updated": r,
            "version": 1,
            "rectified": False,
            "verified_at": None,
        }
        long = cid % LONG_HISTORY_EVERY == 0
        self._event(cid, r, intake, "registered", None, base["registered"])
        # Art. 11(1): the association forwards within 2 working days of receipt.
        self._start(case, "forward", aid, apath, r)
        self._story(case, row, base, r, outlet, member, long)
        self._write_clocks(case)
        self._write_complaint(case, row, base, r, day, outlet, member, intake)
        if (
            base["media"]
            or base["repeat_of"] is not None
            or case.get("is_original")
            or case["unaccepted"] is not None
            or (row["finding"] == "substantiated" and day > self.since)
        ):
            self.candidates.append(
                (
                    cid,
                    member["id"],
                    outlet["id"],
                    self.categories[base["category"]][0],
                    day,
                    base["repeat_of"],
                    base["repeat_reason"],
                    row["finding"],
                    base["media"],
                    case["unaccepted"],
                    row["rectified"],
                    tracking,
                    r,
                    row["verified_at"],
                )
            )
        return case

    def _story(self, case, row, base, r, outlet, member, long) -> None:
        random_, now, fmt = self.random, self.now, self.fmt
        ev, cid = self._event, case["id"]
        aid, apath = self.assoc
        assoc_actor = self.intake[int(random_() * 2)]

        def done(t, state=None):
            row["updated"] = t
            row["version"] += 1
            if state:
                row["state"] = state

        fwd = case["open"]["forward"]
        t = self._after(r, fwd.due_at, LATE["forward"])
        if t is None or t > now:
            return
        if not long and random_() < INVALID:
            # Art. 8(3): not a valid complaint; closed with a reason.
            reason = INVALID_REASONS[int(random_() * len(INVALID_REASONS))]
            row["invalid_reason"], row["closed_at"] = reason, t
            self._stop(case, "forward", t)
            ev(cid, t, assoc_actor, "invalidated", reason, '{"told_how": "电话"}')
            done(t, "invalid")
            self.counts["invalid"] += 1
            return
        # Art. 8(3), 11: forwarded; the member's accept, verify and report clocks start.
        self._stop(case, "forward", t)
        mid, mpath = member["id"], member["path"]
        acc = self._start(case, "accept", mid, mpath, t)
        ver = self._start(case, "verify", mid, mpath, t)
        rep = self._start(case, "report", mid, mpath, t)
        row["handling"] = (mid, mpath)
        ev(cid, t, assoc_actor, "forwarded", None, member["to"])
        done(t, "forwarded")
        if random_() < INTAKE_REPEAT and not long:
            # The customer calls again about the same matter (a repeat complaint).
            later = self._soon(t, 24 * 3, 24 * 40)
            if self._plan_repeat(later, "intake", self._original_info(case, base, assoc_actor, "")):
                case["is_original"] = True

        t = self._after(t, acc.due_at, LATE["accept"])
        if t is None or t > now:
            return
        handler = member["a"] if random_() < 0.75 else member["b"]
        self._stop(case, "accept", t)
        row["accepted_by"], row["accepted_at"] = handler[0], t
        ev(cid, t, handler, "accepted")
        done(t, "handling")

        # Art. 10(1): passed down (sometimes through the city branch) to the outlet.
        replier = handler
        reply_clock = None
        if long or random_() >= HANDLED_AT_MEMBER:
            t = self._soon(t, 0.2, 6)
            if t > now:
                return
            branch = outlet["branch"]
            if branch is not None and random_() < VIA_BRANCH:
                bpath, officer, to = member["branches"][branch]
                self._start(case, "branch_reply", branch, bpath, t)
                row["handling"] = (branch, bpath)
                ev(cid, t, handler, "forwarded_down", None, to)
                done(t)
                t2 = self._soon(t, 0.5, 20)
                if t2 > now:
                    return
                t, sender = t2, officer
            else:
                sender = handler
            reply_clock = self._start(case, "branch_reply", outlet["id"], outlet["path"], t)
            row["handling"] = (outlet["id"], outlet["path"])
            note = "请网点尽快联系客户处理。" if random_() < 0.6 else None
            ev(cid, t, sender, "forwarded_down", note, outlet["to"])
            done(t)
            replier = outlet["officer"]

        t = self._soon(t, 0.5, 20)
        if t > now:
            return
        contact = CONTACT_NOTES[int(random_() * 3)]
        ev(
            cid,
            t,
            replier,
            "contact",
            contact,
            f'{{"how": "phone", "contacted_at": "{fmt.iso(t)}"}}',
        )

        if long:
            t = self._long_history(case, row, t, member, replier, handler)
            if t is None:
                return

        # Art. 11(2): the member verifies within 2 working days of the forward.
        t = self._after(t, ver.due_at, LATE["verify"])
        if t is None or t > now:
            return
        finding = self._pick(self.finding_values, self.finding_cum)
        self._verify(case, row, t, handler, finding, outlet)
        done(t)

        # Art. 11(3): the reply, or a progress report with a promised date first.
        due = reply_clock.due_at if reply_clock is not None else rep.due_at
        if random_() < PROGRESS or long:
            t = self._after(t, due, LATE["branch_reply"])
            if t is None or t > now:
                return
            self._progress(case, row, t, replier)
            done(t)
            due = case["open"]["promise"].due_at
            late = LATE["promise"]
        else:
            late = LATE["branch_reply"]
        t = self._after(t, due, late)
        if t is None or t > now:
            return
        self._stop(case, "branch_reply", t)
        self._stop(case, "promise", t)
        row["replied_at"], row["promised_on"] = t, None
        reaction = REACTIONS[int(random_() * 3)]
        reply = f'{{"told_at": "{fmt.iso(t)}", "told_how": "{base["reply"]}", "reaction": "{reaction}"}}'
        ev(cid, t, replier, "final_reply", RESULTS[int(random_() * 3)], reply)
        done(t)

        while True:
            # Art. 9(1), 11(2): the member reports within 5 working days.
            t = self._after(t, rep.due_at, LATE["report"])
            if t is None or t > now:
                return
            self._stop(case, "report", t)
            row["reported_at"] = t
            ev(cid, t, handler, "reported", REPORT_NOTES[int(random_() * 2)])
            done(t, "reported")
            t = self._soon(t, 2, 60)
            if t > now:
                return
            if random_() >= SEND_BACK:
                break
            # The association sends it back: verify and report clocks start again.
            row["finding"], row["reported_at"] = None, None
            ver = self._start(case, "verify", member["id"], member["path"], t)
            rep = self._start(case, "report", member["id"], member["path"], t)
            ev(cid, t, assoc_actor, "sent_back", SEND_BACK_REASONS[int(random_() * 2)])
            done(t, "handling")
            t = self._after(t, ver.due_at, LATE["verify"])
            if t is None or t > now:
                return
            self._verify(
                case, row, t, handler, self._pick(self.finding_values, self.finding_cum), outlet
            )
            done(t)

        row["closed_at"] = t
        ev(cid, t, assoc_actor, "closed", CLOSE_NOTES[int(random_() * 2)])
        done(t, "closed")

        if random_() < RETURN_VISIT:
            t = self._soon(t, 24, 240)
            if t > now:
                return
            satisfaction = self._pick(self.sat_values, self.sat_cum)
            comment = VISIT_COMMENTS[int(random_() * 3)]
            if satisfaction == "dissatisfied":
                info = self._original_info(case, base, assoc_actor, comment)
                if self._plan_repeat(t, "visit", info):
                    case["is_original"] = True
                else:
                    satisfaction = "basically"
            row["satisfaction"] = satisfaction
            ev(cid, t, assoc_actor, "return_visit", comment, self.sat_detail[satisfaction])
            done(t)

    def _original_info(self, case, base, actor, comment) -> dict:
        return {
            "id": case["id"],
            "tracking": case["tracking"],
            "base": base,
            "actor": actor,
            "comment": comment,
        }

    def _verify(self, case, row, t, handler, finding, outlet) -> None:
        random_, fmt, cid = self.random, self.fmt, case["id"]
        self._stop(case, "verify", t)
        row["finding"], row["verified_at"] = finding, t
        self._event(
            cid,
            t,
            handler,
            "verified",
            VERIFY_FACTS[int(random_() * 3)],
            self.finding_detail[finding],
        )
        if finding == "unsubstantiated" or random_() >= 0.7:
            return
        # Art. 9(2): rectification opinions for a substantiated complaint, followed up.
        kind, opinion = RECTIFY_OPINIONS[int(random_() * len(RECTIFY_OPINIONS))]
        item = self._next("rect")
        at = t + 120
        due_on = local_ordinal(at) + 30
        completed = at + int(DAY * (5 + 35 * random_()))
        completed = completed if completed <= self.now and random_() < 0.9 else None
        detail = f'{{"kind": "{kind}", "item": {item}, "due_on": "{fmt.day(due_on)}"}}'
        self._event(cid, at, handler, "rectification_added", opinion, detail)
        if completed is not None:
            self._event(
                cid,
                completed,
                handler,
                "rectification_completed",
                RECTIFY_DONE,
                f'{{"item": {item}}}',
            )
            row["rectified"] = True
        self.out.add(
            "rectification",
            (
                item,
                cid,
                kind,
                opinion,
                outlet["name"],
                fmt.day(due_on),
                handler[0],
                fmt.ts(at),
                fmt.ts(completed),
                RECTIFY_DONE if completed is not None else None,
            ),
        )

    def _progress(self, case, row, t, replier) -> None:
        """Art. 11(3): progress reported, the reply clock met, a date promised."""
        promised = local_ordinal(t) + 3 + int(self.random() * 6)
        self._stop(case, "branch_reply", t)
        self._stop(case, "promise", t)
        holder = row["handling"]
        self._start(case, "promise", holder[0], holder[1], t, due_on=promised)
        row["promised_on"] = promised
        detail = f'{{"promised_on": "{self.fmt.day(promised)}"}}'
        self._event(
            case["id"], t, replier, "progress", PROGRESS_NOTES[int(self.random() * 2)], detail
        )

    def _long_history(self, case, row, t, member, replier, handler) -> int | None:
        """About twenty notes and two promises: the case page of a long, hard case."""
        self.counts["long"] += 1
        aid = self.assoc[0]
        assoc_actor = self.intake[0]
        for n in range(18):
            t = self._soon(t, 2, 20)
            if t > self.now:
                return None
            side, text = LONG_NOTES[n % len(LONG_NOTES)]
            if side == "unit":
                self._event(case["id"], t, replier, "note", text)
            elif side == "member":
                self._event(case["id"], t, handler, "note", text, "{}", member["id"])
            else:
                self._event(case["id"], t, assoc_actor, "note", text, "{}", aid)
            if n in (5, 11):
                self._progress(case, row, t, replier)
        return t
