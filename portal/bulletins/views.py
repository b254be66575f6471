"""Bulletin screens: the list, the draft editor with preview and publish jobs, downloads.

Drafts and jobs are the association's: for anyone else they answer 404, like any object
outside one's scope. Members see published versions and their own annex only.
"""

from io import BytesIO

from flask import abort, redirect, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.analysis.section import bulletin_section
from portal.auth.access import can, require
from portal.auth.roles import Permission
from portal.bulletins import jobs, operations
from portal.bulletins.models import DRAFT, NARRATIVE_FIELDS, PUBLISHED, Bulletin, Job
from portal.complaints.models import Complaint
from portal.complaints.queries import cases_query
from portal.db import db
from portal.documents.operations import number_of
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import load_unit_or_404
from portal.statistics import export, published, queries
from portal.statistics.rules import parse_period, period_of
from portal.web import clock
from portal.web.bounds import int_or
from portal.web.htmx import render_page_or_piece


def load_bulletin_or_404(bulletin_id: int) -> Bulletin:
    bulletin = db.session.get(Bulletin, bulletin_id)
    if bulletin is None or (bulletin.state != PUBLISHED and not can(Permission.BULLETIN_MANAGE)):
        abort(404)
    return bulletin


def load_job_or_404(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or not can(Permission.BULLETIN_MANAGE):
        abort(404)
    return job


def _list_context(**extra):
    query = select(Bulletin).order_by(Bulletin.period.desc(), Bulletin.version.desc())
    if not can(Permission.BULLETIN_MANAGE):
        query = query.where(Bulletin.state == PUBLISHED)
    return {
        "bulletins": db.session.scalars(query).all(),
        "default_period": period_of(clock.local_today()).code,
        "error": None,
    } | extra


@login_required
def index():
    require(Permission.BULLETIN_VIEW)
    return render_page_or_piece("bulletins/index.html", "bulletins/_list.html", **_list_context())


@login_required
def create():
    require(Permission.BULLETIN_MANAGE)
    try:
        period = parse_period(request.form.get("period", ""))
        draft = operations.create_draft(period, actor=current_user, now=clock.now())
    except ValueError as exc:  # a malformed period (422), or the period's draft exists (409)
        # The refusal says what a period looks like; parse_period's own message quotes
        # the input, which the template's translation would read as a format string.
        if isinstance(exc, operations.BulletinError):
            status, error = (409 if isinstance(exc, operations.DraftExists) else 422), str(exc)
        else:
            status, error = 422, "期间格式应为 2026H1 或 2026H2。"
        context = _list_context(error=error)
        return render_page_or_piece(
            "bulletins/index.html", "bulletins/_list.html", status, **context
        )
    return redirect(url_for("bulletins.detail", bulletin_id=draft.id), 303)


def _period_cases(bulletin: Bulletin):
    period = parse_period(bulletin.period)
    return db.session.scalars(
        cases_query(current_user)
        .where(Complaint.received_on.between(period.first_day, period.last_day))
        .order_by(Complaint.received_on.desc())
        .limit(200)
    ).all()


def _detail(bulletin: Bulletin, status=200, job=None, error=None):
    manage = can(Permission.BULLETIN_MANAGE)
    return render_page_or_piece(
        "bulletins/detail.html",
        "bulletins/_editor.html",
        status,
        bulletin=bulletin,
        job=job,
        error=error,
        cases=_period_cases(bulletin) if manage and bulletin.state == DRAFT else [],
        # Art. 8(5): what the analysis confirmed; its words are edited on each finding.
        analysis=bulletin_section(bulletin.period) if manage and bulletin.state == DRAFT else None,
        downloads=operations.downloads_by_member(bulletin) if manage else {},
        # GB/T 9704-2012: the number and date of issue given at publication.
        number=number_of("bulletin", bulletin.id) if bulletin.is_published else None,
        fields=NARRATIVE_FIELDS,
    )


@login_required
def detail(bulletin_id):
    bulletin = load_bulletin_or_404(bulletin_id)
    require(Permission.BULLETIN_VIEW)
    return _detail(bulletin)


@login_required
def save(bulletin_id):
    bulletin = load_bulletin_or_404(bulletin_id)
    require(Permission.BULLETIN_MANAGE)
    try:
        operations.update_draft(
            bulletin,
            now=clock.now(),
            typical_case_ids=[
                n for i in request.form.getlist("typical") if (n := int_or(i, 0)) > 0
            ],
            **{name: request.form.get(name, "") for name in NARRATIVE_FIELDS},
        )
    except operations.BulletinError as exc:
        return _detail(bulletin, 422, error=str(exc))
    return _detail(bulletin)


@login_required
def start_job(bulletin_id, step):
    bulletin = load_bulletin_or_404(bulletin_id)
    require(Permission.BULLETIN_MANAGE)
    if bulletin.state != DRAFT:
        return _detail(bulletin, 422, error="该版本已发布。")
    if step == "publish" and bulletin.supersedes_id and not request.form.get("change_note"):
        return _detail(bulletin, 422, error="更正版本须说明修改内容。")
    payload = {
        "bulletin_id": bulletin.id,
        "actor_id": current_user.id,
        "change_note": request.form.get("change_note") or None,
    }
    kind = jobs.PREVIEW if step == "preview" else jobs.PUBLISH
    job = jobs.enqueue(kind, payload, actor=current_user, now=clock.now())
    return render_page_or_piece("bulletins/job.html", "bulletins/_job.html", 202, job=job)


@login_required
def job_status(job_id):
    return render_page_or_piece(
        "bulletins/job.html", "bulletins/_job.html", job=load_job_or_404(job_id)
    )


@login_required
def correct(bulletin_id):
    bulletin = load_bulletin_or_404(bulletin_id)
    require(Permission.BULLETIN_MANAGE)
    try:
        draft = operations.create_draft(
            parse_period(bulletin.period), actor=current_user, now=clock.now()
        )
    except operations.BulletinError as exc:
        status = 409 if isinstance(exc, operations.DraftExists) else 422
        return _detail(bulletin, status, error=str(exc))
    return redirect(url_for("bulletins.detail", bulletin_id=draft.id), 303)


def _pdf(data: bytes, name: str):
    return send_file(
        BytesIO(data), mimetype="application/pdf", download_name=name, as_attachment=True
    )


@login_required
def preview(bulletin_id):
    bulletin = load_bulletin_or_404(bulletin_id)
    require(Permission.BULLETIN_MANAGE)
    if bulletin.preview_pdf is None:
        abort(404)
    return _pdf(bulletin.preview_pdf, f"bulletin-{bulletin.period}-draft.pdf")


@login_required
def download(bulletin_id):
    bulletin = load_bulletin_or_404(bulletin_id)
    require(Permission.BULLETIN_VIEW)
    if bulletin.state != PUBLISHED:
        abort(404)
    operations.record_download(bulletin, user=current_user, now=clock.now())
    assert bulletin.pdf is not None  # publishing stored it, and it is frozen thereafter
    return _pdf(bulletin.pdf, f"bulletin-{bulletin.period}-v{bulletin.version}.pdf")


def _as_published(bulletin, member_id: int | None) -> list:
    """The annex's first sheets: what this bulletin version published (frozen with it),
    beside today's counts, so the annex says on its face how it relates to the PDF. A
    bulletin published before figures were kept has none."""
    frozen = published.of_bulletin(bulletin.id)
    if frozen is None:
        return []
    period = parse_period(bulletin.period)
    page = queries.headline(current_user, period, **({"member_id": member_id} if member_id else {}))
    basis = (
        page
        if member_id is None
        else queries.member_counts(period, member_id, published.COMPARED_COUNTS)
    )
    return export.published_sheets(frozen, member_id, basis, page)


@login_required
def annex(bulletin_id, member_id):
    """A member's own detailed figures for the period (Excel), from the same queries."""
    bulletin = load_bulletin_or_404(bulletin_id)
    member = load_unit_or_404(current_user, member_id)  # another bank's annex: 404
    require(Permission.BULLETIN_VIEW)
    if bulletin.state != PUBLISHED or member.kind != UnitKind.MEMBER:
        abort(404)
    operations.record_download(bulletin, user=current_user, now=clock.now(), kind="annex")
    period = parse_period(bulletin.period)
    return send_file(
        export.workbook(
            current_user, period, preface=_as_published(bulletin, member.id), member_id=member.id
        ),
        as_attachment=True,
        download_name=f"bulletin-{bulletin.period}-annex-{member.code}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
def association_annex(bulletin_id):
    """The association's annex: every member's figures and every accountability decision
    of the period (Excel, from the same queries), which the bulletin of a large province
    only summarises (``pdf.member_sections``)."""
    bulletin = load_bulletin_or_404(bulletin_id)
    if not current_user.is_association:
        abort(404)  # members download their own annex
    require(Permission.BULLETIN_VIEW)
    operations.record_download(bulletin, user=current_user, now=clock.now(), kind="annex")
    return send_file(
        export.workbook(
            current_user, parse_period(bulletin.period), preface=_as_published(bulletin, None)
        ),
        as_attachment=True,
        download_name=f"bulletin-{bulletin.period}-annex.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
