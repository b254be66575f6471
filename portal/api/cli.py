"""``flask --app wsgi api …``: tokens for member banks' systems."""

from flask.cli import AppGroup

api_cli = AppGroup("api", help="API v1: tokens for member banks' systems.")
