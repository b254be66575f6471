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
