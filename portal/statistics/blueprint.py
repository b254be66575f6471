"""Statistics (Art. 8(4)): the dashboard and its Excel export. Each URL with its
endpoint and the view that answers it."""

from flask import Blueprint

from portal.statistics import views

bp = Blueprint("statistics", __name__)

# views.py
bp.add_url_rule("/statistics", "dashboard", views.dashboard)
bp.add_url_rule("/statistics/export.xlsx", "export_tables", views.export_tables)
