"""Accountability (Art. 12): the cases and their ladder, seasons and thresholds. Each
URL with its endpoint and the view that answers it."""

from flask import Blueprint

from portal.accountability.views import cases, seasons

bp = Blueprint("accountability", __name__)

# views/cases.py
bp.add_url_rule("/accountability", "index", cases.index)
bp.add_url_rule("/accountability/<int:accountability_id>", "detail", cases.detail)
bp.add_url_rule(
    "/accountability/<int:accountability_id>/<any(dismiss, interview, plan, complete, verify, reject, criticise):step>",
    "act",
    cases.act,
    methods=["POST"],
)
bp.add_url_rule(
    "/accountability/<int:accountability_id>/<any(notice, regulator):kind>.pdf",
    "document",
    cases.document,
)

# views/seasons.py
bp.add_url_rule("/accountability/eligibility", "eligibility", seasons.eligibility)
bp.add_url_rule("/accountability/seasons", "create_season", seasons.create_season, methods=["POST"])
bp.add_url_rule("/accountability/thresholds", "thresholds", seasons.thresholds)
bp.add_url_rule(
    "/accountability/thresholds", "update_thresholds", seasons.update_thresholds, methods=["POST"]
)
