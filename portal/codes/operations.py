"""Writes on the code list: the default version, imports and edits (each a new version),
and the crosswalk. Operations flush; the caller commits."""

from sqlalchemy import select

from portal.codes.models import CategoryCode, Code, CodeVersion
from portal.codes.queries import current_version
from portal.codes.rules import DEFAULT_CODES, DEFAULT_CROSSWALK, Entry, level_of
from portal.db import db


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
    rows = db.session.execute(select(db.metadata.tables["complaint_category"].c["code", "id"]))
    return {code: id_ for code, id_ in rows}


def entries_of(version: CodeVersion) -> list[Entry]:
    rows = db.session.scalars(
        select(Code).where(Code.version_id == version.id).order_by(Code.sort, Code.code)
    )
    return [Entry(r.code, r.parent, r.name, r.name_en) for r in rows]
