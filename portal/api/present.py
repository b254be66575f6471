"""What the API answers, as JSON, with the schemas the OpenAPI document names.

A case carries what the case page shows its user, less the personal numbers: the
mobile masked as in lists (a system handling the case reads the full number on the
portal, where each reveal is recorded), no ID number, no address. Its clocks and its
history are the case page's, its ``actions`` the steps the token's user may take now."""

from datetime import UTC, date, datetime

from flask_babel import gettext as _
from flask_login import current_user

from portal.api.spec import ref, schema
from portal.complaints import actions as steps
from portal.complaints import coding, queries
from portal.complaints.models import Complaint
from portal.complaints.rules import ACTION_LABELS, FINDINGS, STATE_LABELS, State
from portal.deadlines.queries import next_step_of
from portal.deadlines.rules import RULES, ClockKind, time_left
from portal.deadlines.rules import STATE_LABELS as CLOCK_STATE_LABELS
from portal.web import clock
from portal.workdays.store import current_calendar

# The lifecycle's actions (``complaints.actions``) as the API names its steps.
API_STEPS = {
    "accept": "accept",
    "forward_down": "pass-down",
    "contact": "contact",
    "progress": "progress",
    "final_reply": "final-reply",
    "verify": "verify",
    "rectify": "rectifications",
    "report": "report",
    "note": "attachments",
}


def when(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _unit(unit) -> dict | None:
    if unit is None:
        return None
    return {"id": unit.id, "code": unit.code, "name": unit.name}


# -- Schemas --------------------------------------------------------------------------

TIME = {"type": "string", "format": "date-time"}
DAY = {"type": "string", "format": "date"}


def _nullable(definition: dict) -> dict:
    return {"anyOf": [definition, {"type": "null"}]}


UNIT_REF = schema(
    "UnitRef",
    {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name": {"type": "string"},
        },
        "required": ["id", "code", "name"],
    },
)

STATES = [s.value for s in State]

CASE_SUMMARY_PROPERTIES: dict = {
    "id": {"type": "integer"},
    "tracking_no": {"type": "string", "examples": ["LN2026-000123"]},
    "state": {"type": "string", "enum": STATES},
    "state_label": {"type": "string"},
    "version": {"type": "integer", "description": "send it with each step (409 when stale)"},
    "received_at": TIME,
    "updated_at": TIME,
    "complainant_name": {"type": "string"},
    "mobile_masked": _nullable({"type": "string", "examples": ["138****1234"]}),
    "category": {"type": "string", "description": "main › sub category"},
    "outlet": UNIT_REF,
    "member": UNIT_REF,
    "handling_unit": UNIT_REF,
    "is_major": {"type": "boolean"},
    "is_media": {"type": "boolean"},
    "next_due": _nullable(
        {
            "type": "object",
            "description": "the open deadline due first among those of the token's side",
            "properties": {
                "step": {"type": "string"},
                "label": {"type": "string"},
                "due": DAY,
                "working_days_left": {"type": "integer"},
                "overdue": {"type": "boolean"},
            },
            "required": ["step", "due", "working_days_left", "overdue"],
        }
    ),
}
CASE_SUMMARY = schema(
    "CaseSummary",
    {
        "type": "object",
        "properties": CASE_SUMMARY_PROPERTIES,
        "required": ["id", "tracking_no", "state", "version", "received_at", "updated_at"],
    },
)

CASE_PAGE = schema(
    "CasePage",
    {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": CASE_SUMMARY},
            "next_cursor": _nullable(
                {"type": "string", "description": "pass as `cursor` for the next page"}
            ),
        },
        "required": ["items", "next_cursor"],
    },
)

CLOCK = schema(
    "Clock",
    {
        "type": "object",
        "description": "an Art. 11 deadline of the case (working days, Beijing calendar)",
        "properties": {
            "id": {"type": "integer"},
            "step": {"type": "string", "enum": [k.value for k in ClockKind]},
            "label": {"type": "string"},
            "article": {"type": "string"},
            "owner": UNIT_REF,
            "started_at": TIME,
            "limit_days": _nullable({"type": "integer"}),
            "due": DAY,
            "due_at": TIME,
            "is_provisional": {"type": "boolean"},
            "state": {
                "type": "string",
                "enum": ["running", "due_today", "met_on_time", "met_late", "breached"],
            },
            "state_label": {"type": "string"},
            "is_open": {"type": "boolean"},
            "met_at": _nullable(TIME),
            "cancelled_at": _nullable(TIME),
            "working_days_left": _nullable(
                {"type": "integer", "description": "open clocks: negative when overdue"}
            ),
        },
        "required": ["id", "step", "due", "state", "is_open"],
    },
)

ATTACHMENT = schema(
    "Attachment",
    {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "filename": {"type": "string"},
            "content_type": {"type": "string"},
            "size": {"type": "integer"},
        },
        "required": ["id", "filename", "content_type", "size"],
    },
)

HISTORY_ENTRY = schema(
    "HistoryEntry",
    {
        "type": "object",
        "description": "one entry of the case's public history (append-only)",
        "properties": {
            "id": _nullable({"type": "integer"}),
            "at": TIME,
            "action": {"type": "string"},
            "label": {"type": "string"},
            "note": _nullable({"type": "string"}),
            "actor": _nullable({"type": "string"}),
            "unit": _nullable({"type": "string"}),
            "detail": {"type": "object"},
            "attachments": {"type": "array", "items": ATTACHMENT},
        },
        "required": ["at", "action", "label"],
    },
)

RECTIFICATION = schema(
    "Rectification",
    {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string"},
            "opinion": {"type": "string"},
            "owner": _nullable({"type": "string"}),
            "due_on": _nullable(DAY),
            "completed_at": _nullable(TIME),
            "completion_note": _nullable({"type": "string"}),
        },
        "required": ["id", "kind", "opinion"],
    },
)

CASE_CODE = schema(
    "CaseCode",
    {
        "type": "object",
        "description": "one JR/T 0169-2018 code of the case: its own, or (B and C) its "
        "category's crosswalk while it has none (`own` false); null code: not coded",
        "properties": {
            "code": _nullable({"type": "string", "examples": ["B03"]}),
            "name": _nullable({"type": "string", "examples": ["银行卡"]}),
            "own": {"type": "boolean"},
        },
        "required": ["code", "name", "own"],
    },
)

CASE_CODES = schema(
    "CaseCodes",
    {
        "type": "object",
        "description": "JR/T 0169-2018: a 业务办理渠道 (business channel), b 业务类别 "
        "(business category), c 投诉原因 (cause)",
        "properties": {"a": CASE_CODE, "b": CASE_CODE, "c": CASE_CODE},
        "required": ["a", "b", "c"],
    },
)

CASE = schema(
    "Case",
    {
        "type": "object",
        "properties": {
            **CASE_SUMMARY_PROPERTIES,
            "channel": {"type": "string"},
            "reply_channel": {"type": "string"},
            "staff": _nullable({"type": "string"}),
            "facts": {"type": "string"},
            "demand": {"type": "string"},
            "accepted_at": _nullable(TIME),
            "finding": _nullable({"type": "string", "enum": list(FINDINGS)}),
            "replied_at": _nullable(TIME),
            "promised_on": _nullable(DAY),
            "reported_at": _nullable(TIME),
            "closed_at": _nullable(TIME),
            "last_event_id": {
                "type": "integer",
                "description": "send as `seen_event` with a step: a 409 then lists the "
                "entries after it",
            },
            "actions": {
                "type": "array",
                "description": "the steps the token's user may take now",
                "items": {"type": "string", "enum": sorted(set(API_STEPS.values()))},
            },
            "clocks": {"type": "array", "items": CLOCK},
            "history": {"type": "array", "items": HISTORY_ENTRY},
            "rectifications": {"type": "array", "items": RECTIFICATION},
            "codes": CASE_CODES,
        },
        "required": [
            "id",
            "tracking_no",
            "state",
            "version",
            "received_at",
            "updated_at",
            "actions",
            "clocks",
            "history",
            "last_event_id",
            "codes",
        ],
    },
)

ME = schema(
    "Me",
    {
        "type": "object",
        "properties": {
            "system": {"type": "string", "description": "the token's system"},
            "token_prefix": {"type": "string"},
            "member": UNIT_REF,
            "user": {
                "type": "object",
                "properties": {
                    "username": {"type": "string"},
                    "full_name": {"type": "string"},
                    "role": {"type": "string"},
                    "role_label": {"type": "string"},
                    "unit": UNIT_REF,
                },
                "required": ["username", "role", "unit"],
            },
            "rate_limit": {"type": "integer", "description": "requests a minute"},
        },
        "required": ["system", "member", "user"],
    },
)

UNIT = schema(
    "Unit",
    {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name": {"type": "string"},
            "short_name": _nullable({"type": "string"}),
            "kind": {"type": "string"},
            "parent_id": _nullable({"type": "integer"}),
            "city": _nullable({"type": "string"}),
            "district": _nullable({"type": "string"}),
        },
        "required": ["id", "code", "name", "kind"],
    },
)
UNIT_LIST = schema(
    "UnitList", {"type": "object", "properties": {"items": {"type": "array", "items": UNIT}}}
)


# -- Values ---------------------------------------------------------------------------


def _next_due(step) -> dict | None:
    if step is None:
        return None
    left = step.left
    days = left.days if left.state != "overdue" else -left.days
    return {
        "step": str(step.kind),
        "label": _(step.label),
        "due": day(step.due_on),
        "working_days_left": days,
        "overdue": left.state == "overdue",
    }


def case_summary(case: Complaint, next_step=None) -> dict:
    return {
        "id": case.id,
        "tracking_no": case.tracking_no,
        "state": case.state,
        "state_label": _(STATE_LABELS[State(case.state)]),
        "version": case.version,
        "received_at": when(case.received_at),
        "updated_at": when(case.updated_at),
        "complainant_name": case.complainant_name,
        "mobile_masked": case.mobile_masked,
        "category": case.category.full_label,
        "outlet": _unit(case.outlet),
        "member": _unit(case.member),
        "handling_unit": _unit(case.handling_unit),
        "is_major": case.is_major,
        "is_media": case.is_media,
        "next_due": _next_due(next_step),
    }


def clock_value(ck, now: datetime, today: date, calendar) -> dict:
    rule = RULES[ClockKind(ck.kind)]
    state = ck.state(now)
    left = None
    if ck.is_open:
        counted = time_left(ck.due_on, today, calendar)
        left = -counted.days if counted.state == "overdue" else counted.days
    return {
        "id": ck.id,
        "step": ck.kind,
        "label": _(rule.label),
        "article": _(rule.article),
        "owner": _unit(ck.owner_unit),
        "started_at": when(ck.started_at),
        "limit_days": ck.limit_days,
        "due": day(ck.due_on),
        "due_at": when(ck.due_at),
        "is_provisional": ck.is_provisional,
        "state": str(state),
        "state_label": _(CLOCK_STATE_LABELS[state]),
        "is_open": ck.is_open,
        "met_at": when(ck.met_at),
        "cancelled_at": when(ck.cancelled_at),
        "working_days_left": left,
    }


def _label(action: str, clock_kind: str | None) -> str:
    if action in ACTION_LABELS:
        return _(ACTION_LABELS[action])
    if action.startswith("clock_") and clock_kind:
        event = action.removeprefix("clock_")
        return f"{_(RULES[ClockKind(clock_kind)].label)}: {event}"
    return action


def history_value(entry) -> dict:
    return {
        "id": entry.id,
        "at": when(entry.at),
        "action": entry.action,
        "label": _label(entry.action, entry.clock_kind),
        "note": entry.note,
        "actor": entry.actor_name,
        "unit": entry.unit_name,
        "detail": entry.detail or {},
        "attachments": [
            {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in entry.attachments
        ],
    }


def api_actions(available) -> list[str]:
    names = {API_STEPS[a] for a in available if a in API_STEPS}
    return sorted(names)


def case_value(case: Complaint, clocks: list | None = None) -> dict:
    """The case as GET /cases/{id} answers it, for the request's user."""
    user = current_user
    now, today = clock.now(), clock.local_today()
    case_clocks = steps.case_clocks(case) if clocks is None else clocks
    history = [e for e in queries.timeline(user, case) if e.internal_org_id is None]
    calendar = current_calendar()
    available = queries.actions_for(user, case)
    # The step due first among the user's own clocks, as the lists name it.
    value = case_summary(case, next_step_of(user, case_clocks, today))
    value.update(
        {
            "channel": case.channel,
            "codes": {
                item["axis"].lower(): {k: item[k] for k in ("code", "name", "own")}
                for item in coding.case_codes(case)
            },
            "reply_channel": case.reply_channel,
            "staff": case.staff,
            "facts": case.facts,
            "demand": case.demand,
            "accepted_at": when(case.accepted_at),
            "finding": case.finding,
            "replied_at": when(case.replied_at),
            "promised_on": day(case.promised_on),
            "reported_at": when(case.reported_at),
            "closed_at": when(case.closed_at),
            "last_event_id": max((e.id for e in history if e.id), default=0),
            "actions": api_actions(available),
            "clocks": [
                clock_value(c, now, today, calendar)
                for c in sorted(case_clocks, key=lambda c: (c.started_at, c.id))
            ],
            "history": [history_value(e) for e in history],
            "rectifications": [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "opinion": r.opinion,
                    "owner": r.owner,
                    "due_on": day(r.due_on),
                    "completed_at": when(r.completed_at),
                    "completion_note": r.completion_note,
                }
                for r in steps.rectifications(case)
            ],
        }
    )
    return value


def me_value(token, limit: int) -> dict:
    user = token.user
    return {
        "system": token.name,
        "token_prefix": token.prefix,
        "member": _unit(token.member),
        "user": {
            "username": user.username,
            "full_name": user.full_name,
            "role": user.role,
            "role_label": _(user.role_label),
            "unit": _unit(user.unit),
        },
        "rate_limit": limit,
    }


def unit_value(unit) -> dict:
    return {
        "id": unit.id,
        "code": unit.code,
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "parent_id": unit.parent_id,
        "city": unit.city,
        "district": unit.district,
    }


PROBLEM_REF = ref("Problem")
