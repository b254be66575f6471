"""The regulator return (监管报送), a tab of the bulletins. Each URL with its endpoint and
the view that answers it."""

from flask import Blueprint

from portal.returns import views

bp = Blueprint("returns", __name__)

# views.py
bp.add_url_rule("/bulletins/returns", "index", views.index)
bp.add_url_rule("/bulletins/returns", "generate", views.generate, methods=["POST"])
bp.add_url_rule(
    "/bulletins/returns/<int:return_id>/return.<any(csv, xlsx):kind>", "download", views.download
)
