"""The archive's screens: the dossier list, the case page's archive piece, downloads,
the half-year export and the retention setting."""

from io import BytesIO

from flask import Response, abort, request, send_file, stream_with_context
from flask_login import current_user, login_required

from portal.archives import export, operations, queries
from portal.archives.dossier import pdf_name, zip_name
from portal.archives.forms import RetentionForm
from portal.archives.rules import (
    DOSSIER_STATE_LABELS,
    DossierState,
    is_closed_period,
    may_configure,
    may_export,
)
from portal.audit import operations as audit
from portal.auth.access import require
from portal.auth.roles import Permission
from portal.statistics.rules import parse_period
from portal.web import clock
from portal.web.htmx import render_page_or_piece
from portal.web.pagination import paginate


@login_required
def index():
    """Dossiers in the reader's scope, a half year at a time; the association also
    exports closed half years."""
    require(Permission.CASE_VIEW)
    today = clock.local_today()
    periods = queries.half_years(current_user, today)
    chosen = request.args.get("period") or None
    query = queries.dossiers_query(current_user)
    if chosen:
        try:
            query = queries.in_period(query, parse_period(chosen))
        except ValueError:
            abort(404)
    page = paginate(query)
    return render_page_or_piece(
        "archives/index.html",
        "archives/_list.html",
        dossiers=page,
        periods=periods,
        period=chosen,
        counts=queries.totals(periods),
        may_export=may_export(current_user.role),
        may_configure=may_configure(current_user.role),
        state_labels=DOSSIER_STATE_LABELS,
        retention_years=operations.retention_years(),
    )


@login_required
def for_case(case_id):
    """The case page's piece: the archive number and each dossier version's state."""
    require(Permission.CASE_VIEW)
    case, found = queries.for_case(current_user, case_id)
    return render_page_or_piece(
        "archives/case.html",
        "archives/_for_case.html",
        case=case,
        archive=found.archive,
        versions=found.versions,
        state_labels=DOSSIER_STATE_LABELS,
    )


def _version() -> int | None:
    raw = request.args.get("version")
    if raw is None:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 10_000:
        abort(404)
    return int(raw)


def _download(case_id: int, kind: str):
    require(Permission.CASE_VIEW)
    archive, item = queries.load_dossier_or_404(current_user, case_id, _version())
    if item.state != DossierState.FROZEN:
        abort(404)  # not yet rendered, or erased under retention: nothing to hand out
    data = item.pdf if kind == "pdf" else item.zip
    assert data is not None  # a frozen dossier keeps its bytes until erased
    audit.record(
        actor=current_user,
        unit_path=item.complaint.handling_path,
        subject=item,
        action="dossier_downloaded",
        changes={"archive_no": archive.archive_no, "version": item.version, "file": kind},
        now=clock.now(),
    )
    name = (pdf_name if kind == "pdf" else zip_name)(archive.archive_no, item.version)
    response = send_file(
        BytesIO(data),
        mimetype="application/pdf" if kind == "pdf" else "application/zip",
        download_name=name,
        as_attachment=True,
        etag=(item.pdf_sha256 if kind == "pdf" else item.zip_sha256) or False,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@login_required
def dossier_pdf(case_id):
    return _download(case_id, "pdf")


@login_required
def dossier_zip(case_id):
    return _download(case_id, "zip")


@login_required
def export_period(period):
    """A closed half year's dossiers and their index, streamed as one zip."""
    require(Permission.CASE_VIEW)
    if not may_export(current_user.role):
        abort(403)
    try:
        chosen = parse_period(period)
    except ValueError:
        abort(404)
    now = clock.now()
    if not is_closed_period(chosen.last_day, clock.local_today()):
        abort(404)
    rows = queries.export_rows(current_user, chosen)
    audit.record(
        actor=current_user,
        unit_path=current_user.unit.path,
        subject=current_user.unit,
        action="archive_exported",
        changes={"period": chosen.code, "dossiers": len(rows)},
        now=now,
    )
    # The audit entry commits with the request, before the first byte leaves.
    index = export.index_workbook(rows).getvalue()
    chunks = export.stream(index, export.members(rows, chosen), chosen, now)
    response = Response(stream_with_context(chunks), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{export.export_name(chosen)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _settings_page(form, status=200, saved=False):
    return render_page_or_piece(
        "archives/settings.html",
        "archives/_settings.html",
        status=status,
        form=form,
        saved=saved,
    )


@login_required
def settings():
    if not may_configure(current_user.role):
        abort(403)
    form = RetentionForm(formdata=None, retention_years=operations.retention_years())
    return _settings_page(form)


@login_required
def update_settings():
    if not may_configure(current_user.role):
        abort(403)
    form = RetentionForm()
    if not form.validate_on_submit():
        return _settings_page(form, 422)
    assert form.retention_years.data is not None
    operations.update_retention(form.retention_years.data, actor=current_user, now=clock.now())
    return _settings_page(form, saved=True)
