"""The first page after signing in. Each URL with its endpoint and the view that answers
it."""

from flask import Blueprint

from portal.home import views

bp = Blueprint("home", __name__)

# views.py
bp.add_url_rule("/", "root", views.root)
bp.add_url_rule("/favicon.ico", "favicon", views.favicon)
bp.add_url_rule("/home", "index", views.index)
bp.add_url_rule("/home/duties", "duties", views.duties)
