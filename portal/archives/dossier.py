"""The case dossier (案卷) as one PDF, and the zip that holds it with the attachments.

The dossier records the case as it stood when the association closed it: history,
attachments and rectifications up to that instant (``Dossier.closed_at``), so a return
visit or a repeat complaint after the closure changes no issued dossier. It is rendered
from a plain-data context with WeasyPrint, in Chinese whatever the reader's language,
with outside URLs refused (as the bulletin and the accountability documents are), and
the CJK font embedded by WeasyPrint from the system's fonts.

Internal notes (``ComplaintEvent.internal_org_id``) are left out: the dossier is one
document for the association and the member bank alike, and each side's notes are its
own. Mobile and ID numbers appear masked, as on the printed intake worksheet.
"""

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import aliased

from portal.archives.models import CaseArchive, Dossier
from portal.archives.rules import BEIJING, human_size, zip_member_name
from portal.auth.models import User
from portal.complaints.models import Attachment, Complaint, ComplaintEvent, Rectification
from portal.complaints.rules import (
    ACTION_LABELS,
    CHANGE_LABELS,
    CHANNELS,
    FINDINGS,
    RECTIFICATION_KINDS,
    REPLY_CHANNELS,
    STATE_LABELS,
    State,
)
from portal.db import db
from portal.deadlines.models import Clock
from portal.deadlines.rules import RULES, ClockKind
from portal.orgs.models import Unit

ISSUER = "辽宁省银行业协会"
TEMPLATE = "archives/pdf_dossier.html"


@dataclass(frozen=True)
class Issued:
    pdf: bytes
    pdf_sha256: str
    zip: bytes
    zip_sha256: str
    attachment_count: int


def _local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(BEIJING)
    return f"{local.year}年{local.month}月{local.day}日 {local.hour:02d}:{local.minute:02d}"


def _day(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def _history(case: Complaint, until: datetime) -> list[dict]:
    unit = aliased(Unit)
    rows = db.session.execute(
        select(ComplaintEvent, User.full_name, unit.name)
        .outerjoin(User, User.id == ComplaintEvent.actor_id)
        .outerjoin(unit, unit.id == ComplaintEvent.actor_unit_id)
        .where(
            ComplaintEvent.complaint_id == case.id,
            ComplaintEvent.internal_org_id.is_(None),
            ComplaintEvent.at <= until,
        )
        .order_by(ComplaintEvent.at, ComplaintEvent.id)
    ).all()
    return [
        {
            "at": _local(event.at),
            "action": event.action,
            "label": ACTION_LABELS.get(event.action, event.action),
            "who": " · ".join(part for part in (name, unit_name) if part) or "系统",
            "note": event.note or "",
            "detail": _detail_text(event.detail or {}),
            "raw": event.detail or {},
        }
        for event, name, unit_name in rows
    ]


def _detail_text(detail: dict) -> str:
    parts = []
    if detail.get("to"):
        parts.append(f"至 {detail['to']}")
    if detail.get("finding"):
        parts.append(FINDINGS.get(detail["finding"], detail["finding"]))
    if detail.get("promised_on"):
        parts.append(f"承诺 {_day(date.fromisoformat(detail['promised_on']))} 前再次答复")
    if detail.get("told_how"):
        parts.append(f"答复方式：{REPLY_CHANNELS.get(detail['told_how'], detail['told_how'])}")
    if detail.get("how"):
        parts.append(REPLY_CHANNELS.get(detail["how"], detail["how"]))
    if detail.get("reaction"):
        parts.append(f"客户反馈：{detail['reaction']}")
    if detail.get("referred_to"):
        parts.append(f"转往：{detail['referred_to']}")
    for key, label in (("repeat", "重复投诉"), ("original", "原投诉"), ("repeat_of", "原投诉")):
        if detail.get(key):
            parts.append(f"{label} {detail[key]}")
    for name, pair in (detail.get("changes") or {}).items():
        if isinstance(pair, list) and len(pair) == 2:
            label = CHANGE_LABELS.get(name, name)
            parts.append(f"{label}：{_shown(pair[0])} → {_shown(pair[1])}")
    return "；".join(parts)


def _shown(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value) if value else "—"


def _clocks(case: Complaint, until: datetime) -> list[dict]:
    rows = db.session.execute(
        select(Clock, Unit.name)
        .join(Unit, Unit.id == Clock.owner_unit_id)
        .where(Clock.case_id == case.id, Clock.started_at <= until)
        .order_by(Clock.started_at, Clock.id)
    ).all()
    out = []
    for clock, owner in rows:
        kind = ClockKind(clock.kind)
        met = clock.met_at if clock.met_at and clock.met_at <= until else None
        cancelled = (
            clock.cancelled_at if clock.cancelled_at and clock.cancelled_at <= until else None
        )
        if cancelled:
            state = "已取消"
        elif met:
            state = "逾期完成" if met > clock.due_at else "按时完成"
        else:
            state = "已超期" if until > clock.due_at else "办理中"
        out.append(
            {
                "label": RULES[kind].label,
                "article": RULES[kind].article,
                "owner": owner,
                "started": _local(clock.started_at),
                "due": _day(clock.due_on),
                "met": _local(met),
                "state": state,
            }
        )
    return out


def _attachments(case: Complaint, until: datetime) -> list[Attachment]:
    return list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.complaint_id == case.id, Attachment.uploaded_at <= until)
            .order_by(Attachment.id)
        )
    )


def _rectifications(case: Complaint, until: datetime) -> list[dict]:
    items = db.session.scalars(
        select(Rectification)
        .where(Rectification.complaint_id == case.id, Rectification.created_at <= until)
        .order_by(Rectification.id)
    )
    return [
        {
            "kind": RECTIFICATION_KINDS.get(item.kind, item.kind),
            "opinion": item.opinion,
            "owner": item.owner or "",
            "due": _day(item.due_on),
            "done": _local(item.completed_at)
            if item.completed_at and item.completed_at <= until
            else "",
            "note": (item.completion_note or "")
            if item.completed_at and item.completed_at <= until
            else "",
        }
        for item in items
    ]


def build_context(case: Complaint, dossier: Dossier, archive: CaseArchive, attachments) -> dict:
    """Everything the PDF shows, as plain data."""
    until = dossier.closed_at
    history = _history(case, until)
    flags = [
        label for flag, label in ((case.is_major, "重大投诉"), (case.is_media, "舆情")) if flag
    ]
    if case.repeat_of is not None:
        flags.append(f"重复投诉（原投诉 {case.repeat_of.tracking_no}）")
    return {
        "issuer": ISSUER,
        "archive_no": archive.archive_no,
        "version": dossier.version,
        "tracking_no": case.tracking_no,
        "closed_at": _local(until),
        "worksheet": [
            ("受理时间", _local(case.received_at)),
            ("受理渠道", CHANNELS.get(case.channel, case.channel)),
            ("受理人", case.received_by.full_name if case.received_by else ""),
            ("投诉人", case.complainant_name),
            ("手机（脱敏）", case.mobile_masked or ""),
            ("身份证号（脱敏）", case.id_number_masked or ""),
            ("联系地址", case.address or ""),
            ("答复方式", REPLY_CHANNELS.get(case.reply_channel, case.reply_channel)),
            ("会员单位", case.member.name),
            ("被投诉网点", case.outlet.name),
            ("被投诉人员", case.staff or ""),
            ("投诉类别", case.category.full_name),
            ("标记", "、".join(flags) or "无"),
        ],
        "facts": case.facts,
        "demand": case.demand,
        "state": STATE_LABELS[State.CLOSED],
        "finding": FINDINGS.get(case.finding or "", "—"),
        "history": history,
        "findings": [e for e in history if e["action"] == "verified"],
        "replies": [
            e for e in history if e["action"] in ("final_reply", "progress", "contact", "reported")
        ],
        "rectifications": _rectifications(case, until),
        "clocks": _clocks(case, until),
        "attachments": [
            {
                "no": index,
                "name": item.filename,
                "size": human_size(item.size),
                "bytes": item.size,
                "sha256": item.sha256,
                "uploaded": _local(item.uploaded_at),
                "member": zip_member_name(index, item.filename),
            }
            for index, item in enumerate(attachments, start=1)
        ],
    }


def refuse_fetch(url: str, *args, **kwargs):
    """WeasyPrint's url_fetcher: a dossier fetches nothing from outside."""
    raise ValueError(f"a dossier fetches no outside resources: {url[:80]}")


def render_pdf(context: dict) -> bytes:
    from weasyprint import HTML

    with force_locale("zh"):
        html = render_template(TEMPLATE, **context)
    return HTML(string=html, base_url=None, url_fetcher=refuse_fetch).write_pdf()


def build_zip(pdf: bytes, pdf_name: str, attachments, closed_at: datetime) -> bytes:
    """The PDF, every attachment and a SHA256SUMS list, with the closure as every
    member's time: the same dossier always makes the same bytes."""
    stamp = closed_at.astimezone(BEIJING).timetuple()[:6]
    sums = [f"{hashlib.sha256(pdf).hexdigest()}  {pdf_name}"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        _add(archive, pdf_name, pdf, stamp)
        for index, item in enumerate(attachments, start=1):
            name = zip_member_name(index, item.filename)
            _add(archive, name, item.data, stamp)
            sums.append(f"{item.sha256}  {name}")
        _add(archive, "SHA256SUMS.txt", ("\n".join(sums) + "\n").encode(), stamp)
    return buffer.getvalue()


def _add(archive: zipfile.ZipFile, name: str, data: bytes, stamp) -> None:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.flag_bits |= 0x800  # UTF-8 names (Chinese file names)
    archive.writestr(info, data)


def pdf_name(archive_no: str, version: int) -> str:
    return f"{archive_no}-v{version}.pdf"


def zip_name(archive_no: str, version: int) -> str:
    return f"{archive_no}-v{version}.zip"


def issue(case: Complaint, dossier: Dossier, archive: CaseArchive) -> Issued:
    """Render the dossier's PDF and zip and hash both."""
    attachments = _attachments(case, dossier.closed_at)
    pdf = render_pdf(build_context(case, dossier, archive, attachments))
    packed = build_zip(
        pdf, pdf_name(archive.archive_no, dossier.version), attachments, dossier.closed_at
    )
    return Issued(
        pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        zip=packed,
        zip_sha256=hashlib.sha256(packed).hexdigest(),
        attachment_count=len(attachments),
    )
