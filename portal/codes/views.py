"""The association's administrator keeps the JR/T 0169-2018 code list: every import or
edit makes a new version (older versions stay readable and downloadable), and each is
audited. Permission: ``case:category:manage``, as the categories it sits beside."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth.access import require
from portal.auth.roles import Permission
from portal.codes import operations, queries
from portal.codes.forms import CodeForm, ImportForm
from portal.codes.rules import AXES, AXES_EN, CodeListError, Problem, parse_csv
from portal.db import db
from portal.web import clock
from portal.web.i18n import localized

# An imported file larger than this is no code list (the standard's has a few hundred rows).
MAX_CSV_BYTES = 1024 * 1024


def shown(problems) -> list[str]:
    """The problems in the reader's language (``rules.Problem``)."""
    return [_(p.template, **p.values) if isinstance(p, Problem) else p for p in problems]


def _axes():
    return [(axis, localized(AXES[axis], AXES_EN[axis])) for axis in AXES]


def _render_version(
    version, *, template, status=200, import_form=None, code_form=None, problems=None
):
    current = queries.current_version()
    rows = queries.codes(version) if version else []
    return render_template(
        template,
        version=version,
        current=current,
        axes=_axes(),
        rows=rows,
        versions=queries.versions(),
        import_form=import_form or ImportForm(formdata=None),
        code_form=code_form or CodeForm(formdata=None),
        problems=problems or [],
        used=set(operations.in_use({r.code for r in rows})),
    ), status


@login_required
def index():
    require(Permission.CATEGORY_MANAGE)
    form = CodeForm(formdata=None)
    editing = (request.args.get("edit") or "").strip().upper()
    if editing:
        row = next((c for c in queries.codes() if c.code == editing), None)
        if row is None:
            abort(404)
        form.code.data, form.name.data, form.name_en.data = row.code, row.name, row.name_en
    elif parent := (request.args.get("under") or "").strip().upper():
        form.parent.data = parent
    return _render_version(queries.current_version(), template="codes/index.html", code_form=form)


@login_required
def version(number: int):
    require(Permission.CATEGORY_MANAGE)
    found = queries.version_numbered(number)
    if found is None:
        abort(404)
    return _render_version(found, template="codes/version.html")


@login_required
def download(number: int):
    require(Permission.CATEGORY_MANAGE)
    found = queries.version_numbered(number)
    if found is None:
        abort(404)
    filename = f"jrt0169-codes-v{found.number}.csv"
    return (
        operations.to_csv(found),
        200,
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


@login_required
def import_list():
    """A CSV (code, parent, name[, name_en]) becomes the next version; every problem is
    listed by line, and a file with any problem writes nothing."""
    require(Permission.CATEGORY_MANAGE)
    form = ImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = request.files.get(form.file.name)
        data = upload.read(MAX_CSV_BYTES + 1) if upload else b""
        if not data:
            form.file.errors.append(_("请选择编码表文件（CSV）。"))
        elif len(data) > MAX_CSV_BYTES:
            form.file.errors.append(_("文件过大：编码表不超过 1 MB。"))
        else:
            try:
                entries = parse_csv(data)
                created = operations.import_list(
                    entries, note=form.note.data.strip(), actor=current_user, now=clock.now()
                )
            except (CodeListError, operations.CodeChangeError) as error:
                problems = shown(error.problems)
            else:
                flash(
                    _(
                        "已导入编码表，成为第%(n)s版（%(count)s个编码）。",
                        n=created.number,
                        count=len(entries),
                    ),
                    "success",
                )
                return redirect(url_for("codes.index"), 303)
    if problems:
        form.file.errors.append(_("文件有 %(n)s 处问题，未导入：", n=len(problems)))
    return _render_version(
        queries.current_version(),
        template="codes/index.html",
        status=422,
        import_form=form,
        problems=problems,
    )


@login_required
def save():
    """Rename a code (its name, its English name) or add one: a new version with a note."""
    require(Permission.CATEGORY_MANAGE)
    form = CodeForm()
    if form.validate_on_submit():
        code = form.code.data.strip().upper()
        parent = (form.parent.data or "").strip().upper() or None
        existing = {c.code for c in queries.codes()}
        if code in existing and parent:
            parent = None  # a rename keeps the code where it is
        try:
            created = operations.save_code(
                code,
                parent=parent,
                name=form.name.data.strip(),
                name_en=(form.name_en.data or "").strip() or None,
                note=form.note.data.strip(),
                actor=current_user,
                now=clock.now(),
            )
        except operations.CodeChangeError as error:
            form.code.errors.extend(shown(error.problems))
        else:
            flash(_("已保存编码 %(code)s，成为第%(n)s版。", code=code, n=created.number), "success")
            db.session.flush()
            return redirect(url_for("codes.index"), 303)
    return _render_version(
        queries.current_version(), template="codes/index.html", status=422, code_form=form
    )
