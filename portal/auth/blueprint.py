"""Signing in and out, one's own password, the language. Each URL with its endpoint and
the view that answers it."""

from flask import Blueprint

from portal.auth import views

bp = Blueprint("auth", __name__)

# views.py
bp.add_url_rule("/login", "login", views.login, methods=["GET", "POST"])
bp.add_url_rule("/logout", "logout", views.logout, methods=["POST"])
bp.add_url_rule(
    "/account/password", "change_password", views.change_password, methods=["GET", "POST"]
)
bp.add_url_rule("/lang/<code>", "set_language", views.set_language)
