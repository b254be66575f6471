"""In-portal notifications: the list and the bell. Each URL with its endpoint and the
view that answers it."""

from flask import Blueprint

from portal.notify import views

bp = Blueprint("notify", __name__)

# views.py
bp.add_url_rule("/notifications", "index", views.index)
bp.add_url_rule("/notifications/badge", "badge", views.badge)
bp.add_url_rule("/notifications/read", "mark_all_read", views.mark_all_read, methods=["POST"])
