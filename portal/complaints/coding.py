"""A case's JR/T 0169-2018 codes at intake and correction: the choices, the defaults
(the intake channel for A, the category's crosswalk for B and C) and the checks.

At intake A is optional and B and C are required. A worksheet sent with B or C empty
(no script ran to pre-fill them, or the handler left them) takes them from the chosen
category's crosswalk; only a category without a crosswalk leaves the handler to choose.
An empty A takes the intake channel's default (``CHANNEL_DEFAULT_A``: a walk-in
complaint concerns the branch premises); other channels leave it empty."""

from flask_babel import gettext as _

from portal.codes import queries as code_queries
from portal.codes.rules import CHANNEL_DEFAULT_A, check_code

AXES = ("a", "b", "c")


def groups(axis: str) -> dict[str, list[tuple[str, str]]]:
    """The current version's codes of ``axis`` ("A", "B", "C"), grouped by top level."""
    return code_queries.grouped_choices(axis)


def set_choices(form) -> None:
    """The grouped choices on the form's code_a/b/c fields (read by ``_coding.html``)."""
    for axis in AXES:
        field = getattr(form, f"code_{axis}")
        field.groups = groups(axis.upper())
        field.choices = [(code, text) for opts in field.groups.values() for code, text in opts]


def crosswalk_of(category_id: int | None) -> tuple[str, str] | None:
    if not category_id:
        return None
    row = code_queries.crosswalk().get(category_id)
    return (row.code_b, row.code_c) if row else None


def defaults(
    *, category_id: int | None, channel: str | None, a: str, b: str, c: str, changed: str = ""
) -> tuple[str, str, str, bool]:
    """The codes the worksheet shows after ``changed`` ("category", "channel" or "")
    changed: a new category brings its crosswalk's B and C; a new channel its A (an A
    that was only another channel's default goes). Returns (a, b, c, from_crosswalk)."""
    walked = False
    walk = crosswalk_of(category_id)
    if walk and (changed == "category" or (not b and not c)):
        b, c, walked = walk[0], walk[1], True
    if changed == "channel" or not a:
        if not a or a in CHANNEL_DEFAULT_A.values():
            a = CHANNEL_DEFAULT_A.get(channel or "", "")
    return a, b, c, walked


def _value(field) -> str:
    return (field.data or "").strip().upper() if isinstance(field.data, str) else ""


def check_intake(form) -> dict[str, str | None]:
    """Fill the worksheet's empty codes (see the module's docstring), check them against
    the current version, add the problems to the fields. Returns {code_a: …, …}."""
    a, b, c = (_value(getattr(form, f"code_{x}")) for x in AXES)
    walk = crosswalk_of(form.category_id.data if isinstance(form.category_id.data, int) else None)
    if walk:
        b, c = b or walk[0], c or walk[1]
    a = a or CHANNEL_DEFAULT_A.get(form.channel.data or "", "")
    values = {"code_a": a, "code_b": b, "code_c": c}
    # Without a category the worksheet is refused for that; its crosswalk may supply B, C.
    chosen = bool(form.category_id.data) and isinstance(form.category_id.data, int)
    _check(form, values, required=("code_b", "code_c") if chosen else ())
    return {k: v or None for k, v in values.items()}


def check_correction(form) -> dict[str, str | None]:
    """The corrected codes, checked; an empty one stays as it is (None: no change)."""
    values = {f"code_{x}": _value(getattr(form, f"code_{x}")) for x in AXES}
    _check(form, values, required=())
    return {k: v or None for k, v in values.items()}


def _check(form, values: dict[str, str], required) -> None:
    known = code_queries.current_names()
    for name, value in values.items():
        field = getattr(form, name)
        field.data = value
        axis = name[-1].upper()
        if not value:
            if name in required:
                field.errors = list(field.errors) + [
                    _("请选择%(axis)s类编码（该类别没有对照编码）。", axis=axis)
                ]
            continue
        if check_code(value, axis, known):
            field.errors = list(field.errors) + [
                _("“%(code)s”不是现行编码表中的%(axis)s类编码。", code=value, axis=axis)
            ]


def case_codes(case) -> list[dict]:
    """The case's three codes for its page and the API: its own, or (B and C) its
    category's crosswalk's while it has none, marked ``own`` False. A has no crosswalk."""
    from portal.codes.models import CategoryCode
    from portal.db import db

    own = {"a": case.code_a, "b": case.code_b, "c": case.code_c}
    walk = None
    if not (own["b"] and own["c"]):
        walk = db.session.get(CategoryCode, case.category_id)
    shown = dict(own)
    if walk is not None:
        shown["b"] = shown["b"] or walk.code_b
        shown["c"] = shown["c"] or walk.code_c
    names = code_queries.labels_of(shown.values())
    return [
        {
            "axis": axis.upper(),
            "code": shown[axis],
            "name": names.get(shown[axis]) if shown[axis] else None,
            "own": bool(own[axis]),
        }
        for axis in AXES
    ]
