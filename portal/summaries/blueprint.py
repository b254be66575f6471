"""Members' half-year summaries (Art. 9(4)): the association's table of who submitted,
each summary with its figures, analysis and countermeasures, and the countermeasures'
follow-up. Each URL with its endpoint and the view that answers it."""

from flask import Blueprint

from portal.summaries import views

bp = Blueprint("summaries", __name__)

bp.add_url_rule("/summaries", "index", views.index)
bp.add_url_rule("/summaries/start", "start", views.start, methods=["POST"])
bp.add_url_rule("/summaries/remind", "remind", views.remind, methods=["POST"])
bp.add_url_rule("/summaries/measures", "measures", views.measures)
bp.add_url_rule("/summaries/<int:summary_id>", "detail", views.detail)
bp.add_url_rule("/summaries/<int:summary_id>/save", "save", views.save, methods=["POST"])
bp.add_url_rule(
    "/summaries/<int:summary_id>/measures", "add_measure", views.add_measure, methods=["POST"]
)
bp.add_url_rule("/summaries/<int:summary_id>/submit", "submit", views.submit, methods=["POST"])
bp.add_url_rule("/summaries/<int:summary_id>/correct", "correct", views.correct, methods=["POST"])
bp.add_url_rule(
    "/summaries/measures/<int:countermeasure_id>/remove",
    "remove_measure",
    views.remove_measure,
    methods=["POST"],
)
bp.add_url_rule(
    "/summaries/measures/<int:countermeasure_id>/done",
    "measure_done",
    views.measure_done,
    methods=["POST"],
)
bp.add_url_rule(
    "/summaries/measures/<int:countermeasure_id>/verify",
    "measure_verify",
    views.measure_verify,
    methods=["POST"],
)
bp.add_url_rule(
    "/summaries/measures/<int:countermeasure_id>/return",
    "measure_return",
    views.measure_return,
    methods=["POST"],
)
