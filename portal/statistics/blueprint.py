"""Statistics (Art. 8(4)): the dashboard and its Excel export. Each URL with its
endpoint and the view that answers it."""

from flask import Blueprint

from portal.statistics import rate_line_views, views

bp = Blueprint("statistics", __name__)

# views.py
bp.add_url_rule("/statistics", "dashboard", views.dashboard)
bp.add_url_rule("/statistics/export.xlsx", "export_tables", views.export_tables)
bp.add_url_rule("/statistics/codes", "codes", views.codes)  # the regulator's codes by level

# rate_line_views.py: the 75 % line
bp.add_url_rule("/statistics/rate-line", "rate_line", rate_line_views.setting)
bp.add_url_rule(
    "/statistics/rate-line", "update_rate_line", rate_line_views.update_setting, methods=["POST"]
)
bp.add_url_rule(
    "/statistics/rate-line/members/<int:member_id>/order",
    "order_rectification",
    rate_line_views.order,
    methods=["POST"],
)
bp.add_url_rule("/statistics/rate-line/summary", "rate_line_summary", rate_line_views.summary)
