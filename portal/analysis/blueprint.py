"""The association's analysis (Art. 8(5)): findings, typical cases, industry advice and
its follow-up, thresholds. Each URL with its endpoint and the view that answers it."""

from flask import Blueprint

from portal.analysis import views

bp = Blueprint("analysis", __name__)

bp.add_url_rule("/analysis", "index", views.index)
bp.add_url_rule("/analysis/run", "run", views.run, methods=["POST"])
bp.add_url_rule("/analysis/findings/<int:finding_id>", "finding", views.finding)
bp.add_url_rule(
    "/analysis/findings/<int:finding_id>/<any(confirm, dismiss, typical, words, advice):step>",
    "finding_act",
    views.finding_act,
    methods=["POST"],
)
bp.add_url_rule("/analysis/advice", "advice_index", views.advice_index)
bp.add_url_rule("/analysis/advice/<int:advice_id>", "advice", views.advice)
bp.add_url_rule(
    "/analysis/advice/<int:advice_id>/answer",
    "advice_answer",
    views.advice_answer,
    methods=["POST"],
)
bp.add_url_rule(
    "/analysis/advice/<int:advice_id>/review",
    "advice_review",
    views.advice_review,
    methods=["POST"],
)
bp.add_url_rule("/analysis/thresholds", "thresholds", views.thresholds)
bp.add_url_rule(
    "/analysis/thresholds", "update_thresholds", views.update_thresholds, methods=["POST"]
)
