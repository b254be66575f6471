"""Accountability cases (Art. 12) for the generated complaints, consistent with detection.

The pure detector (``portal.accountability.rules.detect``) runs over the complaints the
case generator kept as candidates, so every trigger that holds today already has its
evidence: the sweep's ``detect(now)`` afterwards finds nothing new to open. The evidence
is then replayed in time order, as the sweep would have found it: a case per member and
trigger collects evidence until the association reviews it (dismissed, or an interview,
a plan, its completion and verification), and the next evidence opens a new case. Each
step is written to the case's history AND, as ``operations._log`` does, to the history
of every complaint the case holds at that moment.

The recurring trigger (Art. 12(1)3) is evaluated for today's window only; a past window
would need the detector's state at that time.
"""

import random
from collections import defaultdict
from datetime import date

from portal.accountability.rules import CaseRow, Thresholds, Trigger, detect
from portal.national.bulk import DAY, dumps
from portal.national.schedule import local_ordinal

CASE_COLUMNS = ("id", "member_id", "trigger", "state", "opened_at", "decided_at", "version")
EVIDENCE_COLUMNS = ("id", "case_id", "trigger", "complaint_id", "outlet_id", "added_at")
EVENT_COLUMNS = ("id", "case_id", "at", "actor_id", "action", "note", "detail")
INTERVIEW_COLUMNS = (
    "id",
    "case_id",
    "held_on",
    "association_attendees",
    "member_attendees",
    "requirements",
    "rectify_by",
)
PLAN_TEXT = {
    "team": "分管副行长（组长）、消费者权益保护部负责人、涉事网点负责人",
    "problem": "涉事网点投诉处理不及时，处置不当。",
    "containment": "三日内联系客户致歉，解决客户合理诉求。",
    "root_cause": "首问负责制落实不到位，投诉升级渠道不畅。",
    "corrective_action": "修订投诉处理流程，明确升级时限；涉事人员离岗培训。",
    "verification": "一个月内组织两次暗访，抽查投诉台账。",
    "prevention": "将投诉处理质量纳入网点季度考核。",
}
PLAN_COLUMNS = (
    "id",
    "case_id",
    *PLAN_TEXT,
    "closure",
    "owner",
    "due_on",
    "status",
    "submitted_at",
    "completed_at",
    "version",
)
TABLES = {
    "accountability_case": CASE_COLUMNS,
    "accountability_evidence": EVIDENCE_COLUMNS,
    "accountability_event": EVENT_COLUMNS,
    "accountability_interview": INTERVIEW_COLUMNS,
    "accountability_plan": PLAN_COLUMNS,
}
REQUIREMENTS = "一个月内查明原因，落实整改，书面报告整改结果。"
DISMISS_REASONS = ("经核查，该投诉已妥善处理，不予问责。", "客户诉求已解决，会员单位已自查整改。")
VERIFY_REASON = "整改材料齐全，核验通过。"
CLOSURE = "已按方案完成整改，附培训记录和暗访报告。"


def _rows(candidates) -> tuple[list[CaseRow], dict]:
    rows, info = [], {}
    for c in candidates:
        (cid, member, outlet, category, day, repeat_of, reason, finding, media, unaccepted) = c[:10]
        rectified, tracking, received, verified = c[10:]
        rows.append(
            CaseRow(
                id=cid,
                member_id=member,
                outlet_id=outlet,
                category_id=category,
                received_on=date.fromordinal(day),
                repeat_of_id=repeat_of,
                repeat_reason=reason,
                finding=finding,
                is_media=media,
                is_unaccepted=unaccepted is not None,
                has_completed_rectification=rectified,
            )
        )
        info[cid] = {
            "tracking": tracking,
            "outlet": outlet,
            "received": received,
            "unaccepted": unaccepted,
            "verified": verified,
        }
    return rows, info


def _firing_times(finding, info: dict, thresholds: Thresholds, rows_by_id: dict) -> list[tuple]:
    """(when the sweep found it, complaint id) for each complaint of one finding."""
    ids = finding.complaint_ids
    if finding.trigger == Trigger.UNACCEPTED:
        return [(info[i]["unaccepted"], i) for i in ids]
    if finding.trigger == Trigger.MEDIA:
        return [(info[i]["received"], i) for i in ids]  # flagged at intake
    if finding.trigger == Trigger.REPEAT:
        repeats = sorted(
            (info[i]["received"], i) for i in ids if rows_by_id[i].repeat_of_id is not None
        )
        fired = repeats[-1][0]
        for n, (at, i) in enumerate(repeats, start=1):
            if (
                rows_by_id[i].repeat_reason in ("attitude", "dragging")
                or n >= thresholds.repeat_chain
            ):
                fired = at
                break
        return [(max(info[i]["received"], fired), i) for i in ids]
    verified = sorted(info[i]["verified"] for i in ids)
    fired = verified[thresholds.recurring_count - 1]
    return [(max(info[i]["verified"], fired), i) for i in ids]


class AccountabilityGenerator:
    def __init__(self, world, *, writer, fmt, now, ids: dict, seed: int):
        self.out, self.fmt, self.now, self.ids = writer, fmt, now, ids
        self.rng = random.Random(seed)
        self.leader = world.staff["n-assoc-leader"][0]
        self.association = world.association[0]
        self.handlers = {m.id: m.a_id for m in world.members}
        self.member_names = {m.id: m.name for m in world.members}
        self.cases = 0
        self.interviews_overdue: list[int] = []

    def _next(self, name: str) -> int:
        self.ids[name] = self.ids.get(name, 0) + 1
        return self.ids[name]

    def run(self, candidates, today: date, thresholds: Thresholds) -> int:
        rows, info = _rows(candidates)
        by_id = {r.id: r for r in rows}
        # (member, trigger) -> [(at, complaint id)]
        found: defaultdict[tuple[int, str], list[tuple]] = defaultdict(list)
        for finding in detect(rows, today, thresholds):
            key = (finding.member_id, str(finding.trigger))
            found[key] += _firing_times(finding, info, thresholds, by_id)
        for (member, trigger), hits in sorted(found.items()):
            seen, ordered = set(), []
            for at, cid in sorted(hits):
                if cid not in seen:  # evidence is unique per trigger and complaint
                    seen.add(cid)
                    ordered.append((at, cid))
            self._replay(member, trigger, ordered, info)
        return self.cases

    def _replay(self, member: int, trigger: str, hits: list[tuple], info: dict) -> None:
        case = None
        for at, cid in hits:
            if case is not None and at >= case["review"]:
                self._decide(case)
                case = None
            if case is None:
                case = self._open(member, trigger, at)
                action = "opened"
            else:
                action = "evidence_added"
            if case["last_at"] == at and case["events"]:
                case["pending"].append(cid)  # found by the same sweep: one entry
            else:
                self._flush_log(case)
                case["pending"] = [cid]
                case["pending_action"] = action
                case["last_at"] = at
                case["events"] = True
            case["evidence"].append(cid)
            self.out.add(
                "accountability_evidence",
                (
                    self._next("acc_evidence"),
                    case["id"],
                    trigger,
                    cid,
                    info[cid]["outlet"],
                    self.fmt.ts(at),
                ),
            )
            case["tracking"][cid] = info[cid]["tracking"]
        if case is not None:
            self._decide(case)

    def _open(self, member: int, trigger: str, at: int) -> dict:
        self.cases += 1
        review = at + int(DAY * self.rng.uniform(10, 60))
        return {
            "id": self._next("acc_case"),
            "member": member,
            "trigger": trigger,
            "opened": at,
            "review": review,
            "evidence": [],
            "tracking": {},
            "pending": [],
            "pending_action": "opened",
            "last_at": None,
            "events": False,
        }

    def _flush_log(self, case: dict) -> None:
        if not case["pending"]:
            return
        new = case["pending"]
        # ``_log`` runs after the new evidence is added: every complaint held so far.
        self._log(
            case,
            case["pending_action"],
            case["last_at"],
            None,
            list(case["evidence"]),
            complaints=[case["tracking"][c] for c in new],
        )
        case["pending"] = []

    def _log(self, case, action, at, actor, holders, note=None, **detail) -> None:
        fmt = self.fmt
        self.out.add(
            "accountability_event",
            (self._next("acc_event"), case["id"], fmt.ts(at), actor, action, note, dumps(detail)),
        )
        role = unit = None
        if actor == self.leader:
            role, unit = "assoc_leader", self.association
        elif actor is not None:
            role, unit = "member_handler", case["member"]
        complaint_detail = dumps({"accountability_case_id": case["id"], **detail})
        for cid in holders:
            self.out.add(
                "complaint_event",
                (
                    self._next("event"),
                    cid,
                    fmt.ts(at),
                    actor,
                    role,
                    unit,
                    f"accountability_{action}",
                    note,
                    complaint_detail,
                    None,
                ),
            )

    def _decide(self, case: dict) -> None:
        """The association's review and what follows, as far as ``now``."""
        self._flush_log(case)
        rng, now, fmt = self.rng, self.now, self.fmt
        evidence = case["evidence"]
        state, decided, version = "detected", None, 1
        t = case["review"]
        if t <= now:
            if rng.random() < 0.45:
                state, decided, version = "dismissed", t, 2
                note = DISMISS_REASONS[int(rng.random() * len(DISMISS_REASONS))]
                self._log(case, "dismiss", t, self.leader, evidence, note, state=state)
            else:
                state, decided, version = "interview", t, 2
                held = local_ordinal(t)
                due = held + 30
                self._log(case, "interview", t, self.leader, evidence, REQUIREMENTS, state=state)
                self.out.add(
                    "accountability_interview",
                    (
                        self._next("acc_interview"),
                        case["id"],
                        fmt.day(held),
                        "协会秘书长、服务拓展部主任",
                        f"{self.member_names[case['member']]}行长、分管副行长",
                        REQUIREMENTS,
                        fmt.day(due),
                    ),
                )
                state, decided, version = self._plan(case, t, due, state, decided, version)
        self.out.add(
            "accountability_case",
            (
                case["id"],
                case["member"],
                case["trigger"],
                state,
                fmt.ts(case["opened"]),
                fmt.ts(decided),
                version,
            ),
        )

    def _plan(self, case, t, due, state, decided, version):
        rng, now, fmt = self.rng, self.now, self.fmt
        submitted = t + int(DAY * rng.uniform(3, 10))
        if submitted > now:
            return state, decided, version
        handler = self.handlers[case["member"]]
        self._log(case, "plan_submitted", submitted, handler, case["evidence"], due_on=fmt.day(due))
        status, completed = "submitted", None
        done_at = submitted + int(DAY * rng.uniform(10, 28))
        if rng.random() < 0.85 and done_at <= now:
            status, completed = "completed", done_at
            self._log(case, "plan_completed", done_at, handler, case["evidence"], CLOSURE)
            verified = done_at + int(DAY * rng.uniform(2, 10))
            if verified <= now:
                status = "verified"
                state, decided, version = "closed", verified, version + 1
                self._log(
                    case,
                    "verify",
                    verified,
                    self.leader,
                    case["evidence"],
                    VERIFY_REASON,
                    state=state,
                )
        elif local_ordinal(now) > due and len(case["evidence"]) <= 20:
            self.interviews_overdue.append(case["id"])  # Art. 12(2): may be criticised
        self.out.add(
            "accountability_plan",
            (
                self._next("acc_plan"),
                case["id"],
                *PLAN_TEXT.values(),
                CLOSURE if completed else None,
                "消费者权益保护部负责人",
                fmt.day(due),
                status,
                fmt.ts(submitted),
                fmt.ts(completed),
                1 + (completed is not None) + (status == "verified"),
            ),
        )
        return state, decided, version
