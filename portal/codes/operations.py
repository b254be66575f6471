"""Writes on the code list: the default version, imports and edits (each a new version),
and the crosswalk. Operations flush; the caller commits."""

from sqlalchemy import select

from portal.codes.models import CategoryCode, Code, CodeVersion
from portal.codes.queries import current_version
from portal.codes.rules import (
    DEFAULT_CODES,
    DEFAULT_CROSSWALK,
    N_,
    Entry,
    Problem,
    level_of,
    validate,
)
from portal.db import db, utcnow


def new_version(entries, *, source: str, note: str = "", actor=None, now=None) -> CodeVersion:
    """A new version of the whole list holding ``entries`` (validated by the caller)."""
    last = current_version()
    version = CodeVersion(
        number=(last.number if last else 0) + 1,
        source=source,
        note=note,
        created_by_id=actor.id if actor else None,
        **({"created_at": now} if now else {}),
    )
    db.session.add(version)
    db.session.flush()
    parents = {e.code: e.parent for e in entries}
    db.session.add_all(
        Code(
            version_id=version.id,
            axis=e.axis,
            code=e.code,
            parent=e.parent,
            level=level_of(e.code, parents),
            name=e.name,
            name_en=e.name_en,
            sort=i,
        )
        for i, e in enumerate(entries)
    )
    db.session.flush()
    return version


def seed_codes() -> int:
    """The default list (version 1) when there is none, and the crosswalk of the default
    categories that have none. Returns the rows added."""
    from_categories = _category_ids()
    added = 0
    if current_version() is None:
        new_version(list(DEFAULT_CODES), source="default", note="JR/T 0169-2018 公开摘要所列层级")
        added += len(DEFAULT_CODES)
    have = set(db.session.scalars(select(CategoryCode.category_id)))
    for code, (b, c) in DEFAULT_CROSSWALK.items():
        category_id = from_categories.get(code)
        if category_id is not None and category_id not in have:
            db.session.add(CategoryCode(category_id=category_id, code_b=b, code_c=c))
            added += 1
    db.session.flush()
    return added


def _category_ids() -> dict[str, int]:
    table = db.metadata.tables["complaint_category"]
    rows = db.session.execute(select(table.c.code, table.c.id))
    return {code: id_ for code, id_ in rows}


def entries_of(version: CodeVersion) -> list[Entry]:
    rows = db.session.scalars(
        select(Code).where(Code.version_id == version.id).order_by(Code.sort, Code.code)
    )
    return [Entry(r.code, r.parent, r.name, r.name_en) for r in rows]


class CodeChangeError(ValueError):
    """A change of the code list refused, with the problems (nothing was written)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _audit(actor, subject, action: str, changes: dict, now) -> None:
    from portal.audit.operations import record

    record(
        actor=actor,
        unit_path=actor.unit.path if actor is not None and actor.unit is not None else "",
        subject=subject,
        action=action,
        changes=changes,
        now=now or utcnow(),
    )


def in_use(codes_: set[str]) -> list[str]:
    """Of ``codes_``, those the crosswalk still points at (sorted)."""
    used: set[str] = set()
    for b, c in db.session.execute(select(CategoryCode.code_b, CategoryCode.code_c)):
        used.update((b, c))
    return sorted(used & codes_)


def import_list(entries: list[Entry], *, note: str, actor, now=None) -> CodeVersion:
    """A new version holding an imported list (parsed and validated by ``rules.parse_csv``).
    Refused when it retires a code the crosswalk still uses: the crosswalk would name a
    code no longer in the list (correct the crosswalk first)."""
    current = current_version()
    retired = (
        {e.code for e in entries_of(current)} - {e.code for e in entries} if current else set()
    )
    if used := in_use(retired):
        raise CodeChangeError(
            [
                Problem(
                    N_("编码%(code)s仍在类别对照表中使用，新列表不能删除它；请先修改对照表"),
                    code=code,
                )
                for code in used
            ]
        )
    version = new_version(entries, source="import", note=note, actor=actor, now=now)
    _audit(
        actor,
        version,
        "codes_imported",
        {"number": [None, version.number], "codes": [None, len(entries)], "note": [None, note]},
        now,
    )
    return version


def save_code(
    code: str, *, parent: str | None, name: str, name_en: str | None, note: str, actor, now=None
) -> CodeVersion:
    """Rename a code of the current version, or add one (``parent`` given for a new
    code): a new version either way, audited. Raises ``CodeChangeError``."""
    current = current_version()
    entries = entries_of(current) if current else []
    by_code = {e.code: e for e in entries}
    old = by_code.get(code)
    if old is not None:
        entries = [Entry(e.code, e.parent, name, name_en) if e.code == code else e for e in entries]
        changes: dict[str, list] = {
            "code": [code, code],
            "name": [old.name, name],
            "name_en": [old.name_en, name_en],
        }
        changes = {k: v for k, v in changes.items() if k == "code" or v[0] != v[1]}
        if len(changes) == 1:
            raise CodeChangeError([Problem(N_("名称没有变化"))])
    else:
        # Placed after its parent's last descendant, so the list keeps its tree order.
        at = len(entries)
        if parent in by_code:
            at = max(i for i, e in enumerate(entries) if e.code.startswith(parent)) + 1
        entries = entries[:at] + [Entry(code, parent, name, name_en)] + entries[at:]
        changes = {"code": [None, code], "parent": [None, parent], "name": [None, name]}
    problems = validate(entries)
    if problems:
        raise CodeChangeError(problems)
    version = new_version(entries, source="edit", note=note, actor=actor, now=now)
    changes["number"] = [None, version.number]
    changes["note"] = [None, note]
    _audit(actor, version, "code_renamed" if old is not None else "code_added", changes, now)
    return version


def set_crosswalk(category, code_b: str, code_c: str, *, actor, now=None) -> bool:
    """The B and C codes of a category; audited. Returns whether anything changed. The
    codes are checked by the caller against the current version (``rules.check_code``)."""
    row = db.session.get(CategoryCode, category.id)
    before = {"code_b": row.code_b, "code_c": row.code_c} if row else {}
    after = {"code_b": code_b, "code_c": code_c}
    if before == after:
        return False
    if row is None:
        row = CategoryCode(category_id=category.id, code_b=code_b, code_c=code_c)
        db.session.add(row)
    row.code_b, row.code_c = code_b, code_c
    row.updated_at = now or utcnow()
    row.updated_by_id = actor.id if actor else None
    db.session.flush()
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    changes["category"] = [category.code, category.code]
    _audit(actor, category, "crosswalk_changed", changes, now)
    return True


def to_csv(version: CodeVersion) -> bytes:
    """The version as the CSV ``rules.parse_csv`` reads (UTF-8 with BOM, so Excel opens
    it as such): an export imports again unchanged. A name a spreadsheet could take for
    a formula goes behind an apostrophe (issue 21.3), which the import takes off."""
    import csv
    import io

    from portal.web.cells import csv_row

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["code", "parent", "name", "name_en"])
    for e in entries_of(version):
        writer.writerow(csv_row([e.code, e.parent or "", e.name, e.name_en or ""]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
