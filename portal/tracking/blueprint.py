"""The public pages a complainant reaches without signing in, and the association's
step that sends the online return visit. Each URL with its endpoint and view."""

from flask import Blueprint

bp = Blueprint("tracking", __name__)
