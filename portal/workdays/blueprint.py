"""The working-day calendar (Art. 11) and the deadline calculator. Each URL with its
endpoint and the view that answers it."""

from flask import Blueprint

from portal.workdays import views, wording
from portal.workdays.rules import DEADLINE_RULE_EN, DEADLINE_RULE_ZH

bp = Blueprint("workdays", __name__)

# views.py
# The rule's sentences, global in every template: add_app_template_global takes functions,
# so these strings are set as it would set one.
bp.record_once(
    lambda state: state.app.jinja_env.globals.update(
        DEADLINE_RULE_ZH=DEADLINE_RULE_ZH, DEADLINE_RULE_EN=DEADLINE_RULE_EN
    )
)
bp.add_app_template_filter(wording.day_label, "day_label")
bp.add_url_rule("/calendar", "index", views.index)
bp.add_url_rule("/calendar/<int:year>", "year", views.year)
bp.add_url_rule("/calendar/<int:year>/<int:month>", "month", views.month)
bp.add_url_rule("/calendar/day/<day>", "edit_day", views.edit_day, methods=["GET", "POST"])
bp.add_url_rule("/calendar/notice", "notice", views.notice, methods=["GET", "POST"])
bp.add_url_rule("/calendar/explain", "explain", views.explain)
bp.add_url_rule("/calendar/banner", "banner", views.banner)
