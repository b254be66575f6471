"""Pagination of a scoped select, and the query-string of the current filters."""

from urllib.parse import urlencode

from flask import current_app, request

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
    """The current query string with some arguments changed (None removes one)."""
    args = {k: v for k, v in request.args.items() if v != ""}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return urlencode(args)


class RowPage:
    """A page of multi-column rows (``db.paginate`` yields only the first column)."""

    def __init__(self, query, page: int, per_page: int):
        from sqlalchemy import func, select

        self.total = db.session.scalar(
            select(func.count()).select_from(query.order_by(None).subquery())
        )
        self.per_page = per_page
        self.pages = max((self.total + per_page - 1) // per_page, 1)
        self.page = min(max(page, 1), self.pages)
        self.items = db.session.execute(
            query.limit(per_page).offset((self.page - 1) * per_page)
        ).all()
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num = self.page - 1 if self.has_prev else None
        self.next_num = self.page + 1 if self.has_next else None


def paginate_rows(query) -> RowPage:
    page = request.args.get("page", 1, type=int)
    return RowPage(query, page, current_app.config["PAGE_SIZE"])
