"""Complaints: the inbox and the case page, intake, the category taxonomy. Each URL with
its endpoint and the view that answers it."""

from flask import Blueprint

from portal.complaints.views import cases, categories, intake, rectifications

bp = Blueprint("complaints", __name__)

# views/cases.py
bp.add_url_rule("/cases", "inbox", cases.inbox)
bp.add_url_rule("/cases/search", "search", cases.search, methods=["POST"])
bp.add_url_rule("/cases/export.xlsx", "export_list", cases.export_list)
bp.add_url_rule("/cases/filter-options/<kind>", "filter_options", cases.filter_options)
bp.add_url_rule("/cases/<int:case_id>", "detail", cases.detail)
bp.add_url_rule("/cases/<int:case_id>/do/<action>", "act", cases.act, methods=["POST"])
bp.add_url_rule("/cases/<int:case_id>/reveal/<field>", "reveal", cases.reveal, methods=["POST"])
bp.add_url_rule("/cases/<int:case_id>/follow", "follow", cases.follow, methods=["POST"])
bp.add_url_rule("/cases/<int:case_id>/call", "call", cases.call, methods=["POST"])
bp.add_url_rule("/cases/<int:case_id>/form/<action>", "step_form", cases.step_form)
bp.add_url_rule("/cases/attachments/<int:attachment_id>", "attachment", cases.attachment)
bp.add_url_rule("/cases/<int:case_id>/clocks/<int:clock_id>", "explain_clock", cases.explain_clock)

# views/intake.py
bp.add_url_rule("/cases/new", "intake", intake.create, methods=["GET", "POST"])
bp.add_url_rule("/cases/outlets", "outlet_picker", intake.outlet_picker)
bp.add_url_rule("/cases/new/coding", "intake_coding", intake.coding_fields)
bp.add_url_rule("/cases/uploads", "upload", intake.upload, methods=["POST"])
bp.add_url_rule(
    "/cases/repeats", "repeat_suggestions", intake.repeat_suggestions, methods=["GET", "POST"]
)
bp.add_url_rule("/cases/<int:case_id>/worksheet", "worksheet", intake.worksheet)

# views/categories.py
bp.add_url_rule("/categories", "categories", categories.index)
bp.add_url_rule("/categories/options", "category_options", categories.options)
bp.add_url_rule("/categories/crosswalk", "crosswalk", categories.crosswalk, methods=["GET", "POST"])
bp.add_url_rule("/categories", "new_category", categories.create, methods=["POST"])
bp.add_url_rule(
    "/categories/<int:category_id>/active", "category_active", categories.toggle, methods=["POST"]
)

# views/rectifications.py
bp.add_url_rule("/rectifications", "rectifications", rectifications.index)
bp.add_url_rule(
    "/rectifications/<int:rectification_id>/work",
    "rectification_work",
    rectifications.record_work,
    methods=["POST"],
)
