"""The semiannual bulletin (Art. 8(4), 8(5)). Each URL with its endpoint and the view
that answers it."""

from flask import Blueprint

from portal.bulletins import views

bp = Blueprint("bulletins", __name__)

# views.py
bp.add_url_rule("/bulletins", "index", views.index)
bp.add_url_rule("/bulletins", "create", views.create, methods=["POST"])
bp.add_url_rule("/bulletins/<int:bulletin_id>", "detail", views.detail)
bp.add_url_rule("/bulletins/<int:bulletin_id>", "save", views.save, methods=["POST"])
bp.add_url_rule(
    "/bulletins/<int:bulletin_id>/<any(preview, publish):step>",
    "start_job",
    views.start_job,
    methods=["POST"],
)
bp.add_url_rule("/bulletins/jobs/<int:job_id>", "job_status", views.job_status)
bp.add_url_rule("/bulletins/<int:bulletin_id>/correct", "correct", views.correct, methods=["POST"])
bp.add_url_rule("/bulletins/<int:bulletin_id>/preview.pdf", "preview", views.preview)
bp.add_url_rule("/bulletins/<int:bulletin_id>/download", "download", views.download)
bp.add_url_rule("/bulletins/<int:bulletin_id>/annex/<int:member_id>", "annex", views.annex)
bp.add_url_rule(
    "/bulletins/<int:bulletin_id>/annex.xlsx", "association_annex", views.association_annex
)
