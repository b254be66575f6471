"""The public pages a complainant reaches without signing in, and the association's
step that sends the online return visit. Each URL with its endpoint and view."""

from flask import Blueprint

from portal.tracking import views

bp = Blueprint("tracking", __name__)

# Public (no sign-in): the status page and the online return visit.
bp.add_url_rule("/track", "track", views.track, methods=["GET", "POST"])
bp.add_url_rule("/visit/<token>", "visit", views.visit, methods=["GET", "POST"])

# The staff case page's piece, and the link it makes (Art. 11 回访).
bp.add_url_rule("/tracking/cases/<int:case_id>", "for_case", views.for_case)
bp.add_url_rule(
    "/tracking/cases/<int:case_id>/visit-link",
    "create_link",
    views.create_link,
    methods=["POST"],
)
bp.app_context_processor(lambda: {"track_address": views.track_address})


@bp.after_request
def not_for_search_engines(response):
    # A complainant's answer page is nobody else's business, even an empty one.
    response.headers.setdefault("X-Robots-Tag", "noindex, nofollow")
    return response
