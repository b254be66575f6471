"""Helpers of the fuzz suite (tests/fuzz): who it acts as, the forms a page offers
(read from its HTML) and a fingerprint of the database that shows any write."""

from html.parser import HTMLParser

from sqlalchemy import func, select

from portal.db import db

# Who the suite acts as: association staff and a member handler (Art. 7), and the
# administrators of both, for the screens only administrators reach.
ACTORS = ("assoc-staff", "bank1-a", "assoc-admin", "bank1-admin")


def fingerprint(app) -> dict:
    """Row counts and contents of every table: a write that slipped through shows."""
    state = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name.startswith("workday"):  # the seeded calendar: counted only
                state[table.name] = db.session.scalar(select(func.count()).select_from(table))
                continue
            rows = db.session.execute(select(table)).all()
            state[table.name] = sorted(repr(tuple(r)) for r in rows)
    return state


class FormReader(HTMLParser):
    """The POST forms of a page: (action, {field: value as the page would send it})."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._form: dict[str, str] | None = None
        self._action = ""
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            method = (a.get("method") or "").lower()
            action = a.get("hx-post") or (a.get("action") if method == "post" else None)
            if action is not None or method == "post":
                self._form, self._action = {}, action or ""
            return
        if self._form is None or not a.get("name"):
            if tag == "option" and self._form is not None and self._select:
                if self._select not in self._form or "selected" in a:
                    self._form[self._select] = a.get("value") or ""
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a or name not in self._form:
                    self._form[name] = a.get("value") or "y"
            elif kind not in ("file", "submit", "button"):
                self._form[name] = a.get("value") or ""
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea = name
            self._form[name] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._form is not None:
            self.forms.append((self._action, self._form))
            self._form = None


def forms_on(html: str) -> list[tuple[str, dict[str, str]]]:
    reader = FormReader()
    reader.feed(html)
    return reader.forms
