"""Pure lifecycle rules: states, who may act when, and small validations.

No Flask, no database, no clock: everything is an argument, so these are tested with
plain tables.
"""

import re
from datetime import date
from enum import StrEnum


def N_(text: str) -> str:  # marks a message for extraction; translated where shown
    return text


class State(StrEnum):
    REGISTERED = "registered"  # recorded by the association, validity not yet decided
    INVALID = "invalid"  # not a valid complaint: closed with a reason (Art. 8(3))
    FORWARDED = "forwarded"  # sent to the member bank, waiting to be accepted
    HANDLING = "handling"  # accepted by the member; being verified / handled below
    REPORTED = "reported"  # the member reported the result to the association
    CLOSED = "closed"  # the association accepted the report
    # Intake outcomes besides valid and invalid (Art. 8(3)), closed at once:
    REFERRED = "referred"  # out of the association's scope: referred elsewhere
    DUPLICATE = "duplicate"  # the same matter as a case already registered (linked)


STATE_LABELS = {
    State.REGISTERED: N_("待转办"),
    State.INVALID: N_("无效投诉已办结"),
    State.FORWARDED: N_("待会员单位受理"),
    State.HANDLING: N_("处理中"),
    State.REPORTED: N_("待协会审核"),
    State.CLOSED: N_("已办结"),
    State.REFERRED: N_("不属受理范围，已告知转往他处"),
    State.DUPLICATE: N_("重复登记，已并入原投诉"),
}

OPEN_STATES = frozenset({State.REGISTERED, State.FORWARDED, State.HANDLING, State.REPORTED})
# Closed at intake without a handling: not valid complaints, counted apart (statistics).
SET_ASIDE_STATES = frozenset({State.INVALID, State.REFERRED, State.DUPLICATE})

CHANNELS = {
    "phone": N_("电话"),
    "letter": N_("信函"),
    "written": N_("书面材料"),
    "email": N_("电子邮件"),
    "walk_in": N_("来访"),
    "regulator": N_("监管转办"),
}

REPLY_CHANNELS = {
    "phone": N_("电话"),
    "sms": N_("短信"),
    "letter": N_("信函"),
    "email": N_("电子邮件"),
    "visit": N_("面谈"),
}

REPEAT_REASONS = {
    "attitude": N_("受理人员态度、言行不当"),
    "dragging": N_("正当诉求拖而不办"),
    "late_reply": N_("答复超时"),
    "dissatisfied": N_("对处理结果不满意"),
    "other": N_("其他"),
}

FINDINGS = {
    "substantiated": N_("属实"),
    "partly": N_("部分属实"),
    "unsubstantiated": N_("不属实"),
}

SATISFACTION = {
    "satisfied": N_("满意"),
    "basically": N_("基本满意"),
    "dissatisfied": N_("不满意"),
}

RECTIFICATION_KINDS = {
    "rectification": N_("整改意见"),  # Art. 9(2)
    "staff": N_("责任人员处理意见"),  # Art. 9(2)
}


def tracking_number(year: int, seq: int, prefix: str = "LN") -> str:
    """``LN2026-000123``: province, year of receipt, sequence within the year."""
    return f"{prefix}{year}-{seq:06d}"


TRACKING_RE = re.compile(r"^[A-Z]{2}\d{4}-\d{6}$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Resident ID: 17 digits and a digit or X; the checksum is verified too.
ID_RE = re.compile(r"^\d{17}[\dXx]$")


def is_valid_resident_id(value: str) -> bool:
    if not ID_RE.match(value):
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(value[:17], weights, strict=True))
    return "10X98765432"[total % 11] == value[17].upper()


def mask_mobile(mobile: str | None) -> str:
    """``138****1234``: enough to recognise, not enough to call (JR/T 0171-2020)."""
    if not mobile:
        return ""
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) >= 7 else "****"


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "****"


def promise_problem(promised_on: date | None, today: date) -> str | None:
    """Art. 11(3): the next reply is promised for a date still to come."""
    if promised_on is None:
        return N_("请填写承诺再次答复客户的日期。")
    if promised_on <= today:
        return N_("承诺答复日期必须晚于今天。")
    if (promised_on - today).days > 90:
        return N_("承诺答复日期不宜超过 90 天，请与客户重新约定。")
    return None


# Attachments: what may be uploaded, judged by the bytes, not the name (a renamed
# executable must not pass as a photo).
ALLOWED_TYPES = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/heic": (".heic",),
    "application/pdf": (".pdf",),
    "audio/mpeg": (".mp3",),
    "audio/x-wav": (".wav",),
    "audio/mp4": (".m4a",),
    "audio/amr": (".amr",),
}
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def attachment_problem(filename: str, sniffed_type: str | None, size: int) -> str | None:
    """Why an upload is refused, or None. ``sniffed_type`` comes from the file's bytes."""
    if size == 0:
        return N_("文件为空。")
    if size > MAX_ATTACHMENT_BYTES:
        return N_("文件超过 10 MB 上限。")
    if sniffed_type not in ALLOWED_TYPES:
        return N_("只接受图片（JPG/PNG/HEIC）、PDF 扫描件和录音（MP3/WAV/M4A/AMR）。")
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in ALLOWED_TYPES[sniffed_type]:
        return N_("文件扩展名与文件内容不符。")
    return None


# Who may do what, when. ``side`` is the actor's place in the hierarchy:
# "association" (handlers and administrators), "member" (handlers and administrators
# of the member bank), "unit" (someone at the unit now holding the case, below the
# member), "observer" (leaders: read and write internal notes).
def available_actions(
    *,
    side: str,
    state: State,
    handled_at_member: bool,
    at_handling_unit: bool,
    has_finding: bool,
    replied: bool,
    satisfaction_recorded: bool,
    finding_substantiated: bool,
    can_pass_down: bool,
) -> frozenset[str]:
    actions = {"note"}
    if side == "association":
        if state == State.REGISTERED:
            actions |= {"invalidate", "refer", "duplicate", "forward"}
        elif state == State.FORWARDED:
            actions.add("recall")
        elif state == State.REPORTED:
            actions |= {"close", "send_back"}
        elif state == State.CLOSED and not satisfaction_recorded:
            actions.add("return_visit")
        # What was typed wrong at intake is corrected, with a reason, while the case
        # counts (statistics follow); the flags are set whenever the facts change.
        if state in OPEN_STATES or state == State.CLOSED:
            actions.add("correct")
        if state in OPEN_STATES:
            actions.add("flags")
    elif side == "member":
        if state in OPEN_STATES and state != State.REGISTERED:
            actions.add("flags")  # 舆情 and 重大 may arise at any time (Art. 12(1)4)
        if state == State.FORWARDED:
            actions.add("accept")
        elif state == State.HANDLING:
            actions |= {"verify", "forward_down"} if can_pass_down else {"verify"}
            if not handled_at_member:
                actions.add("recall_up")
            if has_finding:
                actions.add("report")
            if handled_at_member:
                actions |= _replying_actions(replied)
        if finding_substantiated:
            actions.add("rectify")
    elif side == "unit" and at_handling_unit and state == State.HANDLING:
        actions |= _replying_actions(replied) | {"escalate"}
        if can_pass_down:
            actions.add("forward_down")
    return frozenset(actions)


def _replying_actions(replied: bool) -> set[str]:
    # Art. 11(3): contact the customer, then a final reply or a progress report with a promise.
    return {"contact"} if replied else {"contact", "final_reply", "progress"}


# What the history and the action buttons call each step.
ACTION_LABELS = {
    "registered": N_("登记投诉"),
    "invalidated": N_("认定为无效投诉"),
    "invalidate": N_("认定无效并办结"),
    "refer": N_("不属受理范围，告知转往他处"),
    "referred": N_("不属受理范围，已告知转往他处"),
    "duplicate": N_("重复登记，并入原投诉"),
    "duplicated": N_("重复登记，已并入原投诉"),
    "correct": N_("更正登记信息"),
    "corrected": N_("更正登记信息"),
    "flags": N_("设置重大投诉/舆情标记"),
    "flags_changed": N_("标记变更"),
    "rerouted": N_("更正会员单位，已改转办"),
    "duplicate_merged": N_("重复登记已并入本投诉"),
    "forward": N_("转办会员单位"),
    "forwarded": N_("转办会员单位"),
    "recall": N_("撤回转办"),
    "recalled": N_("撤回转办"),
    "accept": N_("受理"),
    "accepted": N_("会员单位受理"),
    "forward_down": N_("转交下级单位"),
    "forwarded_down": N_("转交下级单位"),
    "recall_up": N_("收回至会员单位"),
    "recalled_up": N_("收回至会员单位"),
    "escalate": N_("上报上级单位（超出权限）"),
    "escalated": N_("上报上级单位"),
    "contact": N_("记录与客户联系"),
    "progress": N_("报告进度并承诺答复日期"),
    "final_reply": N_("答复客户最终结果"),
    "verify": N_("录入核实结论"),
    "verified": N_("核实完毕"),
    "report": N_("向协会上报处理结果"),
    "reported": N_("上报处理结果"),
    "rectify": N_("下发整改/责任人员处理意见"),
    "rectify_done": N_("登记整改完成"),
    "rectification_added": N_("下发意见"),
    "rectification_completed": N_("整改完成"),
    "rectification_progress": N_("整改进展"),
    "close": N_("审核通过并办结"),
    "closed": N_("办结"),
    "send_back": N_("退回重新核实"),
    "sent_back": N_("退回重新核实"),
    "return_visit": N_("登记回访"),
    "reopened": N_("客户不满意，已作为重复投诉重新登记"),
    "note": N_("添加备注"),
    "unaccepted": N_("超过受理期限无人受理（第十二条第（一）项）"),
    "clock_breached": N_("期限已过仍未办理"),
    "clock_recomputed": N_("工作日历调整，期限已重新计算"),
    "clock_extended": N_("期限调整"),
    # Art. 12: this complaint is evidence in an accountability case against the member.
    "accountability_opened": N_("立案问责（第十二条）"),
    "accountability_evidence_added": N_("列为问责案件证据（第十二条）"),
    "accountability_dismiss": N_("问责审查：驳回"),
    "accountability_interview": N_("问责审查：约见谈话"),
    "accountability_verify": N_("问责：整改核验通过"),
    "accountability_criticise": N_("问责：通报批评"),
    "accountability_plan_submitted": N_("问责：会员单位提交整改方案"),
    "accountability_plan_completed": N_("问责：会员单位报告整改完成"),
    "accountability_plan_rejected": N_("问责：整改方案或完成情况被退回"),
    "accountability_disqualified": N_("问责：取消本赛季评选资格（第十二条第三款）"),
}

# How the case page weighs the steps it offers: those that take a case back, or close it
# without handling, are quiet; the occasional ones secondary; the first of the rest, in
# ACTION_ORDER, is the one primary button.
QUIET_STEPS = ["recall", "recall_up", "send_back", "invalidate", "refer", "duplicate", "escalate"]
SECONDARY_STEPS = ["note", "correct", "flags", "contact", "rectify", "rectify_done"]

# What a correction or a change of flags names in the history.
CHANGE_LABELS = {
    "outlet": N_("被投诉网点"),
    "member": N_("会员单位"),
    "category": N_("投诉类别"),
    "complainant_name": N_("投诉人姓名"),
    "mobile": N_("手机号"),
    "address": N_("联系地址"),
    "reply_channel": N_("答复方式"),
    "is_major": N_("重大投诉"),
    "is_media": N_("舆情"),
    "code_a": N_("A类编码（业务办理渠道）"),
    "code_b": N_("B类编码（业务类别）"),
    "code_c": N_("C类编码（投诉原因）"),
}

# The order in which available actions are offered on the case page.
ACTION_ORDER = (
    "accept",
    "forward",
    "invalidate",
    "refer",
    "duplicate",
    "final_reply",
    "progress",
    "contact",
    "verify",
    "report",
    "forward_down",
    "escalate",
    "recall_up",
    "recall",
    "close",
    "send_back",
    "return_visit",
    "rectify",
    "rectify_done",
    "flags",
    "correct",
    "note",
)

CLOCK_LABELS = {
    "forward": N_("协会转办（2个工作日）"),  # Art. 11(1)
    "accept": N_("会员单位受理"),  # Art. 7
    "verify": N_("会员单位核实（2个工作日）"),  # Art. 11(2)
    "report": N_("会员单位上报结果（5个工作日）"),  # Art. 11(2)
    "branch_reply": N_("网点答复客户（3个工作日）"),  # Art. 11(3)
    "promise": N_("承诺再次答复"),  # Art. 11(3)
    "rectify": N_("整改完成期限"),  # Art. 9(2)
}
