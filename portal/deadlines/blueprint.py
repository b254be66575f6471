"""The deadlines have no pages of their own: a clock's explanation and the banner of
missing calendar years, which any page may show, are their template globals."""

from flask import Blueprint

from portal.deadlines import views

bp = Blueprint("deadlines", __name__)

# views.py
bp.add_app_template_global(views.describe, "describe_clock")
bp.add_app_template_global(views.unconfirmed_years, "unconfirmed_calendar_years")
