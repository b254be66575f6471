"""Entry point for gunicorn (``gunicorn wsgi:app``) and the flask CLI (``flask --app wsgi``)."""

from portal import create_app, freeze_startup_objects

app = create_app()
freeze_startup_objects()  # in each gunicorn worker, once its app is built
