"""A notice's words, kept so each reader reads them in their own language.

A notice is stored twice: as Chinese text (``Notification.title``/``body``, what the
e-mail carries and what records quote) and as its messages (``Notification.message``):
each a Chinese message id with its parameters, which may be messages themselves (a step's
name), lists of them, dates, or plain data (a tracking number, a bank's name). The bell and the list
render the messages through the catalogue, so an English reader reads English.

    Msg(N_("投诉已转交下级单位：%(no)s"), no="LN2026-000001")
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext

from portal.web.i18n import cn_date, is_chinese, localized


def N_(text: str) -> str:  # marks a message for extraction; translated where shown
    return text


class Msg:
    """A catalogue message (its Chinese id) with its parameters."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid = msgid
        self.params = params

    def __repr__(self) -> str:
        return f"Msg({self.msgid!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and self.data() == other.data()

    __hash__ = None  # type: ignore[assignment]

    def data(self) -> dict:
        return {"m": self.msgid, "p": {k: _param_data(v) for k, v in self.params.items()}}

    def __str__(self) -> str:
        return render(self.data(), translate=False)


Words = str | Msg | None


@dataclass(frozen=True)
class Named:
    """A name stored in both languages (a category's): shown in the reader's."""

    chinese: str
    english: str | None = None


def _param_data(value):
    if isinstance(value, Msg):
        return value.data()
    if isinstance(value, list | tuple):
        return {"l": [_param_data(v) for v in value]}
    if isinstance(value, Named):
        return {"z": value.chinese, "e": value.english}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _param(value, translate: bool):
    if isinstance(value, dict) and "m" in value:
        return render(value, translate)
    if isinstance(value, dict) and "l" in value:  # a list: 甲；乙 / A; B
        items = [str(_param(v, translate)) for v in value["l"]]
        return ("；" if not translate or is_chinese() else "; ").join(items)
    if isinstance(value, dict) and "z" in value:
        return localized(value["z"], value.get("e")) if translate else value["z"]
    if isinstance(value, dict) and "d" in value:
        day = date.fromisoformat(value["d"])
        return cn_date(day) if translate else f"{day.year}年{day.month}月{day.day}日"
    return value


def render(data: dict, translate: bool = True) -> str:
    """A stored message as text: in the reader's language, or as stored (Chinese)."""
    text = gettext(data["m"]) if translate else data["m"]
    params = {k: _param(v, translate) for k, v in data.get("p", {}).items()}
    return text % params if params else text


def lines(*parts: Words) -> list[Msg | str]:
    """A body's lines, the empty ones dropped."""
    return [part for part in parts if part]


def text_of(parts: Words | list) -> str:
    """The stored (Chinese) text of a title or of a body's lines."""
    if isinstance(parts, list):
        return "\n".join(str(part) for part in parts if part)
    return str(parts or "")


def data_of(parts: Words | list) -> list[dict | str]:
    """The messages of a title or a body, as stored; plain text stays text."""
    items = parts if isinstance(parts, list) else [parts]
    return [p.data() if isinstance(p, Msg) else p for p in items if p]


def render_parts(items: list, translate: bool = True) -> str:
    return "\n".join(render(p, translate) if isinstance(p, dict) else p for p in items)
