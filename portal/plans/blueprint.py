"""Contingency plans (Art. 9(3)): the register, filing and editing, and the pieces other
pages load (the case page; the analysis domain's finding page). Each URL with its
endpoint and the view that answers it."""

from flask import Blueprint

from portal.plans import views

bp = Blueprint("plans", __name__)

bp.add_url_rule("/plans", "index", views.index)
bp.add_url_rule("/plans/new", "new", views.new, methods=["GET", "POST"])
bp.add_url_rule("/plans/<int:plan_id>", "detail", views.detail)
bp.add_url_rule("/plans/<int:plan_id>/edit", "edit", views.edit, methods=["GET", "POST"])
bp.add_url_rule("/plans/<int:plan_id>/withdraw", "withdraw", views.withdraw, methods=["POST"])
# Pieces loaded by other domains' pages (hx-trigger="load").
bp.add_url_rule("/plans/for-case/<int:case_id>", "for_case", views.for_case)
bp.add_url_rule("/plans/covering", "covering", views.covering)
