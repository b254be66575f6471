"""Reading the code list: the current version, names, choices, and the codes a case
counts under in statistics."""

from sqlalchemy import select

from portal.codes.models import CategoryCode, Code, CodeVersion
from portal.db import db


def current_version() -> CodeVersion | None:
    return db.session.scalar(select(CodeVersion).order_by(CodeVersion.number.desc()).limit(1))


def codes(version: CodeVersion | None = None, axis: str | None = None) -> list[Code]:
    """The codes of ``version`` (the current one by default), in the list's order."""
    version = version or current_version()
    if version is None:
        return []
    stmt = select(Code).where(Code.version_id == version.id)
    if axis:
        stmt = stmt.where(Code.axis == axis)
    return list(db.session.scalars(stmt.order_by(Code.axis, Code.sort, Code.code)))


def names() -> dict[str, tuple[str, str | None, str | None, int]]:
    """{code: (name, name_en, parent, level)} over every version, the newest naming a code
    winning: a code retired since keeps the name it last had (old cases, old reports)."""
    rows = db.session.execute(
        select(Code.code, Code.name, Code.name_en, Code.parent, Code.level)
        .join(CodeVersion, CodeVersion.id == Code.version_id)
        .order_by(CodeVersion.number)
    )
    return {code: (name, name_en, parent, level) for code, name, name_en, parent, level in rows}


def crosswalk() -> dict[int, CategoryCode]:
    return {row.category_id: row for row in db.session.scalars(select(CategoryCode))}
