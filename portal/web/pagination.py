"""Pagination of a scoped select (by offset, or by sort key for the big lists), and the
query-string of the current filters."""

from urllib.parse import urlencode

from flask import current_app, g, request

from portal.db import db


def paginate(query):
    page = request.args.get("page", 1, type=int)
    return db.paginate(
        query,
        page=max(page, 1),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
        count=True,
    )


def args_with(**changes) -> str:
    """The current query string with some arguments changed (None removes one). The
    arguments a view refused to carry on (``g.args_left_out``, e.g. a mobile number put
    in the inbox's ``q`` by hand) are left out of every link built from it."""
    left_out = g.get("args_left_out", ())
    args = {k: v for k, v in request.args.items() if v != "" and k not in left_out}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return urlencode(args)


class KeysetPage:
    """A page of a list read by its sort key (keyset pagination).

    The next page starts after ``last_key`` and the previous one ends before
    ``first_key`` (opaque strings for the URL). ``page`` is the number to show;
    ``total`` is None when the list holds more than ``count_cap`` rows, or more than a
    page and ``counted`` is False (not counted at all).
    """

    def __init__(
        self,
        items,
        *,
        page: int,
        per_page: int,
        has_prev: bool,
        has_next: bool,
        first_key: str | None,
        last_key: str | None,
        total: int | None,
        count_cap: int,
        counted: bool = True,
    ):
        self.items = items
        self.page, self.per_page = page, per_page
        self.has_prev, self.has_next = has_prev, has_next
        self.first_key, self.last_key = first_key, last_key
        self.total, self.count_cap, self.counted = total, count_cap, counted
        self.pages = max((total + per_page - 1) // per_page, 1) if total is not None else None

    @property
    def prev_args(self) -> dict:
        if self.page <= 2:  # the first page is the list as it is now, without a key
            return {"after": None, "before": None, "page": None}
        return {"after": None, "before": self.first_key, "page": self.page - 1}

    @property
    def next_args(self) -> dict:
        return {"after": self.last_key, "before": None, "page": self.page + 1}

    @property
    def first_args(self) -> dict:
        return {"after": None, "before": None, "page": None}
