"""The deadlines' one page, the association's deadline policy; and their template
globals: a clock's explanation and the banner of missing calendar years, which any page
may show."""

from flask import Blueprint

from portal.deadlines import views

bp = Blueprint("deadlines", __name__)

# views.py
bp.add_app_template_global(views.describe, "describe_clock")
bp.add_app_template_global(views.unconfirmed_years, "unconfirmed_calendar_years")
bp.add_url_rule("/deadlines/settings", "policy", views.policy)
bp.add_url_rule("/deadlines/settings", "save_policy", views.save, methods=["POST"])
