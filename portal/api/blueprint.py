"""The API's URLs (``bp``, JSON under /api/v1) and the member administrator's screens
for tokens and webhooks (``screens``, HTML). Each URL with its endpoint and view."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
screens = Blueprint("api_screens", __name__)

# views.py: every operation declares its URL and schemas to ``spec``, which adds the
# rules here and builds the OpenAPI document from the same declarations. The token is
# checked (and the rate limit counted) before any view; errors answer as problem+json.
from portal.api import access, problems, spec, views  # noqa: E402

bp.before_request(access.authenticate_request)
bp.after_request(access.finish_response)
problems.register(bp)
spec.add_rules(bp)
# Any other path or method under /api/v1: 404/405 as a problem, not the portal's page.
bp.add_url_rule(
    "/<path:rest>",
    "not_found",
    views.not_found,
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
)

# admin_views.py: 系统对接, the member administrator's tokens and webhooks; the API's
# documentation for reading (no sign-in: the document itself is public).
from portal.api import admin_views  # noqa: E402

screens.add_url_rule("/settings/api", "settings", admin_views.index)
screens.add_url_rule(
    "/settings/api/tokens", "create_token", admin_views.create_token_view, methods=["POST"]
)
screens.add_url_rule(
    "/settings/api/tokens/<int:token_id>/revoke",
    "revoke_token",
    admin_views.revoke_token_view,
    methods=["POST"],
)
screens.add_url_rule(
    "/settings/api/webhooks",
    "create_endpoint",
    admin_views.create_endpoint_view,
    methods=["POST"],
)
screens.add_url_rule(
    "/settings/api/webhooks/<int:endpoint_id>/active",
    "endpoint_active",
    admin_views.endpoint_active_view,
    methods=["POST"],
)
screens.add_url_rule(
    "/settings/api/webhooks/<int:endpoint_id>/events",
    "endpoint_events",
    admin_views.endpoint_events_view,
    methods=["POST"],
)
screens.add_url_rule(
    "/settings/api/webhooks/<int:endpoint_id>/rotate",
    "rotate_secret",
    admin_views.rotate_secret_view,
    methods=["POST"],
)
screens.add_url_rule("/api/v1/docs", "docs", admin_views.docs)
