"""Signing in and out (with the second factor), one's own password and second factor,
the language. Each URL with its endpoint and the view that answers it."""

from flask import Blueprint

from portal.auth import two_factor_views, views

bp = Blueprint("auth", __name__)

# views.py
bp.add_url_rule("/login", "login", views.login, methods=["GET", "POST"])
bp.add_url_rule("/logout", "logout", views.logout, methods=["POST"])
bp.add_url_rule(
    "/account/password", "change_password", views.change_password, methods=["GET", "POST"]
)
bp.add_url_rule("/lang/<code>", "set_language", views.set_language)

# two_factor_views.py: the steps between the password and being signed in
bp.add_url_rule("/login/verify", "verify", two_factor_views.verify, methods=["GET", "POST"])
bp.add_url_rule("/login/enrol", "enrol", two_factor_views.enrol_at_sign_in, methods=["GET", "POST"])
bp.add_url_rule("/login/finish", "finish_sign_in", two_factor_views.finish, methods=["POST"])
# ... and one's own second factor
bp.add_url_rule("/account/two-factor", "two_factor", two_factor_views.account)
bp.add_url_rule(
    "/account/two-factor/enrol",
    "enrol_two_factor",
    two_factor_views.account_enrol,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/account/two-factor/recovery-codes",
    "regenerate_recovery_codes",
    two_factor_views.regenerate,
    methods=["POST"],
)
bp.add_url_rule(
    "/account/two-factor/off", "turn_off_two_factor", two_factor_views.turn_off, methods=["POST"]
)
