"""The register of document numbers, a tab of the bulletins."""

from flask import Blueprint

from portal.documents import views

bp = Blueprint("documents", __name__)

bp.add_url_rule("/bulletins/register", "register", views.register)
