"""Page or piece: one helper decides, so every htmx piece has a full-page twin."""

from flask import render_template
from htmx_flask import Htmx, make_response, request

htmx = Htmx()


def wants_piece() -> bool:
    """An htmx request that swaps part of a page (not boosted, not a history restore)."""
    hx = request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render_page_or_piece(page: str, piece: str, status: int = 200, trigger=None, **context):
    template = piece if wants_piece() else page
    # ``as_piece``: a piece file renders its macro only when it is the answer; a page
    # importing the macro from it (``{% from … import … with context %}``) would
    # otherwise render the piece once more, for nothing.
    response = make_response(
        render_template(template, as_piece=template == piece, **context), status
    )
    if trigger:
        response.headers["HX-Trigger"] = trigger
    return response


def add_vary(response):
    # Caches (and the browser) must not serve a piece where a page was asked for.
    response.vary.add("HX-Request")
    return response
