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


def versions() -> list[CodeVersion]:
    """Every version, the newest first."""
    return list(db.session.scalars(select(CodeVersion).order_by(CodeVersion.number.desc())))


def version_numbered(number: int) -> CodeVersion | None:
    return db.session.scalar(select(CodeVersion).where(CodeVersion.number == number))


def current_names() -> dict[str, str]:
    """{code: name} of the current version."""
    return {c.code: c.name for c in codes()}


def grouped_choices(axis: str, localized=None) -> dict[str, list[tuple[str, str]]]:
    """The current version's codes of ``axis`` as a grouped select's choices: one group
    per top-level code, holding it and everything below it (indented by level). Any
    level may be chosen: a case is coded as precisely as its facts allow."""
    from portal.codes.rules import top_of

    localized = localized or (lambda c: c.label)
    rows = codes(axis=axis)
    parents = {c.code: c.parent for c in rows}
    by_code = {c.code: c for c in rows}
    groups: dict[str, list[tuple[str, str]]] = {}
    for c in rows:
        if c.parent is None:
            groups.setdefault(f"{c.code} {localized(c)}", [])
    for c in rows:
        top = by_code[top_of(c.code, parents)]
        indent = "\u3000" * (c.level - 1)
        groups[f"{top.code} {localized(top)}"].append((c.code, f"{indent}{c.code} {localized(c)}"))
    return groups


def labels() -> dict[str, str]:
    """{code: name in the reader's language} over every version (as ``names``)."""
    from portal.web.i18n import localized

    return {code: localized(name, name_en) for code, (name, name_en, _p, _l) in names().items()}


def labels_of(wanted) -> dict[str, str]:
    """{code: name in the reader's language} of just ``wanted``, the newest version
    naming each winning (one query: the case page names its three codes)."""
    from portal.web.i18n import localized

    wanted = {c for c in wanted if c}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Code.code, Code.name, Code.name_en)
        .join(CodeVersion, CodeVersion.id == Code.version_id)
        .where(Code.code.in_(sorted(wanted)))
        .order_by(CodeVersion.number)
    )
    return {code: localized(name, name_en) for code, name, name_en in rows}
