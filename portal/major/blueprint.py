"""Major complaints (重大投诉): the list, the home page's piece, a case's badge and
decision, the thresholds. Each URL with its endpoint and the view that answers it."""

from flask import Blueprint

from portal.major import views

bp = Blueprint("major", __name__)

bp.add_url_rule("/major", "index", views.index)
bp.add_url_rule("/major/dashboard", "dashboard", views.dashboard)
bp.add_url_rule("/major/cases/<int:case_id>", "for_case", views.for_case)
bp.add_url_rule("/major/cases/<int:case_id>/confirm", "confirm", views.confirm, methods=["POST"])
bp.add_url_rule("/major/cases/<int:case_id>/reject", "reject", views.reject, methods=["POST"])
bp.add_url_rule("/major/settings", "settings", views.settings)
bp.add_url_rule("/major/settings", "update_settings", views.update_settings, methods=["POST"])
