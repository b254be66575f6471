"""The API's URLs (``bp``, JSON under /api/v1) and the member administrator's screens
for tokens and webhooks (``screens``, HTML). Each URL with its endpoint and view."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
screens = Blueprint("api_screens", __name__)
